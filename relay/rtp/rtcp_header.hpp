// RTCP common header (RFC 3550 §6.4) and iteration over a compound packet. Each packet's length
// is validated before the callback sees it; a malformed compound stops the walk.
#pragma once

#include <cstdint>
#include <span>

namespace medrelay::relay::rtp {

constexpr uint8_t kRtcpSr = 200;
constexpr uint8_t kRtcpRr = 201;
constexpr uint8_t kRtcpSdes = 202;
constexpr uint8_t kRtcpBye = 203;
constexpr uint8_t kRtcpRtpfb = 205;     // transport-layer feedback (RFC 4585)
constexpr uint8_t kRtcpPsfb = 206;      // payload-specific feedback (RFC 4585)
constexpr uint8_t kFmtGenericNack = 1;  // RTPFB
constexpr uint8_t kFmtPli = 1;          // PSFB
constexpr uint8_t kFmtFir = 4;          // PSFB (RFC 5104)
constexpr uint8_t kFmtAfb = 15;         // PSFB application layer feedback (REMB)

struct RtcpHeader {
  uint8_t count;  // reception report count, SDES chunk count, or feedback message type (FMT)
  uint8_t packetType;
  size_t size;  // whole packet in bytes, header included
  bool padding;
};

// Reads the header of the packet at the start of `data`; nullopt-like false when malformed.
bool readRtcpHeader(std::span<const uint8_t> data, RtcpHeader& header);

// Calls `visit(header, packetBytes)` for each packet of the compound packet. Returns false if
// any packet is malformed (packets before it were visited). Template: no allocation.
template <class Visitor>
bool forEachRtcpPacket(std::span<const uint8_t> compound, Visitor&& visit) {
  if (compound.empty()) return false;
  while (!compound.empty()) {
    RtcpHeader header{};
    if (!readRtcpHeader(compound, header)) return false;
    visit(header, compound.first(header.size));
    compound = compound.subspan(header.size);
  }
  return true;
}

// Quick RFC 5761 check: version 2 and a packet type in 192-223 (RTCP, not RTP).
inline bool looksLikeRtcp(std::span<const uint8_t> data) {
  return data.size() >= 8 && (data[0] >> 6) == 2 && data[1] >= 192 && data[1] <= 223;
}

}  // namespace medrelay::relay::rtp
