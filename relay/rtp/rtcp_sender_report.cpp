#include "relay/rtp/rtcp_sender_report.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

std::optional<SenderReport> SenderReport::parse(std::span<const uint8_t> packet) {
  RtcpHeader header{};
  if (!readRtcpHeader(packet, header) || header.packetType != kRtcpSr) return std::nullopt;
  if (header.size < kSize + size_t{header.count} * ReportBlock::kSize) return std::nullopt;
  return SenderReport(packet.first(kSize + size_t{header.count} * ReportBlock::kSize));
}

SenderReportFields SenderReport::fields() const {
  SenderReportFields f;
  f.senderSsrc = read32(&packet_[4]);
  f.ntpTimestamp = (uint64_t{read32(&packet_[8])} << 32) | read32(&packet_[12]);
  f.rtpTimestamp = read32(&packet_[16]);
  f.packetCount = read32(&packet_[20]);
  f.octetCount = read32(&packet_[24]);
  return f;
}

ReportBlock SenderReport::reportBlock(size_t index) const {
  return ReportBlock(packet_.subspan(kSize + index * ReportBlock::kSize, ReportBlock::kSize));
}

size_t writeSenderReport(std::span<uint8_t> out, const SenderReportFields& f) {
  if (out.size() < SenderReport::kSize) return 0;
  out[0] = 0x80;
  out[1] = kRtcpSr;
  write16(&out[2], SenderReport::kSize / 4 - 1);
  write32(&out[4], f.senderSsrc);
  write32(&out[8], static_cast<uint32_t>(f.ntpTimestamp >> 32));
  write32(&out[12], static_cast<uint32_t>(f.ntpTimestamp));
  write32(&out[16], f.rtpTimestamp);
  write32(&out[20], f.packetCount);
  write32(&out[24], f.octetCount);
  return SenderReport::kSize;
}

}  // namespace medrelay::relay::rtp
