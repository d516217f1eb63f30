// One viewer of one producer: the one copy per viewer happens here. Each forwarded packet is
// copied into this consumer's output buffer and rewritten (SSRC, payload type, sequence number,
// timestamp) so the viewer sees one continuous stream across source restarts, then handed to
// the listener, which protects it in place and sends it. Answers the viewer's NACKs from the
// producer's cache (RTX per RFC 4588 when negotiated), forwards PLI/FIR upstream (merged by the
// producer), reads receiver reports and REMB, and sends sender reports.
// One media worker thread (the producer's); not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "relay/router/packet_pool.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {

class Producer;

// Spare bytes after every packet handed to the listener, for the SRTP/SRTCP trailer.
constexpr size_t kTrailerRoom = 64;  // >= transport::SrtpSession::kMaxTrailer (20)

struct ConsumerConfig {
  uint32_t ssrc = 0;
  uint8_t payloadType = 96;
  std::optional<uint32_t> rtxSsrc;
  std::optional<uint8_t> rtxPayloadType;
  uint32_t clockRate = 90000;
  std::string cname = "medrelay";
  bool nack = true;
  // A new viewer starts by replaying the cached key frame and what followed it when that key
  // frame is at most this old: the picture appears at once instead of after a request's round
  // trip, at the cost of a short burst. Older: request a fresh key frame instead.
  int64_t replayWindowMs = 500;
};

class Consumer {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // `packet` lives in the consumer's buffer with kTrailerRoom writable bytes after it;
    // valid during the call only.
    virtual void onConsumerRtp(Consumer&, std::span<uint8_t> packet) = 0;
    virtual void onConsumerRtcp(Consumer&, std::span<uint8_t> compound) = 0;
  };

  struct Stats {
    uint64_t packetsSent = 0, bytesSent = 0, payloadBytesSent = 0;
    uint64_t skippedWaitingForKeyFrame = 0;
    uint64_t nacksReceived = 0, nackedPackets = 0, retransmitted = 0, retransmitMisses = 0;
    uint64_t pliReceived = 0, firReceived = 0, malformedRtcp = 0, replayedOnJoin = 0;
    uint8_t fractionLost = 0;  // of 256, from the viewer's last receiver report
    uint32_t jitter = 0;
    int64_t rttMs = -1;
    uint64_t rembBps = 0;
  };

  Consumer(ConsumerConfig config, Listener& listener);
  ~Consumer();  // detaches from its producer
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  const ConsumerConfig& config() const { return config_; }
  const Stats& stats() const { return stats_; }
  bool waitingForKeyFrame() const { return waitingForKeyFrame_; }

  // From the viewer (already decrypted).
  void receiveRtcp(std::span<const uint8_t> compound, int64_t nowMs);
  // Call every few hundred milliseconds: sends a sender report when one is due.
  void onTimer(int64_t nowMs);

  // Called by the Producer.
  void onAttached(Producer& producer, int64_t nowMs);
  void onProducerRtp(const rtp::RtpPacket& packet, bool keyFrameStart, int64_t nowMs);
  void onSourceRestart();
  void onProducerClosed() { producer_ = nullptr; }

 private:
  bool forward(const rtp::RtpPacket& packet, int64_t nowMs);
  void synchronize(const rtp::RtpPacket& packet, int64_t nowMs);
  size_t rewrite(const rtp::RtpPacket& packet, std::span<uint8_t> out) const;
  void retransmit(uint16_t outputSequence);
  void onReceiverReportBlock(std::span<const uint8_t> block, int64_t nowMs);
  void sendSenderReport(int64_t nowMs);

  ConsumerConfig config_;
  Listener& listener_;
  Producer* producer_ = nullptr;
  Stats stats_;
  bool waitingForKeyFrame_ = true;
  bool sentAny_ = false;
  uint16_t sequenceOffset_ = 0;
  uint32_t timestampOffset_ = 0;
  uint16_t firstOutputSequence_ = 0;
  uint16_t lastOutputSequence_;
  uint32_t lastOutputTimestamp_;
  int64_t lastOutputMs_ = 0;
  uint16_t rtxSequence_;
  int64_t lastReportMs_ = 0;
  uint64_t lastReportNtp_ = 0;
  std::array<uint8_t, kPacketCapacity + 2 + kTrailerRoom> out_;
  std::array<uint8_t, kPacketCapacity> scratch_;
};

}  // namespace medrelay::relay::router
