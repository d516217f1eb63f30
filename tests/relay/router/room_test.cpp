// The room of one stream on a real media worker: one producer per encoding, who is asked for a
// key frame (and that a leaving publisher clears only its own source), and the figures it
// publishes every sampling period, with a leaving viewer's figures kept.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

#include "relay/router/room.hpp"
#include "relay/rtp/rtp_header_writer.hpp"

namespace medrelay::relay::router {
namespace {

struct FixedViewer : ViewerFiguresSource {
  ViewerFigures figures;
  ViewerFigures viewerFigures() const override { return figures; }
};

class RoomTest : public ::testing::Test {
 protected:
  // Runs `task` on the worker and returns its result.
  template <class F>
  auto onWorker(F task) {
    std::promise<decltype(task())> result;
    worker.runSync([&] { result.set_value(task()); });
    return result.get_future().get();
  }

  // Waits (generously) until the room's published figures satisfy `done`.
  template <class F>
  RoomFigures awaitFigures(F done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    auto figures = room.figures();
    while (!done(figures) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      figures = room.figures();
    }
    return figures;
  }

  void feedVp8(Producer& producer, uint16_t seq) {
    PacketRef ref = pool.acquire();
    auto out = ref.writable();
    size_t size = rtp::writeRtpHeader(out, {96, true, seq, seq * 3000u, 0x1234});
    const uint8_t keyFrame[] = {0x10, 0x00, 0x9D, 0x01, 0x2A};
    std::copy(std::begin(keyFrame), std::end(keyFrame), out.begin() + size);
    ref.setSize(size + sizeof keyFrame);
    producer.receiveRtp(std::move(ref), 1000 + seq);
  }

  // One whole H.264 picture (a non-IDR slice) per packet, marker set.
  void feedH264(Producer& producer, uint16_t seq) {
    PacketRef ref = pool.acquire();
    auto out = ref.writable();
    size_t size = rtp::writeRtpHeader(out, {102, true, seq, seq * 3000u, 0x5678});
    const uint8_t slice[] = {0x41, 0x9A, 0x02, 0x03};
    std::copy(std::begin(slice), std::end(slice), out.begin() + size);
    ref.setSize(size + sizeof slice);
    producer.receiveRtp(std::move(ref), 1000 + seq);
  }

  MediaWorker worker{"room-test"};
  PacketPool pool{64};
  Room room{"ward-3",
            worker,
            pool,
            {{rtp::Codec::Vp8, 96}, {rtp::Codec::H264, 102}, {rtp::Codec::Opus, 111}}};
};

TEST_F(RoomTest, HasOneProducerPerEncodingOnceCreated) {
  EXPECT_EQ(room.name(), "ward-3");
  EXPECT_TRUE(room.producesAudio());
  EXPECT_EQ(onWorker([&] { return room.producer(rtp::Codec::Vp8); }), nullptr);
  onWorker([&] {
    room.createProducers();
    room.createProducers();  // a second call changes nothing
    return 0;
  });
  for (auto codec : {rtp::Codec::Vp8, rtp::Codec::H264, rtp::Codec::Opus}) {
    Producer* producer = onWorker([&] { return room.producer(codec); });
    ASSERT_NE(producer, nullptr);
    EXPECT_EQ(producer->config().codec, codec);
  }
  onWorker([&] {
    room.detach();
    return 0;
  });
  EXPECT_EQ(onWorker([&] { return room.producer(rtp::Codec::H264); }), nullptr);
}

TEST(RoomAudio, NoOpusEncodingNoAudio) {
  MediaWorker worker{"room-audio"};
  PacketPool pool{8};
  Room room{"or-1", worker, pool, {{rtp::Codec::H264, 102}}};
  EXPECT_FALSE(room.producesAudio());
}

TEST_F(RoomTest, PublishedCodecIsUnknownUntilSet) {
  EXPECT_FALSE(room.publishedCodec().has_value());
  room.setPublishedCodec(rtp::Codec::H264);
  EXPECT_EQ(room.publishedCodec(), rtp::Codec::H264);
}

TEST_F(RoomTest, AsksTheKeyFrameSourceAndOnlyItsOwnerClearsIt) {
  int asked = 0;
  int first = 0, second = 0;
  onWorker([&] {
    room.createProducers();
    room.setKeyFrameSource(&first, [&] { ++asked; });
    auto& listener = static_cast<Producer::Listener&>(room);
    listener.onProducerKeyFrameNeeded(*room.producer(rtp::Codec::Vp8));
    room.clearKeyFrameSource(&second);  // not the owner: nothing changes
    listener.onProducerKeyFrameNeeded(*room.producer(rtp::Codec::Vp8));
    room.clearKeyFrameSource(&first);
    listener.onProducerKeyFrameNeeded(*room.producer(rtp::Codec::Vp8));
    room.detach();
    return 0;
  });
  EXPECT_EQ(asked, 2);
}

TEST_F(RoomTest, PublishesFiguresAndKeepsThoseOfViewersWhoLeft) {
  FixedViewer alice, bob;
  alice.figures.packetsOut = 10;
  bob.figures.packetsOut = 5;
  onWorker([&] {
    room.createProducers();
    for (uint16_t seq = 1; seq <= 4; ++seq)
      feedVp8(*room.producer(rtp::Codec::Vp8), seq);
    room.viewerJoined(alice);
    room.viewerJoined(bob);
    return 0;
  });
  auto figures = awaitFigures([](const RoomFigures& f) { return f.viewers == 2; });
  EXPECT_EQ(figures.viewers, 2u);
  EXPECT_EQ(figures.sent.packetsOut, 15u);
  EXPECT_GE(figures.packetsIn, 3u);  // the first packet of an SSRC may wait on probation
  EXPECT_LE(figures.packetsIn, 4u);
  EXPECT_GT(figures.bytesIn, 0u);

  onWorker([&] {
    room.viewerLeft(bob);
    room.viewerLeft(bob);  // twice: counted once
    return 0;
  });
  figures = awaitFigures([](const RoomFigures& f) { return f.viewers == 1; });
  EXPECT_EQ(figures.viewers, 1u);
  EXPECT_EQ(figures.sent.packetsOut, 15u);  // bob's packets stay in the totals
  onWorker([&] {
    room.viewerLeft(alice);
    room.detach();
    return 0;
  });
}

// A WHIP stream's publisher sent H.264, left, and the next one sends VP8: the frame rate is the
// VP8 one, not zero because the idle H.264 producer once counted more frames.
TEST_F(RoomTest, TheFrameRateFollowsTheEncodingThatCarriesPicturesNow) {
  onWorker([&] {
    room.createProducers();
    for (uint16_t seq = 1; seq <= 40; ++seq)
      feedH264(*room.producer(rtp::Codec::H264), seq);
    return 0;
  });
  auto before = awaitFigures([](const RoomFigures& f) { return f.framesIn >= 39; });
  ASSERT_GE(before.framesIn, 39u);
  // Then sampled at least once with nothing new, so the next change is VP8's alone.
  awaitFigures([](const RoomFigures& f) { return f.framesPerSecond == 0; });
  onWorker([&] {
    for (uint16_t seq = 1; seq <= 10; ++seq)
      feedVp8(*room.producer(rtp::Codec::Vp8), seq);
    return 0;
  });
  auto after = awaitFigures([](const RoomFigures& f) { return f.framesPerSecond > 0; });
  EXPECT_GT(after.framesPerSecond, 0);
  EXPECT_GE(after.framesIn, before.framesIn + 9);  // the first VP8 packet may wait on probation
  EXPECT_LE(after.framesIn, before.framesIn + 10);
  // Per encoding, each counts its own: H.264 kept its 39-40, VP8 has its 9-10 and its bytes.
  const auto h264 = static_cast<size_t>(rtp::Codec::H264),
             vp8 = static_cast<size_t>(rtp::Codec::Vp8);
  EXPECT_EQ(after.framesInByEncoding[h264][0], before.framesInByEncoding[h264][0]);
  EXPECT_GE(after.framesInByEncoding[h264][0], 39u);
  EXPECT_GE(after.framesInByEncoding[vp8][0], 9u);
  EXPECT_LE(after.framesInByEncoding[vp8][0], 10u);
  EXPECT_EQ(before.bytesInByEncoding[vp8][0], 0u);
  EXPECT_GT(after.bytesInByEncoding[vp8][0], 0u);
  EXPECT_EQ(after.bytesInByEncoding[h264][0], before.bytesInByEncoding[h264][0]);
  EXPECT_EQ(after.bytesInByEncoding[h264][0] + after.bytesInByEncoding[vp8][0], after.bytesIn);
  onWorker([&] {
    room.detach();
    return 0;
  });
}

}  // namespace
}  // namespace medrelay::relay::router
