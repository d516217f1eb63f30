#include "app/relay_service.hpp"

#include <chrono>
#include <future>

#include "app/prometheus_text.hpp"
#include "relay/common/logger.hpp"
#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_offer.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("relay.service");
  return logger;
}

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
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
  Session(RelayService& service, std::string id, std::string owner, Stream& stream,
          std::weak_ptr<signaling::SessionObserver> observer)
      : service_(service),
        id_(std::move(id)),
        owner_(std::move(owner)),
        stream_(stream),
        observer_(std::move(observer)) {}

  const std::string& id() const { return id_; }
  const std::string& owner() const { return owner_; }
  Stream& stream() const { return stream_; }

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
    stream_.viewerLeft(viewer->consumer());
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
    service_.forget(id_);
    destroyViewerLater();
  }

 private:
  RelayService& service_;
  std::string id_;
  std::string owner_;
  Stream& stream_;
  std::weak_ptr<signaling::SessionObserver> observer_;
};

RelayService::RelayService(const access::TokenAuthority& tokens, StreamRegistry& streams,
                           std::shared_ptr<relay::transport::Certificate> certificate,
                           relay::transport::IceConfig ice)
    : tokens_(tokens),
      streams_(streams),
      certificate_(std::move(certificate)),
      ice_(std::move(ice)) {}

RelayService::~RelayService() {
  closeAll();
}

signaling::Outcome<signaling::Principal> RelayService::authenticate(std::string_view bearerToken) {
  auto verified = tokens_.verify(bearerToken, nowSeconds());
  if (auto* failure = std::get_if<access::TokenError>(&verified)) {
    return error(401, "unauthorized", failure->message);
  }
  const auto& claims = std::get<access::TokenClaims>(verified);
  return signaling::Principal{claims.user, claims.user, claims.device};
}

std::vector<signaling::StreamInfo> RelayService::listStreams(const signaling::Principal&) {
  // Every holder of a valid token may watch every stream until the chat-group directory
  // (access model) lands; then this filters through the Authorizer.
  std::vector<signaling::StreamInfo> out;
  for (Stream* stream : streams_.all()) {
    signaling::StreamInfo info;
    info.name = stream->name();
    info.kind = stream->kind();
    info.state = std::string(streamStateName(stream->state()));
    for (const auto& encoding : stream->encodings()) {
      info.codecs.emplace_back(relay::rtp::codecName(encoding.codec));
    }
    out.push_back(std::move(info));
  }
  return out;
}

void RelayService::subscribe(
    const signaling::Principal& principal, const std::string& streamName,
    const std::string& offerSdp, std::weak_ptr<signaling::SessionObserver> observer,
    std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> done) {
  Stream* stream = streams_.find(streamName);
  if (!stream) {
    ++subscribesDenied_;
    return done(error(404, "not-found", "There is no stream named " + streamName + "."));
  }
  auto offer = relay::webrtc::parseOffer(offerSdp);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&offer)) {
    return done(error(400, failure->code, failure->message));
  }
  std::vector<relay::webrtc::StreamEncoding> available;
  for (const auto& encoding : stream->encodings())
    available.push_back({encoding.codec});
  auto choice =
      relay::webrtc::chooseVideoCodec(std::get<relay::webrtc::RemoteDescription>(offer), available);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&choice)) {
    return done(error(400, failure->code, failure->message));
  }

  auto session = std::make_shared<Session>(*this, access::randomHex(16), principal.userId, *stream,
                                           std::move(observer));
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
  log()->info("user {} subscribes to {} ({})", principal.userName, stream->name(),
              relay::rtp::codecName(config.choice.encoding.codec));

  stream->worker().post([this, session, config = std::move(config),
                         done = std::move(done)]() mutable {
    auto* producer = session->stream().producer(config.choice.encoding.codec);
    if (!producer) {
      forget(session->id());
      return done(error(503, "stream-unavailable", "The stream has no such encoding right now."));
    }
    session->pendingAnswer = std::move(done);
    session->viewer = std::make_unique<relay::webrtc::ViewerSession>(
        session->stream().worker(), *producer, std::move(config), *session);
    session->stream().viewerJoined(session->viewer->consumer());
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

void RelayService::unsubscribe(const signaling::Principal& principal,
                               const std::string& sessionId) {
  auto session = findOwned(principal, sessionId);
  if (!session) return;
  forget(sessionId);
  session->destroyViewerLater();
}

void RelayService::forget(const std::string& sessionId) {
  std::lock_guard lock(mutex_);
  sessions_.erase(sessionId);
}

void RelayService::closeAll() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(mutex_);
    sessions.swap(sessions_);
  }
  for (auto& [id, session] : sessions) {
    session->stream().worker().runSync([&] { session->destroyViewer(); });
  }
}

bool RelayService::healthy() {
  return true;
}

std::string RelayService::metricsText() {
  struct StreamFigures {
    std::string name;
    std::string state;
    uint64_t viewers = 0, packetsIn = 0, bytesIn = 0, packetsOut = 0, bytesOut = 0, nacks = 0,
             retransmitted = 0, keyFrameRequests = 0, pliFromViewers = 0;
  };
  std::map<std::string, StreamFigures> figures;
  for (Stream* stream : streams_.all()) {
    auto& f = figures[stream->name()];
    f.name = stream->name();
    f.state = std::string(streamStateName(stream->state()));
  }
  // Counters belong to the worker threads: read them there.
  for (Stream* stream : streams_.all()) {
    stream->worker().runSync([&] {
      auto& f = figures[stream->name()];
      for (const auto& encoding : stream->encodings()) {
        if (auto* producer = stream->producer(encoding.codec)) {
          f.packetsIn += producer->stats().packets;
          f.bytesIn += producer->stats().bytes;
          f.keyFrameRequests += producer->stats().keyFrameRequests;
        }
      }
      auto viewers = stream->viewerTotals();
      f.viewers = viewers.viewers;
      f.packetsOut = viewers.packetsOut;
      f.bytesOut = viewers.bytesOut;
      f.nacks = viewers.nacks;
      f.retransmitted = viewers.retransmitted;
      f.pliFromViewers = viewers.keyFrameRequests;
    });
  }

  PrometheusText out;
  auto each = [&](std::string_view name, std::string_view type, std::string_view help,
                  uint64_t StreamFigures::*field) {
    out.family(name, type, help);
    for (auto& [n, f] : figures)
      out.sample(name, {{"stream", f.name}}, f.*field);
  };
  each("medrelay_viewers", "gauge", "Viewers currently watching the stream.",
       &StreamFigures::viewers);
  each("medrelay_packets_in_total", "counter", "RTP packets received from the source.",
       &StreamFigures::packetsIn);
  each("medrelay_bytes_in_total", "counter", "RTP bytes received from the source.",
       &StreamFigures::bytesIn);
  each("medrelay_packets_out_total", "counter", "RTP packets sent to viewers.",
       &StreamFigures::packetsOut);
  each("medrelay_bytes_out_total", "counter", "RTP bytes sent to viewers.",
       &StreamFigures::bytesOut);
  each("medrelay_nacks_total", "counter", "Generic NACKs received from viewers.",
       &StreamFigures::nacks);
  each("medrelay_retransmissions_total", "counter", "Packets resent to viewers.",
       &StreamFigures::retransmitted);
  each("medrelay_viewer_keyframe_requests_total", "counter", "PLI/FIR received from viewers.",
       &StreamFigures::pliFromViewers);
  each("medrelay_source_keyframe_requests_total", "counter",
       "Key-frame requests sent to the source (merged and throttled).",
       &StreamFigures::keyFrameRequests);
  out.family("medrelay_stream_up", "gauge", "1 when the stream's source is live.");
  for (auto& [n, f] : figures) {
    out.sample("medrelay_stream_up", {{"stream", f.name}}, uint64_t{f.state == "live"});
  }
  out.family("medrelay_subscribes_total", "counter", "Subscribe requests by outcome.");
  out.sample("medrelay_subscribes_total", {{"outcome", "granted"}}, subscribesGranted_.load());
  out.sample("medrelay_subscribes_total", {{"outcome", "denied"}}, subscribesDenied_.load());
  return out.text();
}

}  // namespace medrelay::app
