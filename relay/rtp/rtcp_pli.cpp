#include "relay/rtp/rtcp_pli.hpp"

#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

size_t writePli(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc) {
  return writeFeedbackHeader(out, kRtcpPsfb, kFmtPli, senderSsrc, mediaSsrc, 0);
}

}  // namespace medrelay::relay::rtp
