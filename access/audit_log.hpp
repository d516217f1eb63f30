// The tamper-evident audit trail: an append-only table where every record carries the SHA-256
// of the record before it, so editing, deleting or reordering any record breaks the chain from
// there on. Shared by `serve` and `admin` processes through the same SQLite file; appends take
// the write lock (BEGIN IMMEDIATE), so the chain stays linear across processes.
// Not thread-safe: one AuditLog per Database connection, callers serialize.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "access/sqlite_database.hpp"

namespace medrelay::access {

struct AuditEntry {
  std::string actor;    // "user:alice", "admin-cli", "system"
  std::string action;   // "sign-in", "subscribe", "unsubscribe", "group.member.add", ...
  std::string target;   // "stream:demo", "user:bob", "group:stroke-team", ...
  std::string outcome;  // "success", "granted", "denied", "failure"
  nlohmann::json details = nlohmann::json::object();  // reason, before/after, device, address
};

struct AuditRecord : AuditEntry {
  int64_t seq = 0;
  int64_t atMs = 0;
  std::string prevHash, hash;
};

struct AuditQuery {
  std::string user;    // records by or about this user
  std::string stream;  // about this stream
  std::string group;   // about this group
  int64_t fromMs = 0, toMs = INT64_MAX;
  size_t limit = 1000;
  bool newestFirst = false;  // the latest `limit` records, newest first
};

struct AuditVerification {
  bool intact = true;
  int64_t records = 0;
  std::optional<int64_t> firstBrokenSeq;  // the first record whose link or hash is wrong
  std::string problem;
};

class AuditLog {
 public:
  explicit AuditLog(Database& db) : db_(db) {}

  // Appends one record. Inside an open Transaction it joins it (the change and its record
  // commit together); otherwise it runs in its own.
  void append(const AuditEntry& entry);
  AuditVerification verify();
  std::vector<AuditRecord> query(const AuditQuery& query);

  static std::string toJsonLine(const AuditRecord& record);
  static std::string csvHeader();
  static std::string toCsvRow(const AuditRecord& record);

 private:
  void appendLocked(const AuditEntry& entry);
  Database& db_;
};

// Lower-case hex SHA-256 of the record's fields, chained to `prevHash`.
std::string auditRecordHash(const std::string& prevHash, int64_t seq, int64_t atMs,
                            const AuditEntry& entry, const std::string& detailsText);

}  // namespace medrelay::access
