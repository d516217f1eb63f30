#include "app/directory_cameras.hpp"

#include <vector>

#include "common/logger.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("serve");
  return logger;
}

}  // namespace

DirectoryCameras::DirectoryCameras(access::DirectoryRecords& directory, StreamLauncher& launcher,
                                   StreamRegistry& streams, PlanFor planFor,
                                   std::chrono::milliseconds retry)
    : directory_(directory),
      launcher_(launcher),
      streams_(streams),
      planFor_(std::move(planFor)),
      retry_(retry) {
  bool waiting = sync();
  {
    std::lock_guard lock(mutex_);
    poked_ = waiting;
  }
  thread_ = std::thread([this] { run(); });
}

DirectoryCameras::~DirectoryCameras() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void DirectoryCameras::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void DirectoryCameras::run() {
  std::unique_lock lock(mutex_);
  bool waiting = false;
  while (!stopping_) {
    if (waiting) {
      wake_.wait_for(lock, retry_, [this] { return poked_ || stopping_; });
    } else {
      wake_.wait(lock, [this] { return poked_ || stopping_; });
    }
    if (stopping_) break;
    poked_ = false;
    lock.unlock();
    waiting = sync();
    lock.lock();
  }
}

bool DirectoryCameras::sync() {
  std::vector<access::StreamRecord> records;
  try {
    records = directory_.listStreams();
  } catch (const std::exception& e) {
    log()->error("could not read the directory's cameras: {}", e.what());
    return true;  // try again: a busy database, say
  }
  std::set<std::string> listed;
  for (const auto& record : records) {
    if (!isCameraSource(record.source)) continue;
    listed.insert(record.name);
    if (launched_.count(record.name) || streams_.find(record.name)) continue;
    // A camera that cannot start is logged and tried again at the next directory change, not
    // every second.
    try {
      log()->info("starting {}, a camera of the directory", record.name);
      launcher_.launch(planFor_(record.name, record.source));
      launched_.insert(record.name);
    } catch (const std::exception& e) {
      log()->error("could not start {}, a camera of the directory: {}", record.name, e.what());
    }
  }
  bool waiting = false;
  for (auto it = launched_.begin(); it != launched_.end();) {
    if (listed.count(*it)) {
      ++it;
      continue;
    }
    // Removed from the directory: its viewers are being cut (the authorizer reloaded); the
    // stream goes once they are.
    if (launcher_.retire(*it)) {
      log()->info("{} left the directory: stopped", *it);
      it = launched_.erase(it);
    } else {
      waiting = true;
      ++it;
    }
  }
  return waiting;
}

}  // namespace medrelay::app
