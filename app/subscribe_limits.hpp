// How much watching one user or one client address may start: media sessions open per user, and
// subscribes per second per user and per address (WHEP and the app protocol alike). A refusal
// says when to try again. State per key is dropped once it no longer matters (no sessions, a
// full bucket), so rotating names or addresses cannot grow it without bound.
// Thread-safe (one mutex; control plane only).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "common/token_bucket.hpp"

namespace medrelay::app {

struct SubscribeLimitsConfig {
  size_t maxSessionsPerUser = 16;
  double subscribesPerUserPerSecond = 5, subscribesPerUserBurst = 10;
  double subscribesPerAddressPerSecond = 20, subscribesPerAddressBurst = 40;
};

class SubscribeLimits {
 public:
  enum class Verdict { Allowed, TooManySessions, UserRate, AddressRate };
  struct Decision {
    Verdict verdict = Verdict::Allowed;
    int64_t retryAfterSeconds = 0;
  };

  explicit SubscribeLimits(SubscribeLimitsConfig config = {}) : config_(config) {}
  // Before the first admit() (at start, from the serve options).
  void configure(const SubscribeLimitsConfig& config) {
    std::lock_guard lock(mutex_);
    config_ = config;
  }

  // A subscribe attempt; when allowed, the user holds one more session until release().
  Decision admit(const std::string& user, const std::string& address, int64_t nowMs);
  void release(const std::string& user);

  struct Stats {
    uint64_t tooManySessions = 0, userRate = 0, addressRate = 0;
  };
  Stats stats() const;

 private:
  struct UserState {
    size_t sessions = 0;
    TokenBucket subscribes;
  };
  void sweep(int64_t nowMs);

  SubscribeLimitsConfig config_;
  mutable std::mutex mutex_;
  std::map<std::string, UserState> users_;
  std::map<std::string, TokenBucket> addresses_;
  int64_t lastSweepMs_ = 0;
  Stats stats_;
};

}  // namespace medrelay::app
