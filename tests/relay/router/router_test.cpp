// Producer -> Consumer fan-out with literal VP8 RTP packets: key-frame start, rewriting,
// continuity across a source restart, NACK answered with RTX (RFC 4588), PLI merging, safe
// removal during fan-out, and the pool/cache underneath.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "relay/router/consumer.hpp"
#include "relay/router/key_frame_request_manager.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/router/retransmission_buffer.hpp"
#include "relay/rtp/rtcp_nack.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_header_writer.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {
namespace {

constexpr uint8_t kVp8Key[] = {0x10, 0x00, 0x9D, 0x01, 0x2A};    // S=1 PID=0, P=0
constexpr uint8_t kVp8Delta[] = {0x10, 0x01, 0x55, 0x66, 0x77};  // P=1

struct Upstream : Producer::Listener {
  void onProducerKeyFrameNeeded(Producer&) override { ++requests; }
  int requests = 0;
};

struct Viewer : Consumer::Listener {
  void onConsumerRtp(Consumer& c, std::span<uint8_t> packet) override {
    packets.emplace_back(packet.begin(), packet.end());
    if (removeSelfFrom) removeSelfFrom->removeConsumer(c);
    if (alsoRemove && removeOtherFrom) removeOtherFrom->removeConsumer(*alsoRemove);
  }
  void onConsumerRtcp(Consumer&, std::span<uint8_t> compound) override {
    rtcp.emplace_back(compound.begin(), compound.end());
  }
  std::vector<std::vector<uint8_t>> packets, rtcp;
  Producer* removeSelfFrom = nullptr;
  Producer* removeOtherFrom = nullptr;
  Consumer* alsoRemove = nullptr;
};

class RouterTest : public ::testing::Test {
 protected:
  PacketRef packet(uint16_t seq, uint32_t ts, uint32_t ssrc, bool keyFrame) {
    PacketRef ref = pool.acquire();
    auto out = ref.writable();
    size_t size = rtp::writeRtpHeader(out, {96, false, seq, ts, ssrc});
    const uint8_t* payload = keyFrame ? kVp8Key : kVp8Delta;
    std::copy(payload, payload + 5, out.begin() + size);
    ref.setSize(size + 5);
    return ref;
  }
  void feed(uint16_t seq, uint32_t ts, bool keyFrame, uint32_t ssrc = 0x1000, int64_t now = 1000) {
    producer.receiveRtp(packet(seq, ts, ssrc, keyFrame), now);
  }
  static rtp::RtpPacket parsed(const std::vector<uint8_t>& bytes) {
    return *rtp::RtpPacket::parse(bytes);
  }
  ConsumerConfig config(uint32_t ssrc) {
    ConsumerConfig c;
    c.ssrc = ssrc;
    c.payloadType = 100;
    c.rtxSsrc = ssrc + 1;
    c.rtxPayloadType = 101;
    return c;
  }

  PacketPool pool{256};
  Upstream upstream;
  Producer producer{ProducerConfig{"test", rtp::Codec::Vp8, 96, 90000}, upstream};
};

TEST_F(RouterTest, NewViewerStartsOnAKeyFrameAndAsksForOne) {
  feed(10, 0, false);
  Viewer viewer;
  Consumer consumer(config(0xAAAA), viewer);
  producer.addConsumer(consumer, 5000);  // no recent key frame cached: request one
  EXPECT_EQ(upstream.requests, 1);
  feed(11, 3000, false);
  EXPECT_TRUE(viewer.packets.empty()) << "delta frames before the key frame are withheld";
  feed(12, 6000, true);
  feed(13, 6000, false);
  ASSERT_EQ(viewer.packets.size(), 2u);
  auto first = parsed(viewer.packets[0]);
  EXPECT_EQ(first.ssrc(), 0xAAAAu);
  EXPECT_EQ(first.payloadType(), 100);
  EXPECT_EQ(parsed(viewer.packets[1]).sequenceNumber(),
            static_cast<uint16_t>(first.sequenceNumber() + 1));
}

TEST_F(RouterTest, ProducerBufferIsNotModifiedByTheRewrite) {
  Viewer viewer;
  Consumer consumer(config(0xAAAA), viewer);
  producer.addConsumer(consumer, 1000);
  PacketRef ref = packet(50, 900, 0x1000, true);
  std::vector<uint8_t> before(ref.data().begin(), ref.data().end());
  producer.receiveRtp(ref, 1000);
  ASSERT_EQ(viewer.packets.size(), 1u);
  EXPECT_EQ(std::vector<uint8_t>(ref.data().begin(), ref.data().end()), before);
  EXPECT_NE(viewer.packets[0], before);  // rewritten copy
  EXPECT_EQ(ref.useCount(), 2u);         // ours and the retransmission cache's: consumers keep none
}

// The send path queues packets and sends them at flush: every queued packet must stay exactly
// as handed out until the flush, and no more than kOutputSlots may be outstanding.
struct BatchingViewer : Consumer::Listener {
  void onConsumerRtp(Consumer&, std::span<uint8_t> packet) override {
    pending.push_back({packet, std::vector<uint8_t>(packet.begin(), packet.end())});
    maxPending = std::max(maxPending, pending.size());
    std::fill(packet.end(), packet.end() + kTrailerRoom, 0xEE);  // the SRTP tag's room is ours
  }
  void onConsumerFlush(Consumer&) override {
    ++flushes;
    for (auto& [span, copy] : pending) {
      if (!std::equal(span.begin(), span.end(), copy.begin(), copy.end())) ++corrupted;
      sent.push_back(copy);
    }
    pending.clear();
  }
  void onConsumerRtcp(Consumer&, std::span<uint8_t>) override {}
  std::vector<std::pair<std::span<uint8_t>, std::vector<uint8_t>>> pending;
  std::vector<std::vector<uint8_t>> sent;
  size_t maxPending = 0;
  int flushes = 0, corrupted = 0;
};

TEST_F(RouterTest, QueuedPacketsStayIntactUntilFlushAndFlushComesPerBatch) {
  BatchingViewer viewer;
  Consumer consumer(config(0xAAAA), viewer);
  producer.addConsumer(consumer, 1000);
  feed(100, 0, true);
  for (uint16_t i = 1; i < 40; ++i)
    feed(static_cast<uint16_t>(100 + i), 0, false);
  EXPECT_EQ(viewer.flushes, 2) << "40 packets without a flush: the 16-slot queue flushed twice";
  EXPECT_EQ(viewer.pending.size(), 40u - 2 * kOutputSlots);
  producer.flushConsumers();
  EXPECT_EQ(viewer.flushes, 3);
  producer.flushConsumers();  // nothing queued: no empty flush
  EXPECT_EQ(viewer.flushes, 3);
  EXPECT_EQ(viewer.maxPending, kOutputSlots);
  EXPECT_EQ(viewer.corrupted, 0);
  ASSERT_EQ(viewer.sent.size(), 40u);
  for (size_t i = 1; i < viewer.sent.size(); ++i) {
    EXPECT_EQ(parsed(viewer.sent[i]).sequenceNumber(),
              static_cast<uint16_t>(parsed(viewer.sent[i - 1]).sequenceNumber() + 1));
  }

  // Retransmissions answering one NACK go out together, in the same flush.
  uint16_t first = parsed(viewer.sent[5]).sequenceNumber();
  std::vector<uint8_t> nack(16);
  nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xAAAA,
                                    std::vector<uint16_t>{first, uint16_t(first + 1)}));
  consumer.receiveRtcp(nack, 1100);
  EXPECT_EQ(viewer.flushes, 4);
  EXPECT_EQ(viewer.sent.size(), 42u);
  EXPECT_TRUE(viewer.pending.empty());
}

TEST_F(RouterTest, JoinerReplaysARecentCachedKeyFrameWithoutARequest) {
  feed(20, 0, true, 0x1000, 1000);
  feed(21, 0, false, 0x1000, 1010);
  feed(22, 3000, false, 0x1000, 1040);
  Viewer viewer;
  Consumer consumer(config(0xBBBB), viewer);
  producer.addConsumer(consumer, 1100);  // key frame 100 ms old: replay it
  EXPECT_EQ(upstream.requests, 0);
  ASSERT_EQ(viewer.packets.size(), 3u);
  EXPECT_EQ(consumer.stats().replayedOnJoin, 3u);
}

TEST_F(RouterTest, OutputStaysContinuousAcrossASourceRestart) {
  Viewer viewer;
  Consumer consumer(config(0xCCCC), viewer);
  producer.addConsumer(consumer, 1000);
  feed(100, 90000, true, 0x1000, 1000);
  feed(101, 93000, false, 0x1000, 1033);
  // The ingest restarts: new SSRC, unrelated numbers. Deltas first, then a key frame.
  feed(7, 5, false, 0x2000, 2000);
  feed(8, 3005, true, 0x2000, 2033);
  feed(9, 6005, false, 0x2000, 2066);
  ASSERT_EQ(viewer.packets.size(), 4u);
  std::vector<uint16_t> seqs;
  std::vector<uint32_t> stamps;
  for (auto& p : viewer.packets) {
    seqs.push_back(parsed(p).sequenceNumber());
    stamps.push_back(parsed(p).timestamp());
    EXPECT_EQ(parsed(p).ssrc(), 0xCCCCu);
  }
  for (size_t i = 1; i < seqs.size(); ++i) {
    EXPECT_EQ(seqs[i], static_cast<uint16_t>(seqs[0] + i));
    EXPECT_GT(static_cast<int32_t>(stamps[i] - stamps[i - 1]), -1) << "timestamps never go back";
  }
  // About 1 s of wall time passed across the restart: ~90000 ticks, not the source's jump.
  int32_t gap = static_cast<int32_t>(stamps[2] - stamps[1]);
  EXPECT_GT(gap, 80000);
  EXPECT_LT(gap, 100000);
  EXPECT_EQ(producer.stats().sourceRestarts, 1u);
}

TEST_F(RouterTest, NackIsAnsweredWithAnRtxPacket) {
  Viewer viewer;
  Consumer consumer(config(0xDDDD), viewer);
  producer.addConsumer(consumer, 1000);
  feed(200, 0, true);
  feed(201, 0, false);
  feed(202, 3000, false);
  ASSERT_EQ(viewer.packets.size(), 3u);
  auto lostOut = parsed(viewer.packets[1]).sequenceNumber();
  std::vector<uint8_t> nack(64);
  uint16_t lost[] = {lostOut};
  nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xDDDD, lost));
  consumer.receiveRtcp(nack, 1100);
  ASSERT_EQ(viewer.packets.size(), 4u);
  auto rtx = parsed(viewer.packets[3]);
  EXPECT_EQ(rtx.ssrc(), 0xDDDEu);
  EXPECT_EQ(rtx.payloadType(), 101);
  ASSERT_EQ(rtx.payload().size(), 2u + 5u);
  EXPECT_EQ((rtx.payload()[0] << 8) | rtx.payload()[1], lostOut);  // OSN: our numbering
  EXPECT_EQ(rtx.payload()[2], kVp8Delta[0]);
  EXPECT_EQ(consumer.stats().retransmitted, 1u);

  // A NACK for another SSRC, or for something we never sent, is ignored.
  uint16_t never[] = {static_cast<uint16_t>(lostOut + 500)};
  std::vector<uint8_t> other(64);
  other.resize(rtp::writeGenericNack(other, 0x5555, 0xDDDD, never));
  consumer.receiveRtcp(other, 1200);
  EXPECT_EQ(viewer.packets.size(), 4u);
}

TEST_F(RouterTest, ManyPlisMergeIntoOneUpstreamRequest) {
  feed(300, 0, true, 0x1000, 1000);
  std::vector<std::unique_ptr<Viewer>> viewers;
  std::vector<std::unique_ptr<Consumer>> consumers;
  for (int i = 0; i < 50; ++i) {
    viewers.push_back(std::make_unique<Viewer>());
    consumers.push_back(std::make_unique<Consumer>(config(0x100 + i * 2), *viewers.back()));
    producer.addConsumer(*consumers.back(), 1000);
  }
  std::vector<uint8_t> pli(12);
  for (int i = 0; i < 50; ++i) {
    rtp::writePli(pli, 1, 0x100 + i * 2);
    consumers[i]->receiveRtcp(pli, 5000);
  }
  EXPECT_EQ(upstream.requests, 1);
  feed(301, 3000, false, 0x1000, 5100);  // no key frame yet; throttle still holds
  EXPECT_EQ(upstream.requests, 1);
  feed(302, 6000, false, 0x1000, 6100);  // retry after a second without a key frame
  EXPECT_EQ(upstream.requests, 2);
}

TEST_F(RouterTest, ViewersMayLeaveDuringFanOut) {
  Viewer a, b, c;
  auto consumerA = std::make_unique<Consumer>(config(0x10), a);
  auto consumerB = std::make_unique<Consumer>(config(0x20), b);
  Consumer consumerC(config(0x30), c);
  producer.addConsumer(*consumerA, 1000);
  producer.addConsumer(*consumerB, 1000);
  producer.addConsumer(consumerC, 1000);
  a.removeSelfFrom = &producer;  // A leaves from inside its own callback
  a.removeOtherFrom = &producer;
  a.alsoRemove = consumerB.get();  // and takes B with it before B's turn
  feed(400, 0, true);
  EXPECT_EQ(a.packets.size(), 1u);
  EXPECT_EQ(b.packets.size(), 0u);
  EXPECT_EQ(c.packets.size(), 1u);
  EXPECT_EQ(producer.consumerCount(), 1u);
  consumerA.reset();
  consumerB.reset();
  feed(401, 0, false);
  EXPECT_EQ(c.packets.size(), 2u);
}

TEST_F(RouterTest, SenderReportsFollowMedia) {
  Viewer viewer;
  Consumer consumer(config(0xEEEE), viewer);
  producer.addConsumer(consumer, 1000);
  consumer.onTimer(2000);
  EXPECT_TRUE(viewer.rtcp.empty()) << "no report before any media";
  feed(500, 0, true, 0x1000, 2000);
  consumer.onTimer(3500);
  ASSERT_EQ(viewer.rtcp.size(), 1u);
  const auto& report = viewer.rtcp[0];
  EXPECT_EQ(report[1], 200);  // SR first in the compound
  EXPECT_EQ((report[4] << 24 | report[5] << 16 | report[6] << 8 | report[7]), 0xEEEE);
  EXPECT_EQ((report[20] << 24 | report[21] << 16 | report[22] << 8 | report[23]), 1);  // packets
  consumer.onTimer(3600);
  EXPECT_EQ(viewer.rtcp.size(), 1u) << "at most one report a second";
}

TEST(PacketPool, GrowsInChunksUpToItsMaximum) {
  PacketPool pool(2, 2 + PacketPool::kChunk);
  std::vector<PacketRef> held;
  for (size_t i = 0; i < 2 + PacketPool::kChunk; ++i)
    held.push_back(pool.acquire());
  EXPECT_TRUE(held.back());
  EXPECT_EQ(pool.capacity(), 2 + PacketPool::kChunk);
  EXPECT_FALSE(pool.acquire()) << "the maximum is a hard limit";
  held.clear();
  EXPECT_EQ(pool.available(), pool.capacity());
}

TEST(PacketPool, ReferencesReturnBuffersWhenTheLastOneGoes) {
  PacketPool pool(2, 2);
  PacketRef a = pool.acquire(), b = pool.acquire();
  EXPECT_TRUE(a);
  EXPECT_TRUE(b);
  EXPECT_FALSE(pool.acquire()) << "exhausted";
  PacketRef copy = a;
  a.reset();
  EXPECT_EQ(pool.available(), 0u);
  copy.reset();
  EXPECT_EQ(pool.available(), 1u);
}

TEST(RetransmissionBuffer, FindsRecentPacketsAndForgetsOldOnes) {
  PacketPool pool(8);
  RetransmissionBuffer cache;
  cache.insert(70000, 0, pool.acquire());
  EXPECT_TRUE(cache.find(static_cast<uint16_t>(70000)));
  cache.insert(70001, RetransmissionBuffer::kMaxAgeTicks + 1, pool.acquire());
  EXPECT_FALSE(cache.findExtended(70000)) << "older than the age limit";
  EXPECT_TRUE(cache.findExtended(70001));
  cache.insert(70001 + RetransmissionBuffer::kSlots, RetransmissionBuffer::kMaxAgeTicks + 2,
               pool.acquire());
  EXPECT_FALSE(cache.findExtended(70001)) << "overwritten by the ring";
}

TEST(KeyFrameRequestManager, ThrottlesAndRetries) {
  struct Counter : KeyFrameRequestManager::Listener {
    void onKeyFrameRequestDue() override { ++count; }
    int count = 0;
  } counter;
  KeyFrameRequestManager manager(counter);
  manager.request(0);
  manager.request(10);
  EXPECT_EQ(counter.count, 1);
  manager.tick(900);
  EXPECT_EQ(counter.count, 1);
  manager.tick(1000);
  EXPECT_EQ(counter.count, 2) << "retry after a second without a key frame";
  manager.onKeyFrame();
  manager.tick(5000);
  EXPECT_EQ(counter.count, 2) << "nothing pending";
  manager.request(5100);  // new request after a key frame: sent right away
  EXPECT_EQ(counter.count, 3);
}

}  // namespace
}  // namespace medrelay::relay::router
