// Keeps the directory's record of each stream's state (what `admin stream list` and other
// relays read) equal to what viewers are told: Stream::state() and its detail, written when
// they change, checked every `interval` and at once after poke().
// Owns one thread; construct, stop and destroy on the same (main) thread; poke() from any.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "access/directory_records.hpp"
#include "app/stream_registry.hpp"

namespace medrelay::app {

class StreamStateReporter {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};

  StreamStateReporter(StreamRegistry& streams, access::DirectoryRecords& directory,
                      std::chrono::milliseconds interval = kInterval);
  ~StreamStateReporter();  // stop()
  StreamStateReporter(const StreamStateReporter&) = delete;
  StreamStateReporter& operator=(const StreamStateReporter&) = delete;

  void poke();  // after stop(): nothing
  // Something else in the lists changed (who watches a stream): the hook runs as for a state
  // change, at most once per interval however many viewers come and go.
  void noteListChanged();
  // Called on the reporter thread after states changed, at most once per interval (the viewer
  // pages refresh their lists on it: one message per open socket, so not per change). Setting
  // waits for a call in progress: after setChangedHook(nullptr) the old hook is not running.
  void setChangedHook(std::function<void()> hook);
  void stop();  // writes what changed once more; the thread ends

 private:
  void run();
  bool writeChanges();  // reporter thread (and the destructor, after it); true if any changed

  StreamRegistry& streams_;
  access::DirectoryRecords& directory_;
  const std::chrono::milliseconds interval_;
  std::map<std::string, std::pair<std::string, std::string>> written_;  // state, detail
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false, stopping_ = false, listChanged_ = false;
  std::mutex hookMutex_;           // held while the hook runs
  std::function<void()> changed_;  // under hookMutex_
  std::thread thread_;
};

}  // namespace medrelay::app
