#include "relay/webrtc/viewer_session.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "common/clock.hpp"
#include "common/logger.hpp"

namespace medrelay::relay::webrtc {

namespace {

uint32_t randomSsrc() {
  uint32_t value = 0;
  while (value == 0)
    RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

auto log() {
  static auto logger = medrelay::logger("relay.webrtc");
  return logger;
}

}  // namespace

router::ConsumerConfig ViewerSession::consumerConfig(const Config& config,
                                                     const CodecChoice& choice) {
  router::ConsumerConfig c;
  c.ssrc = randomSsrc();
  c.payloadType = choice.payloadType;
  if (choice.rtxPayloadType) {
    c.rtxPayloadType = choice.rtxPayloadType;
    c.rtxSsrc = randomSsrc();
  }
  c.clockRate = rtp::clockRate(choice.encoding.codec);
  c.cname = "medrelay-" + config.streamName;  // one CNAME: the browser syncs audio and video
  c.nack = choice.nack;
  return c;
}

PeerConnectionConfig ViewerSession::peerConfig(PeerConnectionConfig config) {
  config.maxRtpPerSecond = 0;  // a viewer sends no media: whatever it sends is dropped unread
  return config;
}

ViewerSession::ViewerSession(MediaWorker& worker, std::vector<router::Producer*> layers,
                             router::Producer* audioProducer, Config config, Listener& listener)
    : worker_(worker),
      layers_(std::move(layers)),
      config_(std::move(config)),
      listener_(listener),
      consumer_(consumerConfig(config_, config_.choice), *this),
      audioProducer_(config_.audio ? audioProducer : nullptr),
      peer_(worker, peerConfig(config_.peer), *this),
      selector_(medrelay::steadyMs()) {
  if (audioProducer_) audioConsumer_.emplace(consumerConfig(config_, *config_.audio), *this);
}

ViewerSession::~ViewerSession() {
  close();
}

router::ViewerFigures ViewerSession::viewerFigures() const {
  router::ViewerFigures figures;
  for (const router::Consumer* consumer : {&consumer_, audioConsumer()}) {
    if (!consumer) continue;
    const auto& s = consumer->stats();
    figures.packetsOut += s.packetsSent;
    figures.bytesOut += s.bytesSent;
    figures.nacks += s.nacksReceived;
    figures.retransmitted += s.retransmitted;
    figures.retransmitsRefused += s.retransmitsTooSoon + s.retransmitsOverBudget;
    figures.keyFrameRequests += s.pliReceived + s.firReceived;
    figures.keyFrameRequestsThrottled += s.keyFrameRequestsThrottled;
    figures.droppedBeforeRun += s.droppedBeforeRun;
  }
  figures.datagramsRateLimited = peer_.stats().rateLimited;
  figures.srtpIndexRefusals = peer_.srtpIndexRefusals();
  figures.layerSwitchesUp = layerSwitchesUp_;
  figures.layerSwitchesDown = layerSwitchesDown_;
  if (attached_ && layer_ >= 0 && static_cast<size_t>(layer_) < router::kMaxLayers)
    figures.onLayer[static_cast<size_t>(layer_)] = 1;
  return figures;
}

bool ViewerSession::start() {
  return peer_.start(config_.offer);
}

bool ViewerSession::addRemoteCandidate(const std::string& candidate) {
  return !closed_ && peer_.addRemoteCandidate(candidate);
}

void ViewerSession::close() {
  if (closed_) return;
  closed_ = true;
  if (reportTimer_) worker_.cancelTimer(reportTimer_);
  reportTimer_ = 0;
  if (attached_) {
    consumer_.detach();
    if (audioConsumer_) audioProducer_->removeConsumer(*audioConsumer_);
  }
  attached_ = false;
  peer_.close();
}

void ViewerSession::onPeerGatheringDone(PeerConnection& peer) {
  if (answered_ || closed_) return;
  answered_ = true;
  AnswerParams params;
  params.iceUfrag = peer.localUfrag();
  params.icePwd = peer.localPassword();
  params.fingerprintSha256 = peer.localFingerprint();
  params.candidates = peer.localCandidates();
  params.gatheringDone = true;
  params.cname = consumer_.config().cname;
  params.streamId = config_.streamName;
  std::vector<AcceptedSection> sections;
  sections.push_back({config_.choice, consumer_.config().ssrc,
                      consumer_.config().rtxSsrc.value_or(0), config_.streamName + "-video"});
  if (audioConsumer_) {
    sections.push_back(
        {*config_.audio, audioConsumer_->config().ssrc, 0, config_.streamName + "-audio"});
  }
  auto answer = buildAnswer(config_.offer, sections, params);
  if (auto* sdp = std::get_if<std::string>(&answer)) {
    listener_.onViewerAnswer(*this, *sdp);
  } else {
    listener_.onViewerEnded(*this, "sdp", std::get<SdpError>(answer).message);
  }
}

void ViewerSession::onPeerConnected(PeerConnection&) {
  if (closed_ || attached_) return;
  // Attach only now: before DTLS completes there are no keys to protect media with. The top
  // layer first: a thin link shows within a second or two and is moved down.
  const int64_t now = medrelay::steadyMs();
  layer_ = 0;
  if (auto pinned = selector_.pinned();
      pinned && *pinned >= 0 && static_cast<size_t>(*pinned) < layers_.size())
    layer_ = *pinned;
  layers_[static_cast<size_t>(layer_)]->addConsumer(consumer_, now);
  listener_.onViewerLayer(*this, layer_);
  if (audioConsumer_) audioProducer_->addConsumer(*audioConsumer_, medrelay::steadyMs());
  attached_ = true;
  reportTimer_ = worker_.addTimer(std::chrono::milliseconds(250), [this] {
    const int64_t nowMs = medrelay::steadyMs();
    consumer_.onTimer(nowMs);
    if (audioConsumer_) audioConsumer_->onTimer(nowMs);
    followLink(nowMs);
    return true;
  });
}

void ViewerSession::pinLayer(std::optional<int> layer) {
  const bool changed = selector_.pinned() != layer;
  selector_.pin(layer);
  if (attached_ && !closed_) {
    followLink(medrelay::steadyMs());
    // Pinned to the layer it is on already: say so now, no switch will.
    if (changed) listener_.onViewerLayer(*this, layer_);
  }
}

void ViewerSession::followLink(int64_t nowMs) {
  if (layers_.size() < 2) return;
  // A switch completes on the target's key frame: see where the consumer is now.
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (layers_[i] != consumer_.producer() || static_cast<int>(i) == layer_) continue;
    (static_cast<int>(i) < layer_ ? layerSwitchesUp_ : layerSwitchesDown_)++;
    log()->debug("a viewer of {} is now on layer {} (estimate {} kbit/s, loss {}/256)",
                 config_.streamName, i, consumer_.stats().rembBps / 1000,
                 consumer_.stats().windowLoss);
    layer_ = static_cast<int>(i);
    listener_.onViewerLayer(*this, layer_);
  }
  // A key frame is normally a frame time away; one that does not come (the layer stopped)
  // lets the selector choose again.
  if (consumer_.switchingTo() && nowMs - switchAskedMs_ < 2000) return;
  std::array<uint32_t, router::kMaxLayers> kbps{};
  const size_t count = std::min(layers_.size(), router::kMaxLayers);
  for (size_t i = 0; i < count; ++i) {
    const auto* layer = layers_[i];
    const bool flowing = layer->lastPacketMs() > 0 && nowMs - layer->lastPacketMs() < 2000;
    kbps[i] = flowing ? std::max<uint32_t>(1, layer->bitrateKbps()) : 0;
  }
  const auto& stats = consumer_.stats();
  router::LayerSelector::Feedback feedback;
  feedback.nowMs = nowMs;
  feedback.layerKbps = std::span<const uint32_t>(kbps.data(), count);
  feedback.current = layer_;
  feedback.estimateBps = stats.rembBps;
  feedback.estimateAtMs = stats.rembAtMs;
  feedback.fractionLost = stats.windowLoss;
  feedback.reportAtMs = stats.windowLossAtMs;
  const int target = selector_.choose(feedback);
  if (target < 0 || static_cast<size_t>(target) >= count) return;
  if (target == layer_ && !consumer_.switchingTo()) return;
  if (target != layer_) {
    switchAskedMs_ = nowMs;
    log()->debug(
        "a viewer of {}: layer {} -> {} (layers {}/{}/{} kbit/s, estimate {} kbit/s {} ms "
        "old, loss {}/256 {} ms old)",
        config_.streamName, layer_, target, kbps[0], kbps[1], kbps[2], stats.rembBps / 1000,
        stats.rembAtMs < 0 ? -1 : nowMs - stats.rembAtMs, stats.windowLoss,
        stats.windowLossAtMs < 0 ? -1 : nowMs - stats.windowLossAtMs);
  }
  consumer_.switchTo(*layers_[static_cast<size_t>(target)], nowMs);  // or cancels a pending one
}

void ViewerSession::onPeerClosed(PeerConnection&, const std::string& code,
                                 const std::string& reason) {
  if (closed_) return;
  close();
  listener_.onViewerEnded(*this, code, reason);
}

void ViewerSession::onPeerRtcp(PeerConnection&, std::span<const uint8_t> compound) {
  if (!attached_) return;
  consumer_.receiveRtcp(compound, medrelay::steadyMs());
  if (audioConsumer_) audioConsumer_->receiveRtcp(compound, medrelay::steadyMs());
}

void ViewerSession::onConsumerRtp(router::Consumer&, std::span<uint8_t> packet) {
  peer_.queueRtp(std::span<uint8_t>(packet.data(), packet.size() + router::kTrailerRoom),
                 packet.size());
}

void ViewerSession::onConsumerFlush(router::Consumer&) {
  peer_.flush();
}

void ViewerSession::onConsumerRtcp(router::Consumer&, std::span<uint8_t> compound) {
  peer_.sendRtcp(std::span<uint8_t>(compound.data(), compound.size() + router::kTrailerRoom),
                 compound.size());
}

}  // namespace medrelay::relay::webrtc
