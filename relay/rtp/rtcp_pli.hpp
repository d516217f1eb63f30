// RTCP Picture Loss Indication (RFC 4585 §6.3.1): no FCI.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/rtp/rtcp_feedback.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

inline std::optional<FeedbackHeader> parsePli(std::span<const uint8_t> packet) {
  return parseFeedback(packet, kRtcpPsfb, kFmtPli);
}

size_t writePli(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc);  // 12 or 0

}  // namespace medrelay::relay::rtp
