// RTCP generic NACK (RFC 4585 §6.2.1): view over the FCI (PID + BLP pairs) and builder.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/rtp/rtcp_feedback.hpp"

namespace medrelay::relay::rtp {

class GenericNack {
 public:
  static std::optional<GenericNack> parse(std::span<const uint8_t> packet);
  uint32_t senderSsrc() const { return header_.senderSsrc; }
  uint32_t mediaSsrc() const { return header_.mediaSsrc; }
  size_t itemCount() const { return header_.fci.size() / 4; }
  uint16_t pid(size_t item) const;
  uint16_t blp(size_t item) const;

  // Calls `lost(sequenceNumber)` for every sequence number the NACK reports lost.
  template <class Callback>
  void forEachLost(Callback&& lost) const {
    for (size_t i = 0; i < itemCount(); ++i) {
      uint16_t first = pid(i);
      uint16_t mask = blp(i);
      lost(first);
      for (int bit = 0; bit < 16; ++bit) {
        if (mask & (1u << bit)) lost(static_cast<uint16_t>(first + bit + 1));
      }
    }
  }

 private:
  explicit GenericNack(FeedbackHeader header) : header_(header) {}
  FeedbackHeader header_;
};

// Packs `lost` (in ascending order modulo 2^16) into PID/BLP items; returns the size, or 0.
size_t writeGenericNack(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc,
                        std::span<const uint16_t> lost);

}  // namespace medrelay::relay::rtp
