// Recognises the first RTP packet of a key frame from its payload, per codec. Pure function.
#pragma once

#include <cstdint>
#include <span>

#include "relay/rtp/codec.hpp"

namespace medrelay::relay::rtp {

// VP8 (RFC 7741 §4.2-4.3): start of partition 0 (S=1, PID=0) whose payload header has P=0.
// H.264 (RFC 6184 §5.6-5.8): an IDR (5) or SPS (7) as a single NAL unit, inside a STAP-A, or
// at the start (S=1) of an FU-A. Opus: every packet (audio has no key frames to wait for).
bool isKeyFrameStart(Codec codec, std::span<const uint8_t> payload);

}  // namespace medrelay::relay::rtp
