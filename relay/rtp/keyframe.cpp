#include "relay/rtp/keyframe.hpp"

#include "relay/rtp/byte_io.hpp"

namespace medrelay::relay::rtp {

namespace {

bool vp8KeyFrameStart(std::span<const uint8_t> p) {
  if (p.empty()) return false;
  size_t at = 1;
  bool start = (p[0] & 0x10) != 0;
  uint8_t partition = p[0] & 0x0F;
  if (p[0] & 0x80) {  // X: extension byte with I, L, T, K
    if (p.size() < 2) return false;
    uint8_t x = p[1];
    at = 2;
    if (x & 0x80) {  // I: picture id, 7 or 15 bits
      if (at >= p.size()) return false;
      at += (p[at] & 0x80) ? 2 : 1;
    }
    if (x & 0x40) ++at;  // L: TL0PICIDX
    if (x & 0x30) ++at;  // T or K: TID/Y/KEYIDX byte
  }
  if (!start || partition != 0 || at >= p.size()) return false;
  return (p[at] & 0x01) == 0;  // VP8 payload header: P (inverse key frame flag) == 0
}

bool h264KeyNal(uint8_t type) {
  return type == 5 || type == 7;
}

bool h264KeyFrameStart(std::span<const uint8_t> p) {
  if (p.empty()) return false;
  uint8_t type = p[0] & 0x1F;
  if (type >= 1 && type <= 23) return h264KeyNal(type);
  if (type == 24) {  // STAP-A: [size16][NAL]...
    size_t at = 1;
    while (at + 2 < p.size()) {
      size_t size = read16(&p[at]);
      at += 2;
      if (size == 0 || at + size > p.size()) return false;
      if (h264KeyNal(p[at] & 0x1F)) return true;
      at += size;
    }
    return false;
  }
  if (type == 28) {  // FU-A: indicator, header (S E R type)
    return p.size() >= 2 && (p[1] & 0x80) && h264KeyNal(p[1] & 0x1F);
  }
  return false;
}

}  // namespace

bool isKeyFrameStart(Codec codec, std::span<const uint8_t> payload) {
  switch (codec) {
    case Codec::Vp8:
      return vp8KeyFrameStart(payload);
    case Codec::H264:
      return h264KeyFrameStart(payload);
    case Codec::Opus:
      return true;  // every Opus packet decodes on its own
  }
  return false;
}

}  // namespace medrelay::relay::rtp
