// Viewers moving between two layers of a stream (Consumer::switchTo; relay/router/producer's
// switching list): a sequence of chunks (fuzz_input.hpp) that are RTP datagrams (payload type
// 97 to the second layer, anything else to the first), one-byte commands (bit 0: which viewer;
// bit 1: which layer to switch it to; 0xF0 and above: the second layer's producer is destroyed
// and made again, as a room detaching), two-byte NACKs of that output sequence number from both
// viewers, and empty chunks that end a receive batch. router_harness.hpp checks that no output
// sequence number ever carries two different packets, across every switch.
#include <memory>
#include <vector>

#include "relay/rtp/rtcp_nack.hpp"
#include "tests/fuzz/fuzz_input.hpp"
#include "tests/fuzz/router_harness.hpp"

namespace {

using namespace medrelay;

struct TwoLayers {
  fuzz::RouterHarness router;  // the first layer, with both viewers on it
  std::unique_ptr<relay::router::Producer> second = makeSecond();

  std::unique_ptr<relay::router::Producer> makeSecond() {
    return std::make_unique<relay::router::Producer>(
        relay::router::ProducerConfig{"fuzz", relay::rtp::Codec::Vp8, 97, 90000}, router.upstream);
  }
  relay::router::Consumer& viewer(uint8_t which) {
    return which & 1 ? *router.plain : *router.withRtx;
  }
  void receive(std::span<const uint8_t> datagram) {
    if (datagram.size() < 2 || (datagram[1] & 0x7F) != 97) return router.receive(datagram);
    router.now += 5;
    if (datagram.size() > relay::router::kPacketCapacity) return;
    relay::router::PacketRef ref = router.pool.acquire();
    if (!ref) return;
    std::memcpy(ref.writable().data(), datagram.data(), datagram.size());
    ref.setSize(datagram.size());
    second->receiveRtp(std::move(ref), router.now);
  }
  void command(uint8_t byte) {
    if (byte >= 0xF0) {
      second = makeSecond();  // the old one tells its viewers, current and switching
      return;
    }
    auto& target = byte & 2 ? *second : router.producer;
    viewer(byte).switchTo(target, router.now);
  }
  void nack(uint16_t sequence) {
    for (uint8_t which : {0, 1}) {
      auto& consumer = viewer(which);
      std::vector<uint8_t> packet(64);
      uint16_t lost[] = {sequence};
      packet.resize(relay::rtp::writeGenericNack(packet, 1, consumer.config().ssrc, lost));
      consumer.receiveRtcp(packet, router.now);
    }
  }
  void flush() {
    router.flush();
    second->flushConsumers();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  TwoLayers layers;
  medrelay::fuzz::forEachChunk(
      std::span<const uint8_t>(data, size), 256, [&](std::span<const uint8_t> chunk) {
        if (chunk.empty()) return layers.flush();
        if (chunk.size() == 1) return layers.command(chunk[0]);
        if (chunk.size() == 2) return layers.nack(static_cast<uint16_t>(chunk[0] << 8 | chunk[1]));
        layers.receive(chunk);
      });
  layers.flush();
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  using medrelay::fuzz::joinChunks;
  using medrelay::fuzz::vp8Packet;
  auto low = [](uint16_t seq, uint32_t ts, bool key) {
    auto p = vp8Packet(seq, ts, 0x2000, key);
    p[1] = static_cast<uint8_t>((p[1] & 0x80) | 97);
    return p;
  };
  const std::vector<uint8_t> toLow0{2}, toLow1{3}, toTop0{0}, resetLow{0xF0};
  return {// Both layers run; viewer 0 moves down on the low layer's key frame, then back up.
          joinChunks({vp8Packet(10, 0, 0x1000, true),
                      low(500, 0, true),
                      {},
                      vp8Packet(11, 3000, 0x1000, false),
                      low(501, 3000, false),
                      toLow0,
                      low(502, 6000, false),
                      vp8Packet(12, 6000, 0x1000, false),
                      low(503, 9000, true),
                      {0x03, 0xF0},
                      {},
                      toTop0,
                      vp8Packet(13, 9000, 0x1000, true),
                      {}}),
          // A switch pending when the low layer's producer goes, and one after it came back.
          joinChunks({vp8Packet(10, 0, 0x1000, true),
                      toLow1,
                      resetLow,
                      low(1, 0, true),
                      low(2, 3000, false),
                      toLow1,
                      low(3, 6000, true),
                      {},
                      resetLow,
                      vp8Packet(11, 3000, 0x1000, false),
                      toTop0,
                      {}})};
}
