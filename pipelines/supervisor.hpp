// Runs ingest sources as child processes (`<executable> ingest ...`), one per source, and
// restarts them with exponential backoff when they exit. Each source has one socket pair for
// its whole life: the relay keeps reading the same fd while children come and go, so viewers
// see video resume without re-signaling. An on-demand source runs only while watched (and for
// a linger after its last viewer): nothing is decoded or encoded for a stream nobody watches.
// Thread-safe: addSource/removeSource/stop from any thread; listener callbacks come from the
// supervisor's own thread.
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
// address, a crash), named in the state's detail. Standby: an on-demand source nobody watches,
// with no process; it starts when someone does.
enum class SourceState { Starting, Running, Stalled, Failed, Standby, Stopped };
std::string_view sourceStateName(SourceState state);
inline bool awaitingRestart(SourceState state) {
  return state == SourceState::Stalled || state == SourceState::Failed;
}

struct IngestSpec {
  std::string streamName;
  IngestOptions options;
  // Run only while setWatched(true) and for the linger after setWatched(false).
  bool onDemand = false;
};

// The detail of a source on standby.
inline constexpr std::string_view kStandbyDetail = "nobody watches; starts when someone does";

class Supervisor {
  using Clock = std::chrono::steady_clock;

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
  // How long an on-demand source keeps running after its last viewer left: a viewer who
  // reloads the page or switches back finds it warm.
  static constexpr std::chrono::milliseconds kDefaultLinger{30000};
  static constexpr std::chrono::seconds kStopGrace{3};  // SIGTERM -> SIGKILL

  Supervisor(std::string executable, Listener& listener,
             std::chrono::milliseconds linger = kDefaultLinger);
  ~Supervisor();  // stop()

  // Starts the source; returns the relay's end of its ingest socket (owned by the supervisor,
  // valid until stop()). Throws std::runtime_error if no socket can be made.
  int addSource(IngestSpec spec);
  // Whether anyone watches an on-demand source (any thread; no effect on other sources). The
  // first viewer starts it at once; after the last one it runs for the linger, then stops.
  void setWatched(const std::string& stream, bool watched);
  // Stops the source's child (SIGTERM, SIGKILL after kStopGrace) and forgets the source, closing
  // its socket: whoever read the relay's end has stopped already. Returns at once; the listener
  // hears nothing more of it, and a source added later under the same name is a new one.
  // No effect when there is no such source.
  void removeSource(const std::string& stream);
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
  // The loop's step for one source whose child runs, and for one without a child.
  void superviseChild(Source& source, Clock::time_point now);
  void superviseIdle(Source& source, Clock::time_point now);

  std::string executable_;
  Listener& listener_;
  const std::chrono::milliseconds linger_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Source>> sources_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace medrelay::pipelines
