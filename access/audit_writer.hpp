// Writes audit records off the caller's thread: the relay audits every join, leave and denial
// from the signaling I/O thread, and an SQLite transaction (fsync, a lock held by an admin
// process) must not stall it. A bounded queue is drained by one writer thread in batches, each
// batch one transaction. Nothing is ever dropped: the trail is a record of access to patient
// data, so a full queue blocks the caller until there is room (counted in waits()), a failed
// batch is retried, and the destructor writes everything still queued.
// Thread-safe: append() and flush() from any thread; owns its writer thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "access/audit_store.hpp"

namespace medrelay::access {

class AuditWriter {
 public:
  static constexpr size_t kCapacity = 4096;
  static constexpr size_t kMaxBatch = 256;

  explicit AuditWriter(AuditStore& store, size_t capacity = kCapacity);
  ~AuditWriter();  // drains the queue, then stops
  AuditWriter(const AuditWriter&) = delete;
  AuditWriter& operator=(const AuditWriter&) = delete;

  // Queues one record (blocks while the queue is full).
  void append(AuditEntry entry);
  // Returns once everything appended before the call is written (or failed for good).
  void flush();

  uint64_t waits() const;     // appends that found the queue full and waited
  uint64_t failures() const;  // batches that failed and were retried

 private:
  void run();

  AuditStore& store_;
  const size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;  // the writer: work or stop
  std::condition_variable room_;  // appenders: space; flushers: progress
  std::deque<AuditEntry> queue_;
  uint64_t appended_ = 0, done_ = 0;  // records handed in / written (or given up)
  uint64_t waits_ = 0, failures_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace medrelay::access
