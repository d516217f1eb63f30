// A read-only view over one RTP packet (RFC 3550 §5.1) with RFC 8285 header extensions.
// Parsing validates every length first; accessors then never read outside the buffer.
// No allocation, trivially copyable; valid as long as the bytes it views.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace medrelay::relay::rtp {

class RtpPacket {
 public:
  static constexpr size_t kFixedHeaderSize = 12;

  static std::optional<RtpPacket> parse(std::span<const uint8_t> data);

  std::span<const uint8_t> data() const { return data_; }
  uint8_t payloadType() const { return data_[1] & 0x7F; }
  bool marker() const { return (data_[1] & 0x80) != 0; }
  uint16_t sequenceNumber() const { return static_cast<uint16_t>((data_[2] << 8) | data_[3]); }
  uint32_t timestamp() const;
  uint32_t ssrc() const;
  uint8_t csrcCount() const { return data_[0] & 0x0F; }
  uint32_t csrc(size_t index) const;  // index < csrcCount()
  bool hasExtension() const { return (data_[0] & 0x10) != 0; }
  uint16_t extensionProfile() const;  // 0 when there is no extension block
  // RFC 8285 element `id` (1-14 one-byte form, 1-255 two-byte form), or nullopt.
  std::optional<std::span<const uint8_t>> headerExtension(uint8_t id) const;
  size_t headerSize() const { return headerSize_; }
  std::span<const uint8_t> payload() const {
    return data_.subspan(headerSize_, data_.size() - headerSize_ - paddingSize_);
  }
  uint8_t paddingSize() const { return paddingSize_; }

 private:
  RtpPacket(std::span<const uint8_t> data, size_t headerSize, uint8_t paddingSize)
      : data_(data), headerSize_(headerSize), paddingSize_(paddingSize) {}

  std::span<const uint8_t> data_;
  size_t headerSize_;
  uint8_t paddingSize_;
};

// Cheap check used by demultiplexers: version 2 and at least a fixed header.
inline bool looksLikeRtp(std::span<const uint8_t> data) {
  return data.size() >= RtpPacket::kFixedHeaderSize && (data[0] >> 6) == 2;
}

}  // namespace medrelay::relay::rtp
