// AuditStore on SQLite: the keyed audit chain (AuditLog, which keeps its own statements) on the
// store's shared connection, so appends serialize with the directory changes that audit
// themselves inside their own transactions.
// Thread-safe: every call holds the shared state's mutex.
#include "access/sqlite_store_state.hpp"

namespace medrelay::access {

namespace {

class SqliteAuditStore final : public AuditStore {
 public:
  explicit SqliteAuditStore(SqliteStoreState& state) : s_(state) {}

  void appendAudit(const AuditEntry& entry) override {
    std::lock_guard lock(s_.mutex);
    s_.audit.append(entry);
  }
  void appendAuditBatch(const std::vector<AuditEntry>& entries) override {
    std::lock_guard lock(s_.mutex);
    s_.audit.appendBatch(entries);
  }
  AuditVerification verifyAudit(const std::optional<AuditHead>& expected) override {
    std::lock_guard lock(s_.mutex);
    return s_.audit.verify(expected);
  }
  AuditHead auditHead() override {
    std::lock_guard lock(s_.mutex);
    return s_.audit.head();
  }
  std::vector<AuditRecord> queryAudit(const AuditQuery& query) override {
    std::lock_guard lock(s_.mutex);
    return s_.audit.query(query);
  }

 private:
  SqliteStoreState& s_;
};

}  // namespace

std::unique_ptr<AuditStore> makeSqliteAuditStore(SqliteStoreState& state) {
  return std::make_unique<SqliteAuditStore>(state);
}

}  // namespace medrelay::access
