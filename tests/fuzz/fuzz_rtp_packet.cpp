#include <vector>

#include "relay/rtp/keyframe.hpp"
#include "relay/rtp/rtp_header_writer.hpp"
#include "relay/rtp/rtp_packet.hpp"

using namespace medrelay::relay::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto packet = RtpPacket::parse(std::span<const uint8_t>(data, size));
  if (!packet) return 0;
  // A view must never reach outside the buffer it was parsed from.
  auto payload = packet->payload();
  if (!payload.empty() &&
      (payload.data() < data || payload.data() + payload.size() > data + size)) {
    __builtin_trap();
  }
  volatile uint32_t sink = packet->ssrc() + packet->timestamp() + packet->sequenceNumber();
  for (uint8_t id = 1; id < 20; ++id) {
    if (auto e = packet->headerExtension(id)) sink = sink + (e->empty() ? 0 : (*e)[0]);
  }
  for (size_t i = 0; i < packet->csrcCount(); ++i)
    sink = sink + packet->csrc(i);
  isKeyFrameStart(Codec::Vp8, packet->payload());
  isKeyFrameStart(Codec::H264, packet->payload());
  std::vector<uint8_t> out(size + 2);
  writeRtxPacket(out, *packet, 97, 1, 2);
  (void)sink;
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  return {{0x90, 0xE0, 0x12, 0x34, 0,    1, 0xE2, 0x40, 0xCA, 0xFE, 0xBA, 0xBE, 0xBE,
           0xDE, 0,    2,    0x10, 0xAA, 0, 0x31, 0xBB, 0xCC, 0,    0,    'p'},
          {0xB1, 0x66, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0,    0,    0,    7, 0, 0, 0,
           9,    0x10, 0,    0,    1,    5,    2,    0x11, 0x22, 0xDE, 0xAD, 0, 0, 3},
          {0x80, 0x66, 0,    1,    0,    0,    0,    0,    0,    0,   0,
           1,    0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE},
          {0x80, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0x90, 0xE0, 0x05, 0x07, 0x20, 0x00}};
}
