// Rate limits for sign-ins (password, passcode, and the calls that check a password again):
// a token bucket per user name and one per client address, so that one client cannot keep the
// sign-in pool busy and nobody can hammer one account from many places beyond its budget.
// Thread-safe (one mutex); called from the signaling I/O thread before any work is queued.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace medrelay::app {

class SignInLimiter {
 public:
  struct Rule {
    double burst;      // attempts allowed at once
    double perSecond;  // refill
  };
  using Clock = std::chrono::steady_clock;

  SignInLimiter(Rule perUser, Rule perAddress) : perUser_(perUser), perAddress_(perAddress) {}

  // 0 when admitted (one attempt taken from each bucket), else whole seconds until it would
  // be. An empty user or address has no bucket.
  int64_t admit(const std::string& user, const std::string& address, Clock::time_point now);

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  // Refills `key`'s bucket to `now`; returns it (created full).
  Bucket& refill(const std::string& key, const Rule& rule, Clock::time_point now);
  void prune(Clock::time_point now);

  static constexpr size_t kMaxBuckets = 50'000;  // names typed by anyone: bounded
  Rule perUser_, perAddress_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace medrelay::app
