#include "relay/webrtc/publisher_session.hpp"

#include <openssl/rand.h>

#include <array>
#include <chrono>
#include <cstring>

#include "common/clock.hpp"
#include "relay/router/consumer.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtcp_remb.hpp"

namespace medrelay::relay::webrtc {

namespace {

uint32_t randomSsrc() {
  uint32_t value = 0;
  while (value == 0)
    RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
  return value;
}

uint32_t readSsrc(std::span<const uint8_t> packet) {
  return packet.size() >= 12 ? (uint32_t{packet[8]} << 24) | (uint32_t{packet[9]} << 16) |
                                   (uint32_t{packet[10]} << 8) | packet[11]
                             : 0;
}

}  // namespace

PublisherSession::PublisherSession(MediaWorker& worker, router::Producer& producer,
                                   router::Producer* audioProducer, router::PacketPool& pool,
                                   Config config, Listener& listener)
    : worker_(worker),
      producer_(producer),
      audioProducer_(config.audio ? audioProducer : nullptr),
      pool_(pool),
      config_(std::move(config)),
      listener_(listener),
      peer_(worker, config_.peer, *this),
      localSsrc_(randomSsrc()) {}

PublisherSession::~PublisherSession() {
  close();
}

bool PublisherSession::start() {
  return peer_.start(config_.offer);
}

bool PublisherSession::addRemoteCandidate(const std::string& candidate) {
  return !closed_ && peer_.addRemoteCandidate(candidate);
}

void PublisherSession::close() {
  if (closed_) return;
  closed_ = true;
  if (rembTimer_) worker_.cancelTimer(rembTimer_);
  rembTimer_ = 0;
  peer_.close();
}

void PublisherSession::onPeerGatheringDone(PeerConnection& peer) {
  if (answered_ || closed_) return;
  answered_ = true;
  AnswerParams params;
  params.role = AnswerParams::Role::Publisher;
  params.iceUfrag = peer.localUfrag();
  params.icePwd = peer.localPassword();
  params.fingerprintSha256 = peer.localFingerprint();
  params.candidates = peer.localCandidates();
  params.gatheringDone = true;
  params.streamId = config_.streamName;
  std::vector<AcceptedSection> sections{{config_.choice}};
  if (audioProducer_) sections.push_back({*config_.audio});
  auto answer = buildAnswer(config_.offer, sections, params);
  if (auto* sdp = std::get_if<std::string>(&answer)) {
    listener_.onPublisherAnswer(*this, *sdp);
  } else {
    listener_.onPublisherEnded(*this, "sdp", std::get<SdpError>(answer).message);
  }
}

void PublisherSession::onPeerConnected(PeerConnection&) {
  if (closed_ || connected_) return;
  connected_ = true;
  if (config_.choice.remb) {
    rembTimer_ = worker_.addTimer(std::chrono::seconds(1), [this] {
      sendRemb();
      return true;
    });
  }
  listener_.onPublisherConnected(*this);
}

void PublisherSession::onPeerClosed(PeerConnection&, const std::string& code,
                                    const std::string& reason) {
  if (closed_) return;
  close();
  listener_.onPublisherEnded(*this, code, reason);
}

void PublisherSession::onPeerRtcp(PeerConnection&, std::span<const uint8_t>) {
  // Sender reports from the publisher: nothing to act on yet.
}

void PublisherSession::onPeerRtp(PeerConnection&, std::span<const uint8_t> packet) {
  if (closed_ || packet.size() < 12 || packet.size() > router::kPacketCapacity) return;
  uint8_t payloadType = packet[1] & 0x7F;
  if (payloadType == config_.choice.payloadType) {
    remoteSsrc_ = readSsrc(packet);
    forward(producer_, packet);
  } else if (audioProducer_ && payloadType == config_.audio->payloadType) {
    forward(*audioProducer_, packet);
  } else {
    ++stats_.otherPayloadTypes;  // RTX, FEC, padding streams: the relay repairs on its own
  }
}

void PublisherSession::forward(router::Producer& producer, std::span<const uint8_t> packet) {
  router::PacketRef copy = pool_.acquire();
  if (!copy) {
    ++stats_.poolExhausted;
    return;
  }
  auto buffer = copy.writable();
  std::memcpy(buffer.data(), packet.data(), packet.size());
  buffer[1] = static_cast<uint8_t>((packet[1] & 0x80) | producer.config().payloadType);
  copy.setSize(packet.size());
  ++stats_.packets;
  producer.receiveRtp(std::move(copy), medrelay::steadyMs());
  producer.flushConsumers();
}

void PublisherSession::requestKeyFrame() {
  if (!connected_ || closed_ || remoteSsrc_ == 0) return;
  std::array<uint8_t, 12 + router::kTrailerRoom> pli{};
  size_t size = rtp::writePli(pli, localSsrc_, remoteSsrc_);
  if (size && peer_.sendRtcp(pli, size)) ++stats_.keyFrameRequests;
}

void PublisherSession::sendRemb() {
  if (remoteSsrc_ == 0) return;
  std::array<uint8_t, 64 + router::kTrailerRoom> remb{};
  uint32_t ssrcs[] = {remoteSsrc_};
  size_t size = rtp::writeRemb(std::span<uint8_t>(remb.data(), 64), localSsrc_,
                               config_.estimatedBitrate, ssrcs);
  if (size) peer_.sendRtcp(remb, size);
}

}  // namespace medrelay::relay::webrtc
