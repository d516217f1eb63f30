#include "app/sign_in_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace medrelay::app {

SignInLimiter::Bucket& SignInLimiter::refill(const std::string& key, const Rule& rule,
                                             Clock::time_point now) {
  auto [it, added] = buckets_.try_emplace(key, Bucket{rule.burst, now});
  if (!added) {
    double seconds = std::chrono::duration<double>(now - it->second.at).count();
    it->second.tokens = std::min(rule.burst, it->second.tokens + seconds * rule.perSecond);
    it->second.at = now;
  }
  return it->second;
}

void SignInLimiter::prune(Clock::time_point now) {
  // Full buckets carry no state worth keeping; if the map is still too big (a flood of
  // distinct names), forget everything rather than grow: the store's lockout still holds.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Rule& rule = it->first.rfind("user:", 0) == 0 ? perUser_ : perAddress_;
    double seconds = std::chrono::duration<double>(now - it->second.at).count();
    it = it->second.tokens + seconds * rule.perSecond >= rule.burst ? buckets_.erase(it)
                                                                    : std::next(it);
  }
  if (buckets_.size() >= kMaxBuckets) buckets_.clear();
}

int64_t SignInLimiter::admit(const std::string& user, const std::string& address,
                             Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (buckets_.size() >= kMaxBuckets) prune(now);
  Bucket* byUser = user.empty() ? nullptr : &refill("user:" + user, perUser_, now);
  Bucket* byAddress = address.empty() ? nullptr : &refill("address:" + address, perAddress_, now);
  double wait = 0;
  if (byUser && byUser->tokens < 1) wait = (1 - byUser->tokens) / perUser_.perSecond;
  if (byAddress && byAddress->tokens < 1) {
    wait = std::max(wait, (1 - byAddress->tokens) / perAddress_.perSecond);
  }
  if (wait > 0) return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait)));
  if (byUser) byUser->tokens -= 1;
  if (byAddress) byAddress->tokens -= 1;
  return 0;
}

}  // namespace medrelay::app
