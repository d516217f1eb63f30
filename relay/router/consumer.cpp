#include "relay/router/consumer.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <random>

#include "common/clock.hpp"
#include "relay/router/producer.hpp"
#include "relay/rtp/rtcp_header.hpp"
#include "relay/rtp/rtcp_nack.hpp"
#include "relay/rtp/rtcp_receiver_report.hpp"
#include "relay/rtp/rtcp_remb.hpp"
#include "relay/rtp/rtcp_sdes.hpp"
#include "relay/rtp/rtcp_sender_report.hpp"
#include "relay/rtp/rtp_header_writer.hpp"

namespace medrelay::relay::router {

namespace {

constexpr int64_t kSenderReportIntervalMs = 1000;
constexpr size_t kMaxRetransmitsPerNack = 64;

uint32_t randomValue() {
  static thread_local std::mt19937 generator{std::random_device{}()};
  return generator();
}

}  // namespace

Consumer::Consumer(ConsumerConfig config, Listener& listener)
    : config_(std::move(config)),
      listener_(listener),
      // A random start (RFC 3550 §5.1), offset so the extended form never goes negative.
      lastOutputExtended_((int64_t{1} << 20) + (randomValue() & 0xFFFF)),
      lastOutputTimestamp_(randomValue()),
      rtxSequence_(static_cast<uint16_t>(randomValue())) {}

Consumer::~Consumer() {
  detach();
}

void Consumer::detach() {
  if (producer_) producer_->removeConsumer(*this);
  if (switchingTo_) switchingTo_->removeSwitchingConsumer(*this);
  producer_ = nullptr;
  switchingTo_ = nullptr;
}

void Consumer::switchTo(Producer& target, int64_t nowMs) {
  if (switchingTo_ == &target) return;
  if (switchingTo_) switchingTo_->removeSwitchingConsumer(*this);
  switchingTo_ = nullptr;
  if (&target == producer_) return;
  if (!producer_) {
    target.addConsumer(*this, nowMs);  // nothing to keep showing: a plain join
    return;
  }
  switchingTo_ = &target;
  target.addSwitchingConsumer(*this, nowMs);
}

void Consumer::onSwitched(Producer& target) {
  flush();                                          // what the old producer gave us goes out first
  if (producer_) producer_->removeConsumer(*this);  // safe: that producer is not fanning out
  producer_ = &target;
  switchingTo_ = nullptr;
  ++switches_;
  // The key frame that follows starts a new run: numbering continues, and nothing resent from
  // before it (another producer's numbers) can be mistaken for this one's.
  waitingForKeyFrame_ = true;
}

void Consumer::onProducerClosed(Producer& producer) {
  if (producer_ == &producer) producer_ = nullptr;
  if (switchingTo_ == &producer) switchingTo_ = nullptr;
}

void Consumer::onAttached(Producer& producer, int64_t nowMs) {
  producer_ = &producer;
  waitingForKeyFrame_ = true;
  int64_t keyFrame = producer.lastKeyFrameSequence();
  if (keyFrame >= 0 && nowMs - producer.lastKeyFrameReceivedMs() <= config_.replayWindowMs) {
    const auto& cache = producer.cache();
    for (int64_t sequence = keyFrame; sequence <= cache.newest(); ++sequence) {
      const PacketRef* cached = cache.findExtended(sequence);
      if (!cached) continue;
      auto parsed = rtp::RtpPacket::parse(cached->data());
      if (!parsed) continue;
      if (forward(*parsed, nowMs)) ++stats_.replayedOnJoin;
    }
    flush();
  }
  if (waitingForKeyFrame_) producer.requestKeyFrame(nowMs);
}

void Consumer::onSourceRestart() {
  // The next packets come from a new source: resynchronise on its first key frame.
  waitingForKeyFrame_ = true;
}

void Consumer::onProducerRtp(const rtp::RtpPacket& packet, bool keyFrameStart, int64_t nowMs) {
  if (waitingForKeyFrame_) {
    if (!keyFrameStart) {
      ++stats_.skippedWaitingForKeyFrame;
      return;
    }
  }
  (void)keyFrameStart;
  forward(packet, nowMs);
}

void Consumer::synchronize(const rtp::RtpPacket& packet, int64_t nowMs) {
  // Continue our own numbering: next sequence number, and a timestamp advanced by the wall
  // time since our last packet, whatever numbers the (possibly new) source uses.
  uint16_t nextSequence = static_cast<uint16_t>(lastOutputExtended_ + 1);
  sequenceOffset_ = static_cast<uint16_t>(nextSequence - packet.sequenceNumber());
  uint32_t elapsed = sentAny_ ? static_cast<uint32_t>(std::max<int64_t>(
                                    1, (nowMs - lastOutputMs_) * (config_.clockRate / 1000)))
                              : 0;
  timestampOffset_ = lastOutputTimestamp_ + elapsed - packet.timestamp();
  firstOutputExtended_ = lastOutputExtended_ + 1;
  waitingForKeyFrame_ = false;
}

size_t Consumer::rewrite(const rtp::RtpPacket& packet, std::span<uint8_t> out) const {
  auto bytes = packet.data();
  if (bytes.size() > out.size()) return 0;
  std::memcpy(out.data(), bytes.data(), bytes.size());
  rtp::setSsrc(out, config_.ssrc);
  rtp::setPayloadType(out, config_.payloadType);
  rtp::setSequenceNumber(out, static_cast<uint16_t>(packet.sequenceNumber() + sequenceOffset_));
  rtp::setTimestamp(out, packet.timestamp() + timestampOffset_);
  return bytes.size();
}

std::span<uint8_t> Consumer::nextSlot() {
  if (queued_ == kOutputSlots) flush();
  return slots_[queued_];
}

void Consumer::emit(std::span<uint8_t> slot, size_t size) {
  ++queued_;
  listener_.onConsumerRtp(*this, slot.first(size));
}

void Consumer::flush() {
  if (queued_ == 0) return;
  queued_ = 0;
  listener_.onConsumerFlush(*this);
}

bool Consumer::forward(const rtp::RtpPacket& packet, int64_t nowMs) {
  if (waitingForKeyFrame_) synchronize(packet, nowMs);
  const uint16_t sequence = static_cast<uint16_t>(packet.sequenceNumber() + sequenceOffset_);
  const int64_t extended = extendedOutput(sequence);
  if (extended < firstOutputExtended_) {
    // Late, from before this run started: its number may already have carried other bytes
    // (one SRTP index, one nonce). It is of no use to the decoder either.
    ++stats_.droppedBeforeRun;
    return false;
  }
  auto slot = nextSlot();
  size_t size = rewrite(packet, slot.first(kPacketCapacity));
  if (size == 0) return false;
  // Track the newest output position (reordered older packets do not move it back).
  if (!sentAny_ || extended > lastOutputExtended_) {
    lastOutputExtended_ = extended;
    lastOutputTimestamp_ = packet.timestamp() + timestampOffset_;
    lastOutputMs_ = nowMs;
  }
  sentAny_ = true;
  ++stats_.packetsSent;
  stats_.bytesSent += size;
  stats_.payloadBytesSent += packet.payload().size();
  resendCredit_ = std::min<int64_t>(
      kMaxResendCredit, resendCredit_ + static_cast<int64_t>(size * kResendCreditPerByte));
  emit(slot, size);
  return true;
}

void Consumer::retransmit(uint16_t outputSequence, int64_t nowMs) {
  const int64_t extended = extendedOutput(outputSequence);
  if (!producer_ || !sentAny_ || extended < firstOutputExtended_ ||
      extended > lastOutputExtended_ || extended + kResendWindow <= lastOutputExtended_) {
    ++stats_.retransmitMisses;
    return;
  }
  // Once per round trip: an earlier resend may still be on its way (mediasoup does the same).
  Resend& last = resends_[static_cast<size_t>(extended) % kResendWindow];
  const int64_t rtt = std::max<int64_t>(20, stats_.rttMs > 0 ? stats_.rttMs : kDefaultRttMs);
  if (last.sequence == extended && nowMs - last.atMs < rtt) {
    ++stats_.retransmitsTooSoon;
    return;
  }
  const PacketRef* cached =
      producer_->cache().find(static_cast<uint16_t>(outputSequence - sequenceOffset_));
  auto original = cached ? rtp::RtpPacket::parse(cached->data()) : std::nullopt;
  if (!original) {
    ++stats_.retransmitMisses;
    return;
  }
  const auto cost = static_cast<int64_t>(original->data().size());
  if (resendCredit_ < cost) {
    ++stats_.retransmitsOverBudget;
    return;
  }
  size_t size = 0;
  auto slot = nextSlot();
  if (config_.rtxPayloadType && config_.rtxSsrc) {
    // RFC 4588: the viewer knows the packet by our rewritten numbers, so rewrite first.
    size_t rewritten = rewrite(*original, scratch_);
    auto view = rtp::RtpPacket::parse(std::span<const uint8_t>(scratch_.data(), rewritten));
    if (!view) return;
    size = rtp::writeRtxPacket(slot.first(kPacketCapacity + 2), *view, *config_.rtxPayloadType,
                               *config_.rtxSsrc, rtxSequence_++);
  } else {
    size = rewrite(*original, slot.first(kPacketCapacity));
  }
  if (size == 0) return;
  resendCredit_ -= cost;
  last = {extended, nowMs};
  ++stats_.retransmitted;
  emit(slot, size);
}

void Consumer::requestKeyFrameFromViewer(int64_t nowMs) {
  // A viewer that keeps asking would turn the stream into key frames for everyone: one request a
  // second per viewer is enough for any decoder to recover.
  if (nowMs - lastKeyFrameRequestMs_ < kKeyFrameRequestIntervalMs) {
    ++stats_.keyFrameRequestsThrottled;
    return;
  }
  lastKeyFrameRequestMs_ = nowMs;
  if (producer_) producer_->requestKeyFrame(nowMs);
}

void Consumer::receiveRtcp(std::span<const uint8_t> compound, int64_t nowMs) {
  bool ok = rtp::forEachRtcpPacket(
      compound, [&](const rtp::RtcpHeader& header, std::span<const uint8_t> packet) {
        switch (header.packetType) {
          case rtp::kRtcpRr:
          case rtp::kRtcpSr: {
            size_t first = header.packetType == rtp::kRtcpRr ? 8 : 28;
            for (size_t i = 0; i < header.count; ++i) {
              size_t at = first + i * rtp::ReportBlock::kSize;
              if (at + rtp::ReportBlock::kSize > packet.size()) break;
              onReceiverReportBlock(packet.subspan(at, rtp::ReportBlock::kSize), nowMs);
            }
            break;
          }
          case rtp::kRtcpRtpfb:
            if (header.count == rtp::kFmtGenericNack && config_.nack) {
              auto nack = rtp::GenericNack::parse(packet);
              if (!nack || nack->mediaSsrc() != config_.ssrc) break;
              ++stats_.nacksReceived;
              size_t budget = kMaxRetransmitsPerNack;
              nack->forEachLost([&](uint16_t sequence) {
                ++stats_.nackedPackets;
                if (budget > 0) {
                  --budget;
                  retransmit(sequence, nowMs);
                }
              });
            }
            break;
          case rtp::kRtcpPsfb:
            if (header.count == rtp::kFmtPli) {
              ++stats_.pliReceived;
              requestKeyFrameFromViewer(nowMs);
            } else if (header.count == rtp::kFmtFir) {
              ++stats_.firReceived;
              requestKeyFrameFromViewer(nowMs);
            } else if (header.count == rtp::kFmtAfb) {
              if (auto remb = rtp::Remb::parse(packet)) {
                stats_.rembBps = remb->bitrate();
                stats_.rembAtMs = nowMs;
              }
            }
            break;
          default:
            break;
        }
      });
  if (!ok) ++stats_.malformedRtcp;
  flush();  // retransmissions go out together
}

void Consumer::onReceiverReportBlock(std::span<const uint8_t> bytes, int64_t nowMs) {
  auto block = rtp::ReportBlock(bytes).fields();
  if (block.ssrc != config_.ssrc) return;
  stats_.fractionLost = block.fractionLost;
  stats_.reportAtMs = nowMs;
  if (auto loss = lossWindow_.add(block.cumulativeLost, block.highestSequence, nowMs)) {
    stats_.windowLoss = *loss;
    stats_.windowLossAtMs = nowMs;
  }
  stats_.jitter = block.jitter;
  if (block.lastSr != 0) {
    // RFC 3550 §6.4.1: RTT = now - LSR - DLSR, all in 1/65536 s (the middle of NTP time).
    uint32_t now = static_cast<uint32_t>(ntpNow() >> 16);
    uint32_t rtt = now - block.lastSr - block.delaySinceLastSr;
    if (rtt < (60u << 16)) stats_.rttMs = (int64_t{rtt} * 1000) >> 16;
  }
}

void Consumer::onTimer(int64_t nowMs) {
  if (sentAny_ && nowMs - lastReportMs_ >= kSenderReportIntervalMs) sendSenderReport(nowMs);
}

void Consumer::sendSenderReport(int64_t nowMs) {
  lastReportMs_ = nowMs;
  rtp::SenderReportFields sr;
  sr.senderSsrc = config_.ssrc;
  sr.ntpTimestamp = ntpNow();
  // The RTP time "now": our last timestamp advanced by the wall time since it was sent.
  sr.rtpTimestamp = lastOutputTimestamp_ +
                    static_cast<uint32_t>((nowMs - lastOutputMs_) * (config_.clockRate / 1000));
  sr.packetCount = static_cast<uint32_t>(stats_.packetsSent);
  sr.octetCount = static_cast<uint32_t>(stats_.payloadBytesSent);
  lastReportNtp_ = sr.ntpTimestamp;
  std::span<uint8_t> out(rtcpOut_.data(), kPacketCapacity);
  size_t size = rtp::writeSenderReport(out, sr);
  size += rtp::writeSdesCname(out.subspan(size), config_.ssrc, config_.cname);
  listener_.onConsumerRtcp(*this, std::span<uint8_t>(rtcpOut_.data(), size));
}

}  // namespace medrelay::relay::router
