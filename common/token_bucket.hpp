// A token bucket: on average `rate` events a second, in bursts of at most `burst`. The one
// primitive behind every "at most so many per second" limit (datagrams from a peer, sign-ins
// from an address, connections). Not thread-safe: one owner, or the owner's lock.
#pragma once

#include <algorithm>
#include <cstdint>

namespace medrelay {

class TokenBucket {
 public:
  TokenBucket(double ratePerSecond, double burst)
      : rate_(ratePerSecond), burst_(burst), tokens_(burst) {}

  // Takes `cost` tokens at monotonic time `nowMs` if there are that many; false (nothing taken)
  // otherwise.
  bool take(int64_t nowMs, double cost = 1) {
    refill(nowMs);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }
  // Milliseconds until `cost` tokens will be there (0 if they are now): a Retry-After.
  int64_t waitMs(int64_t nowMs, double cost = 1) {
    refill(nowMs);
    if (tokens_ >= cost || rate_ <= 0) return tokens_ >= cost ? 0 : INT64_MAX;
    return static_cast<int64_t>((cost - tokens_) * 1000.0 / rate_) + 1;
  }
  // Full and idle: the state can be forgotten (a limiter keyed by address expires these).
  bool full(int64_t nowMs) {
    refill(nowMs);
    return tokens_ >= burst_;
  }

 private:
  void refill(int64_t nowMs) {
    if (started_ && nowMs > lastMs_) {
      tokens_ = std::min(burst_, tokens_ + (nowMs - lastMs_) * rate_ / 1000.0);
    }
    if (!started_ || nowMs > lastMs_) lastMs_ = nowMs;
    started_ = true;
  }

  double rate_, burst_, tokens_;
  int64_t lastMs_ = 0;
  bool started_ = false;
};

}  // namespace medrelay
