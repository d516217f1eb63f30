// IngestReceiver over a real AF_UNIX SOCK_SEQPACKET socket pair on a real MediaWorker.
#include "relay/router/ingest_receiver.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <vector>

#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_header_writer.hpp"

namespace medrelay::relay::router {
namespace {

struct Upstream : Producer::Listener {
  void onProducerKeyFrameNeeded(Producer&) override {}
};

TEST(IngestReceiver, DeliversDatagramsByPayloadTypeAndSendsPliBack) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  MediaWorker worker("test");
  PacketPool pool(64);
  Upstream upstream;
  std::unique_ptr<Producer> vp8, h264;
  std::unique_ptr<IngestReceiver> receiver;
  worker.runSync([&] {
    vp8 = std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::Vp8, 96, 90000}, upstream);
    h264 = std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::H264, 102, 90000}, upstream);
    receiver = std::make_unique<IngestReceiver>(worker, fds[0], pool);
    receiver->addProducer(*vp8);
    receiver->addProducer(*h264);
  });
  uint8_t packet[20];
  for (int i = 0; i < 100; ++i) {
    size_t size = rtp::writeRtpHeader(
        packet, {static_cast<uint8_t>(i % 2 ? 102 : 96), false, static_cast<uint16_t>(i), 0, 7});
    packet[size] = i % 2 ? 0x41 : 0x10;
    packet[size + 1] = 0x01;
    ASSERT_EQ(::send(fds[1], packet, size + 2, 0), static_cast<ssize_t>(size + 2));
  }
  uint8_t unknown[14] = {0x80, 0x11};  // payload type 17: nobody's
  ::send(fds[1], unknown, sizeof unknown, 0);
  // Longer than a packet buffer (1500): dropped whole, never forwarded cut short.
  std::vector<uint8_t> oversized(2000, 0);
  rtp::writeRtpHeader(oversized, {96, false, 100, 0, 7});
  oversized[12] = 0x10;
  ::send(fds[1], oversized.data(), oversized.size(), 0);

  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  uint64_t total = 0;
  while (std::chrono::steady_clock::now() < deadline && total < 101) {
    worker.runSync([&] {
      total = vp8->stats().packets + h264->stats().packets + receiver->stats().truncated;
    });
  }
  worker.runSync([&] {
    EXPECT_EQ(vp8->stats().packets, 50u);
    EXPECT_EQ(h264->stats().packets, 50u);
    EXPECT_EQ(receiver->stats().unknownPayloadType, 1u);
    EXPECT_EQ(receiver->stats().truncated, 1u);
    receiver->sendKeyFrameRequest(0x01020304);
  });
  uint8_t pli[64];
  ssize_t got = ::recv(fds[1], pli, sizeof pli, 0);
  ASSERT_EQ(got, 12);
  auto parsed = rtp::parsePli(std::span<const uint8_t>(pli, 12));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->mediaSsrc, 0x01020304u);
  worker.runSync([&] {
    receiver.reset();
    vp8.reset();
    h264.reset();
  });
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace medrelay::relay::router

namespace medrelay::relay::router {
namespace {

TEST(IngestReceiver, ExhaustedPoolDropsWithoutStallingTheSocket) {
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  MediaWorker worker("test");
  PacketPool pool(8, 8);  // the cache alone can pin all eight
  Upstream upstream;
  std::unique_ptr<Producer> vp8;
  std::unique_ptr<IngestReceiver> receiver;
  worker.runSync([&] {
    vp8 = std::make_unique<Producer>(ProducerConfig{"s", rtp::Codec::Vp8, 96, 90000}, upstream);
    receiver = std::make_unique<IngestReceiver>(worker, fds[0], pool);
    receiver->addProducer(*vp8);
  });
  uint8_t packet[14];
  for (int i = 0; i < 40; ++i) {
    size_t size = rtp::writeRtpHeader(packet, {96, false, static_cast<uint16_t>(i), 0, 7});
    packet[size] = 0x10;
    packet[size + 1] = 0x01;
    ASSERT_EQ(::send(fds[1], packet, size + 2, 0), static_cast<ssize_t>(size + 2));
  }
  // Everything is consumed (delivered or dropped and counted); the socket does not back up.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  int queued = 1;
  while (std::chrono::steady_clock::now() < deadline && queued > 0) {
    worker.runSync([] {});
    uint8_t peek;
    queued = static_cast<int>(::recv(fds[0], &peek, 1, MSG_PEEK | MSG_DONTWAIT));
  }
  EXPECT_LE(queued, 0);
  worker.runSync([&] {
    EXPECT_EQ(vp8->stats().packets, 8u);
    EXPECT_GT(receiver->stats().poolExhausted, 0u);
    receiver.reset();
    vp8.reset();
  });
  ::close(fds[0]);
  ::close(fds[1]);
}

}  // namespace
}  // namespace medrelay::relay::router
