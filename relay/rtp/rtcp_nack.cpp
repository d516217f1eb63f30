#include "relay/rtp/rtcp_nack.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

std::optional<GenericNack> GenericNack::parse(std::span<const uint8_t> packet) {
  auto header = parseFeedback(packet, kRtcpRtpfb, kFmtGenericNack);
  if (!header || header->fci.empty() || header->fci.size() % 4 != 0) return std::nullopt;
  return GenericNack(*header);
}

uint16_t GenericNack::pid(size_t item) const {
  return read16(&header_.fci[item * 4]);
}
uint16_t GenericNack::blp(size_t item) const {
  return read16(&header_.fci[item * 4 + 2]);
}

size_t writeGenericNack(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc,
                        std::span<const uint16_t> lost) {
  if (lost.empty() || out.size() < 16) return 0;
  size_t at = 12;
  size_t i = 0;
  while (i < lost.size()) {
    if (at + 4 > out.size()) return 0;
    uint16_t pid = lost[i++];
    uint16_t blp = 0;
    while (i < lost.size()) {
      uint16_t distance = static_cast<uint16_t>(lost[i] - pid);
      if (distance == 0 || distance > 16) break;
      blp = static_cast<uint16_t>(blp | (1u << (distance - 1)));
      ++i;
    }
    write16(&out[at], pid);
    write16(&out[at + 2], blp);
    at += 4;
  }
  writeFeedbackHeader(out, kRtcpRtpfb, kFmtGenericNack, senderSsrc, mediaSsrc, at - 12);
  return at;
}

}  // namespace medrelay::relay::rtp
