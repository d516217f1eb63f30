#include "relay/rtp/rtcp_header.hpp"

#include "relay/rtp/byte_io.hpp"

namespace medrelay::relay::rtp {

bool readRtcpHeader(std::span<const uint8_t> data, RtcpHeader& header) {
  if (data.size() < 4 || (data[0] >> 6) != 2) return false;
  size_t size = (size_t{read16(&data[2])} + 1) * 4;
  if (size > data.size()) return false;
  header.count = data[0] & 0x1F;
  header.padding = (data[0] & 0x20) != 0;
  header.packetType = data[1];
  header.size = size;
  return true;
}

}  // namespace medrelay::relay::rtp
