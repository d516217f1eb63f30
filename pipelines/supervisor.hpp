// Runs ingest sources as child processes (`<executable> ingest ...`), one per source, and
// restarts them with exponential backoff when they exit. Each source has one socket pair for
// its whole life: the relay keeps reading the same fd while children come and go, so viewers
// see video resume without re-signaling.
// Thread-safe: addSource/stop from any thread; listener callbacks come from the supervisor's
// own thread.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "pipelines/ingest_options.hpp"

namespace medrelay::pipelines {

// Stalled and Failed both wait to be restarted (with backoff): the source stopped sending media
// (ingest's stall watchdog), or its process failed for another reason (camera unreachable, bad
// address, a crash), named in the state's detail.
enum class SourceState { Starting, Running, Stalled, Failed, Stopped };
std::string_view sourceStateName(SourceState state);
inline bool awaitingRestart(SourceState state) {
  return state == SourceState::Stalled || state == SourceState::Failed;
}

struct IngestSpec {
  std::string streamName;
  IngestOptions options;
};

class Supervisor {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onSourceStateChanged(const std::string& stream, SourceState state,
                                      const std::string& detail) = 0;
  };

  static constexpr std::chrono::milliseconds kFirstBackoff{250};
  static constexpr std::chrono::milliseconds kMaxBackoff{10000};
  static constexpr std::chrono::seconds kStableAfter{30};  // resets the backoff
  static constexpr std::chrono::seconds kRunningAfter{1};  // Starting -> Running

  Supervisor(std::string executable, Listener& listener);
  ~Supervisor();  // stop()

  // Starts the source; returns the relay's end of its ingest socket (owned by the supervisor,
  // valid until stop()). Throws std::runtime_error if no socket can be made.
  int addSource(IngestSpec spec);
  void stop();  // SIGTERM every child, SIGKILL after a grace period, reap, close sockets

  struct SourceStatus {
    std::string stream;
    SourceState state;
    int restarts;
    pid_t pid;
  };
  std::vector<SourceStatus> status() const;

 private:
  struct Source;
  void loop();
  void spawn(Source& source);
  void setState(Source& source, SourceState state, const std::string& detail);

  std::string executable_;
  Listener& listener_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Source>> sources_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace medrelay::pipelines
