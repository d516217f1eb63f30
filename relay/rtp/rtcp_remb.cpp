#include "relay/rtp/rtcp_remb.hpp"

#include "relay/rtp/byte_io.hpp"
#include "relay/rtp/rtcp_header.hpp"

namespace medrelay::relay::rtp {

std::optional<Remb> Remb::parse(std::span<const uint8_t> packet) {
  auto header = parseFeedback(packet, kRtcpPsfb, kFmtAfb);
  if (!header) return std::nullopt;
  auto fci = header->fci;
  if (fci.size() < 8 || fci[0] != 'R' || fci[1] != 'E' || fci[2] != 'M' || fci[3] != 'B') {
    return std::nullopt;
  }
  size_t count = fci[4];
  if (fci.size() < 8 + 4 * count) return std::nullopt;
  uint8_t exponent = fci[5] >> 2;
  uint64_t mantissa = (uint64_t{fci[5] & 0x03u} << 16) | (uint64_t{fci[6]} << 8) | fci[7];
  if (exponent > 46) return std::nullopt;  // would overflow 64 bits
  return Remb(*header, mantissa << exponent, count);
}

uint32_t Remb::ssrc(size_t index) const {
  return read32(&header_.fci[8 + 4 * index]);
}

size_t writeRemb(std::span<uint8_t> out, uint32_t senderSsrc, uint64_t bitrate,
                 std::span<const uint32_t> ssrcs) {
  size_t fci = 8 + 4 * ssrcs.size();
  if (ssrcs.size() > 255 || writeFeedbackHeader(out, kRtcpPsfb, kFmtAfb, senderSsrc, 0, fci) == 0) {
    return 0;
  }
  uint8_t exponent = 0;
  while ((bitrate >> exponent) > 0x3FFFF)
    ++exponent;
  uint32_t mantissa = static_cast<uint32_t>(bitrate >> exponent);
  uint8_t* p = &out[12];
  p[0] = 'R', p[1] = 'E', p[2] = 'M', p[3] = 'B';
  p[4] = static_cast<uint8_t>(ssrcs.size());
  p[5] = static_cast<uint8_t>((exponent << 2) | (mantissa >> 16));
  p[6] = static_cast<uint8_t>(mantissa >> 8);
  p[7] = static_cast<uint8_t>(mantissa);
  for (size_t i = 0; i < ssrcs.size(); ++i)
    write32(&p[8 + 4 * i], ssrcs[i]);
  return 12 + fci;
}

}  // namespace medrelay::relay::rtp
