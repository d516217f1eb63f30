// A viewer moving between two layers (two producers of one stream): it keeps getting the old
// layer until the new one's key frame, then the new one's packets, with its own numbering and
// timing unbroken; resends never mix the two layers' numbers; every way a switch can be
// abandoned (cancelled, replaced, the target destroyed, the viewer gone) leaves nothing behind.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "relay/router/consumer.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/rtp/rtcp_nack.hpp"
#include "relay/rtp/rtp_header_writer.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {
namespace {

constexpr uint8_t kVp8Key[] = {0x10, 0x00, 0x9D, 0x01, 0x2A};
constexpr uint8_t kVp8Delta[] = {0x10, 0x01, 0x55, 0x66, 0x77};

struct Upstream : Producer::Listener {
  void onProducerKeyFrameNeeded(Producer& p) override { requests.push_back(&p); }
  std::vector<Producer*> requests;
};

struct Viewer : Consumer::Listener {
  void onConsumerRtp(Consumer&, std::span<uint8_t> packet) override {
    packets.emplace_back(packet.begin(), packet.end());
  }
  void onConsumerFlush(Consumer&) override { ++flushes; }
  void onConsumerRtcp(Consumer&, std::span<uint8_t>) override {}
  std::vector<std::vector<uint8_t>> packets;
  int flushes = 0;
};

class LayerSwitchTest : public ::testing::Test {
 protected:
  // The payload's last byte says which layer a packet came from.
  PacketRef packet(uint8_t payloadType, uint16_t seq, uint32_t ts, uint32_t ssrc, bool key,
                   uint8_t tag) {
    PacketRef ref = pool.acquire();
    auto out = ref.writable();
    size_t size = rtp::writeRtpHeader(out, {payloadType, false, seq, ts, ssrc});
    const uint8_t* payload = key ? kVp8Key : kVp8Delta;
    std::copy(payload, payload + 5, out.begin() + size);
    out[size + 5] = tag;
    ref.setSize(size + 6);
    return ref;
  }
  void feedTop(uint16_t seq, uint32_t ts, bool key, int64_t now) {
    top->receiveRtp(packet(96, seq, ts, 0x1000, key, 'T'), now);
  }
  void feedLow(uint16_t seq, uint32_t ts, bool key, int64_t now) {
    low->receiveRtp(packet(97, seq, ts, 0x2000, key, 'L'), now);
  }
  static rtp::RtpPacket parsed(const std::vector<uint8_t>& bytes) {
    return *rtp::RtpPacket::parse(bytes);
  }
  static char layerOf(const std::vector<uint8_t>& bytes) {
    return static_cast<char>(parsed(bytes).payload().back());
  }
  ConsumerConfig config() {
    ConsumerConfig c;
    c.ssrc = 0xAAAA;
    c.payloadType = 100;
    return c;  // no RTX: a resend goes out under the media's own numbers
  }

  PacketPool pool{256};
  Upstream upstream;
  std::unique_ptr<Producer> top =
      std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::Vp8, 96, 90000}, upstream);
  std::unique_ptr<Producer> low =
      std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::Vp8, 97, 90000}, upstream);
};

TEST_F(LayerSwitchTest, TheViewerMovesOnTheTargetsKeyFrameWithItsNumberingUnbroken) {
  Viewer viewer;
  Consumer consumer(config(), viewer);
  top->addConsumer(consumer, 1000);
  feedTop(10, 9000, true, 1000);
  feedTop(11, 12000, false, 1033);
  feedLow(500, 777000, true, 1033);  // the low layer runs beside it, unseen by this viewer

  upstream.requests.clear();
  consumer.switchTo(*low, 1040);
  EXPECT_EQ(consumer.switchingTo(), low.get());
  ASSERT_EQ(upstream.requests.size(), 1u) << "the target's key frame is asked for at once";
  EXPECT_EQ(upstream.requests[0], low.get());

  // Until the low layer's key frame: the top layer's packets only.
  feedLow(501, 780000, false, 1066);
  feedTop(12, 15000, false, 1066);
  ASSERT_EQ(viewer.packets.size(), 3u);
  EXPECT_EQ(layerOf(viewer.packets.back()), 'T');

  feedLow(502, 783000, true, 1100);  // the key frame: the switch happens here
  feedTop(13, 18000, false, 1100);   // no longer ours
  feedLow(503, 786000, false, 1133);
  EXPECT_EQ(consumer.producer(), low.get());
  EXPECT_EQ(consumer.switchingTo(), nullptr);
  EXPECT_EQ(consumer.switches(), 1u);
  EXPECT_EQ(top->consumerCount(), 0u);
  EXPECT_EQ(low->consumerCount(), 1u);
  ASSERT_EQ(viewer.packets.size(), 5u);
  EXPECT_EQ(layerOf(viewer.packets[3]), 'L');
  EXPECT_EQ(layerOf(viewer.packets[4]), 'L');
  for (size_t i = 1; i < viewer.packets.size(); ++i) {
    auto before = parsed(viewer.packets[i - 1]), now = parsed(viewer.packets[i]);
    EXPECT_EQ(now.ssrc(), 0xAAAAu);
    EXPECT_EQ(now.sequenceNumber(), static_cast<uint16_t>(before.sequenceNumber() + 1)) << i;
    EXPECT_GE(static_cast<int32_t>(now.timestamp() - before.timestamp()), 0) << i;
  }
  // The jump in the sources' timestamps (777000 against 15000) does not reach the viewer:
  // about the wall time between the packets (34 ms, ~3000 ticks).
  const auto gap = static_cast<int32_t>(parsed(viewer.packets[3]).timestamp() -
                                        parsed(viewer.packets[2]).timestamp());
  EXPECT_GT(gap, 2000);
  EXPECT_LT(gap, 4000);
}

TEST_F(LayerSwitchTest, AResendAfterASwitchNeverSendsTheOtherLayersBytesUnderAnOldNumber) {
  Viewer viewer;
  Consumer consumer(config(), viewer);
  top->addConsumer(consumer, 1000);
  feedTop(10, 9000, true, 1000);
  feedTop(11, 12000, false, 1033);
  const uint16_t beforeSwitch = parsed(viewer.packets[1]).sequenceNumber();
  consumer.switchTo(*low, 1040);
  feedLow(20, 50000, true, 1066);
  feedLow(21, 53000, false, 1100);
  ASSERT_EQ(viewer.packets.size(), 4u);
  const uint16_t afterSwitch = parsed(viewer.packets[3]).sequenceNumber();

  std::vector<uint8_t> nack(64);
  uint16_t lost[] = {beforeSwitch, afterSwitch};
  nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xAAAA, lost));
  consumer.receiveRtcp(nack, 1200);
  // Only the packet of the current run is resent, and with the bytes first sent under it.
  ASSERT_EQ(viewer.packets.size(), 5u);
  EXPECT_EQ(viewer.packets[4], viewer.packets[3]);
  EXPECT_EQ(consumer.stats().retransmitted, 1u);
  EXPECT_EQ(consumer.stats().retransmitMisses, 1u);
}

TEST_F(LayerSwitchTest, ASwitchCanBeCancelledOrRedirectedBeforeItHappens) {
  Viewer viewer;
  Consumer consumer(config(), viewer);
  top->addConsumer(consumer, 1000);
  feedTop(10, 9000, true, 1000);
  consumer.switchTo(*low, 1010);
  EXPECT_EQ(low->switchingConsumerCount(), 1u);
  consumer.switchTo(*top, 1020);  // back to where it is: cancelled
  EXPECT_EQ(low->switchingConsumerCount(), 0u);
  EXPECT_EQ(consumer.switchingTo(), nullptr);
  feedLow(20, 50000, true, 1033);
  feedTop(11, 12000, false, 1033);
  ASSERT_EQ(viewer.packets.size(), 2u);
  EXPECT_EQ(layerOf(viewer.packets[1]), 'T');
  EXPECT_EQ(consumer.producer(), top.get());

  // Asked twice for the same target: one entry, and one move.
  consumer.switchTo(*low, 1040);
  consumer.switchTo(*low, 1041);
  EXPECT_EQ(low->switchingConsumerCount(), 1u);
  feedLow(21, 53000, true, 1066);
  EXPECT_EQ(consumer.switches(), 1u);
  EXPECT_EQ(layerOf(viewer.packets.back()), 'L');
}

TEST_F(LayerSwitchTest, NothingIsLeftBehindWhenTheTargetOrTheViewerGoes) {
  Viewer viewer;
  {
    Consumer consumer(config(), viewer);
    top->addConsumer(consumer, 1000);
    feedTop(10, 9000, true, 1000);
    consumer.switchTo(*low, 1010);
    low.reset();  // the layer's producer goes (the room detaches) while the switch waits
    EXPECT_EQ(consumer.switchingTo(), nullptr);
    feedTop(11, 12000, false, 1033);
    EXPECT_EQ(layerOf(viewer.packets.back()), 'T') << "still watching the top layer";
    low = std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::Vp8, 97, 90000}, upstream);
    consumer.switchTo(*low, 1040);
    EXPECT_EQ(low->switchingConsumerCount(), 1u);
  }  // the viewer goes while its switch waits
  EXPECT_EQ(low->switchingConsumerCount(), 0u);
  EXPECT_EQ(top->consumerCount(), 0u);
  feedLow(20, 50000, true, 1066);  // would reach a destroyed consumer if it were still listed
  feedTop(12, 15000, true, 1066);
}

TEST_F(LayerSwitchTest, AViewerNotYetOnAnyLayerJoinsTheTargetDirectly) {
  Viewer viewer;
  Consumer consumer(config(), viewer);
  feedLow(20, 50000, true, 1000);
  consumer.switchTo(*low, 1010);  // replays the fresh cached key frame, as any joiner
  EXPECT_EQ(consumer.producer(), low.get());
  EXPECT_EQ(consumer.switchingTo(), nullptr);
  ASSERT_EQ(viewer.packets.size(), 1u);
  EXPECT_EQ(layerOf(viewer.packets[0]), 'L');
}

}  // namespace
}  // namespace medrelay::relay::router
