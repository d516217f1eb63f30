#include "app/stream_state_reporter.hpp"

#include "common/logger.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("serve");
  return logger;
}

}  // namespace

StreamStateReporter::StreamStateReporter(StreamRegistry& streams,
                                         access::DirectoryRecords& directory,
                                         std::chrono::milliseconds interval)
    : streams_(streams), directory_(directory), interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

StreamStateReporter::~StreamStateReporter() {
  stop();
}

void StreamStateReporter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  writeChanges();
}

void StreamStateReporter::poke() {
  {
    std::lock_guard lock(mutex_);
    poked_ = true;
  }
  wake_.notify_all();
}

void StreamStateReporter::noteListChanged() {
  {
    std::lock_guard lock(mutex_);
    listChanged_ = poked_ = true;
  }
  wake_.notify_all();
}

void StreamStateReporter::setChangedHook(std::function<void()> hook) {
  std::lock_guard lock(hookMutex_);
  changed_ = std::move(hook);
}

void StreamStateReporter::run() {
  std::unique_lock lock(mutex_);
  bool untold = false;  // a change the hook has not heard of yet
  auto lastTold = std::chrono::steady_clock::now() - interval_;
  while (!stopping_) {
    wake_.wait_for(lock, interval_, [this] { return poked_ || stopping_; });
    if (stopping_) break;
    poked_ = false;
    untold |= std::exchange(listChanged_, false);
    lock.unlock();
    untold |= writeChanges();
    auto now = std::chrono::steady_clock::now();
    if (untold && now - lastTold >= interval_) {
      std::lock_guard hookLock(hookMutex_);
      if (changed_) changed_();
      untold = false;
      lastTold = now;
    }
    lock.lock();
  }
}

bool StreamStateReporter::writeChanges() {
  bool any = false;
  for (const auto& stream : streams_.all()) {
    std::pair<std::string, std::string> now{std::string(streamStateName(stream->state())),
                                            stream->health().detail};
    auto& last = written_[stream->name()];
    if (last == now) continue;
    try {
      directory_.setStreamState(stream->name(), now.first, now.second);
      last = std::move(now);
      any = true;
    } catch (const std::exception& e) {
      log()->warn("could not record the state of {}: {}", stream->name(), e.what());
    }
  }
  return any;
}

}  // namespace medrelay::app
