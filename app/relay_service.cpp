#include "app/relay_service.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>

#include "app/stream_metrics.hpp"
#include "common/burst_log.hpp"
#include "common/clock.hpp"
#include "common/logger.hpp"
#include "common/prometheus_text.hpp"
#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_offer.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("relay.service");
  return logger;
}

signaling::SignalingError error(int status, std::string code, std::string message) {
  return signaling::SignalingError{status, std::move(code), std::move(message)};
}

}  // namespace

// One subscription: the bookkeeping the signaling side sees (owner, observer) plus the
// ViewerSession, which is created, used and destroyed only on the stream's worker thread.
class RelayService::Session final : public relay::webrtc::ViewerSession::Listener,
                                    public std::enable_shared_from_this<Session> {
 public:
  Session(RelayService& service, std::string id, signaling::Principal principal, Stream& stream,
          std::weak_ptr<signaling::SessionObserver> observer)
      : service_(service),
        id_(std::move(id)),
        principal_(std::move(principal)),
        stream_(stream),
        observer_(std::move(observer)),
        started_(std::chrono::steady_clock::now()) {}

  const std::string& id() const { return id_; }
  const std::string& owner() const { return principal_.userId; }
  // Guarded by the service's mutex_ (renewal replaces the credential's times).
  const signaling::Principal& principal() const { return principal_; }
  void renewCredential(int64_t issuedAt, int64_t expiresAt) {
    principal_.issuedAt = issuedAt;
    principal_.expiresAt = expiresAt;
  }
  Stream& stream() const { return stream_; }
  double watchedSeconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // Any thread: the relay ends the session (access revoked, token expired). The client hears
  // why through its observer; media stops when the worker destroys the viewer.
  void endByRelay(const std::string& code, const std::string& reason) {
    if (auto observer = observer_.lock()) observer->onSessionEnded(id_, code, reason);
    destroyViewerLater();
  }

  // Worker thread.
  std::unique_ptr<relay::webrtc::ViewerSession> viewer;
  std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> pendingAnswer;

  // Worker thread: closes and destroys the viewer (never from inside its own callbacks).
  void destroyViewerLater() {
    stream_.worker().post([self = shared_from_this()] { self->destroyViewer(); });
  }

  // Worker thread only.
  void destroyViewer() {
    if (!viewer) return;
    stream_.viewerLeft(*viewer);
    viewer->close();
    viewer.reset();
  }

  void onViewerAnswer(relay::webrtc::ViewerSession&, const std::string& answerSdp) override {
    if (auto done = std::exchange(pendingAnswer, nullptr)) {
      done(signaling::SubscribeAnswer{id_, answerSdp});
    }
  }

  void onViewerEnded(relay::webrtc::ViewerSession&, const std::string& code,
                     const std::string& reason) override {
    auto self = shared_from_this();  // forget() may drop the table's reference to us
    log()->info("session {} on {} ended: {}", id_, stream_.name(), code);
    if (auto done = std::exchange(pendingAnswer, nullptr)) {
      done(error(500, "session-failed", "The media session could not be set up: " + reason));
    } else if (auto observer = observer_.lock()) {
      observer->onSessionEnded(id_, code, reason);
    }
    if (service_.forget(id_)) service_.auditSessionEnd(*this, "ended", code);
    destroyViewerLater();
  }

 private:
  RelayService& service_;
  std::string id_;
  signaling::Principal principal_;
  Stream& stream_;
  std::weak_ptr<signaling::SessionObserver> observer_;
  std::chrono::steady_clock::time_point started_;
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

void RelayService::reviewSessions(bool directoryChanged) {
  if (publishing_) publishing_->review(directoryChanged);
  int64_t now = medrelay::wallSeconds();
  std::vector<std::pair<std::shared_ptr<Session>, access::AccessDecision>> ended;
  {
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      const auto& principal = it->second->principal();
      access::AccessDecision decision{true, "", ""};
      if (principal.expiresAt != 0 && now >= principal.expiresAt) {
        decision = {false, "token-expired", "Your sign-in has expired."};
      } else if (directoryChanged) {
        decision =
            authorizer_.checkCredential(principal.userName, principal.deviceId, principal.issuedAt);
        if (decision.allowed) {
          decision = authorizer_.mayWatch(principal.userName, principal.deviceId,
                                          it->second->stream().name());
        }
      }
      if (decision.allowed) {
        ++it;
        continue;
      }
      ended.emplace_back(it->second, std::move(decision));
      limits_.release(it->second->owner());
      it = sessions_.erase(it);
    }
  }
  for (auto& [session, decision] : ended) {
    log()->info("session {} of {} on {} revoked: {}", session->id(), session->owner(),
                session->stream().name(), decision.code);
    session->endByRelay(decision.code == "token-expired" ? "token-expired" : "access-revoked",
                        decision.reason);
    auditSessionEnd(*session, "revoked", decision.code);
  }
}

void RelayService::auditSessionEnd(const Session& session, const std::string& outcome,
                                   const std::string& reason) {
  const auto& p = session.principal();
  nlohmann::json details = {{"stream", session.stream().name()},
                            {"session", session.id()},
                            {"device", p.deviceId},
                            {"address", p.remoteAddress},
                            {"watched_seconds", std::round(session.watchedSeconds() * 10) / 10}};
  if (!reason.empty()) details["reason"] = reason;
  authorizer_.audit({"user:" + p.userName, "unsubscribe", "stream:" + session.stream().name(),
                     outcome, std::move(details)});
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
  std::lock_guard lock(mutex_);
  for (auto& [id, session] : sessions_) {
    const auto& p = session->principal();
    if (p.userName == principal.userName && p.deviceId == principal.deviceId &&
        principal.expiresAt > p.expiresAt) {
      session->renewCredential(principal.issuedAt, principal.expiresAt);
    }
  }
}

std::vector<signaling::StreamInfo> RelayService::listStreams(
    const signaling::Principal& principal) {
  // Only what this user may watch: the list itself must not leak other groups' streams.
  std::vector<signaling::StreamInfo> out;
  for (const auto& name : authorizer_.watchableStreams(principal.userName, principal.deviceId)) {
    Stream* stream = streams_.find(name);
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
    for (const auto& encoding : stream->encodings()) {
      info.codecs.emplace_back(relay::rtp::codecName(encoding.codec));
    }
    if (info.kind == "dicom" && burnedInOf_) info.burnedIn = burnedInOf_(info.name);
    out.push_back(std::move(info));
  }
  return out;
}

void RelayService::subscribe(
    const signaling::Principal& principal, const std::string& streamName,
    const std::string& offerSdp, const std::string& oneTimeCode,
    std::weak_ptr<signaling::SessionObserver> observer,
    std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> done) {
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
  Stream* stream = decision.allowed ? streams_.find(streamName) : nullptr;
  if (decision.allowed && !stream) decision = {false, "not-found", "There is no such stream."};
  nlohmann::json details = {
      {"stream", streamName}, {"device", principal.deviceId}, {"address", principal.remoteAddress}};
  if (!decision.allowed) {
    ++subscribesDenied_;
    details["reason"] = decision.code;
    authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "denied",
                       std::move(details)});
    if (decision.code == "not-found") {
      return refuse(error(404, "not-found", "There is no stream named " + streamName + "."));
    }
    if (decision.code == "unknown-user" || decision.code == "unknown-device" ||
        decision.code == "user-inactive" || decision.code == "device-revoked") {
      return refuse(error(401, decision.code, decision.reason));
    }
    return refuse(error(403, decision.code, decision.reason));
  }
  auto offer = relay::webrtc::parseOffer(offerSdp);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&offer)) {
    return refuse(error(400, failure->code, failure->message));
  }
  // A published stream can only be watched in the codec its publisher sends.
  std::vector<relay::webrtc::StreamEncoding> available;
  auto published = stream->publishedCodec();
  for (const auto& encoding : stream->encodings()) {
    if (!published || encoding.codec == *published) available.push_back({encoding.codec});
  }
  auto choice =
      relay::webrtc::chooseVideoCodec(std::get<relay::webrtc::RemoteDescription>(offer), available);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&choice)) {
    return refuse(error(400, failure->code, failure->message));
  }
  // Last, so that a bad offer does not spend the code.
  if (auto code = authorizer_.checkOneTimeCode(principal.userName, principal.deviceId, streamName,
                                               oneTimeCode);
      !code.allowed) {
    ++subscribesDenied_;
    details["reason"] = code.code;
    authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "denied",
                       std::move(details)});
    return refuse(error(403, code.code, code.reason));
  }

  auto session = std::make_shared<Session>(*this, access::randomHex(16), principal, *stream,
                                           std::move(observer));
  details["session"] = session->id();
  authorizer_.audit({"user:" + principal.userName, "subscribe", "stream:" + streamName, "granted",
                     std::move(details)});
  {
    std::lock_guard lock(mutex_);
    sessions_[session->id()] = session;
  }
  ++subscribesGranted_;
  relay::webrtc::ViewerSession::Config config;
  config.sessionId = session->id();
  config.streamName = stream->name();
  config.peer.ice = ice_;
  config.peer.certificate = certificate_;
  config.offer = std::move(std::get<relay::webrtc::RemoteDescription>(offer));
  config.choice = std::get<relay::webrtc::CodecChoice>(choice);
  if (stream->producesAudio()) {
    config.audio = relay::webrtc::chooseAudioCodec(config.offer, config.choice);
  }
  log()->info("user {} subscribes to {} ({}{})", principal.userName, stream->name(),
              relay::rtp::codecName(config.choice.encoding.codec), config.audio ? " + opus" : "");

  stream->worker().post([this, session, config = std::move(config),
                         done = std::move(done)]() mutable {
    auto* producer = session->stream().producer(config.choice.encoding.codec);
    if (!producer) {
      forget(session->id());
      return done(error(503, "stream-unavailable", "The stream has no such encoding right now."));
    }
    session->pendingAnswer = std::move(done);
    session->viewer = std::make_unique<relay::webrtc::ViewerSession>(
        session->stream().worker(), *producer, session->stream().producer(relay::rtp::Codec::Opus),
        std::move(config), *session);
    session->stream().viewerJoined(*session->viewer);
    if (!session->viewer->start()) {
      if (auto pending = std::exchange(session->pendingAnswer, nullptr)) {
        pending(error(400, "bad-transport", "The offer's ICE parameters are unusable."));
      }
      forget(session->id());
      session->destroyViewerLater();
    }
  });
}

std::shared_ptr<RelayService::Session> RelayService::findOwned(
    const signaling::Principal& principal, const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end() || it->second->owner() != principal.userId) return nullptr;
  return it->second;
}

std::optional<signaling::SignalingError> RelayService::addRemoteCandidate(
    const signaling::Principal& principal, const std::string& sessionId, const std::string&,
    const std::string& candidate) {
  auto session = findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  if (candidate.size() > 1024) return error(400, "bad-request", "The candidate is too long.");
  session->stream().worker().post([session, candidate] {
    if (session->viewer) session->viewer->addRemoteCandidate(candidate);
  });
  return std::nullopt;
}

std::optional<signaling::SignalingError> RelayService::patchSession(
    const signaling::Principal& principal, const std::string& sessionId,
    const std::string& sdpFragment) {
  if (publishing_) {
    if (auto outcome = publishing_->patch(principal, sessionId, sdpFragment)) return *outcome;
  }
  auto session = findOwned(principal, sessionId);
  if (!session) return error(404, "not-found", "There is no such session.");
  auto fragment = relay::webrtc::parseSdpFragment(sdpFragment);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&fragment)) {
    return error(400, failure->code, failure->message);
  }
  auto parsed = std::get<relay::webrtc::SdpFragment>(fragment);
  session->stream().worker().post([session, parsed] {
    if (!session->viewer) return;
    for (const auto& candidate : parsed.candidates)
      session->viewer->addRemoteCandidate(candidate);
    if (parsed.endOfCandidates) session->viewer->addRemoteCandidate("");
  });
  return std::nullopt;
}

bool RelayService::unsubscribe(const signaling::Principal& principal,
                               const std::string& sessionId) {
  auto session = findOwned(principal, sessionId);
  if (!session || !forget(sessionId)) return false;
  session->destroyViewerLater();
  auditSessionEnd(*session, "success", "");
  return true;
}

void RelayService::publish(
    const signaling::Principal& principal, const std::string& stream, const std::string& offerSdp,
    std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> done) {
  if (!publishing_) return done(error(501, "not-implemented", "This relay takes no publishers."));
  publishing_->publish(principal, stream, offerSdp, std::move(done));
}

bool RelayService::unpublish(const signaling::Principal& principal, const std::string& sessionId) {
  return publishing_ && publishing_->unpublish(principal, sessionId);
}

bool RelayService::forget(const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(sessionId);
  if (it == sessions_.end()) return false;
  limits_.release(it->second->owner());
  sessions_.erase(it);
  return true;
}

void RelayService::closeAll() {
  if (publishing_) publishing_->closeAll();
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mutex_);
    sessions.swap(sessions_);
  }
  for (auto& [id, session] : sessions) {
    session->stream().worker().runSync([&] { session->destroyViewer(); });
    auditSessionEnd(*session, "ended", "server-shutdown");
  }
}

void RelayService::handleApi(signaling::ApiRequest request,
                             std::function<void(signaling::ApiResponse)> done) {
  if (!api_) return done({503, "application/json", R"({"code":"unavailable"})", {}});
  api_(std::move(request), std::move(done));
}

bool RelayService::healthy() {
  return true;
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
