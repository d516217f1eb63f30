// RTCP BYE (RFC 3550 §6.6): builder for one SSRC, and a reader of the SSRC list.
#pragma once

#include <cstdint>
#include <span>

namespace medrelay::relay::rtp {

size_t writeBye(std::span<uint8_t> out, uint32_t ssrc);  // 8 bytes, or 0 if it does not fit

// Number of SSRCs in a well-formed BYE, -1 if malformed; ssrcAt reads one (index < count).
int byeSsrcCount(std::span<const uint8_t> packet);
uint32_t byeSsrcAt(std::span<const uint8_t> packet, size_t index);

}  // namespace medrelay::relay::rtp
