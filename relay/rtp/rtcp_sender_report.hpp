// RTCP Sender Report (RFC 3550 §6.4.1): view and builder.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/rtp/rtcp_receiver_report.hpp"

namespace medrelay::relay::rtp {

struct SenderReportFields {
  uint32_t senderSsrc = 0;
  uint64_t ntpTimestamp = 0;  // 32.32 fixed point seconds since 1900
  uint32_t rtpTimestamp = 0;
  uint32_t packetCount = 0;
  uint32_t octetCount = 0;
};

class SenderReport {
 public:
  static constexpr size_t kSize = 28;  // without report blocks
  static std::optional<SenderReport> parse(std::span<const uint8_t> packet);
  SenderReportFields fields() const;
  size_t reportBlockCount() const { return (packet_.size() - kSize) / ReportBlock::kSize; }
  ReportBlock reportBlock(size_t index) const;  // index < reportBlockCount()

 private:
  explicit SenderReport(std::span<const uint8_t> packet) : packet_(packet) {}
  std::span<const uint8_t> packet_;
};

// Writes an SR without report blocks; returns 28, or 0 if `out` is too small.
size_t writeSenderReport(std::span<uint8_t> out, const SenderReportFields& fields);

}  // namespace medrelay::relay::rtp
