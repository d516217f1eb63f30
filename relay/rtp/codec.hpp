// Video codecs the relay forwards. Plain values; any thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace medrelay::relay::rtp {

enum class Codec : uint8_t { Vp8, H264 };

constexpr std::string_view codecName(Codec codec) {
  return codec == Codec::Vp8 ? "VP8" : "H264";
}

constexpr uint32_t clockRate(Codec) {
  return 90000;
}  // every video codec in RTP: 90 kHz

}  // namespace medrelay::relay::rtp
