#include "app/audit_head_reporter.hpp"

#include "common/logger.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("audit");
  return logger;
}

}  // namespace

AuditHeadReporter::AuditHeadReporter(access::AuditStore& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval) {
  reportNow("start");
  thread_ = std::thread([this] { run(); });
}

AuditHeadReporter::~AuditHeadReporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  reportNow("stop");
}

void AuditHeadReporter::reportNow(const char* when) {
  try {
    // Not patient data: a sequence number and MACs. Grep "audit head" to collect them.
    log()->info("audit head ({}): {}", when, store_.auditHead().text());
  } catch (const std::exception& e) {
    log()->error("audit head ({}) could not be read: {}", when, e.what());
  }
}

void AuditHeadReporter::run() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    reportNow("scheduled");
    lock.lock();
  }
}

}  // namespace medrelay::app
