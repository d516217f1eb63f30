// In-place edits of an RTP header the caller already validated with RtpPacket::parse, and the
// builders for packets we create (a plain header, an RFC 4588 retransmission).
#pragma once

#include <cstdint>
#include <span>

#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::rtp {

void setSequenceNumber(std::span<uint8_t> packet, uint16_t sequenceNumber);
void setTimestamp(std::span<uint8_t> packet, uint32_t timestamp);
void setSsrc(std::span<uint8_t> packet, uint32_t ssrc);
void setPayloadType(std::span<uint8_t> packet, uint8_t payloadType);
void setMarker(std::span<uint8_t> packet, bool marker);

struct RtpHeaderFields {
  uint8_t payloadType = 0;
  bool marker = false;
  uint16_t sequenceNumber = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
};

// Writes a 12-byte header (no CSRC, no extension); returns 12, or 0 if `out` is too small.
size_t writeRtpHeader(std::span<uint8_t> out, const RtpHeaderFields& fields);

// RFC 4588 §4: the original header (CSRCs and extensions kept) with RTX payload type, SSRC and
// sequence number, then the original sequence number, then the original payload; padding is
// dropped. Returns the bytes written, or 0 if `out` is too small.
size_t writeRtxPacket(std::span<uint8_t> out, const RtpPacket& original, uint8_t rtxPayloadType,
                      uint32_t rtxSsrc, uint16_t rtxSequenceNumber);

}  // namespace medrelay::relay::rtp
