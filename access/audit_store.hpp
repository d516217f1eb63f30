// The audit trail as a store exposes it: appends (single and batched), verification of the
// keyed chain, its signed head and queries. Implementations say which threads may call.
#pragma once

#include <optional>
#include <vector>

#include "access/audit_log.hpp"

namespace medrelay::access {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // The audit trail in the same database (admin changes append their own records).
  virtual void appendAudit(const AuditEntry& entry) = 0;
  // Several records in one transaction (the asynchronous audit writer's batches).
  virtual void appendAuditBatch(const std::vector<AuditEntry>& entries) = 0;
  // The chain with the key; with `expected` (a head exported earlier) also that the record it
  // names is unchanged and still there (a cut tail fails).
  virtual AuditVerification verifyAudit(
      const std::optional<AuditHead>& expected = std::nullopt) = 0;
  // The current end of the chain, signed with the key: export it to detect truncation.
  virtual AuditHead auditHead() = 0;
  virtual std::vector<AuditRecord> queryAudit(const AuditQuery& query) = 0;
};

}  // namespace medrelay::access
