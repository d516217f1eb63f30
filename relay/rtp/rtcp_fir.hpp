// RTCP Full Intra Request (RFC 5104 §4.3.1): FCI entries of (SSRC, sequence number).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/rtp/rtcp_feedback.hpp"

namespace medrelay::relay::rtp {

class Fir {
 public:
  static std::optional<Fir> parse(std::span<const uint8_t> packet);
  uint32_t senderSsrc() const { return header_.senderSsrc; }
  size_t entryCount() const { return header_.fci.size() / 8; }
  uint32_t entrySsrc(size_t index) const;
  uint8_t entrySequence(size_t index) const { return header_.fci[index * 8 + 4]; }

 private:
  explicit Fir(FeedbackHeader header) : header_(header) {}
  FeedbackHeader header_;
};

// One FCI entry; the media SSRC field of the header is 0 as RFC 5104 requires. 20 or 0.
size_t writeFir(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t sequence);

}  // namespace medrelay::relay::rtp
