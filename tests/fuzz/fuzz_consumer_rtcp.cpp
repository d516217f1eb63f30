// The Consumer's RTCP intake (relay/router/consumer: Consumer::receiveRtcp): what a viewer sends
// back once SRTCP unprotects it, NACK, PLI, FIR, REMB and receiver reports in compounds. The
// input is a sequence of compounds (fuzz_input.hpp) to the viewer with RTX and the one without;
// between them the producer keeps forwarding a steady VP8 stream so NACKs find packets to
// resend. router_harness.hpp checks that a resend never differs from what was sent.
#include <vector>

#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/router_harness.hpp"

using medrelay::fuzz::vp8Packet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medrelay::fuzz::RouterHarness router;
  uint16_t seq = 1000;
  uint32_t ts = 0;
  for (int i = 0; i < 40; ++i, ts += 3000)
    router.receive(vp8Packet(seq++, ts, 0x1000, i % 20 == 0));
  router.flush();
  size_t n = 0;
  medrelay::fuzz::forEachChunk(std::span<const uint8_t>(data, size), 64,
                               [&](std::span<const uint8_t> compound) {
                                 auto& consumer = ++n % 2 ? *router.withRtx : *router.plain;
                                 consumer.receiveRtcp(compound, router.now);
                                 router.receive(vp8Packet(seq++, ts += 3000, 0x1000, false));
                                 router.now += 40;
                                 router.flush();
                               });
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  using medrelay::fuzz::joinChunks;
  // Viewer SSRC 1; media SSRC 0xAAAA (the RTX viewer) or 0xBBBB. The first viewer sent output
  // sequence numbers from a random start: the fuzzer finds them through the NACK's PID.
  std::vector<uint8_t> rr{0x81, 0xC9, 0,    7,    0, 0, 0, 1,    0, 0, 0xAA, 0xAA, 0x10, 0, 0, 2,
                          0,    0,    0x03, 0xF0, 0, 0, 0, 0x20, 0, 0, 0,    0,    0,    0, 0, 0};
  std::vector<uint8_t> nackA{0x81, 0xCD, 0,    3,    0,    0,    0,    1,
                             0,    0,    0xAA, 0xAA, 0x03, 0xF0, 0xFF, 0xFF};
  std::vector<uint8_t> nackB{0x81, 0xCD, 0,    3,    0,    0,    0,    1,
                             0,    0,    0xBB, 0xBB, 0x03, 0xF0, 0x00, 0x0F};
  std::vector<uint8_t> pliA{0x81, 0xCE, 0, 2, 0, 0, 0, 1, 0, 0, 0xAA, 0xAA};
  std::vector<uint8_t> firB{0x84, 0xCE, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xBB, 0xBB, 1, 0, 0, 0};
  std::vector<uint8_t> remb{0x8F, 0xCE, 0,   5,   0, 0,    0, 1, 0, 0, 0,    0,
                            'R',  'E',  'M', 'B', 1, 0x0A, 0, 1, 0, 0, 0xAA, 0xAA};
  std::vector<uint8_t> compound = rr;
  compound.insert(compound.end(), nackA.begin(), nackA.end());
  compound.insert(compound.end(), pliA.begin(), pliA.end());
  return {joinChunks({rr, nackB, nackA, nackA, pliA}), joinChunks({compound, firB, remb}),
          joinChunks({nackA, nackB, nackA, nackB})};
}
