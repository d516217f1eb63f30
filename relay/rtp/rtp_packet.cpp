#include "relay/rtp/rtp_packet.hpp"

#include "relay/rtp/byte_io.hpp"

namespace medrelay::relay::rtp {

std::optional<RtpPacket> RtpPacket::parse(std::span<const uint8_t> data) {
  if (data.size() < kFixedHeaderSize || (data[0] >> 6) != 2) return std::nullopt;
  size_t header = kFixedHeaderSize + 4u * (data[0] & 0x0F);
  if (header > data.size()) return std::nullopt;
  if (data[0] & 0x10) {
    if (header + 4 > data.size()) return std::nullopt;
    size_t words = read16(&data[header + 2]);
    header += 4 + 4 * words;
    if (header > data.size()) return std::nullopt;
  }
  uint8_t padding = 0;
  if (data[0] & 0x20) {
    padding = data.back();
    // RFC 3550 §5.1: the last octet counts itself, so 0 is invalid; it cannot eat the header.
    if (padding == 0 || header + padding > data.size()) return std::nullopt;
  }
  return RtpPacket(data, header, padding);
}

uint32_t RtpPacket::timestamp() const {
  return read32(&data_[4]);
}
uint32_t RtpPacket::ssrc() const {
  return read32(&data_[8]);
}

uint32_t RtpPacket::csrc(size_t index) const {
  return index < csrcCount() ? read32(&data_[kFixedHeaderSize + 4 * index]) : 0;
}

uint16_t RtpPacket::extensionProfile() const {
  if (!hasExtension()) return 0;
  return read16(&data_[kFixedHeaderSize + 4u * csrcCount()]);
}

std::optional<std::span<const uint8_t>> RtpPacket::headerExtension(uint8_t id) const {
  if (!hasExtension() || id == 0) return std::nullopt;
  size_t start = kFixedHeaderSize + 4u * csrcCount();
  uint16_t profile = read16(&data_[start]);
  size_t end = start + 4 + 4u * read16(&data_[start + 2]);  // validated by parse()
  size_t at = start + 4;
  if (profile == 0xBEDE) {  // RFC 8285 §4.2 one-byte elements
    while (at < end) {
      uint8_t byte = data_[at];
      if (byte == 0) {  // padding between elements
        ++at;
        continue;
      }
      uint8_t elementId = byte >> 4;
      size_t length = (byte & 0x0F) + 1u;
      if (elementId == 15) return std::nullopt;  // reserved: stop processing
      if (at + 1 + length > end) return std::nullopt;
      if (elementId == id) return data_.subspan(at + 1, length);
      at += 1 + length;
    }
  } else if ((profile & 0xFFF0) == 0x1000) {  // RFC 8285 §4.3 two-byte elements
    while (at < end) {
      uint8_t elementId = data_[at];
      if (elementId == 0) {
        ++at;
        continue;
      }
      if (at + 2 > end) return std::nullopt;
      size_t length = data_[at + 1];
      if (at + 2 + length > end) return std::nullopt;
      if (elementId == id) return data_.subspan(at + 2, length);
      at += 2 + length;
    }
  }
  return std::nullopt;
}

}  // namespace medrelay::relay::rtp
