// Receiver Estimated Maximum Bitrate (draft-alvestrand-rmcat-remb): PSFB FMT 15 with "REMB".
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/rtp/rtcp_feedback.hpp"

namespace medrelay::relay::rtp {

class Remb {
 public:
  static std::optional<Remb> parse(std::span<const uint8_t> packet);
  uint64_t bitrate() const { return bitrate_; }  // bits per second
  size_t ssrcCount() const { return count_; }
  uint32_t ssrc(size_t index) const;

 private:
  Remb(FeedbackHeader header, uint64_t bitrate, size_t count)
      : header_(header), bitrate_(bitrate), count_(count) {}
  FeedbackHeader header_;
  uint64_t bitrate_;
  size_t count_;
};

size_t writeRemb(std::span<uint8_t> out, uint32_t senderSsrc, uint64_t bitrate,
                 std::span<const uint32_t> ssrcs);

}  // namespace medrelay::relay::rtp
