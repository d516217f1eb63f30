#include "signaling/connection_limits.hpp"

namespace medrelay::signaling {

namespace {
constexpr size_t kSweepAbove = 1024;  // addresses tracked before idle ones are swept
constexpr int64_t kSweepEveryMs = 1000;
}  // namespace

ConnectionLimits::ConnectionLimits(const ServerLimits& limits, ServerStats& stats)
    : limits_(limits), stats_(stats) {}

Admission ConnectionLimits::admitConnection(const std::string& address, int64_t nowMs,
                                            Refusal& refusal) {
  std::lock_guard lock(mutex_);
  refusal = Refusal::None;
  if (addresses_.size() > kSweepAbove && nowMs - lastSweepMs_ >= kSweepEveryMs) sweep(nowMs);
  if (open_ >= limits_.maxConnections) {
    ++stats_.refusedTotal;
    refusal = Refusal::Total;
    return {};
  }
  auto [it, inserted] = addresses_.try_emplace(
      address, AddressState{0, TokenBucket(limits_.newConnectionsPerAddressPerSecond,
                                           limits_.newConnectionsPerAddressBurst)});
  AddressState& state = it->second;
  if (state.open >= limits_.maxConnectionsPerAddress) {
    ++stats_.refusedPerAddress;
    refusal = Refusal::PerAddress;
    return {};
  }
  if (!state.newConnections.take(nowMs)) {
    ++stats_.refusedRate;
    refusal = Refusal::Rate;
    return {};
  }
  ++state.open;
  ++open_;
  ++stats_.connectionsAccepted;
  stats_.connectionsOpen = open_;
  return Admission([this, address] {
    std::lock_guard lock(mutex_);
    --open_;
    stats_.connectionsOpen = open_;
    if (auto found = addresses_.find(address); found != addresses_.end() && found->second.open) {
      --found->second.open;
    }
  });
}

Admission ConnectionLimits::admitWebSocket(const std::string& user, Refusal& refusal) {
  std::lock_guard lock(mutex_);
  refusal = Refusal::None;
  size_t& open = webSockets_[user];
  if (open >= limits_.maxWebSocketsPerUser) {
    ++stats_.webSocketsRefusedPerUser;
    refusal = Refusal::PerUser;
    if (open == 0) webSockets_.erase(user);
    return {};
  }
  ++open;
  ++stats_.webSocketsOpen;
  return Admission([this, user] {
    std::lock_guard lock(mutex_);
    --stats_.webSocketsOpen;
    if (auto found = webSockets_.find(user); found != webSockets_.end()) {
      if (--found->second == 0) webSockets_.erase(found);
    }
  });
}

size_t ConnectionLimits::trackedAddresses() const {
  std::lock_guard lock(mutex_);
  return addresses_.size();
}

void ConnectionLimits::sweep(int64_t nowMs) {
  lastSweepMs_ = nowMs;
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    if (it->second.open == 0 && it->second.newConnections.full(nowMs)) {
      it = addresses_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace medrelay::signaling
