// Common part of RTCP feedback messages (RFC 4585 §6.1): sender and media SSRC, then the FCI.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace medrelay::relay::rtp {

struct FeedbackHeader {
  uint8_t fmt;
  uint8_t packetType;
  uint32_t senderSsrc;
  uint32_t mediaSsrc;
  std::span<const uint8_t> fci;  // feedback control information
};

// Parses a feedback packet of `packetType` (205 or 206) and `fmt`; nullopt if malformed.
std::optional<FeedbackHeader> parseFeedback(std::span<const uint8_t> packet, uint8_t packetType,
                                            uint8_t fmt);

// Writes the 12-byte feedback header for an FCI of `fciSize` bytes (a multiple of 4).
size_t writeFeedbackHeader(std::span<uint8_t> out, uint8_t packetType, uint8_t fmt,
                           uint32_t senderSsrc, uint32_t mediaSsrc, size_t fciSize);

}  // namespace medrelay::relay::rtp
