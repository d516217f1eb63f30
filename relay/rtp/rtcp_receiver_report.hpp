// RTCP Receiver Report (RFC 3550 §6.4.2) and its report blocks: views and builder.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace medrelay::relay::rtp {

struct ReportBlockFields {
  uint32_t ssrc = 0;
  uint8_t fractionLost = 0;    // of 256
  int32_t cumulativeLost = 0;  // signed 24-bit on the wire
  uint32_t highestSequence = 0;
  uint32_t jitter = 0;
  uint32_t lastSr = 0;            // middle 32 bits of the last SR's NTP time
  uint32_t delaySinceLastSr = 0;  // 1/65536 s
};

class ReportBlock {
 public:
  static constexpr size_t kSize = 24;
  explicit ReportBlock(std::span<const uint8_t> bytes) : bytes_(bytes) {}  // kSize bytes
  ReportBlockFields fields() const;

 private:
  std::span<const uint8_t> bytes_;
};

class ReceiverReport {
 public:
  static constexpr size_t kSize = 8;  // without report blocks
  static std::optional<ReceiverReport> parse(std::span<const uint8_t> packet);
  uint32_t senderSsrc() const;
  size_t reportBlockCount() const { return count_; }
  ReportBlock reportBlock(size_t index) const;  // index < reportBlockCount()

 private:
  ReceiverReport(std::span<const uint8_t> packet, size_t count) : packet_(packet), count_(count) {}
  std::span<const uint8_t> packet_;
  size_t count_;
};

// Writes an RR with the given blocks (at most 31); returns the size, or 0 if it does not fit.
size_t writeReceiverReport(std::span<uint8_t> out, uint32_t senderSsrc,
                           std::span<const ReportBlockFields> blocks);
void writeReportBlock(uint8_t* out, const ReportBlockFields& block);

}  // namespace medrelay::relay::rtp
