// One viewer of one producer: the one copy per viewer happens here. Each forwarded packet is
// copied into one of this consumer's output slots and rewritten (SSRC, payload type, sequence
// number, timestamp) so the viewer sees one continuous stream across source restarts, then
// handed to the listener, which protects it in place and queues it; flush() (after each batch
// the producer received) lets the listener send the queue in one system call. Answers the viewer's
// NACKs from the producer's cache (RTX per RFC 4588 when negotiated), forwards PLI/FIR upstream
// (merged by the producer), reads receiver reports and REMB, and sends sender reports.
// It may move to another producer of the stream (another layer, see switchTo): it keeps sending
// the current one's packets until the target's next key frame, then continues with the target,
// its output numbering and timing unbroken, so the viewer sees one stream throughout.
// What a viewer's feedback can make us send is bounded: a packet is resent to a viewer at most
// once per round trip, resends cost credit earned by the media actually sent (at most half as
// many bytes again), and a viewer's key-frame requests pass at most once a second.
// An output sequence number is never sent twice with other bytes: packets that would map before
// the start of the current output run (a late packet from before a resynchronization) are
// dropped. One media worker thread (the producer's); not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "relay/router/packet_pool.hpp"
#include "relay/router/receiver_loss_window.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {

class Producer;

// Spare bytes after every packet handed to the listener, for the SRTP/SRTCP trailer.
constexpr size_t kTrailerRoom = 64;  // >= transport::SrtpSession::kMaxTrailer (20)
// Packets a consumer can hand out before it must flush: the longest send batch per viewer.
constexpr size_t kOutputSlots = 16;

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
    // `packet` lives in one of the consumer's output slots with kTrailerRoom writable bytes
    // after it. It stays valid and untouched until the next onConsumerFlush(), which the
    // consumer calls before it reuses any slot: the listener may queue it and send at flush.
    virtual void onConsumerRtp(Consumer&, std::span<uint8_t> packet) = 0;
    virtual void onConsumerFlush(Consumer&) {}
    // Valid during the call only (RTCP is rare: send it at once).
    virtual void onConsumerRtcp(Consumer&, std::span<uint8_t> compound) = 0;
  };

  struct Stats {
    uint64_t packetsSent = 0, bytesSent = 0, payloadBytesSent = 0;
    uint64_t skippedWaitingForKeyFrame = 0, droppedBeforeRun = 0;
    uint64_t nacksReceived = 0, nackedPackets = 0, retransmitted = 0, retransmitMisses = 0;
    // Resends refused: asked again within a round trip, or beyond the viewer's resend credit.
    uint64_t retransmitsTooSoon = 0, retransmitsOverBudget = 0;
    uint64_t pliReceived = 0, firReceived = 0, keyFrameRequestsThrottled = 0;
    uint64_t malformedRtcp = 0, replayedOnJoin = 0;
    uint8_t fractionLost = 0;  // of 256, from the viewer's last receiver report
    // Of 256, over the last window of reports (ReceiverLossWindow): the link's loss.
    uint8_t windowLoss = 0;
    int64_t windowLossAtMs = -1;  // when the last window closed
    uint32_t jitter = 0;
    int64_t rttMs = -1;
    uint64_t rembBps = 0;
    int64_t rembAtMs = -1, reportAtMs = -1;  // when the latest REMB and receiver report came
  };

  Consumer(ConsumerConfig config, Listener& listener);
  ~Consumer();  // detaches from its producer
  Consumer(const Consumer&) = delete;
  Consumer& operator=(const Consumer&) = delete;

  const ConsumerConfig& config() const { return config_; }
  const Producer* producer() const { return producer_; }
  const Producer* switchingTo() const { return switchingTo_; }
  uint64_t switches() const { return switches_; }  // completed moves to another producer
  const Stats& stats() const { return stats_; }
  bool waitingForKeyFrame() const { return waitingForKeyFrame_; }

  // From the viewer (already decrypted).
  void receiveRtcp(std::span<const uint8_t> compound, int64_t nowMs);
  // Call every few hundred milliseconds: sends a sender report when one is due.
  void onTimer(int64_t nowMs);

  // Resends: credit earned per media byte sent, the most credit held, what a new viewer starts
  // with, and the round trip assumed before the first receiver report.
  static constexpr double kResendCreditPerByte = 0.5;
  static constexpr int64_t kMaxResendCredit = 96 * 1024;
  static constexpr int64_t kInitialResendCredit = 32 * 1024;
  static constexpr int64_t kDefaultRttMs = 100;
  // Packets older than this (behind the newest sent) are not resent: SRTP's index guard keeps
  // the same window, and a viewer gains nothing from packets this late.
  static constexpr int64_t kResendWindow = 512;
  static constexpr int64_t kKeyFrameRequestIntervalMs = 1000;

  // Moves to `target` (another layer of the same stream and codec) on its next key frame, which
  // is requested now; until then the current producer's packets keep flowing. Switching to the
  // current producer cancels a pending switch; a newer target replaces an older one.
  void switchTo(Producer& target, int64_t nowMs);
  // Leaves its producer and any pending switch (the destructor does it too).
  void detach();

  // Called by the Producer.
  void onAttached(Producer& producer, int64_t nowMs);
  void onProducerRtp(const rtp::RtpPacket& packet, bool keyFrameStart, int64_t nowMs);
  void onSourceRestart();
  void onSwitched(Producer& target);  // target's key frame is next: leave the old producer
  void onProducerClosed(Producer& producer);
  // Hands what was queued since the last flush to the listener's onConsumerFlush().
  void flush();

 private:
  bool forward(const rtp::RtpPacket& packet, int64_t nowMs);
  void synchronize(const rtp::RtpPacket& packet, int64_t nowMs);
  size_t rewrite(const rtp::RtpPacket& packet, std::span<uint8_t> out) const;
  void retransmit(uint16_t outputSequence, int64_t nowMs);
  void requestKeyFrameFromViewer(int64_t nowMs);
  // The extended (never wrapping) form of an output sequence number near the newest one sent.
  int64_t extendedOutput(uint16_t sequence) const {
    return lastOutputExtended_ +
           static_cast<int16_t>(sequence - static_cast<uint16_t>(lastOutputExtended_));
  }
  void onReceiverReportBlock(std::span<const uint8_t> block, int64_t nowMs);
  void sendSenderReport(int64_t nowMs);
  std::span<uint8_t> nextSlot();  // flushes first when every slot is in use
  void emit(std::span<uint8_t> slot, size_t size);

  ConsumerConfig config_;
  Listener& listener_;
  Producer* producer_ = nullptr;
  Producer* switchingTo_ = nullptr;
  uint64_t switches_ = 0;
  Stats stats_;
  ReceiverLossWindow lossWindow_;
  bool waitingForKeyFrame_ = true;
  bool sentAny_ = false;
  uint16_t sequenceOffset_ = 0;
  uint32_t timestampOffset_ = 0;
  // Output sequence numbers, extended to 64 bits so comparisons hold over any length of run:
  // the newest sent, and the first of the current run (since the last resynchronization).
  int64_t lastOutputExtended_;
  int64_t firstOutputExtended_ = 0;
  uint32_t lastOutputTimestamp_;
  int64_t lastOutputMs_ = 0;
  uint16_t rtxSequence_;
  int64_t lastReportMs_ = 0;
  uint64_t lastReportNtp_ = 0;
  int64_t resendCredit_ = kInitialResendCredit;
  int64_t lastKeyFrameRequestMs_ = -1'000'000;
  // When each recent output sequence number was last resent (by its extended number).
  struct Resend {
    int64_t sequence = -1;
    int64_t atMs = 0;
  };
  std::array<Resend, kResendWindow> resends_{};
  // +2: an RTX packet carries the original sequence number in front of the payload.
  static constexpr size_t kSlotSize = kPacketCapacity + 2 + kTrailerRoom;
  std::array<std::array<uint8_t, kSlotSize>, kOutputSlots> slots_;
  size_t queued_ = 0;  // slots handed to the listener since the last flush
  std::array<uint8_t, kPacketCapacity + kTrailerRoom> rtcpOut_;
  std::array<uint8_t, kPacketCapacity> scratch_;
};

}  // namespace medrelay::relay::router
