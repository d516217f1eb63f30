#include "relay/rtp/rtcp_sdes.hpp"

#include <cstring>

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

namespace {
constexpr uint8_t kCname = 1;
}

size_t writeSdesCname(std::span<uint8_t> out, uint32_t ssrc, std::string_view cname) {
  if (cname.size() > 255) return 0;
  // header 4 + ssrc 4 + item (type, length, text) + at least one null terminator, padded.
  size_t size = (4 + 4 + 2 + cname.size() + 1 + 3) / 4 * 4;
  if (out.size() < size) return 0;
  std::memset(out.data(), 0, size);
  out[0] = 0x81;
  out[1] = kRtcpSdes;
  write16(&out[2], static_cast<uint16_t>(size / 4 - 1));
  write32(&out[4], ssrc);
  out[8] = kCname;
  out[9] = static_cast<uint8_t>(cname.size());
  std::memcpy(&out[10], cname.data(), cname.size());
  return size;
}

std::optional<std::string_view> readSdesCname(std::span<const uint8_t> packet) {
  RtcpHeader header{};
  if (!readRtcpHeader(packet, header) || header.packetType != kRtcpSdes || header.count == 0) {
    return std::nullopt;
  }
  size_t at = 8;
  while (at + 2 <= header.size && packet[at] != 0) {
    size_t length = packet[at + 1];
    if (at + 2 + length > header.size) return std::nullopt;
    if (packet[at] == kCname) {
      return std::string_view(reinterpret_cast<const char*>(&packet[at + 2]), length);
    }
    at += 2 + length;
  }
  return std::nullopt;
}

}  // namespace medrelay::relay::rtp
