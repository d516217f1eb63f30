// Two real libnice agents on 127.0.0.1: the relay's controlled agent and a controlling test
// peer, exchanging credentials and trickled candidates the way signaling would.
#include "relay/transport/ice_transport.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

namespace medrelay::relay::transport {
namespace {

using namespace std::chrono_literals;

IceConfig loopbackConfig(bool controlling) {
  IceConfig config;
  config.bindAddresses = {"127.0.0.1"};
  config.controlling = controlling;
  return config;
}

struct Peer : IceTransport::Listener {
  Peer(MediaWorker& worker, bool controlling) : ice(worker, loopbackConfig(controlling), *this) {}

  void onIceLocalCandidate(const std::string& candidate) override {
    if (trickleTo) trickleTo->ice.addRemoteCandidate(candidate);
  }
  void onIceGatheringDone() override { gathered = true; }
  void onIceStateChanged(IceTransport::State s) override {
    state = s;
    if (s == IceTransport::State::Connected || s == IceTransport::State::Completed) {
      connected = true;
    }
  }
  void onIceData(std::span<const uint8_t> d) override {
    std::lock_guard lock(mutex);
    received.emplace_back(d.begin(), d.end());
  }

  std::vector<std::vector<uint8_t>> receivedCopy() {
    std::lock_guard lock(mutex);
    return received;
  }

  IceTransport ice;
  Peer* trickleTo = nullptr;  // where our candidates go; null models mDNS-only candidates
  std::atomic<bool> gathered{false}, connected{false};
  std::atomic<IceTransport::State> state{IceTransport::State::New};
  std::mutex mutex;
  std::vector<std::vector<uint8_t>> received;
};

template <class Predicate>
bool waitFor(Predicate done, std::chrono::milliseconds limit = 5s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

class IceTransportTest : public ::testing::Test {
 protected:
  // Both peers live on the worker thread, like every object on the packet path.
  void SetUp() override {
    worker.runSync([&] {
      relay = std::make_unique<Peer>(worker, false);
      viewer = std::make_unique<Peer>(worker, true);
    });
  }
  void TearDown() override {
    worker.runSync([&] {
      relay.reset();
      viewer.reset();
    });
  }
  void exchangeCredentials() {
    worker.runSync([&] {
      ASSERT_TRUE(
          relay->ice.setRemoteCredentials(viewer->ice.localUfrag(), viewer->ice.localPassword()));
      ASSERT_TRUE(
          viewer->ice.setRemoteCredentials(relay->ice.localUfrag(), relay->ice.localPassword()));
    });
  }
  // Both sides trickle to each other, know each other's credentials and gather; true once
  // both report a connected pair.
  bool connectBoth() {
    relay->trickleTo = viewer.get();
    viewer->trickleTo = relay.get();
    exchangeCredentials();
    bool gathered = false;
    worker.runSync(
        [&] { gathered = relay->ice.gatherCandidates() && viewer->ice.gatherCandidates(); });
    return gathered && waitFor([&] { return relay->connected && viewer->connected; });
  }
  // The viewer's path is usable once a datagram from the relay arrives; a short pause lets any
  // stragglers land so that tests can count from here.
  bool waitForViewerPath() {
    bool ok = waitFor([&] {
      sendFrom(*relay, {0x80, 0x60, 0, 0});
      return !viewer->receivedCopy().empty();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return ok;
  }
  bool sendFrom(Peer& peer, std::vector<uint8_t> bytes) {
    bool ok = false;
    worker.runSync([&] { ok = peer.ice.send(bytes); });
    return ok;
  }

  MediaWorker worker{"ice-test"};
  std::unique_ptr<Peer> relay, viewer;
};

TEST_F(IceTransportTest, TrickledCandidatesConnectAndCarryDatagramsBothWays) {
  ASSERT_TRUE(connectBoth());
  EXPECT_TRUE(relay->gathered);
  worker.runSync([&] {
    ASSERT_FALSE(relay->ice.localCandidates().empty());
    // Every host candidate is on the address we bound, as UDP.
    for (const auto& c : relay->ice.localCandidates()) {
      EXPECT_NE(c.find(" 127.0.0.1 "), std::string::npos) << c;
      EXPECT_NE(c.find(" UDP "), std::string::npos) << c;
    }
  });

  ASSERT_TRUE(waitFor([&] {
    sendFrom(*viewer, {0x80, 0x60, 1});
    return !relay->receivedCopy().empty();
  }));
  EXPECT_EQ(relay->receivedCopy().front(), (std::vector<uint8_t>{0x80, 0x60, 1}));
  ASSERT_TRUE(sendFrom(*relay, {0x80, 0x60, 2}));
  ASSERT_TRUE(waitFor([&] { return !viewer->receivedCopy().empty(); }));
  EXPECT_EQ(viewer->receivedCopy().back(), (std::vector<uint8_t>{0x80, 0x60, 2}));
}

TEST_F(IceTransportTest, QueuedDatagramsLeaveAtFlushInOrder) {
  ASSERT_TRUE(connectBoth());
  ASSERT_TRUE(waitForViewerPath());
  size_t before = viewer->receivedCopy().size();

  // 150 datagrams: more than one sendmmsg batch (64), queued from buffers we keep alive.
  std::vector<std::vector<uint8_t>> datagrams;
  for (int i = 0; i < 150; ++i)
    datagrams.push_back({0x80, 0x61, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)});
  size_t failures = 1;
  worker.runSync([&] {
    for (size_t i = 0; i < 10; ++i)
      ASSERT_TRUE(relay->ice.queue(datagrams[i]));
  });
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(viewer->receivedCopy().size(), before) << "queued datagrams wait for flush()";
  worker.runSync([&] {
    for (size_t i = 10; i < datagrams.size(); ++i)
      ASSERT_TRUE(relay->ice.queue(datagrams[i]));
    failures = relay->ice.flush();
  });
  EXPECT_EQ(failures, 0u);
  ASSERT_TRUE(waitFor([&] { return viewer->receivedCopy().size() >= before + datagrams.size(); }));
  auto received = viewer->receivedCopy();
  std::vector<std::vector<uint8_t>> tail(received.begin() + static_cast<long>(before),
                                         received.end());
  EXPECT_EQ(tail, datagrams);  // loopback: nothing lost, nothing reordered
}

// A batch as a video frame makes it: runs of equal-size datagrams with a shorter last one, which
// leave as UDP GSO messages, mixed with sizes that break runs. Every datagram must arrive whole,
// separate and in order.
TEST_F(IceTransportTest, MixedSizeBatchesArriveDatagramByDatagram) {
  ASSERT_TRUE(connectBoth());
  ASSERT_TRUE(waitForViewerPath());
  size_t before = viewer->receivedCopy().size();
  const size_t sizes[] = {1200, 1200, 1200, 1200, 300,  1200, 1200, 800,  1200, 64,
                          64,   64,   1200, 1300, 1200, 20,   1200, 1200, 1200, 1200};
  std::vector<std::vector<uint8_t>> datagrams;
  for (size_t i = 0; i < std::size(sizes); ++i) {
    std::vector<uint8_t> d(sizes[i], static_cast<uint8_t>(i * 7));
    d[0] = 0x80, d[1] = 0x61, d[2] = 0, d[3] = static_cast<uint8_t>(i);
    datagrams.push_back(std::move(d));
  }
  size_t failures = 1;
  worker.runSync([&] {
    for (const auto& d : datagrams)
      ASSERT_TRUE(relay->ice.queue(d));
    failures = relay->ice.flush();
  });
  EXPECT_EQ(failures, 0u);
  ASSERT_TRUE(waitFor([&] { return viewer->receivedCopy().size() >= before + datagrams.size(); }));
  auto received = viewer->receivedCopy();
  std::vector<std::vector<uint8_t>> tail(received.begin() + static_cast<long>(before),
                                         received.end());
  EXPECT_EQ(tail, datagrams);
}

// A browser that hides its addresses behind mDNS names gives the relay no usable candidate: the
// relay must learn the viewer's address from its connectivity checks (peer-reflexive).
TEST_F(IceTransportTest, ConnectsWithoutRemoteCandidatesThroughPeerReflexive) {
  relay->trickleTo = viewer.get();  // the viewer learns ours; we learn none of theirs
  exchangeCredentials();
  worker.runSync([&] {
    ASSERT_TRUE(relay->ice.gatherCandidates());
    ASSERT_TRUE(viewer->ice.gatherCandidates());
  });
  ASSERT_TRUE(waitFor([&] { return relay->connected && viewer->connected; }));
  ASSERT_TRUE(waitFor([&] {
    sendFrom(*relay, {1, 2, 3, 4});
    return !viewer->receivedCopy().empty();
  }));
}

TEST_F(IceTransportTest, NothingFlowsWithTheWrongPassword) {
  relay->trickleTo = viewer.get();
  viewer->trickleTo = relay.get();
  worker.runSync([&] {
    ASSERT_TRUE(
        relay->ice.setRemoteCredentials(viewer->ice.localUfrag(), viewer->ice.localPassword()));
    // The viewer signs its checks with a password the relay never issued.
    ASSERT_TRUE(
        viewer->ice.setRemoteCredentials(relay->ice.localUfrag(), "wrongwrongwrongwrongwrong"));
    ASSERT_TRUE(relay->ice.gatherCandidates());
    ASSERT_TRUE(viewer->ice.gatherCandidates());
  });
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(relay->connected);
  EXPECT_FALSE(sendFrom(*relay, {1, 2, 3}));
  EXPECT_TRUE(viewer->receivedCopy().empty());
}

TEST_F(IceTransportTest, RefusesCandidatesAndCredentialsItCannotUse) {
  worker.runSync([&] {
    auto& ice = relay->ice;
    EXPECT_FALSE(ice.addRemoteCandidate(""));
    EXPECT_FALSE(ice.addRemoteCandidate("garbage"));
    EXPECT_FALSE(ice.addRemoteCandidate("candidate:"));
    EXPECT_FALSE(
        ice.addRemoteCandidate("candidate:1 1 udp 2122260223 not-an-address 5000 typ host"));
    EXPECT_FALSE(ice.addRemoteCandidate(
        "candidate:1 1 udp 2122260223 3f2a1c9e-6b1d-4f7e-9a0c-2d5e8b7f1a3c.local 5000 typ host"));
    EXPECT_FALSE(
        ice.addRemoteCandidate("candidate:2 1 tcp 1518280447 127.0.0.1 9 typ host tcptype active"));
    EXPECT_FALSE(ice.addRemoteCandidate("candidate:1 2 udp 2122260223 127.0.0.1 5001 typ host"));
    EXPECT_FALSE(ice.addRemoteCandidate("candidate:1 1 udp 1 127.0.0.1 5000 typ host" +
                                        std::string(600, 'x')));
    EXPECT_TRUE(ice.addRemoteCandidate("candidate:1 1 udp 2122260223 127.0.0.1 5000 typ host"));
    EXPECT_TRUE(ice.addRemoteCandidate("a=candidate:1 1 UDP 2122260223 ::1 5002 typ host\r\n"));

    EXPECT_FALSE(ice.setRemoteCredentials("abc", "0123456789012345678901"));  // ufrag < 4
    EXPECT_FALSE(ice.setRemoteCredentials("abcd", "012345678901234567890"));  // pwd < 22
    EXPECT_FALSE(ice.setRemoteCredentials(std::string(257, 'a'), "0123456789012345678901"));
    EXPECT_TRUE(ice.setRemoteCredentials("abcd", "0123456789012345678901"));
  });
}

TEST_F(IceTransportTest, ClosedTransportNeitherSendsNorDelivers) {
  ASSERT_TRUE(connectBoth());
  worker.runSync([&] { relay->ice.close(); });
  EXPECT_EQ(relay->ice.state(), IceTransport::State::Closed);
  EXPECT_FALSE(sendFrom(*relay, {1}));
  sendFrom(*viewer, {0x80, 0x60, 9});
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(relay->receivedCopy().empty());
}

}  // namespace
}  // namespace medrelay::relay::transport
