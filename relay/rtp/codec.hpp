// Codecs the relay forwards: two video codecs and Opus for audio. Plain values; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace medrelay::relay::rtp {

enum class Codec : uint8_t { Vp8, H264, Opus };
inline constexpr size_t kCodecCount = 3;

constexpr bool isAudio(Codec codec) {
  return codec == Codec::Opus;
}

// The encoding name as SDP's a=rtpmap writes it.
constexpr std::string_view codecName(Codec codec) {
  switch (codec) {
    case Codec::Vp8:
      return "VP8";
    case Codec::H264:
      return "H264";
    case Codec::Opus:
      return "opus";
  }
  return "";
}

// Video in RTP runs at 90 kHz; Opus always at 48 kHz (RFC 7587 §4.1).
constexpr uint32_t clockRate(Codec codec) {
  return isAudio(codec) ? 48000 : 90000;
}

// What follows the payload type in a=rtpmap: "VP8/90000", "opus/48000/2" (RFC 7587 §7).
constexpr std::string_view rtpmapEncoding(Codec codec) {
  switch (codec) {
    case Codec::Vp8:
      return "VP8/90000";
    case Codec::H264:
      return "H264/90000";
    case Codec::Opus:
      return "opus/48000/2";
  }
  return "";
}

}  // namespace medrelay::relay::rtp
