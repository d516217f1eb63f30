// Producer -> Consumer fan-out with literal VP8 RTP packets: key-frame start, rewriting,
// continuity across a source restart, NACK answered with RTX (RFC 4588), PLI merging, safe
// removal during fan-out, and the pool/cache underneath.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <vector>

#include "relay/router/consumer.hpp"
#include "relay/router/key_frame_request_manager.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/router/retransmission_buffer.hpp"
#include "relay/router/sequence_filter.hpp"
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

// Every packet a viewer got, by output sequence number: the same number must always carry the
// same bytes (one SRTP index, one AES-GCM nonce). RTX packets have an SSRC of their own.
void expectNoSequenceNumberReused(const std::vector<std::vector<uint8_t>>& packets,
                                  uint32_t mediaSsrc) {
  std::map<uint16_t, std::vector<uint8_t>> seen;
  for (const auto& bytes : packets) {
    auto p = *rtp::RtpPacket::parse(bytes);
    if (p.ssrc() != mediaSsrc) continue;
    auto [it, inserted] = seen.emplace(p.sequenceNumber(), bytes);
    EXPECT_TRUE(inserted || it->second == bytes)
        << "output sequence number " << p.sequenceNumber() << " sent with other bytes";
  }
}

// A packet with a payload byte of our choice, to tell two packets with one number apart.
PacketRef marked(PacketPool& pool, uint16_t seq, uint32_t ts, uint32_t ssrc, bool keyFrame,
                 uint8_t mark) {
  PacketRef ref = pool.acquire();
  auto out = ref.writable();
  size_t size = rtp::writeRtpHeader(out, {96, false, seq, ts, ssrc});
  const uint8_t* payload = keyFrame ? kVp8Key : kVp8Delta;
  std::copy(payload, payload + 5, out.begin() + size);
  out[size + 5] = mark;
  ref.setSize(size + 6);
  return ref;
}

TEST_F(RouterTest, ADuplicateSequenceNumberWithOtherBytesIsNeverForwarded) {
  Viewer viewer;
  Consumer consumer(config(0xAB), viewer);
  producer.addConsumer(consumer, 1000);
  producer.receiveRtp(marked(pool, 10, 0, 0x1000, true, 1), 1000);
  producer.receiveRtp(marked(pool, 11, 0, 0x1000, false, 2), 1001);
  // The same numbers again with other bytes (anyone who can reach a plain RTP port can send
  // these), and a plain network duplicate.
  producer.receiveRtp(marked(pool, 10, 0, 0x1000, true, 99), 1002);
  producer.receiveRtp(marked(pool, 11, 0, 0x1000, false, 98), 1003);
  producer.receiveRtp(marked(pool, 11, 0, 0x1000, false, 2), 1004);
  producer.receiveRtp(marked(pool, 12, 3000, 0x1000, false, 3), 1005);
  ASSERT_EQ(viewer.packets.size(), 3u);
  EXPECT_EQ(producer.stats().duplicates, 3u);
  EXPECT_EQ(viewer.packets[2].back(), 3);
  // Reordering within the window is still fine: 14 before 13.
  producer.receiveRtp(marked(pool, 14, 6000, 0x1000, false, 5), 1006);
  producer.receiveRtp(marked(pool, 13, 6000, 0x1000, false, 4), 1007);
  EXPECT_EQ(viewer.packets.size(), 5u);
  expectNoSequenceNumberReused(viewer.packets, 0xAB);
}

TEST_F(RouterTest, PacketsOlderThanTheWindowAndUnconfirmedJumpsAreDropped) {
  Viewer viewer;
  Consumer consumer(config(0xAC), viewer);
  producer.addConsumer(consumer, 1000);
  feed(5000, 0, true);
  for (uint16_t s = 5001; s <= 6500; ++s)
    feed(s, 0, false);
  const size_t sent = viewer.packets.size();
  feed(static_cast<uint16_t>(6500 - SequenceFilter::kWindow), 0, false);  // too late
  EXPECT_EQ(producer.stats().late, 1u);
  feed(16500, 0, false);  // one stray far ahead: not believed
  EXPECT_EQ(producer.stats().jumps, 1u);
  feed(6501, 0, false);
  EXPECT_EQ(viewer.packets.size(), sent + 1) << "the stream goes on as if nothing came";
  EXPECT_EQ(producer.stats().sourceRestarts, 0u);
  // A jump confirmed by the next number is a restart of the numbering: viewers resynchronize on
  // the next key frame and continue their own numbering.
  feed(20000, 0, false);
  feed(20001, 0, false);
  EXPECT_EQ(producer.stats().sourceRestarts, 1u);
  feed(20002, 3000, true);
  feed(20003, 3000, false);
  EXPECT_EQ(viewer.packets.size(), sent + 3);
  auto last = parsed(viewer.packets.back()).sequenceNumber();
  auto before = parsed(viewer.packets[sent]).sequenceNumber();
  EXPECT_EQ(last, static_cast<uint16_t>(before + 2));
  expectNoSequenceNumberReused(viewer.packets, 0xAC);
}

TEST_F(RouterTest, AStrayPacketOfAnotherSsrcDoesNotRestartTheStream) {
  Viewer viewer;
  Consumer consumer(config(0xAD), viewer);
  producer.addConsumer(consumer, 1000);
  feed(100, 0, true);
  feed(101, 0, false);
  feed(7, 0, true, 0x6666);  // one datagram from elsewhere
  feed(102, 0, false);
  feed(9, 0, true, 0x6666);  // not its successor: still not believed
  feed(103, 0, false);
  EXPECT_EQ(producer.stats().sourceRestarts, 0u);
  EXPECT_EQ(producer.stats().probation, 2u);
  EXPECT_EQ(viewer.packets.size(), 4u);
  EXPECT_FALSE(consumer.waitingForKeyFrame());
}

TEST_F(RouterTest, ALatePacketFromBeforeAResynchronizationIsNotSent) {
  Viewer viewer;
  Consumer consumer(config(0xAE), viewer);
  producer.addConsumer(consumer, 1000);
  feed(100, 0, true);
  feed(101, 0, false);
  feed(102, 0, false);
  // The ingest restarts; its key frame starts at 50, and then a packet from before it (49)
  // arrives late. Mapped into our numbering, 49 would land on a number already used for 102.
  feed(48, 0, false, 0x2000);
  feed(49, 0, false, 0x2000);  // confirms the new source
  feed(50, 3000, true, 0x2000);
  feed(51, 3000, false, 0x2000);
  producer.receiveRtp(marked(pool, 47, 0, 0x2000, false, 7), 1000);
  EXPECT_EQ(viewer.packets.size(), 5u);
  EXPECT_EQ(consumer.stats().droppedBeforeRun, 1u);
  expectNoSequenceNumberReused(viewer.packets, 0xAE);
}

TEST_F(RouterTest, NacksAreAnsweredAfterLongRuns) {
  // Output numbers wrap every 65536 packets and a run may last hours: comparisons must hold
  // however long the run (16-bit comparisons refused every NACK after 32768 packets).
  BatchingViewer viewer;
  Consumer consumer(config(0xAF), viewer);
  producer.addConsumer(consumer, 1000);
  feed(0, 0, true);
  for (uint32_t i = 1; i < 40000; ++i)
    feed(static_cast<uint16_t>(i), i * 30, false, 0x1000, 1000 + i / 100);
  producer.flushConsumers();
  uint16_t recent = parsed(viewer.sent[viewer.sent.size() - 10]).sequenceNumber();
  std::vector<uint8_t> nack(16);
  uint16_t lost[] = {recent};
  nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xAF, lost));
  consumer.receiveRtcp(nack, 2000);
  EXPECT_EQ(consumer.stats().retransmitted, 1u);
  EXPECT_EQ(consumer.stats().retransmitMisses, 0u);
}

TEST_F(RouterTest, RepeatedNacksResendAPacketOncePerRoundTripWithinTheViewersCredit) {
  // One 1,200-byte compound with 75 NACK items (BLP 0xFFFF each) used to make ~1,275
  // retransmissions, again for every copy of it.
  Viewer viewer;
  Consumer consumer(config(0xB0), viewer);
  producer.addConsumer(consumer, 1000);
  feed(1000, 0, true);
  for (uint16_t s = 1001; s < 1300; ++s)
    feed(s, 0, false);
  const size_t media = viewer.packets.size();
  auto first = parsed(viewer.packets[0]).sequenceNumber();
  std::vector<uint16_t> lost;
  for (int item = 0; item < 75; ++item)
    for (int bit = 0; bit < 17; ++bit)
      lost.push_back(static_cast<uint16_t>(first + item * 17 + bit));
  std::vector<uint8_t> compound(1500);
  compound.resize(rtp::writeGenericNack(compound, 0x5555, 0xB0, lost));
  for (int copy = 0; copy < 20; ++copy)
    consumer.receiveRtcp(compound, 2000 + copy);  // 20 copies within 20 ms
  const size_t resent = viewer.packets.size() - media;
  EXPECT_LE(resent, 64u) << "at most the per-NACK limit, once";
  EXPECT_GT(resent, 0u);
  EXPECT_GT(consumer.stats().retransmitsTooSoon, 0u);
  // A round trip later the same packets may go again, within the credit media sends earn.
  consumer.receiveRtcp(compound, 2000 + Consumer::kDefaultRttMs + 1);
  EXPECT_EQ(viewer.packets.size() - media - resent, resent);
  expectNoSequenceNumberReused(viewer.packets, 0xB0);
}

TEST_F(RouterTest, ResendsStayWithinTheCreditTheMediaEarns) {
  Viewer viewer;
  Consumer consumer(config(0xB1), viewer);
  producer.addConsumer(consumer, 1000);
  auto big = [&](uint16_t seq, bool key) {
    PacketRef ref = pool.acquire();
    auto out = ref.writable();
    size_t size = rtp::writeRtpHeader(out, {96, false, seq, 0, 0x1000});
    std::fill(out.begin() + size, out.begin() + size + 1188, 0x42);
    std::copy(key ? kVp8Key : kVp8Delta, (key ? kVp8Key : kVp8Delta) + 5, out.begin() + size);
    ref.setSize(size + 1188);
    producer.receiveRtp(ref, 1000);
  };
  big(0, true);
  for (uint16_t s = 1; s < 200; ++s)
    big(s, false);
  const size_t media = viewer.packets.size();
  auto first = parsed(viewer.packets[0]).sequenceNumber();
  // Three NACKs of 64 different packets each, at once: 192 x 1,200 bytes asked for.
  for (int round = 0; round < 3; ++round) {
    std::vector<uint16_t> lost;
    for (int i = 0; i < 64; ++i)
      lost.push_back(static_cast<uint16_t>(first + round * 64 + i));
    std::vector<uint8_t> nack(1500);
    nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xB1, lost));
    consumer.receiveRtcp(nack, 1500);
  }
  const size_t resent = viewer.packets.size() - media;
  const int64_t earned =
      std::min<int64_t>(Consumer::kMaxResendCredit,
                        Consumer::kInitialResendCredit +
                            static_cast<int64_t>(media * 1200 * Consumer::kResendCreditPerByte));
  EXPECT_LE(static_cast<int64_t>(resent) * 1200, earned);
  EXPECT_GT(resent, 40u) << "what the credit allows is resent";
  EXPECT_EQ(consumer.stats().retransmitsOverBudget, 192u - resent);
  // More media earns more credit.
  for (uint16_t s = 200; s < 260; ++s)
    big(s, false);
  std::vector<uint16_t> lost = {static_cast<uint16_t>(first + 191)};
  std::vector<uint8_t> nack(64);
  nack.resize(rtp::writeGenericNack(nack, 0x5555, 0xB1, lost));
  consumer.receiveRtcp(nack, 1600);
  EXPECT_EQ(consumer.stats().retransmitted, resent + 1);
}

TEST_F(RouterTest, AViewersKeyFrameRequestsPassAtMostOnceASecond) {
  feed(300, 0, true, 0x1000, 1000);
  Viewer viewer;
  Consumer consumer(config(0xB2), viewer);
  producer.addConsumer(consumer, 1000);
  std::vector<uint8_t> pli(12);
  rtp::writePli(pli, 1, 0xB2);
  feed(301, 0, true, 0x1000, 2000);  // a key frame: nothing pending upstream
  const int before = upstream.requests;
  for (int i = 0; i < 10; ++i) {
    consumer.receiveRtcp(pli, 2000 + i * 50);
    feed(static_cast<uint16_t>(302 + i), 0, true, 0x1000, 2000 + i * 50 + 1);  // each answered
  }
  EXPECT_EQ(upstream.requests - before, 1) << "one request per viewer per second";
  EXPECT_EQ(consumer.stats().keyFrameRequestsThrottled, 9u);
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
