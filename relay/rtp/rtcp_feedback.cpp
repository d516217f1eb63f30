#include "relay/rtp/rtcp_feedback.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

std::optional<FeedbackHeader> parseFeedback(std::span<const uint8_t> packet, uint8_t packetType,
                                            uint8_t fmt) {
  RtcpHeader header{};
  if (!readRtcpHeader(packet, header) || header.packetType != packetType || header.count != fmt ||
      header.size < 12) {
    return std::nullopt;
  }
  return FeedbackHeader{fmt, packetType, read32(&packet[4]), read32(&packet[8]),
                        packet.subspan(12, header.size - 12)};
}

size_t writeFeedbackHeader(std::span<uint8_t> out, uint8_t packetType, uint8_t fmt,
                           uint32_t senderSsrc, uint32_t mediaSsrc, size_t fciSize) {
  size_t size = 12 + fciSize;
  if (fciSize % 4 != 0 || out.size() < size) return 0;
  out[0] = static_cast<uint8_t>(0x80 | (fmt & 0x1F));
  out[1] = packetType;
  write16(&out[2], static_cast<uint16_t>(size / 4 - 1));
  write32(&out[4], senderSsrc);
  write32(&out[8], mediaSsrc);
  return size;
}

}  // namespace medrelay::relay::rtp
