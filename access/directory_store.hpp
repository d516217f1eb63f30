// The access directory's storage, behind interfaces narrow enough for a second backend
// (PostgreSQL) to follow: named operations in the directory's own terms, each one atomic and
// audited together with its change. DirectoryStore is the union of the parts; a caller that
// needs one part takes that part's interface (the audit writer takes an AuditStore). Names
// identify things (users, tenants, streams are unique; a group is "NAME" when unique, else
// "TENANT/NAME"). Errors throw StoreError with a code: "invalid" (bad input), "not-found",
// "conflict" (already exists, would break a rule).
#pragma once

#include <memory>
#include <string>

#include "access/audit_store.hpp"
#include "access/consult_threads.hpp"
#include "access/credential_store.hpp"
#include "access/directory_records.hpp"
#include "access/directory_snapshots.hpp"
#include "access/sign_in_sessions.hpp"

namespace medrelay::access {

class DirectoryStore : public DirectoryRecords,
                       public CredentialStore,
                       public SignInSessions,
                       public DirectorySnapshots,
                       public AuditStore,
                       public ConsultThreads {
 public:
  ~DirectoryStore() override = default;
};

// Opens (creating and migrating) `<dataDir>/medrelay.db`, with the audit key
// `<dataDir>/audit-key` and the consult threads' key `<dataDir>/thread-key` (each created on
// first start; StoreError "storage" when one is missing but the log was keyed with it, or
// messages were stored with it). Thread-safe: one connection guarded by one mutex.
std::unique_ptr<DirectoryStore> openSqliteDirectoryStore(const std::string& dataDir);

}  // namespace medrelay::access
