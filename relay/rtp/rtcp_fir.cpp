#include "relay/rtp/rtcp_fir.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

std::optional<Fir> Fir::parse(std::span<const uint8_t> packet) {
  auto header = parseFeedback(packet, kRtcpPsfb, kFmtFir);
  if (!header || header->fci.empty() || header->fci.size() % 8 != 0) return std::nullopt;
  return Fir(*header);
}

uint32_t Fir::entrySsrc(size_t index) const {
  return read32(&header_.fci[index * 8]);
}

size_t writeFir(std::span<uint8_t> out, uint32_t senderSsrc, uint32_t mediaSsrc, uint8_t sequence) {
  if (writeFeedbackHeader(out, kRtcpPsfb, kFmtFir, senderSsrc, 0, 8) == 0) return 0;
  write32(&out[12], mediaSsrc);
  out[16] = sequence;
  out[17] = out[18] = out[19] = 0;
  return 20;
}

}  // namespace medrelay::relay::rtp
