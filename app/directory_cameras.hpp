// Keeps the cameras of the directory (`admin stream add --source rtsp://...`, the console, the
// API) running on this relay: those there at start and those added while it runs are launched;
// those removed are retired (their ingest child stopped, their producers dropped) once their
// viewers are gone, which the revocation that the removal triggers sees to within a second or
// two. Streams it did not launch (--stream, the demo, DICOM series, WHIP) are not its business.
// Owns one thread; construct and destroy on the same (main) thread; poke() from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "access/directory_records.hpp"
#include "app/stream_launcher.hpp"

namespace medrelay::app {

class DirectoryCameras {
 public:
  using PlanFor = std::function<StreamPlan(const std::string& name, const std::string& source)>;
  // While a removed camera is still watched: how often it tries again.
  static constexpr std::chrono::milliseconds kRetry{1000};

  // Syncs once before returning (the cameras there now start with the relay).
  DirectoryCameras(access::DirectoryRecords& directory, StreamLauncher& launcher,
                   StreamRegistry& streams, PlanFor planFor,
                   std::chrono::milliseconds retry = kRetry);
  ~DirectoryCameras();
  DirectoryCameras(const DirectoryCameras&) = delete;
  DirectoryCameras& operator=(const DirectoryCameras&) = delete;

  void poke();  // the directory changed: sync soon (never waits for it)

 private:
  void run();
  bool sync();  // true when a removed camera is still waiting for its viewers to go

  access::DirectoryRecords& directory_;
  StreamLauncher& launcher_;
  StreamRegistry& streams_;
  const PlanFor planFor_;
  const std::chrono::milliseconds retry_;
  std::set<std::string> launched_;  // sync() only (the constructor, then the thread)
  std::mutex mutex_;
  std::condition_variable wake_;
  bool poked_ = false, stopping_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace medrelay::app
