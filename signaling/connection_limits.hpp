// Counts what is open per client address and per signed-in user, and admits or refuses new
// connections against ServerLimits. An admission is a ticket: while it lives it counts, and its
// destruction gives the slot back, so no path can leak a count. Per-address state is kept only
// while it matters (open connections, or a rate bucket not yet refilled) and swept otherwise,
// so an attacker rotating addresses cannot grow it without bound. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "common/token_bucket.hpp"
#include "signaling/server_limits.hpp"

namespace medrelay::signaling {

class Admission {
 public:
  Admission() = default;
  explicit Admission(std::function<void()> release) : release_(std::move(release)) {}
  Admission(Admission&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
  Admission& operator=(Admission&& other) noexcept {
    if (this != &other) {
      reset();
      release_ = std::exchange(other.release_, nullptr);
    }
    return *this;
  }
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;
  ~Admission() { reset(); }
  explicit operator bool() const { return static_cast<bool>(release_); }
  void reset() {
    if (auto release = std::exchange(release_, nullptr)) release();
  }

 private:
  std::function<void()> release_;
};

class ConnectionLimits {
 public:
  enum class Refusal { None, Total, PerAddress, Rate, PerUser };

  ConnectionLimits(const ServerLimits& limits, ServerStats& stats);

  // A new TCP connection from `address`; an empty admission (and `refusal` set) when refused.
  Admission admitConnection(const std::string& address, int64_t nowMs, Refusal& refusal);
  // A WebSocket signed in as `user`.
  Admission admitWebSocket(const std::string& user, Refusal& refusal);

  size_t trackedAddresses() const;

 private:
  struct AddressState {
    size_t open = 0;
    TokenBucket newConnections;
  };
  void sweep(int64_t nowMs);  // under mutex_

  const ServerLimits& limits_;
  ServerStats& stats_;
  mutable std::mutex mutex_;
  size_t open_ = 0;
  std::map<std::string, AddressState> addresses_;
  std::map<std::string, size_t> webSockets_;
  int64_t lastSweepMs_ = 0;
};

}  // namespace medrelay::signaling
