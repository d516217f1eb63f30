// Internal to the SQLite directory store: what its parts share (one connection, the audit chain
// on that connection, one mutex) and the helpers more than one part uses, so that a change and
// its audit record stay one transaction whichever part makes it.
// Thread-safe only under `mutex`: every part holds it around each use of `db` and `audit`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "access/audit_log.hpp"
#include "access/audit_store.hpp"
#include "access/consult_threads.hpp"
#include "access/credential_store.hpp"
#include "access/directory_records.hpp"
#include "access/directory_snapshots.hpp"
#include "access/sign_in_sessions.hpp"
#include "access/sqlite_database.hpp"

namespace medrelay::access {

struct UserRow {
  int64_t id, tenant;
  std::string status;
};

class SqliteStoreState {
 public:
  // Opens (creating and migrating) `<dataDir>/medrelay.db` and its audit key.
  explicit SqliteStoreState(const std::string& dataDir);
  SqliteStoreState(const SqliteStoreState&) = delete;
  SqliteStoreState& operator=(const SqliteStoreState&) = delete;

  // The helpers below expect `mutex` held and, where they write, a Transaction open: they
  // join the caller's transaction rather than start one.

  // Audits a directory change in the caller's transaction (and counts it for changeCounter).
  void record(const std::string& actor, const std::string& action, const std::string& target,
              nlohmann::json details);
  // Throws StoreError("not-found") when there is no such user.
  UserRow findUser(const std::string& name);
  // Revokes the device's refresh tokens and voids its access tokens issued until `now`.
  void voidDeviceTokens(int64_t userId, const std::string& device, int64_t now);

  std::mutex mutex;
  int64_t localChanges = 0;  // directory changes made through this connection
  Database db;

 private:
  std::string auditKey(const std::string& dataDir);

  int schemaVersion_;
  bool keyCreated_ = false;

 public:
  AuditLog audit;  // after db and the key: built from both
};

// Checked against when the user does not exist, so that answer takes as long as a real one.
const std::string& dummyHash();

// The parts, each over the shared state (which must outlive them).
std::unique_ptr<DirectoryRecords> makeSqliteDirectoryRecords(SqliteStoreState& state);
std::unique_ptr<CredentialStore> makeSqliteCredentials(SqliteStoreState& state);
std::unique_ptr<SignInSessions> makeSqliteSignInSessions(SqliteStoreState& state);
std::unique_ptr<DirectorySnapshots> makeSqliteSnapshot(SqliteStoreState& state);
std::unique_ptr<AuditStore> makeSqliteAuditStore(SqliteStoreState& state);
// Reads `<dataDir>/thread-key`, or makes it when no message is stored yet (StoreError "storage"
// when messages are stored but the key is missing).
std::unique_ptr<ConsultThreads> makeSqliteConsultThreads(SqliteStoreState& state,
                                                         const std::string& dataDir);

}  // namespace medrelay::access
