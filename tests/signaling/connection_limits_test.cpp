// ConnectionLimits: what one address or one user may hold open, and that the bookkeeping gives
// every slot back and stays bounded when addresses rotate.
#include "signaling/connection_limits.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace medrelay::signaling {
namespace {

TEST(ConnectionLimits, RefusesPastThePerAddressAndTotalLimitsAndGivesSlotsBack) {
  ServerLimits config;
  config.maxConnections = 5;
  config.maxConnectionsPerAddress = 3;
  config.newConnectionsPerAddressBurst = 100;
  ServerStats stats;
  ConnectionLimits limits(config, stats);
  ConnectionLimits::Refusal refusal;
  std::vector<Admission> open;
  for (int i = 0; i < 3; ++i)
    open.push_back(limits.admitConnection("10.0.0.1", 0, refusal));
  EXPECT_FALSE(limits.admitConnection("10.0.0.1", 0, refusal));
  EXPECT_EQ(refusal, ConnectionLimits::Refusal::PerAddress);
  open.push_back(limits.admitConnection("10.0.0.2", 0, refusal));
  open.push_back(limits.admitConnection("10.0.0.3", 0, refusal));
  EXPECT_FALSE(limits.admitConnection("10.0.0.4", 0, refusal));
  EXPECT_EQ(refusal, ConnectionLimits::Refusal::Total);
  EXPECT_EQ(stats.connectionsOpen.load(), 5u);
  open.clear();  // every admission gives its slot back
  EXPECT_EQ(stats.connectionsOpen.load(), 0u);
  EXPECT_TRUE(limits.admitConnection("10.0.0.1", 0, refusal));
  EXPECT_EQ(stats.refusedPerAddress.load(), 1u);
  EXPECT_EQ(stats.refusedTotal.load(), 1u);
}

TEST(ConnectionLimits, LimitsNewConnectionsPerSecondPerAddress) {
  ServerLimits config;
  config.newConnectionsPerAddressPerSecond = 10;
  config.newConnectionsPerAddressBurst = 20;
  ServerStats stats;
  ConnectionLimits limits(config, stats);
  ConnectionLimits::Refusal refusal;
  int admitted = 0;
  for (int i = 0; i < 100; ++i)
    admitted += static_cast<bool>(limits.admitConnection("a", 0, refusal));
  EXPECT_EQ(admitted, 20);
  EXPECT_EQ(refusal, ConnectionLimits::Refusal::Rate);
  EXPECT_TRUE(limits.admitConnection("a", 200, refusal)) << "refilled after 200 ms";
  EXPECT_TRUE(limits.admitConnection("b", 0, refusal)) << "another address is not affected";
}

TEST(ConnectionLimits, RotatingAddressesDoNotGrowTheStateWithoutBound) {
  ServerLimits config;
  ServerStats stats;
  ConnectionLimits limits(config, stats);
  ConnectionLimits::Refusal refusal;
  for (int i = 0; i < 20000; ++i) {
    // Each connection opens and closes at once, from a new address, a millisecond apart.
    limits.admitConnection("10." + std::to_string(i / 65536) + "." + std::to_string(i / 256 % 256) +
                               "." + std::to_string(i % 256),
                           i * 50, refusal);
  }
  EXPECT_LT(limits.trackedAddresses(), 5000u);
}

TEST(ConnectionLimits, WebSocketsPerUser) {
  ServerLimits config;
  config.maxWebSocketsPerUser = 2;
  ServerStats stats;
  ConnectionLimits limits(config, stats);
  ConnectionLimits::Refusal refusal;
  auto a = limits.admitWebSocket("alice", refusal);
  auto b = limits.admitWebSocket("alice", refusal);
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(limits.admitWebSocket("alice", refusal));
  EXPECT_EQ(refusal, ConnectionLimits::Refusal::PerUser);
  EXPECT_TRUE(limits.admitWebSocket("bob", refusal));
  a.reset();
  EXPECT_TRUE(limits.admitWebSocket("alice", refusal));
  EXPECT_EQ(stats.webSocketsRefusedPerUser.load(), 1u);
}

}  // namespace
}  // namespace medrelay::signaling
