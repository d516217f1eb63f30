#include "access/audit_writer.hpp"

#include <chrono>
#include <vector>

#include "common/logger.hpp"

namespace medrelay::access {

namespace {

auto log() {
  static auto logger = medrelay::logger("audit");
  return logger;
}

// Retries of one batch after the writer was told to stop: then the process is ending, and a
// database that refuses for this long will not take the records.
constexpr int kRetriesWhenStopping = 3;
constexpr std::chrono::milliseconds kRetryDelay{200};

}  // namespace

AuditWriter::AuditWriter(AuditStore& store, size_t capacity)
    : store_(store), capacity_(capacity == 0 ? 1 : capacity) {
  thread_ = std::thread([this] { run(); });
}

AuditWriter::~AuditWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void AuditWriter::append(AuditEntry entry) {
  std::unique_lock lock(mutex_);
  if (queue_.size() >= capacity_) {
    ++waits_;
    room_.wait(lock, [this] { return queue_.size() < capacity_; });
  }
  queue_.push_back(std::move(entry));
  ++appended_;
  lock.unlock();
  wake_.notify_one();
}

void AuditWriter::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = appended_;
  room_.wait(lock, [&] { return done_ >= target; });
}

uint64_t AuditWriter::waits() const {
  std::lock_guard lock(mutex_);
  return waits_;
}

uint64_t AuditWriter::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

void AuditWriter::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything is written
    std::vector<AuditEntry> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    room_.notify_all();
    lock.unlock();
    int retries = 0;
    while (true) {
      try {
        store_.appendAuditBatch(batch);
        break;
      } catch (const std::exception& e) {
        lock.lock();
        ++failures_;
        bool giveUp = stopping_ && ++retries > kRetriesWhenStopping;
        lock.unlock();
        if (giveUp) {
          // Never silently: an audit trail with holes must be noticed by operators.
          log()->critical("{} audit records could not be written at shutdown: {}", batch.size(),
                          e.what());
          break;
        }
        log()->error("audit batch of {} records not written yet (will retry): {}", batch.size(),
                     e.what());
        std::this_thread::sleep_for(kRetryDelay);
      }
    }
    lock.lock();
    done_ += batch.size();
    room_.notify_all();
  }
}

}  // namespace medrelay::access
