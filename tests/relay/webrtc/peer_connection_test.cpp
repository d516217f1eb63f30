// Two PeerConnections (real libnice on 127.0.0.1, real DTLS and SRTP) connected the way
// signaling would connect them: how a peer ends, and what a peer may send.
// - A peer closed by the other side (DTLS close_notify, as a closing browser tab sends) is
//   destroyed by its owner from a task posted inside the close callback, while libnice is still
//   delivering: the use-after-free the ASan build found on every closed Chromium viewer.
// - What a peer sends beyond its limits is dropped unread (counted), and a viewer's RTP is
//   never decrypted at all.
#include "relay/webrtc/peer_connection.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_header_writer.hpp"

namespace medrelay::relay::webrtc {
namespace {

using namespace std::chrono_literals;

template <class Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit = 20s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

struct Endpoint : PeerConnection::Listener {
  Endpoint(MediaWorker& worker, bool controlling, PeerConnectionConfig config) : worker(worker) {
    config.ice.bindAddresses = {"127.0.0.1"};
    config.ice.controlling = controlling;
    config.certificate = transport::Certificate::generate(controlling ? "viewer" : "relay");
    peer = std::make_unique<PeerConnection>(worker, config, *this);
  }
  void onPeerGatheringDone(PeerConnection&) override { gathered = true; }
  void onPeerConnected(PeerConnection&) override { connected = true; }
  void onPeerClosed(PeerConnection&, const std::string& code, const std::string&) override {
    closedCode = code;
    // As the relay's sessions do: destroy later, never inside the callback.
    if (destroyWhenClosed) {
      worker.post([this] {
        peer.reset();
        destroyed = true;
      });
    }
  }
  void onPeerRtcp(PeerConnection&, std::span<const uint8_t>) override { ++rtcp; }
  void onPeerRtp(PeerConnection&, std::span<const uint8_t>) override { ++rtp; }

  TransportDescription description(const std::string& setup) const {
    TransportDescription t;
    t.iceUfrag = peer->localUfrag();
    t.icePwd = peer->localPassword();
    t.fingerprintAlgorithm = "sha-256";
    t.fingerprint = peer->localFingerprint();
    t.setup = setup;
    return t;
  }

  MediaWorker& worker;
  std::unique_ptr<PeerConnection> peer;
  std::atomic<bool> gathered{false}, connected{false}, destroyed{false};
  bool destroyWhenClosed = false;
  std::string closedCode;
  std::atomic<int> rtcp{0}, rtp{0};
};

class PeerConnectionTest : public ::testing::Test {
 protected:
  void connect(PeerConnectionConfig relayConfig = {}, PeerConnectionConfig viewerConfig = {}) {
    worker.runSync([&] {
      relay = std::make_unique<Endpoint>(worker, false, relayConfig);
      viewer = std::make_unique<Endpoint>(worker, true, viewerConfig);
      // The viewer offers actpass; the relay answers passive (it is the DTLS server).
      ASSERT_TRUE(relay->peer->start(viewer->description("actpass")));
      ASSERT_TRUE(viewer->peer->start(relay->description("passive")));
    });
    ASSERT_TRUE(waitFor([&] { return relay->gathered && viewer->gathered; }));
    worker.runSync([&] {
      for (const auto& c : relay->peer->localCandidates())
        viewer->peer->addRemoteCandidate(c);
      for (const auto& c : viewer->peer->localCandidates())
        relay->peer->addRemoteCandidate(c);
      relay->peer->addRemoteCandidate("");
      viewer->peer->addRemoteCandidate("");
    });
    ASSERT_TRUE(waitFor([&] { return relay->connected && viewer->connected; }))
        << "ICE and DTLS did not connect";
  }
  void TearDown() override {
    worker.runSync([&] {
      relay.reset();
      viewer.reset();
    });
  }

  MediaWorker worker{"peer-test"};
  std::unique_ptr<Endpoint> relay, viewer;
};

TEST_F(PeerConnectionTest, APeerClosedByTheOtherSideIsDestroyedSafelyWhileMediaFlows) {
  connect();
  relay->destroyWhenClosed = true;
  // Keep packets coming at the relay while the viewer goes away, so libnice is delivering when
  // the close arrives.
  std::atomic<bool> sending{true};
  std::thread feeder([&] {
    std::array<uint8_t, 64> pli{};
    while (sending) {
      worker.runSync([&] {
        if (!viewer || !viewer->peer) return;
        size_t size = rtp::writePli(pli, 1, 2);
        viewer->peer->sendRtcp(pli, size);
      });
      std::this_thread::sleep_for(1ms);
    }
  });
  ASSERT_TRUE(waitFor([&] { return relay->rtcp > 10; }));
  worker.runSync([&] { viewer->peer->close(); });  // sends DTLS close_notify
  EXPECT_TRUE(waitFor([&] { return relay->destroyed.load(); }));
  sending = false;
  feeder.join();
  worker.runSync([&] { EXPECT_EQ(relay->closedCode, "closed"); });
}

TEST_F(PeerConnectionTest, RtcpBeyondThePeersLimitIsDroppedUnread) {
  PeerConnectionConfig limited;
  limited.maxRtcpPerSecond = 50;
  connect(limited);
  // 2,000 compounds in about a second, in small batches so the socket buffers keep up.
  for (int batch = 0; batch < 40; ++batch) {
    worker.runSync([&] {
      std::array<uint8_t, 64> pli{};
      for (int i = 0; i < 50; ++i) {
        size_t size = rtp::writePli(pli, 1, 2);
        viewer->peer->sendRtcp(pli, size);
      }
    });
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_TRUE(waitFor([&] {
    uint64_t limitedCount = 0;
    worker.runSync([&] { limitedCount = relay->peer->stats().rateLimited; });
    return limitedCount > 1000;
  })) << "a burst far beyond the limit is dropped";
  // The burst (50) and what 50 a second refill while the flood lasts (a few seconds at most on a
  // loaded machine).
  EXPECT_LT(relay->rtcp.load(), 500) << "at most the burst and what the rate refilled";
  EXPECT_GT(relay->rtcp.load(), 0);
}

TEST_F(PeerConnectionTest, AViewersRtpIsNeverDecrypted) {
  PeerConnectionConfig viewerLike;
  viewerLike.maxRtpPerSecond = 0;
  connect(viewerLike);
  worker.runSync([&] {
    std::array<uint8_t, 1500> packet{};
    for (uint16_t i = 0; i < 20; ++i) {
      size_t size = rtp::writeRtpHeader(packet, {96, false, i, 0, 0x1234});
      packet[size] = 0x10;
      viewer->peer->queueRtp(packet, size + 1);
      viewer->peer->flush();
    }
  });
  ASSERT_TRUE(waitFor([&] {
    uint64_t limitedCount = 0;
    worker.runSync([&] { limitedCount = relay->peer->stats().rateLimited; });
    return limitedCount == 20;
  }));
  EXPECT_EQ(relay->rtp.load(), 0);
}

}  // namespace
}  // namespace medrelay::relay::webrtc
