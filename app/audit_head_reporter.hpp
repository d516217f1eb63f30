// Exports the audit chain's head (seq, MAC and its signature) to the log while `serve` runs:
// at start, every `interval` (10 minutes) and at stop. A head kept outside the database (the
// log, shipped elsewhere) is what makes a cut tail detectable: `medrelay admin audit verify
// --head SEQ:MAC` fails when the log no longer reaches it.
// Owns one thread; construct and destroy on the same (main) thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "access/audit_store.hpp"

namespace medrelay::app {

class AuditHeadReporter {
 public:
  static constexpr std::chrono::minutes kInterval{10};

  explicit AuditHeadReporter(access::AuditStore& store,
                             std::chrono::milliseconds interval = kInterval);
  ~AuditHeadReporter();  // reports once more, then stops

  void reportNow(const char* when);

 private:
  void run();

  access::AuditStore& store_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace medrelay::app
