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
  static auto logger = medrelay::logger("relay.publish");
  return logger;
}

signaling::SignalingError error(int status, std::string code, std::string message) {
  return signaling::SignalingError{status, std::move(code), std::move(message)};
}

}  // namespace

// One publisher: the signaling-side bookkeeping plus the PublisherSession, which is created,
// used and destroyed only on the stream's worker thread.
class PublishService::Publisher final : public relay::webrtc::PublisherSession::Listener,
                                        public std::enable_shared_from_this<Publisher> {
 public:
  Publisher(PublishService& service, std::string id, signaling::Principal principal, Stream& stream,
            relay::rtp::Codec codec)
      : service_(service),
        id_(std::move(id)),
        principal_(std::move(principal)),
        stream_(stream),
        codec_(codec),
        started_(std::chrono::steady_clock::now()) {}

  const std::string& id() const { return id_; }
  const signaling::Principal& principal() const { return principal_; }
  Stream& stream() const { return stream_; }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // Worker thread.
  std::unique_ptr<relay::webrtc::PublisherSession> session;
  std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> pendingAnswer;

  void destroyLater() {
    stream_.worker().post([self = shared_from_this()] { self->destroy(); });
  }

  void destroy() {  // worker thread
    if (!session) return;
    stream_.clearKeyFrameSource(this);
    session->close();
    session.reset();
  }

  void onPublisherAnswer(relay::webrtc::PublisherSession&, const std::string& sdp) override {
    if (auto done = std::exchange(pendingAnswer, nullptr))
      done(signaling::SubscribeAnswer{id_, sdp});
  }

  void onPublisherConnected(relay::webrtc::PublisherSession& publisher) override {
    stream_.setKeyFrameSource(this, [&publisher] { publisher.requestKeyFrame(); });
    stream_.setPublishedCodec(codec_);
    stream_.setState(StreamState::Live);
    log()->info("{} publishes {} ({})", principal_.userName, stream_.name(),
                relay::rtp::codecName(codec_));
    if (service_.stateChanged_) service_.stateChanged_(stream_.name(), StreamState::Live, "");
  }

  void onPublisherEnded(relay::webrtc::PublisherSession&, const std::string& code,
                        const std::string& reason) override {
    auto self = shared_from_this();
    if (auto done = std::exchange(pendingAnswer, nullptr)) {
      done(error(500, "session-failed", "The media session could not be set up: " + reason));
    }
    if (service_.forget(*this)) service_.audit(*this, "ended", code);
    destroyLater();
  }

 private:
  PublishService& service_;
  std::string id_;
  signaling::Principal principal_;
  Stream& stream_;
  relay::rtp::Codec codec_;
  std::chrono::steady_clock::time_point started_;
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
    std::function<void(signaling::Outcome<signaling::SubscribeAnswer>)> done) {
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
  if (!decision.allowed) {
    int status = decision.code == "not-found" ? 404
                 : decision.code == "unknown-user" || decision.code == "unknown-device" ||
                         decision.code == "user-inactive" || decision.code == "device-revoked"
                     ? 401
                     : 403;
    return deny(status, decision.code, decision.reason);
  }
  if (!isPublishedSource(source)) {
    return deny(409, "not-publishable",
                "This stream takes its video from its own source, not from publishers.");
  }
  Stream* stream = streams_(streamName, source);
  if (!stream) return deny(503, "stream-unavailable", "The stream cannot take a publisher now.");
  auto offer = relay::webrtc::parseOffer(offerSdp);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&offer)) {
    return deny(400, failure->code, failure->message);
  }
  std::vector<relay::webrtc::StreamEncoding> available;
  for (const auto& encoding : stream->encodings())
    available.push_back({encoding.codec});
  auto choice =
      relay::webrtc::chooseVideoCodec(std::get<relay::webrtc::RemoteDescription>(offer), available,
                                      relay::webrtc::AnswerParams::Role::Publisher);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&choice)) {
    return deny(400, failure->code, failure->message);
  }
  const auto& chosen = std::get<relay::webrtc::CodecChoice>(choice);
  auto publisher = std::make_shared<Publisher>(*this, access::randomHex(16), principal, *stream,
                                               chosen.encoding.codec);
  std::shared_ptr<Publisher> replaced;
  {
    std::lock_guard lock(mutex_);
    if (auto it = byStream_.find(streamName); it != byStream_.end()) {
      replaced = publishers_[it->second];
      publishers_.erase(it->second);
    }
    publishers_[publisher->id()] = publisher;
    byStream_[streamName] = publisher->id();
  }
  if (replaced) {
    log()->info("{} replaces the publisher of {}", principal.userName, streamName);
    audit(*replaced, "ended", "replaced");
    replaced->destroyLater();
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
  if (stream->producesAudio()) {
    config.audio = relay::webrtc::chooseAudioCodec(config.offer, chosen,
                                                   relay::webrtc::AnswerParams::Role::Publisher);
  }
  stream->worker().post(
      [this, publisher, config = std::move(config), done = std::move(done)]() mutable {
        Stream& s = publisher->stream();
        auto* producer = s.producer(config.choice.encoding.codec);
        if (!producer) {
          forget(*publisher);
          return done(error(503, "stream-unavailable", "The stream has no such encoding."));
        }
        publisher->pendingAnswer = std::move(done);
        publisher->session = std::make_unique<relay::webrtc::PublisherSession>(
            s.worker(), *producer, s.producer(relay::rtp::Codec::Opus), s.pool(), std::move(config),
            *publisher);
        if (!publisher->session->start()) {
          if (auto pending = std::exchange(publisher->pendingAnswer, nullptr)) {
            pending(error(400, "bad-transport", "The offer's ICE parameters are unusable."));
          }
          forget(*publisher);
          publisher->destroyLater();
        }
      });
}

std::shared_ptr<PublishService::Publisher> PublishService::findOwned(
    const signaling::Principal& principal, const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = publishers_.find(id);
  if (it == publishers_.end() || it->second->principal().userId != principal.userId) return nullptr;
  return it->second;
}

std::optional<std::optional<signaling::SignalingError>> PublishService::patch(
    const signaling::Principal& principal, const std::string& sessionId,
    const std::string& sdpFragment) {
  auto publisher = findOwned(principal, sessionId);
  if (!publisher) return std::nullopt;
  auto fragment = relay::webrtc::parseSdpFragment(sdpFragment);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&fragment)) {
    return error(400, failure->code, failure->message);
  }
  auto parsed = std::get<relay::webrtc::SdpFragment>(fragment);
  publisher->stream().worker().post([publisher, parsed] {
    if (!publisher->session) return;
    for (const auto& candidate : parsed.candidates)
      publisher->session->addRemoteCandidate(candidate);
    if (parsed.endOfCandidates) publisher->session->addRemoteCandidate("");
  });
  return std::optional<signaling::SignalingError>{};
}

bool PublishService::unpublish(const signaling::Principal& principal,
                               const std::string& sessionId) {
  auto publisher = findOwned(principal, sessionId);
  if (!publisher || !forget(*publisher)) return false;
  audit(*publisher, "success", "");
  publisher->destroyLater();
  return true;
}

bool PublishService::forget(const Publisher& publisher) {
  bool lastOfStream = false;
  {
    std::lock_guard lock(mutex_);
    if (!publishers_.erase(publisher.id())) return false;
    auto it = byStream_.find(publisher.stream().name());
    if (it != byStream_.end() && it->second == publisher.id()) {
      byStream_.erase(it);
      lastOfStream = true;
    }
  }
  if (lastOfStream) {
    publisher.stream().setState(StreamState::Down);
    if (stateChanged_) stateChanged_(publisher.stream().name(), StreamState::Down, "no publisher");
  }
  return true;
}

void PublishService::review(bool directoryChanged) {
  int64_t now = medrelay::wallSeconds();
  std::vector<std::pair<std::shared_ptr<Publisher>, access::AccessDecision>> ended;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, publisher] : publishers_) {
      const auto& p = publisher->principal();
      access::AccessDecision decision{true, "", ""};
      if (p.expiresAt != 0 && now >= p.expiresAt) {
        decision = {false, "token-expired", "Your sign-in has expired."};
      } else if (directoryChanged) {
        decision = authorizer_.checkCredential(p.userName, p.deviceId, p.issuedAt);
        std::string source;
        if (decision.allowed)
          decision =
              authorizer_.mayPublish(p.userName, p.deviceId, publisher->stream().name(), source);
      }
      if (!decision.allowed) ended.emplace_back(publisher, std::move(decision));
    }
  }
  for (auto& [publisher, decision] : ended) {
    if (!forget(*publisher)) continue;
    log()->info("publisher {} of {} revoked: {}", publisher->id(), publisher->stream().name(),
                decision.code);
    audit(*publisher, "revoked", decision.code);
    publisher->destroyLater();
  }
}

void PublishService::closeAll() {
  std::map<std::string, std::shared_ptr<Publisher>> publishers;
  {
    std::lock_guard lock(mutex_);
    publishers.swap(publishers_);
    byStream_.clear();
  }
  for (auto& [id, publisher] : publishers) {
    publisher->stream().worker().runSync([&] { publisher->destroy(); });
    audit(*publisher, "ended", "server-shutdown");
  }
}

void PublishService::audit(const Publisher& publisher, const std::string& outcome,
                           const std::string& reason) {
  const auto& p = publisher.principal();
  nlohmann::json details = {{"stream", publisher.stream().name()},
                            {"session", publisher.id()},
                            {"device", p.deviceId},
                            {"published_seconds", std::round(publisher.seconds() * 10) / 10}};
  if (!reason.empty()) details["reason"] = reason;
  authorizer_.audit({"user:" + p.userName, "unpublish", "stream:" + publisher.stream().name(),
                     outcome, std::move(details)});
}

}  // namespace medrelay::app
