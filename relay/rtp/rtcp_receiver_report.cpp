#include "relay/rtp/rtcp_receiver_report.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

ReportBlockFields ReportBlock::fields() const {
  ReportBlockFields f;
  const uint8_t* p = bytes_.data();
  f.ssrc = read32(p);
  f.fractionLost = p[4];
  uint32_t lost = read24(p + 5);
  f.cumulativeLost =
      (lost & 0x800000) ? static_cast<int32_t>(lost | 0xFF000000u) : static_cast<int32_t>(lost);
  f.highestSequence = read32(p + 8);
  f.jitter = read32(p + 12);
  f.lastSr = read32(p + 16);
  f.delaySinceLastSr = read32(p + 20);
  return f;
}

void writeReportBlock(uint8_t* p, const ReportBlockFields& f) {
  write32(p, f.ssrc);
  p[4] = f.fractionLost;
  uint32_t lost = static_cast<uint32_t>(f.cumulativeLost) & 0xFFFFFF;
  p[5] = static_cast<uint8_t>(lost >> 16);
  p[6] = static_cast<uint8_t>(lost >> 8);
  p[7] = static_cast<uint8_t>(lost);
  write32(p + 8, f.highestSequence);
  write32(p + 12, f.jitter);
  write32(p + 16, f.lastSr);
  write32(p + 20, f.delaySinceLastSr);
}

std::optional<ReceiverReport> ReceiverReport::parse(std::span<const uint8_t> packet) {
  RtcpHeader header{};
  if (!readRtcpHeader(packet, header) || header.packetType != kRtcpRr) return std::nullopt;
  if (header.size < kSize + size_t{header.count} * ReportBlock::kSize) return std::nullopt;
  return ReceiverReport(packet.first(header.size), header.count);
}

uint32_t ReceiverReport::senderSsrc() const {
  return read32(&packet_[4]);
}

ReportBlock ReceiverReport::reportBlock(size_t index) const {
  return ReportBlock(packet_.subspan(kSize + index * ReportBlock::kSize, ReportBlock::kSize));
}

size_t writeReceiverReport(std::span<uint8_t> out, uint32_t senderSsrc,
                           std::span<const ReportBlockFields> blocks) {
  size_t size = ReceiverReport::kSize + blocks.size() * ReportBlock::kSize;
  if (blocks.size() > 31 || out.size() < size) return 0;
  out[0] = static_cast<uint8_t>(0x80 | blocks.size());
  out[1] = kRtcpRr;
  write16(&out[2], static_cast<uint16_t>(size / 4 - 1));
  write32(&out[4], senderSsrc);
  for (size_t i = 0; i < blocks.size(); ++i) {
    writeReportBlock(&out[ReceiverReport::kSize + i * ReportBlock::kSize], blocks[i]);
  }
  return size;
}

}  // namespace medrelay::relay::rtp
