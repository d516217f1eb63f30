// Turns the streams' states, sampled over time, into the two announcements a chat group wants:
// "this stream can be watched now" and "it no longer can". Live and Standby (an on-demand
// stream that starts when someone watches) count as available; nothing else does. A stream
// announced available is announced gone only after it stayed unavailable (stalled, failed, down, or
// no longer there) for `holdDown`, so that a camera restart or a short stall does not post twice
// into the chat. The announced set can be saved and restored, so a relay restart does not announce
// every stream again. Not thread-safe: one owner (the webhook feed's thread).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "app/stream_registry.hpp"

namespace medrelay::app {

class StreamAvailability {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kHoldDown{15};

  struct Change {
    std::string stream;
    bool available = false;
    std::string state;  // the state word now ("live", "standby", "failed", "removed", ...)
  };

  explicit StreamAvailability(std::chrono::milliseconds holdDown = kHoldDown)
      : holdDown_(holdDown) {}

  // Streams announced available earlier (by a previous run): not announced again when they
  // are available, announced gone after the hold-down when they are not.
  void restore(const std::set<std::string>& announced, Clock::time_point now);
  // Every stream there is now, with its state. Returns what to announce, in name order.
  std::vector<Change> observe(const std::vector<std::pair<std::string, StreamState>>& states,
                              Clock::time_point now);
  std::set<std::string> announced() const;

 private:
  struct Entry {
    bool announced = false;
    std::optional<Clock::time_point> unavailableSince;
  };
  const std::chrono::milliseconds holdDown_;
  std::map<std::string, Entry> entries_;
};

}  // namespace medrelay::app
