// RFC 7983 §7 demultiplexing of what arrives on one ICE transport, plus RFC 5761 §4 to tell
// RTCP from RTP. Pure function on the first two bytes.
#pragma once

#include <cstdint>
#include <span>

namespace medrelay::relay::transport {

enum class PacketKind { Stun, Dtls, Rtp, Rtcp, Unknown };

inline PacketKind classifyPacket(std::span<const uint8_t> data) {
  if (data.empty()) return PacketKind::Unknown;
  uint8_t first = data[0];
  if (first <= 3) return PacketKind::Stun;
  if (first >= 20 && first <= 63) return PacketKind::Dtls;
  if (first >= 128 && first <= 191) {
    if (data.size() < 2) return PacketKind::Unknown;
    uint8_t type = data[1];
    return type >= 192 && type <= 223 ? PacketKind::Rtcp : PacketKind::Rtp;
  }
  return PacketKind::Unknown;
}

}  // namespace medrelay::relay::transport
