// Authorizer over a DirectoryStore: decisions come from an in-memory snapshot; a watcher thread
// polls the store's change counter (every 100 ms) and swaps in a fresh snapshot when anything
// changed, in this process or another (`medrelay admin` on the same data directory), then calls
// the review callback so the relay can cut off whoever lost access. Audit records go through an
// AuditWriter (queued, written by its own thread in batches), so the relay's I/O thread never
// waits on SQLite for them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <tuple>

#include "access/audit_writer.hpp"
#include "access/authorizer.hpp"
#include "access/directory_store.hpp"

namespace medrelay::access {

class DirectoryAuthorizer final : public Authorizer {
 public:
  explicit DirectoryAuthorizer(DirectoryStore& store, std::chrono::milliseconds pollInterval =
                                                          std::chrono::milliseconds(100));
  ~DirectoryAuthorizer() override;  // stops the watcher

  AccessDecision mayWatch(const std::string& user, const std::string& device,
                          const std::string& stream) override;
  AccessDecision mayPublish(const std::string& user, const std::string& device,
                            const std::string& stream, std::string& source) override;
  AccessDecision checkCredential(const std::string& user, const std::string& device,
                                 int64_t issuedAt) override;
  AccessDecision checkOneTimeCode(const std::string& user, const std::string& device,
                                  const std::string& stream, const std::string& code) override;
  std::vector<std::string> watchableStreams(const std::string& user,
                                            const std::string& device) override;
  bool hasPermission(const std::string& user, std::string_view permission) override;
  std::optional<Person> person(const std::string& user) override;
  void setReviewCallback(std::function<void(bool directoryChanged)> callback) override;
  void audit(const AuditEntry& entry) override;
  // Waits until every audit record queued so far is written.
  void flushAudit();

  std::shared_ptr<const Directory> snapshot();

 private:
  void watch();
  // Loads a new snapshot if the store changed since the last one; true if it did.
  bool refreshNow();
  static bool isNewcomer(const std::string& code);

  DirectoryStore& store_;
  std::chrono::milliseconds pollInterval_;
  std::mutex refreshMutex_;  // one reload at a time (watcher or a request thread)
  std::atomic<int64_t> seen_;
  std::mutex mutex_;  // guards snapshot_, callback_, changedSinceReview_ and stopping_
  std::condition_variable wake_;
  std::shared_ptr<const Directory> snapshot_;
  std::function<void(bool)> callback_;
  bool changedSinceReview_ = false;  // a reload happened since the last review callback
  bool stopping_ = false;
  std::thread watcher_;
  // (user, device, stream) -> until when a good one-time code counts (steady clock).
  std::mutex codesMutex_;
  std::map<std::tuple<std::string, std::string, std::string>, std::chrono::steady_clock::time_point>
      codePasses_;
  static constexpr std::chrono::hours kCodePass{1};
  // Last: destroyed first, writing what is still queued while everything else is there.
  AuditWriter auditWriter_{store_};
};

}  // namespace medrelay::access
