// The benchmark's synthetic video: RTP packets that every relay treats as VP8 (payload
// descriptor with a 15-bit picture id, start bit, key-frame flag in the VP8 payload header,
// marker on a frame's last packet) but whose payload is filler ending in a stamp: a magic word,
// the frame number and the source's send time (CLOCK_MONOTONIC, nanoseconds; source and viewers
// run on one machine). No decoder is involved: the load generator measures transport only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace medrelay::bench {

constexpr uint8_t kSyntheticPayloadType = 96;
constexpr size_t kStampSize = 16;

int64_t monotonicNs();

struct Stamp {
  uint32_t frame = 0;
  int64_t sentNs = 0;
};

// Writes one packet into `out` (at least `size` bytes); returns its size.
size_t writeSyntheticPacket(std::span<uint8_t> out, size_t size, uint32_t ssrc, uint16_t sequence,
                            uint32_t timestamp, uint16_t pictureId, bool firstOfFrame,
                            bool lastOfFrame, bool keyFrame, uint32_t frame, int64_t sentNs);

// The stamp at the end of a decrypted packet's payload; nullopt if it carries none.
std::optional<Stamp> readStamp(std::span<const uint8_t> packet);
// Whether the packet starts a key frame (VP8 payload descriptor S=1, partition 0, P=0).
bool startsKeyFrame(std::span<const uint8_t> packet);

}  // namespace medrelay::bench
