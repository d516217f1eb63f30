#include "app/publish_service.hpp"

#include <chrono>
#include <cmath>

#include "access/token_authority.hpp"
#include "app/stream_launcher.hpp"
#include "common/clock.hpp"
#include "common/logger.hpp"
#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/publisher_session.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_offer.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("publish");
  return logger;
}

signaling::SignalingError error(int status, std::string code, std::string message) {
  return signaling::SignalingError{status, std::move(code), std::move(message)};
}

}  // namespace

// One publisher: the shared session bookkeeping plus the codec it sends; its PublisherSession
// lives on the stream's worker thread.
class PublishService::Publisher final : public MediaSession<relay::webrtc::PublisherSession>,
                                        public relay::webrtc::PublisherSession::Listener {
 public:
  Publisher(PublishService& service, std::string id, signaling::Principal principal,
            std::shared_ptr<Stream> stream, const relay::webrtc::TransportDescription& offer,
            relay::rtp::Codec codec)
      : MediaSession(std::move(id), std::move(principal), std::move(stream), offer),
        service_(service),
        codec_(codec) {}

  void onPublisherAnswer(relay::webrtc::PublisherSession&, const std::string& sdp) override {
    deliverAnswer(sdp);
  }

  void onPublisherConnected(relay::webrtc::PublisherSession& publisher) override {
    auto& room = stream().room();
    room.setKeyFrameSource(this, [&publisher] { publisher.requestKeyFrame(); });
    room.setPublishedCodec(codec_);
    service_.report(stream(), StreamState::Live, "");
    log()->info("{} publishes {} ({})", principal().userName, stream().name(),
                relay::rtp::codecName(codec_));
  }

  void onPublisherEnded(relay::webrtc::PublisherSession&, const std::string& code,
                        const std::string& reason) override {
    auto self = shared_from_this();
    failAnswer(error(500, "session-failed", "The media session could not be set up: " + reason));
    if (service_.forget(id())) service_.audit(*this, "ended", code);
    destroyPeerLater();
  }

 private:
  void beforePeerCloses() override { stream().room().clearKeyFrameSource(this); }

  PublishService& service_;
  relay::rtp::Codec codec_;
};

PublishService::PublishService(access::Authorizer& authorizer, StreamProvider streams,
                               std::shared_ptr<relay::transport::Certificate> certificate,
                               relay::transport::IceConfig ice, StateListener stateChanged)
    : authorizer_(authorizer),
      streams_(std::move(streams)),
      certificate_(std::move(certificate)),
      ice_(std::move(ice)),
      stateChanged_(std::move(stateChanged)) {}

PublishService::~PublishService() {
  closeAll();
}

void PublishService::publish(
    const signaling::Principal& principal, const std::string& streamName,
    const std::string& offerSdp,
    std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done) {
  nlohmann::json details = {
      {"stream", streamName}, {"device", principal.deviceId}, {"address", principal.remoteAddress}};
  auto deny = [&](int status, const std::string& code, const std::string& message) {
    details["reason"] = code;
    authorizer_.audit(
        {"user:" + principal.userName, "publish", "stream:" + streamName, "denied", details});
    done(error(status, code, message));
  };
  std::string source;
  auto decision =
      authorizer_.mayPublish(principal.userName, principal.deviceId, streamName, source);
  if (!decision.allowed) return deny(refusalStatus(decision.code), decision.code, decision.reason);
  if (!isPublishedSource(source)) {
    return deny(409, "not-publishable",
                "This stream takes its video from its own source, not from publishers.");
  }
  auto stream = streams_(streamName, source);
  if (!stream) return deny(503, "stream-unavailable", "The stream cannot take a publisher now.");
  auto offer = relay::webrtc::parseOffer(offerSdp);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&offer)) {
    return deny(400, failure->code, failure->message);
  }
  std::vector<relay::webrtc::StreamEncoding> available;
  auto& room = stream->room();
  for (const auto& encoding : room.encodings())
    available.push_back({encoding.codec});
  auto choice =
      relay::webrtc::chooseVideoCodec(std::get<relay::webrtc::RemoteDescription>(offer), available,
                                      relay::webrtc::AnswerParams::Role::Publisher);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&choice)) {
    return deny(400, failure->code, failure->message);
  }
  const auto& chosen = std::get<relay::webrtc::CodecChoice>(choice);
  auto publisher = std::make_shared<Publisher>(*this, access::randomHex(16), principal, stream,
                                               std::get<relay::webrtc::RemoteDescription>(offer),
                                               chosen.encoding.codec);
  // One publisher per stream: the table swaps them in one step, so the old one's end (it is
  // no longer in the table) cannot take the stream down under the new one.
  auto replaced = publishers_.add(
      publisher, [&](const Publisher& other) { return other.stream().name() == streamName; });
  if (replaced) {
    log()->info("{} replaces the publisher of {}", principal.userName, streamName);
    audit(*replaced, "ended", "replaced");
    replaced->destroyPeerLater();
  }
  details["session"] = publisher->id();
  authorizer_.audit({"user:" + principal.userName, "publish", "stream:" + streamName, "granted",
                     std::move(details)});

  relay::webrtc::PublisherSession::Config config;
  config.sessionId = publisher->id();
  config.streamName = streamName;
  config.peer.ice = ice_;
  config.peer.certificate = certificate_;
  config.offer = std::move(std::get<relay::webrtc::RemoteDescription>(offer));
  config.choice = chosen;
  if (room.producesAudio()) {
    config.audio = relay::webrtc::chooseAudioCodec(config.offer, chosen,
                                                   relay::webrtc::AnswerParams::Role::Publisher);
  }
  room.worker().post(
      [this, publisher, &room, config = std::move(config), done = std::move(done)]() mutable {
        auto* producer = room.producer(config.choice.encoding.codec);
        if (!producer) {
          forget(publisher->id());
          return done(error(503, "stream-unavailable", "The stream has no such encoding."));
        }
        publisher->awaitAnswer(std::move(done));
        publisher->peer = std::make_unique<relay::webrtc::PublisherSession>(
            room.worker(), *producer, room.producer(relay::rtp::Codec::Opus), room.pool(),
            std::move(config), *publisher);
        if (!publisher->peer->start()) {
          publisher->failAnswer(
              error(400, "bad-transport", "The offer's ICE parameters are unusable."));
          forget(publisher->id());
          publisher->destroyPeerLater();
        }
      });
}

std::optional<std::optional<signaling::SignalingError>> PublishService::patch(
    const signaling::Principal& principal, const std::string& sessionId,
    const std::string& sdpFragment) {
  auto publisher = publishers_.findOwned(principal, sessionId);
  if (!publisher) return std::nullopt;
  return applyIceFragment(publisher, sdpFragment);
}

bool PublishService::unpublish(const signaling::Principal& principal,
                               const std::string& sessionId) {
  auto publisher = publishers_.findOwned(principal, sessionId);
  if (!publisher || !forget(publisher->id())) return false;
  audit(*publisher, "success", "");
  publisher->destroyPeerLater();
  return true;
}

void PublishService::report(Stream& stream, StreamState state, const std::string& detail) {
  stream.setState(state);
  stream.noteSourceEvent(detail, false);
  if (stateChanged_) stateChanged_(stream.name(), state, detail);
}

bool PublishService::forget(const std::string& id) {
  // In the table means current: a replaced publisher left it when its successor came.
  auto publisher = publishers_.remove(id);
  if (!publisher) return false;
  report(publisher->stream(), StreamState::Down, std::string(kNoPublisher));
  return true;
}

void PublishService::review(bool directoryChanged) {
  int64_t now = medrelay::wallSeconds();
  auto ended = publishers_.removeRefused([&](const Publisher& publisher) {
    const auto& p = publisher.principal();
    return reviewAccess(p, now, directoryChanged, authorizer_, [&] {
      std::string source;
      return authorizer_.mayPublish(p.userName, p.deviceId, publisher.stream().name(), source);
    });
  });
  for (auto& [publisher, decision] : ended) {
    report(publisher->stream(), StreamState::Down, std::string(kNoPublisher));
    log()->info("publisher {} of {} revoked: {}", publisher->id(), publisher->stream().name(),
                decision.code);
    audit(*publisher, "revoked", decision.code);
    publisher->destroyPeerLater();
  }
}

void PublishService::closeAll() {
  for (auto& publisher : publishers_.removeAll()) {
    publisher->stream().room().worker().runSync([&] { publisher->destroyPeer(); });
    audit(*publisher, "ended", "server-shutdown");
  }
}

void PublishService::audit(const Publisher& publisher, const std::string& outcome,
                           const std::string& reason) {
  authorizer_.audit(publisher.endRecord("unpublish", outcome, reason, "published_seconds"));
}

}  // namespace medrelay::app
