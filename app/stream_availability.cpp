#include "app/stream_availability.hpp"

namespace medrelay::app {

void StreamAvailability::restore(const std::set<std::string>& announced, Clock::time_point now) {
  for (const auto& name : announced)
    entries_[name] = Entry{true, now};
}

std::vector<StreamAvailability::Change> StreamAvailability::observe(
    const std::vector<std::pair<std::string, StreamState>>& states, Clock::time_point now) {
  std::map<std::string, StreamState> seen(states.begin(), states.end());
  for (const auto& [name, state] : seen)
    entries_.try_emplace(name);
  std::vector<Change> out;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto& [name, entry] = *it;
    auto found = seen.find(name);
    std::string word =
        found == seen.end() ? "removed" : std::string(streamStateName(found->second));
    bool available = found != seen.end() &&
                     (found->second == StreamState::Live || found->second == StreamState::Standby);
    if (available) {
      entry.unavailableSince.reset();
      if (!entry.announced) {
        entry.announced = true;
        out.push_back({name, true, word});
      }
    } else if (entry.announced) {
      // Connecting counts here too: a camera that restarts for ever is gone for the viewers.
      if (!entry.unavailableSince) entry.unavailableSince = now;
      if (now - *entry.unavailableSince >= holdDown_) {
        entry.announced = false;
        entry.unavailableSince.reset();
        out.push_back({name, false, word});
      }
    }
    if (found == seen.end() && !entry.announced) {
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::set<std::string> StreamAvailability::announced() const {
  std::set<std::string> out;
  for (const auto& [name, entry] : entries_)
    if (entry.announced) out.insert(name);
  return out;
}

}  // namespace medrelay::app
