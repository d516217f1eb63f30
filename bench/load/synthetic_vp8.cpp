#include "bench/load/synthetic_vp8.hpp"

#include <cstring>
#include <ctime>

#include "relay/rtp/keyframe.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::bench {

namespace {
constexpr uint32_t kMagic = 0x4D524C59;  // "MRLY"

void put32(uint8_t* p, uint32_t v) {
  p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = static_cast<uint8_t>(v);
}
uint32_t get32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
}  // namespace

int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

size_t writeSyntheticPacket(std::span<uint8_t> out, size_t size, uint32_t ssrc, uint16_t sequence,
                            uint32_t timestamp, uint16_t pictureId, bool firstOfFrame,
                            bool lastOfFrame, bool keyFrame, uint32_t frame, int64_t sentNs) {
  uint8_t* p = out.data();
  std::memset(p, 0, size);
  p[0] = 0x80;
  p[1] = static_cast<uint8_t>((lastOfFrame ? 0x80 : 0) | kSyntheticPayloadType);
  p[2] = sequence >> 8, p[3] = static_cast<uint8_t>(sequence);
  put32(p + 4, timestamp);
  put32(p + 8, ssrc);
  uint8_t* d = p + 12;
  d[0] = static_cast<uint8_t>(0x80 | (firstOfFrame ? 0x10 : 0));  // X, S, partition 0
  d[1] = 0x80;                                                    // I: picture id follows
  d[2] = static_cast<uint8_t>(0x80 | ((pictureId >> 8) & 0x7F));  // 15-bit picture id
  d[3] = static_cast<uint8_t>(pictureId);
  if (firstOfFrame) {
    // VP8 frame header: P bit (inverse key frame), version 0, show_frame, size; key frames add
    // the start code and a 640x360 picture size.
    d[4] = keyFrame ? 0x10 : 0x11;
    if (keyFrame) {
      d[7] = 0x9d, d[8] = 0x01, d[9] = 0x2a;
      d[10] = 0x80, d[11] = 0x02, d[12] = 0x68, d[13] = 0x01;
    }
  }
  uint8_t* stamp = p + size - kStampSize;
  put32(stamp, kMagic);
  put32(stamp + 4, frame);
  put32(stamp + 8, static_cast<uint32_t>(static_cast<uint64_t>(sentNs) >> 32));
  put32(stamp + 12, static_cast<uint32_t>(sentNs));
  return size;
}

std::optional<Stamp> readStamp(std::span<const uint8_t> packet) {
  auto parsed = relay::rtp::RtpPacket::parse(packet);
  if (!parsed || parsed->payload().size() < kStampSize + 4) return std::nullopt;
  const uint8_t* stamp = parsed->payload().data() + parsed->payload().size() - kStampSize;
  if (get32(stamp) != kMagic) return std::nullopt;
  return Stamp{get32(stamp + 4),
               static_cast<int64_t>(uint64_t{get32(stamp + 8)} << 32 | get32(stamp + 12))};
}

bool startsKeyFrame(std::span<const uint8_t> packet) {
  auto parsed = relay::rtp::RtpPacket::parse(packet);
  return parsed && relay::rtp::isKeyFrameStart(relay::rtp::Codec::Vp8, parsed->payload());
}

}  // namespace medrelay::bench
