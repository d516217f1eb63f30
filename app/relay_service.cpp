#include "app/relay_service.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <tuple>

#include "app/consult_thread_service.hpp"
#include "app/stream_metrics.hpp"
#include "common/burst_log.hpp"
#include "common/clock.hpp"
#include "common/logger.hpp"
#include "common/prometheus_text.hpp"
#include "common/token_bucket.hpp"
#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_offer.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("viewers");
  return logger;
}

// Pointer marks per viewer session: a page sends a tap or a finished stroke, a few a second at
// most; beyond this a client is flooding the others watching.
constexpr double kPointerMarksPerSecond = 5;
constexpr double kPointerMarkBurst = 20;

signaling::SignalingError error(int status, std::string code, std::string message) {
  return signaling::SignalingError{status, std::move(code), std::move(message)};
}

}  // namespace

// One subscription: the shared session bookkeeping plus the client's observer (which hears
// why the relay ended it); its ViewerSession lives on the stream's worker thread.
class RelayService::Session final : public MediaSession<relay::webrtc::ViewerSession>,
                                    public relay::webrtc::ViewerSession::Listener {
 public:
  Session(RelayService& service, std::string id, signaling::Principal principal,
          std::shared_ptr<Stream> stream, const relay::webrtc::TransportDescription& offer,
          std::weak_ptr<signaling::SessionObserver> observer, bool unseen)
      : MediaSession(std::move(id), std::move(principal), stream, offer),
        service_(service),
        observer_(std::move(observer)),
        watch_(*stream),
        unseen_(unseen) {}

  bool unseen() const { return unseen_; }  // not listed among the stream's watchers
  const std::weak_ptr<signaling::SessionObserver>& observer() const { return observer_; }

  // Signaling threads: whether the viewer may place one more mark on the picture now (a tap
  // is one; a page sends at most a few a second), counted for the audit record of the session.
  bool takePointerMark(int64_t nowMs) {
    std::lock_guard lock(pointerMutex_);
    if (!pointerRate_.take(nowMs)) return false;
    ++pointerMarks_;
    return true;
  }
  uint64_t pointerMarks() const {
    std::lock_guard lock(pointerMutex_);
    return pointerMarks_;
  }

  // Any thread: the relay ends the session (access revoked, token expired). The client hears
  // why through its observer; media stops when the worker destroys the viewer.
  void endByRelay(const std::string& code, const std::string& reason) {
    if (auto observer = observer_.lock()) observer->onSessionEnded(id(), code, reason);
    destroyPeerLater();
  }

  void onViewerAnswer(relay::webrtc::ViewerSession&, const std::string& answerSdp) override {
    deliverAnswer(answerSdp);
  }

  void onViewerLayer(relay::webrtc::ViewerSession& viewer, int layer) override {
    if (auto observer = observer_.lock()) {
      observer->onSessionLayer(id(), layer, static_cast<int>(viewer.layerCount()),
                               viewer.pinnedLayer().has_value());
    }
  }

  void onViewerEnded(relay::webrtc::ViewerSession&, const std::string& code,
                     const std::string& reason) override {
    auto self = shared_from_this();  // forget() may drop the table's reference to us
    log()->info("session {} on {} ended: {}", id(), stream().name(), code);
    if (!failAnswer(
            error(500, "session-failed", "The media session could not be set up: " + reason))) {
      if (auto observer = observer_.lock()) observer->onSessionEnded(id(), code, reason);
    }
    if (service_.forget(id())) {  // once per session: not after an unsubscribe or revocation
      stream().viewerEnds().note(viewerEndFromCode(code));
      service_.auditSessionEnd(*this, "ended", code);
    }
    destroyPeerLater();
  }

 private:
  void beforePeerCloses() override { stream().room().viewerLeft(*peer); }

  RelayService& service_;
  std::weak_ptr<signaling::SessionObserver> observer_;
  // From the grant on, so an on-demand source starts while ICE and DTLS are still under way.
  Stream::Watch watch_;
  const bool unseen_;
  mutable std::mutex pointerMutex_;
  TokenBucket pointerRate_{kPointerMarksPerSecond, kPointerMarkBurst};  // guarded
  uint64_t pointerMarks_ = 0;                                           // guarded
};

RelayService::RelayService(const access::TokenAuthority& tokens, access::Authorizer& authorizer,
                           StreamRegistry& streams,
                           std::shared_ptr<relay::transport::Certificate> certificate,
                           relay::transport::IceConfig ice)
    : tokens_(tokens),
      authorizer_(authorizer),
      streams_(streams),
      certificate_(std::move(certificate)),
      ice_(std::move(ice)) {
  authorizer_.setReviewCallback([this](bool changed) { reviewSessions(changed); });
}

RelayService::~RelayService() {
  authorizer_.setReviewCallback(nullptr);
  closeAll();
}

void RelayService::setDirectoryChangedHook(std::function<void()> hook) {
  std::lock_guard lock(hookMutex_);
  directoryChanged_ = std::move(hook);
}

void RelayService::setWatchersChangedHook(std::function<void()> hook) {
  std::lock_guard lock(watchersHookMutex_);
  watchersChanged_ = std::move(hook);
}

void RelayService::watchersChanged() {
  {
    std::lock_guard cache(watchersCacheMutex_);
    watchersCache_.reset();
    ++watchersGeneration_;
  }
  std::lock_guard lock(watchersHookMutex_);
  if (watchersChanged_) watchersChanged_();
}

void RelayService::reviewSessions(bool directoryChanged) {
  if (directoryChanged) {
    std::lock_guard lock(hookMutex_);
    if (directoryChanged_) directoryChanged_();
  }
  if (publishing_) publishing_->review(directoryChanged);
  int64_t now = medrelay::wallSeconds();
  auto ended = sessions_.removeRefused([&](const Session& session) {
    const auto& p = session.principal();
    return reviewAccess(p, now, directoryChanged, authorizer_, [&] {
      return authorizer_.mayWatch(p.userName, p.deviceId, session.stream().name());
    });
  });
  for (auto& [session, decision] : ended) {
    limits_.release(session->owner());
    log()->info("session {} of {} on {} revoked: {}", session->id(), session->owner(),
                session->stream().name(), decision.code);
    const bool expired = decision.code == "token-expired";
    session->stream().viewerEnds().note(expired ? ViewerEnd::TokenExpired
                                                : ViewerEnd::AccessRevoked);
    session->endByRelay(expired ? "token-expired" : "access-revoked", decision.reason);
    auditSessionEnd(*session, "revoked", decision.code);
  }
  if (!ended.empty()) watchersChanged();
}

void RelayService::auditSessionEnd(const Session& session, const std::string& outcome,
                                   const std::string& reason) {
  auto record = session.endRecord("unsubscribe", outcome, reason, "watched_seconds");
  // Pointing is audited in aggregate: how many marks the viewer placed during the session.
  if (auto marks = session.pointerMarks()) record.details["pointer_marks"] = marks;
  authorizer_.audit(std::move(record));
}

signaling::Outcome<signaling::Principal> RelayService::authenticate(std::string_view bearerToken) {
  auto verified = tokens_.verify(bearerToken, medrelay::wallSeconds());
  if (auto* failure = std::get_if<access::TokenError>(&verified)) {
    return error(401, "unauthorized", failure->message);
  }
  const auto& claims = std::get<access::TokenClaims>(verified);
  auto credential = authorizer_.checkCredential(claims.user, claims.device, claims.issuedAt);
  if (!credential.allowed) return error(401, credential.code, credential.reason);
  return signaling::Principal{claims.user,     claims.user,      claims.device,
                              claims.issuedAt, claims.expiresAt, ""};
}

void RelayService::renew(const signaling::Principal& principal) {
  sessions_.renew(principal);
}

std::vector<signaling::StreamInfo> RelayService::listStreams(
    const signaling::Principal& principal) {
  // Only what this user may watch: the list itself must not leak other groups' streams. Who
  // watches a stream is shown to those who may watch it (presence), one entry per user.
  auto watchers = watchersByStream();
  auto me = authorizer_.person(principal.userName);
  std::vector<signaling::StreamInfo> out;
  for (const auto& name : authorizer_.watchableStreams(principal.userName, principal.deviceId)) {
    auto stream = streams_.find(name);
    if (!stream) continue;  // in the directory, but not carried by this relay
    signaling::StreamInfo info;
    info.name = stream->name();
    info.kind = stream->kind();
    info.state = std::string(streamStateName(stream->state()));
    auto health = stream->health();
    info.detail = health.detail;
    info.restarts = health.restarts;
    info.bitrateKbps = health.bitrateKbps;
    info.framesPerSecond = health.framesPerSecond;
    for (const auto& encoding : stream->room().encodings()) {
      if (encoding.layer == 0) info.codecs.emplace_back(relay::rtp::codecName(encoding.codec));
    }
    if (info.kind == "dicom" && burnedInOf_) info.burnedIn = burnedInOf_(info.name);
    auto watching = watchers->find(info.name);
    if (watching != watchers->end()) {
      for (const auto& [user, sinceMs] : watching->second) {
        auto person = authorizer_.person(user);
        if (!person) continue;  // left the directory: their session is ending
        info.watchers.push_back({user, person->displayName, person->department,
                                 me && me->facility == person->facility ? "" : person->facility,
                                 sinceMs});
      }
    }
    std::sort(info.watchers.begin(), info.watchers.end(), [](const auto& a, const auto& b) {
      return std::tie(a.displayName, a.user) < std::tie(b.displayName, b.user);
    });
    out.push_back(std::move(info));
  }
  return out;
}

std::shared_ptr<const RelayService::WatcherMap> RelayService::watchersByStream() const {
  uint64_t generation = 0;
  {
    std::lock_guard lock(watchersCacheMutex_);
    if (watchersCache_) return watchersCache_;
    generation = watchersGeneration_;
  }
  auto out = std::make_shared<WatcherMap>();
  sessions_.forEach([&out](const Session& session) {
    if (session.unseen()) return;
    auto& since = (*out)[session.stream().name()][session.principal().userName];
    since = since ? std::min(since, session.startedWallMs()) : session.startedWallMs();
  });
  std::lock_guard lock(watchersCacheMutex_);
  // A session that came or went while we walked makes this one stale: keep it only if none did.
  if (watchersGeneration_ == generation) watchersCache_ = out;
  return out;
}

void RelayService::subscribe(
    const signaling::Principal& principal, const std::string& streamName,
    const std::string& offerSdp, const signaling::SubscribeRequest& request,
    std::weak_ptr<signaling::SessionObserver> observer,
    std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done) {
  // Limits first: a flood of attempts must not become a flood of decisions and audit records.
  auto admitted = limits_.admit(principal.userId, principal.remoteAddress, medrelay::steadyMs());
  if (admitted.verdict != SubscribeLimits::Verdict::Allowed) {
    uint64_t suppressed = 0;
    if (limitLog_.shouldLog(medrelay::steadyMs(), suppressed)) {
      log()->warn("subscribe of {} from {} refused at a limit; {} more since the last report",
                  principal.userName, principal.remoteAddress, suppressed);
    }
    auto refusal = admitted.verdict == SubscribeLimits::Verdict::TooManySessions
                       ? error(429, "too-many-sessions",
                               "You have too many streams open; close one and try again.")
                       : error(429, "rate-limited", "Too many subscribes; try again in a moment.");
    refusal.retryAfterSeconds = admitted.retryAfterSeconds;
    return done(std::move(refusal));
  }
  // From here on the user holds a session slot: every path that does not start one gives it back.
  auto refuse = [&](signaling::SignalingError failure) {
    limits_.release(principal.userId);
    done(std::move(failure));
  };
  auto decision = authorizer_.mayWatch(principal.userName, principal.deviceId, streamName);
  auto stream = decision.allowed ? streams_.find(streamName) : nullptr;
  if (decision.allowed && !stream) decision = {false, "not-found", "There is no such stream."};
  // Watching without being listed among the watchers is a permission of its own (audited).
  if (decision.allowed && request.unseen &&
      !authorizer_.hasPermission(principal.userName, access::kWatchUnseen)) {
    decision = {false, "missing-permission",
                "Watching without being listed needs the watch-unseen permission."};
  }
  nlohmann::json details = {
      {"stream", streamName}, {"device", principal.deviceId}, {"address", principal.remoteAddress}};
  if (request.unseen) details["unseen"] = true;
  if (!decision.allowed) {
    ++subscribesDenied_;
    details["reason"] = decision.code;
    authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "denied",
                       std::move(details)});
    if (decision.code == "not-found") {
      return refuse(error(404, "not-found", "There is no stream named " + streamName + "."));
    }
    return refuse(error(refusalStatus(decision.code), decision.code, decision.reason));
  }
  auto offer = relay::webrtc::parseOffer(offerSdp);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&offer)) {
    return refuse(error(400, failure->code, failure->message));
  }
  // A published stream can only be watched in the codec its publisher sends.
  std::vector<relay::webrtc::StreamEncoding> available;
  auto& room = stream->room();
  auto published = room.publishedCodec();
  for (const auto& encoding : room.encodings()) {
    if (!published || encoding.codec == *published)
      available.push_back({encoding.codec, encoding.preferred});
  }
  auto choice =
      relay::webrtc::chooseVideoCodec(std::get<relay::webrtc::RemoteDescription>(offer), available);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&choice)) {
    return refuse(error(400, failure->code, failure->message));
  }
  // Last, so that a bad offer does not spend the code.
  if (auto code = authorizer_.checkOneTimeCode(principal.userName, principal.deviceId, streamName,
                                               request.oneTimeCode);
      !code.allowed) {
    ++subscribesDenied_;
    details["reason"] = code.code;
    authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "denied",
                       std::move(details)});
    return refuse(error(403, code.code, code.reason));
  }

  auto session = std::make_shared<Session>(*this, access::randomHex(16), principal, stream,
                                           std::get<relay::webrtc::RemoteDescription>(offer),
                                           std::move(observer), request.unseen);
  details["session"] = session->id();
  authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "granted",
                     std::move(details)});
  sessions_.add(session);
  watchersChanged();
  ++subscribesGranted_;
  relay::webrtc::ViewerSession::Config config;
  config.sessionId = session->id();
  config.streamName = stream->name();
  config.peer.ice = ice_;
  config.peer.certificate = certificate_;
  config.offer = std::move(std::get<relay::webrtc::RemoteDescription>(offer));
  config.choice = std::get<relay::webrtc::CodecChoice>(choice);
  if (room.producesAudio()) {
    config.audio = relay::webrtc::chooseAudioCodec(config.offer, config.choice);
  }
  log()->info("user {} subscribes to {} ({}{})", principal.userName, stream->name(),
              relay::rtp::codecName(config.choice.encoding.codec), config.audio ? " + opus" : "");

  room.worker().post([this, session, &room, config = std::move(config),
                      done = std::move(done)]() mutable {
    auto layers = room.layers(config.choice.encoding.codec);
    if (layers.empty()) {
      forget(session->id());
      return done(error(503, "stream-unavailable", "The stream has no such encoding right now."));
    }
    session->awaitAnswer(std::move(done));
    session->peer = std::make_unique<relay::webrtc::ViewerSession>(
        room.worker(), std::move(layers), room.producer(relay::rtp::Codec::Opus), std::move(config),
        *session);
    room.viewerJoined(*session->peer);
    if (!session->peer->start()) {
      session->failAnswer(error(400, "bad-transport", "The offer's ICE parameters are unusable."));
      forget(session->id());
      session->destroyPeerLater();
    }
  });
}

std::optional<signaling::SignalingError> RelayService::addRemoteCandidate(
    const signaling::Principal& principal, const std::string& sessionId, const std::string&,
    const std::string& candidate) {
  auto session = sessions_.findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  if (candidate.size() > 1024) return error(400, "bad-request", "The candidate is too long.");
  session->stream().room().worker().post([session, candidate] {
    if (session->peer) session->peer->addRemoteCandidate(candidate);
  });
  return std::nullopt;
}

std::optional<signaling::SignalingError> RelayService::patchSession(
    const signaling::Principal& principal, const std::string& sessionId,
    const std::string& sdpFragment) {
  if (publishing_) {
    if (auto outcome = publishing_->patch(principal, sessionId, sdpFragment)) return *outcome;
  }
  auto session = sessions_.findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  return applyIceFragment(session, sdpFragment);
}

bool RelayService::unsubscribe(const signaling::Principal& principal,
                               const std::string& sessionId) {
  auto session = sessions_.findOwned(principal, sessionId);
  if (!session || !forget(sessionId)) return false;
  session->destroyPeerLater();
  session->stream().viewerEnds().note(ViewerEnd::Left);
  auditSessionEnd(*session, "success", "");
  return true;
}

std::optional<signaling::SignalingError> RelayService::point(const signaling::Principal& principal,
                                                             const std::string& sessionId,
                                                             const signaling::PointerMark& mark) {
  auto session = sessions_.findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  if (session->unseen()) {
    ++pointerMarksRefused_;
    return error(403, "watching-unseen",
                 "You watch unseen: a pointer would show the others that you are watching.");
  }
  if (!session->takePointerMark(medrelay::steadyMs())) {
    ++pointerMarksRefused_;
    auto refusal = error(429, "rate-limited", "Too many pointer marks; slow down.");
    refusal.retryAfterSeconds = 1;
    return refusal;
  }
  signaling::PointerEvent event{session->stream().name(), principal.userName, principal.userName,
                                mark, medrelay::wallMs()};
  if (auto person = authorizer_.person(principal.userName); person && !person->displayName.empty())
    event.displayName = person->displayName;
  // Everyone else watching this stream (by the stream object: a removed stream's leftover
  // viewers are not those of a new one with the same name).
  auto others = observersOf([&](const Session& other) {
    return &other != session.get() && &other.stream() == &session->stream();
  });
  for (const auto& [id, weak] : others) {
    if (auto observer = weak.lock()) observer->onPointer(id, event);
  }
  ++pointerMarksForwarded_;
  return std::nullopt;
}

std::vector<std::pair<std::string, std::weak_ptr<signaling::SessionObserver>>>
RelayService::observersOf(const std::function<bool(const Session&)>& include) const {
  std::vector<std::pair<std::string, std::weak_ptr<signaling::SessionObserver>>> out;
  sessions_.forEach([&](const Session& session) {
    if (include(session)) out.emplace_back(session.id(), session.observer());
  });
  return out;
}

void RelayService::readThread(
    const signaling::Principal& principal, const std::string& stream, int64_t beforeId,
    size_t limit,
    std::function<void(signaling::Outcome<std::vector<signaling::ThreadMessageInfo>>)> done) {
  if (!threads_) return done(error(501, "not-supported", "This relay keeps no consult threads."));
  threads_->read(principal, stream, beforeId, limit, std::move(done));
}

void RelayService::postToThread(
    const signaling::Principal& principal, const std::string& stream, const std::string& text,
    std::function<void(signaling::Outcome<signaling::ThreadMessageInfo>)> done) {
  if (!threads_) return done(error(501, "not-supported", "This relay keeps no consult threads."));
  threads_->post(principal, stream, text,
                 [this, stream, done = std::move(done)](
                     signaling::Outcome<signaling::ThreadMessageInfo> outcome) {
                   if (auto* posted = std::get_if<signaling::ThreadMessageInfo>(&outcome)) {
                     // Live to every session watching the stream (the thread is the stream
                     // name's); the poster's own page has the reply too and ignores the repeat.
                     for (const auto& [id, weak] : observersOf(
                              [&](const Session& s) { return s.stream().name() == stream; })) {
                       if (auto observer = weak.lock()) observer->onThreadMessage(id, *posted);
                     }
                   }
                   done(std::move(outcome));
                 });
}

std::optional<signaling::SignalingError> RelayService::pinLayer(
    const signaling::Principal& principal, const std::string& sessionId, std::optional<int> layer) {
  auto session = sessions_.findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  if (layer && (*layer < 0 || static_cast<size_t>(*layer) >= relay::router::kMaxLayers))
    return error(400, "no-such-layer", "The stream has no layer of that number.");
  session->stream().room().worker().post([session, layer] {
    if (session->peer) session->peer->pinLayer(layer);
  });
  return std::nullopt;
}

void RelayService::publish(const signaling::Principal& principal, const std::string& stream,
                           const std::string& offerSdp,
                           std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done) {
  if (!publishing_) return done(error(501, "not-implemented", "This relay takes no publishers."));
  publishing_->publish(principal, stream, offerSdp, std::move(done));
}

bool RelayService::unpublish(const signaling::Principal& principal, const std::string& sessionId) {
  return publishing_ && publishing_->unpublish(principal, sessionId);
}

bool RelayService::forget(const std::string& sessionId) {
  auto session = sessions_.remove(sessionId);
  if (!session) return false;
  watchersChanged();
  limits_.release(session->owner());
  return true;
}

void RelayService::closeAll() {
  if (publishing_) publishing_->closeAll();
  for (auto& session : sessions_.removeAll()) {
    limits_.release(session->owner());
    session->stream().room().worker().runSync([&] { session->destroyPeer(); });
    session->stream().viewerEnds().note(ViewerEnd::ServerShutdown);
    auditSessionEnd(*session, "ended", "server-shutdown");
  }
  watchersChanged();
}

void RelayService::handleApi(signaling::ApiRequest request,
                             std::function<void(signaling::ApiResponse)> done) {
  if (!api_) return done({503, "application/json", R"({"code":"unavailable"})", {}});
  api_(std::move(request), std::move(done));
}

bool RelayService::healthy() {
  return true;
}

std::vector<signaling::IceServer> RelayService::iceServers(const signaling::Principal& principal) {
  return iceServers_.forUser(principal.userName, wallSeconds());
}

std::string RelayService::metricsText() {
  std::string text = streamMetricsText(streams_.all());
  PrometheusText out;
  out.family("medrelay_subscribes_total", "counter", "Subscribe requests by outcome.");
  out.sample("medrelay_subscribes_total", {{"outcome", "granted"}}, subscribesGranted_.load());
  out.sample("medrelay_subscribes_total", {{"outcome", "denied"}}, subscribesDenied_.load());
  auto limits = limits_.stats();
  out.family("medrelay_subscribes_refused_total", "counter",
             "Subscribes refused at a limit (429), by limit.");
  out.sample("medrelay_subscribes_refused_total", {{"limit", "sessions-per-user"}},
             limits.tooManySessions);
  out.sample("medrelay_subscribes_refused_total", {{"limit", "rate-per-user"}}, limits.userRate);
  out.sample("medrelay_subscribes_refused_total", {{"limit", "rate-per-address"}},
             limits.addressRate);
  out.family("medrelay_pointer_marks_total", "counter",
             "Marks viewers placed on a stream's picture, by outcome (refused: watching unseen "
             "or over the rate).");
  out.sample("medrelay_pointer_marks_total", {{"outcome", "forwarded"}},
             pointerMarksForwarded_.load());
  out.sample("medrelay_pointer_marks_total", {{"outcome", "refused"}}, pointerMarksRefused_.load());
  text += out.text();
  std::vector<std::function<std::string()>> sources;
  {
    std::lock_guard lock(mutex_);
    sources = metricsSources_;
  }
  for (const auto& source : sources)
    text += source();
  return text;
}

void RelayService::addMetricsSource(std::function<std::string()> source) {
  std::lock_guard lock(mutex_);
  metricsSources_.push_back(std::move(source));
}

}  // namespace medrelay::app
