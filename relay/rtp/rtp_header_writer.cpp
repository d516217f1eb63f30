#include "relay/rtp/rtp_header_writer.hpp"

#include <cstring>

#include "relay/rtp/byte_io.hpp"

namespace medrelay::relay::rtp {

void setSequenceNumber(std::span<uint8_t> packet, uint16_t sequenceNumber) {
  write16(&packet[2], sequenceNumber);
}
void setTimestamp(std::span<uint8_t> packet, uint32_t timestamp) {
  write32(&packet[4], timestamp);
}
void setSsrc(std::span<uint8_t> packet, uint32_t ssrc) {
  write32(&packet[8], ssrc);
}
void setPayloadType(std::span<uint8_t> packet, uint8_t payloadType) {
  packet[1] = static_cast<uint8_t>((packet[1] & 0x80) | (payloadType & 0x7F));
}
void setMarker(std::span<uint8_t> packet, bool marker) {
  packet[1] = static_cast<uint8_t>((packet[1] & 0x7F) | (marker ? 0x80 : 0));
}

size_t writeRtpHeader(std::span<uint8_t> out, const RtpHeaderFields& fields) {
  if (out.size() < RtpPacket::kFixedHeaderSize) return 0;
  out[0] = 0x80;
  out[1] = static_cast<uint8_t>((fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7F));
  write16(&out[2], fields.sequenceNumber);
  write32(&out[4], fields.timestamp);
  write32(&out[8], fields.ssrc);
  return RtpPacket::kFixedHeaderSize;
}

size_t writeRtxPacket(std::span<uint8_t> out, const RtpPacket& original, uint8_t rtxPayloadType,
                      uint32_t rtxSsrc, uint16_t rtxSequenceNumber) {
  auto payload = original.payload();
  size_t header = original.headerSize();
  size_t total = header + 2 + payload.size();
  if (out.size() < total) return 0;
  std::memcpy(out.data(), original.data().data(), header);
  out[0] &= static_cast<uint8_t>(~0x20);  // padding is not carried over
  setPayloadType(out, rtxPayloadType);
  setSequenceNumber(out, rtxSequenceNumber);
  setSsrc(out, rtxSsrc);
  write16(&out[header], original.sequenceNumber());
  if (!payload.empty()) std::memcpy(&out[header + 2], payload.data(), payload.size());
  return total;
}

}  // namespace medrelay::relay::rtp
