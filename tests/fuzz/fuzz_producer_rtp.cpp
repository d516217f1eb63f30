// The Producer's RTP intake (relay/router/producer: Producer::receiveRtp) from a publisher (WHIP)
// or an ingest process: a sequence of datagrams (fuzz_input.hpp; an empty one ends a receive
// batch: consumers flush and run their timers) into a producer with two viewers attached.
// Exercises SSRC probation, sequence filtering, source restarts, key-frame detection, the
// retransmission cache and each consumer's rewrite (router_harness.hpp checks the output).
#include <vector>

#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/router_harness.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medrelay::fuzz::RouterHarness router;
  medrelay::fuzz::forEachChunk(std::span<const uint8_t>(data, size), 256,
                               [&](std::span<const uint8_t> datagram) {
                                 if (datagram.empty()) return router.flush();
                                 router.receive(datagram);
                               });
  router.flush();
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  using medrelay::fuzz::joinChunks;
  using medrelay::fuzz::vp8Packet;
  return {// A key frame, deltas, a duplicate and a late packet.
          joinChunks({vp8Packet(10, 0, 0x1000, true),
                      vp8Packet(11, 0, 0x1000, false),
                      {},
                      vp8Packet(12, 3000, 0x1000, false),
                      vp8Packet(12, 3000, 0x1000, false),
                      vp8Packet(9, 0, 0x1000, false),
                      {}}),
          // A source restart: a new SSRC confirmed by its second packet, a stray datagram between.
          joinChunks({vp8Packet(100, 0, 0x1000, true),
                      vp8Packet(101, 3000, 0x1000, false),
                      vp8Packet(7, 500, 0x2000, true),
                      vp8Packet(102, 6000, 0x1000, false),
                      vp8Packet(8, 500, 0x2000, true),
                      vp8Packet(9, 3500, 0x2000, false),
                      {}}),
          // A jump in numbering (a restart of the same SSRC), then a wrap.
          joinChunks({vp8Packet(65534, 0, 0x1000, true),
                      vp8Packet(65535, 0, 0x1000, false),
                      vp8Packet(0, 3000, 0x1000, false),
                      vp8Packet(30000, 9000, 0x1000, true),
                      vp8Packet(30001, 9000, 0x1000, false),
                      {}})};
}
