#include "relay/rtp/rtcp_bye.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

size_t writeBye(std::span<uint8_t> out, uint32_t ssrc) {
  if (out.size() < 8) return 0;
  out[0] = 0x81;
  out[1] = kRtcpBye;
  write16(&out[2], 1);
  write32(&out[4], ssrc);
  return 8;
}

int byeSsrcCount(std::span<const uint8_t> packet) {
  RtcpHeader header{};
  if (!readRtcpHeader(packet, header) || header.packetType != kRtcpBye) return -1;
  if (4 + 4 * size_t{header.count} > header.size) return -1;
  return header.count;
}

uint32_t byeSsrcAt(std::span<const uint8_t> packet, size_t index) {
  return read32(&packet[4 + 4 * index]);
}

}  // namespace medrelay::relay::rtp
