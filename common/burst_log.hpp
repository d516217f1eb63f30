// One log line per burst: the first event of a kind is logged at once, the ones that follow
// within `interval` only counted, and the count reported with the next event after the interval.
// A flood of refusals (bad packets, connections over a limit) then costs a few lines, not one
// line per event, and the log still says how many there were. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>

namespace medrelay {

class BurstLog {
 public:
  explicit BurstLog(int64_t intervalMs = 10'000) : intervalMs_(intervalMs) {}

  // True when this event should be logged; `suppressed` is then how many went unlogged since
  // the last logged one (mention it in the line).
  bool shouldLog(int64_t nowMs, uint64_t& suppressed) {
    std::lock_guard lock(mutex_);
    if (logged_ && nowMs - lastMs_ < intervalMs_) {
      ++suppressed_;
      return false;
    }
    logged_ = true;
    lastMs_ = nowMs;
    suppressed = suppressed_;
    suppressed_ = 0;
    return true;
  }

 private:
  std::mutex mutex_;
  int64_t intervalMs_;
  int64_t lastMs_ = 0;
  bool logged_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace medrelay
