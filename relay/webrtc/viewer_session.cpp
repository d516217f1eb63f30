#include "relay/webrtc/viewer_session.hpp"

#include <openssl/rand.h>

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

ViewerSession::ViewerSession(MediaWorker& worker, router::Producer& producer,
                             router::Producer* audioProducer, Config config, Listener& listener)
    : worker_(worker),
      producer_(producer),
      config_(std::move(config)),
      listener_(listener),
      consumer_(consumerConfig(config_, config_.choice), *this),
      audioProducer_(config_.audio ? audioProducer : nullptr),
      peer_(worker, peerConfig(config_.peer), *this) {
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
    producer_.removeConsumer(consumer_);
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
  // Attach only now: before DTLS completes there are no keys to protect media with.
  producer_.addConsumer(consumer_, medrelay::steadyMs());
  if (audioConsumer_) audioProducer_->addConsumer(*audioConsumer_, medrelay::steadyMs());
  attached_ = true;
  reportTimer_ = worker_.addTimer(std::chrono::milliseconds(250), [this] {
    consumer_.onTimer(medrelay::steadyMs());
    if (audioConsumer_) audioConsumer_->onTimer(medrelay::steadyMs());
    return true;
  });
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
