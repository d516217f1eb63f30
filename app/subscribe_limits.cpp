#include "app/subscribe_limits.hpp"

namespace medrelay::app {

namespace {
constexpr size_t kSweepAbove = 1024;
constexpr int64_t kSweepEveryMs = 1000;

int64_t seconds(int64_t ms) {
  return ms == INT64_MAX ? 60 : (ms + 999) / 1000;
}
}  // namespace

SubscribeLimits::Decision SubscribeLimits::admit(const std::string& user,
                                                 const std::string& address, int64_t nowMs) {
  std::lock_guard lock(mutex_);
  if (users_.size() + addresses_.size() > kSweepAbove && nowMs - lastSweepMs_ >= kSweepEveryMs) {
    sweep(nowMs);
  }
  auto& u = users_
                .try_emplace(user, UserState{0, TokenBucket(config_.subscribesPerUserPerSecond,
                                                            config_.subscribesPerUserBurst)})
                .first->second;
  if (u.sessions >= config_.maxSessionsPerUser) {
    ++stats_.tooManySessions;
    return {Verdict::TooManySessions, 5};
  }
  auto& a = addresses_
                .try_emplace(address, TokenBucket(config_.subscribesPerAddressPerSecond,
                                                  config_.subscribesPerAddressBurst))
                .first->second;
  if (!a.take(nowMs)) {
    ++stats_.addressRate;
    return {Verdict::AddressRate, seconds(a.waitMs(nowMs))};
  }
  if (!u.subscribes.take(nowMs)) {
    ++stats_.userRate;
    return {Verdict::UserRate, seconds(u.subscribes.waitMs(nowMs))};
  }
  ++u.sessions;
  return {};
}

void SubscribeLimits::release(const std::string& user) {
  std::lock_guard lock(mutex_);
  if (auto it = users_.find(user); it != users_.end() && it->second.sessions > 0) {
    --it->second.sessions;
  }
}

SubscribeLimits::Stats SubscribeLimits::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void SubscribeLimits::sweep(int64_t nowMs) {
  lastSweepMs_ = nowMs;
  for (auto it = users_.begin(); it != users_.end();) {
    it = it->second.sessions == 0 && it->second.subscribes.full(nowMs) ? users_.erase(it)
                                                                       : std::next(it);
  }
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    it = it->second.full(nowMs) ? addresses_.erase(it) : std::next(it);
  }
}

}  // namespace medrelay::app
