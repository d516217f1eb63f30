// The tamper-evident audit trail: an append-only table where every record carries a MAC
// (HMAC-SHA-256 under DATA_DIR/audit-key, which is not in the database) over its fields and the
// MAC of the record before it, so editing, deleting or reordering any record breaks the chain
// from there on, and whoever can write the database file alone cannot recompute it. Records
// written before the key existed (plain SHA-256, scheme "sha256") verify as a legacy prefix,
// sealed by the first keyed record. A chain cannot prove its own end: the head (last seq and
// MAC, signed with the key) is exported to the log and by `admin audit head`, and verifying
// against an exported head detects a cut tail. Shared by `serve` and `admin` processes through
// the same SQLite file; appends take the write lock (BEGIN IMMEDIATE), so the chain stays
// linear across processes.
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
  std::string scheme = "hmac-sha256";  // or "sha256": a legacy record, from before the key
};

// The chain's end, as exported: the last record's seq and MAC, and a signature over both with
// the key (so a head in the log cannot be forged by whoever edits the database). "SEQ:MAC" or
// "SEQ:MAC:SIGNATURE" as text; seq 0 is the empty chain.
struct AuditHead {
  int64_t seq = 0;
  std::string mac;
  std::string signature;  // empty when not given (a head typed as SEQ:MAC)
  std::string text() const;
  static std::optional<AuditHead> parse(const std::string& text);
};

struct AuditQuery {
  std::string user;    // records by or about this user
  std::string stream;  // about this stream
  std::string group;   // about this group
  int64_t fromMs = 0, toMs = INT64_MAX;
  int64_t afterSeq = 0;  // only records after this one (a reader that follows the chain)
  size_t limit = 1000;
  bool newestFirst = false;  // the latest `limit` records, newest first
};

struct AuditVerification {
  bool intact = true;
  int64_t records = 0;
  int64_t legacyRecords = 0;              // the plain SHA-256 prefix from before the key
  std::optional<int64_t> firstBrokenSeq;  // the first record whose link or hash is wrong
  std::string problem;
};

class AuditLog {
 public:
  // `key`: the chain's HMAC key (readAuditKey/createAuditKey).
  AuditLog(Database& db, std::string key);

  // Appends one record. Inside an open Transaction it joins it (the change and its record
  // commit together); otherwise it runs in its own.
  void append(const AuditEntry& entry);
  // Several records in one transaction (the asynchronous writer's batches).
  void appendBatch(const std::vector<AuditEntry>& entries);
  // Checks every link and MAC; with `expected` (a head exported earlier) also that the record
  // it names is still there, unchanged (a cut tail or a rewritten history fails).
  AuditVerification verify(const std::optional<AuditHead>& expected = std::nullopt);
  AuditHead head();
  bool hasKeyedRecords();
  std::vector<AuditRecord> query(const AuditQuery& query);

  static std::string toJsonLine(const AuditRecord& record);
  static std::string csvHeader();
  static std::string toCsvRow(const AuditRecord& record);

 private:
  void appendLocked(const AuditEntry& entry);
  std::string headSignature(int64_t seq, const std::string& mac) const;
  Database& db_;
  std::string key_;
};

// Lower-case hex SHA-256 of the record's fields, chained to `prevHash` (legacy records).
std::string auditRecordHash(const std::string& prevHash, int64_t seq, int64_t atMs,
                            const AuditEntry& entry, const std::string& detailsText);
// The same fields under HMAC-SHA-256 with `key` (every record since the key).
std::string auditRecordMac(const std::string& key, const std::string& prevHash, int64_t seq,
                           int64_t atMs, const AuditEntry& entry, const std::string& detailsText);

}  // namespace medrelay::access
