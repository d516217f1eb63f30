// RTCP SDES (RFC 3550 §6.5): builder for one CNAME chunk, and a CNAME reader.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace medrelay::relay::rtp {

// Writes an SDES packet with one chunk (ssrc, CNAME); returns the size (padded to 32 bits), or
// 0 if it does not fit or the CNAME is longer than 255 bytes.
size_t writeSdesCname(std::span<uint8_t> out, uint32_t ssrc, std::string_view cname);

// The CNAME of the first chunk of an SDES packet, when well formed.
std::optional<std::string_view> readSdesCname(std::span<const uint8_t> packet);

}  // namespace medrelay::relay::rtp
