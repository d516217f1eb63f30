// The SQLite directory store's shared connection and the helpers its parts have in common.
#include "access/sqlite_store_state.hpp"
#include "access/store_state_sql.hpp"

#include <filesystem>

#include "access/audit_key.hpp"
#include "access/password_hash.hpp"
#include "access/schema.hpp"

namespace medrelay::access {

namespace {

namespace sql = store_state_sql;

}  // namespace

SqliteStoreState::SqliteStoreState(const std::string& dataDir)
    : db(std::filesystem::path(dataDir) / "medrelay.db"),
      schemaVersion_(migrateSchema(db)),
      audit(db, auditKey(dataDir)) {
  if (keyCreated_ && audit.head().seq > 0) {
    // A chain written before the key: the first keyed record seals it as a legacy prefix
    // (its MAC covers the last plain hash, so the prefix can no longer be rewritten).
    auto s = db.prepare(sql::kCountAudit);
    s.step();
    audit.append(
        {"system", "audit.chain.keyed", "audit", "success", {{"legacy_records", s.integer(0)}}});
  }
}

void SqliteStoreState::record(const std::string& actor, const std::string& action,
                              const std::string& target, nlohmann::json details) {
  ++localChanges;  // every directory change records itself here
  audit.append({actor, action, target, "success", std::move(details)});
}

UserRow SqliteStoreState::findUser(const std::string& name) {
  auto s = db.prepare(sql::kFindUser);
  s.bind(1, name);
  if (!s.step()) throw StoreError("not-found", "there is no user named " + name);
  return {s.integer(0), s.integer(1), s.text(2)};
}

void SqliteStoreState::voidDeviceTokens(int64_t userId, const std::string& device, int64_t now) {
  db.prepare(sql::kRevokeDeviceRefreshTokens).bind(1, userId).bind(2, device).run();
  // +1: a token issued in this very second is voided too (iat has whole seconds).
  db.prepare(sql::kSetDeviceTokensValidAfter)
      .bind(1, now + 1)
      .bind(2, userId)
      .bind(3, device)
      .run();
}

// The audit key from DATA_DIR/audit-key, made on first start. A missing key while the log
// holds keyed records is an error, never a new key: that would hide the old chain's state.
std::string SqliteStoreState::auditKey(const std::string& dataDir) {
  if (auto key = readAuditKey(dataDir)) return *key;
  auto keyed = db.prepare(sql::kAnyKeyedAudit);
  if (keyed.step()) {
    throw StoreError("storage",
                     "the audit key " + (std::filesystem::path(dataDir) / kAuditKeyFile).string() +
                         " is missing, but the audit log was written with it: restore the key "
                         "from the data directory's backup (without it the chain can be "
                         "neither verified nor extended)");
  }
  keyCreated_ = true;
  return createAuditKey(dataDir);
}

// Made on first use: every process linking this (ingest children too) would pay for it.
const std::string& dummyHash() {
  static const std::string hash = hashSecret("not a real password");
  return hash;
}

}  // namespace medrelay::access
