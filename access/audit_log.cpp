#include "access/audit_log.hpp"

#include <chrono>
#include <sstream>

#include "access/audit_log_sql.hpp"
#include "access/digest.hpp"
#include "common/clock.hpp"

namespace medrelay::access {

namespace {

const std::string kGenesis(64, '0');
const char* kKeyed = "hmac-sha256";
const char* kLegacy = "sha256";

// Length-prefixed fields: no separator inside a value can make two records hash alike.
void field(std::string& out, const std::string& value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

AuditRecord readRecord(Statement& s) {
  AuditRecord r;
  r.seq = s.integer(0);
  r.atMs = s.integer(1);
  r.actor = s.text(2);
  r.action = s.text(3);
  r.target = s.text(4);
  r.outcome = s.text(5);
  r.details = nlohmann::json::parse(s.text(6), nullptr, false);
  r.prevHash = s.text(7);
  r.hash = s.text(8);
  r.scheme = s.text(9);
  return r;
}

std::string csvField(const std::string& raw) {
  // A leading = + - @ would be a formula to a spreadsheet: neutralize it (CSV injection).
  std::string value =
      !raw.empty() && std::string_view("=+-@").find(raw[0]) != std::string::npos ? "'" + raw : raw;
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

namespace {

std::string canonicalRecord(const std::string& prevHash, int64_t seq, int64_t atMs,
                            const AuditEntry& entry, const std::string& detailsText) {
  std::string canonical;
  field(canonical, prevHash);
  field(canonical, std::to_string(seq));
  field(canonical, std::to_string(atMs));
  field(canonical, entry.actor);
  field(canonical, entry.action);
  field(canonical, entry.target);
  field(canonical, entry.outcome);
  field(canonical, detailsText);
  return canonical;
}

}  // namespace

std::string auditRecordHash(const std::string& prevHash, int64_t seq, int64_t atMs,
                            const AuditEntry& entry, const std::string& detailsText) {
  return sha256Hex(canonicalRecord(prevHash, seq, atMs, entry, detailsText));
}

std::string auditRecordMac(const std::string& key, const std::string& prevHash, int64_t seq,
                           int64_t atMs, const AuditEntry& entry, const std::string& detailsText) {
  // A domain prefix: a record MAC can never pass for a head signature or the other way round.
  return hmacSha256Hex(
      key, "medrelay-audit-record\n" + canonicalRecord(prevHash, seq, atMs, entry, detailsText));
}

std::string AuditHead::text() const {
  std::string out = std::to_string(seq) + ":" + mac;
  if (!signature.empty()) out += ":" + signature;
  return out;
}

std::optional<AuditHead> AuditHead::parse(const std::string& text) {
  auto isHex64 = [](const std::string& v) {
    return v.size() == 64 && v.find_first_not_of("0123456789abcdef") == std::string::npos;
  };
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 18) return std::nullopt;
  AuditHead head;
  for (size_t i = 0; i < colon; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  }
  head.seq = std::stoll(text.substr(0, colon));
  auto rest = text.substr(colon + 1);
  auto second = rest.find(':');
  head.mac = rest.substr(0, second);
  if (second != std::string::npos) head.signature = rest.substr(second + 1);
  if (!isHex64(head.mac) || (second != std::string::npos && !isHex64(head.signature))) {
    return std::nullopt;
  }
  return head;
}

AuditLog::AuditLog(Database& db, std::string key) : db_(db), key_(std::move(key)) {
  if (key_.size() < 16) throw StoreError("storage", "the audit key is too short");
}

std::string AuditLog::headSignature(int64_t seq, const std::string& mac) const {
  return hmacSha256Hex(key_, "medrelay-audit-head\n" + std::to_string(seq) + ":" + mac);
}

AuditHead AuditLog::head() {
  AuditHead h{0, kGenesis, ""};
  auto last = db_.prepare(audit_log_sql::kHead);
  if (last.step()) {
    h.seq = last.integer(0);
    h.mac = last.text(1);
  }
  h.signature = headSignature(h.seq, h.mac);
  return h;
}

bool AuditLog::hasKeyedRecords() {
  auto s = db_.prepare(audit_log_sql::kAnyRecordOfScheme);
  s.bind(1, kKeyed);
  return s.step();
}

void AuditLog::appendBatch(const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return;
  if (sqlite3_get_autocommit(db_.handle()) == 0) {
    for (const auto& e : entries)
      appendLocked(e);
    return;
  }
  Transaction transaction(db_);
  for (const auto& e : entries)
    appendLocked(e);
  transaction.commit();
}

void AuditLog::append(const AuditEntry& entry) {
  if (sqlite3_get_autocommit(db_.handle()) == 0) return appendLocked(entry);
  Transaction transaction(db_);
  appendLocked(entry);
  transaction.commit();
}

void AuditLog::appendLocked(const AuditEntry& entry) {
  std::string prevHash = kGenesis;
  int64_t seq = 1;
  {
    auto last = db_.prepare(audit_log_sql::kHead);
    if (last.step()) {
      seq = last.integer(0) + 1;
      prevHash = last.text(1);
    }
  }
  int64_t at = medrelay::wallMs();
  std::string details =
      entry.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string hash = auditRecordMac(key_, prevHash, seq, at, entry, details);
  db_.prepare(audit_log_sql::kAppend)
      .bind(1, seq)
      .bind(2, at)
      .bind(3, entry.actor)
      .bind(4, entry.action)
      .bind(5, entry.target)
      .bind(6, entry.outcome)
      .bind(7, details)
      .bind(8, prevHash)
      .bind(9, hash)
      .bind(10, kKeyed)
      .run();
}

AuditVerification AuditLog::verify(const std::optional<AuditHead>& expected) {
  AuditVerification result;
  std::string expectedPrev = kGenesis;
  int64_t expectedSeq = 1;
  bool keyedSeen = false;
  std::optional<std::string> macAtHead;
  std::string lastScheme;
  auto s = db_.prepare(audit_log_sql::kAllInOrder);
  while (s.step()) {
    ++result.records;
    AuditRecord r = readRecord(s);
    lastScheme = r.scheme;
    if (expected && r.seq == expected->seq) macAtHead = r.hash;
    if (!result.intact) continue;
    std::string details = s.text(6);
    auto broken = [&](std::string problem) {
      result.intact = false;
      result.firstBrokenSeq = r.seq;
      result.problem = std::move(problem);
    };
    bool legacy = r.scheme == kLegacy;
    if (legacy) ++result.legacyRecords;
    if (r.seq != expectedSeq) {
      broken("record " + std::to_string(expectedSeq) + " is missing");
    } else if (r.prevHash != expectedPrev) {
      broken("the link to the previous record does not match");
    } else if (legacy && keyedSeen) {
      broken("an unkeyed record after keyed ones (forged without the key)");
    } else if (!legacy && r.scheme != kKeyed) {
      broken("an unknown scheme " + r.scheme.substr(0, 32));
    } else if ((legacy ? auditRecordHash(r.prevHash, r.seq, r.atMs, r, details)
                       : auditRecordMac(key_, r.prevHash, r.seq, r.atMs, r, details)) != r.hash) {
      broken(legacy ? "the record's content does not match its hash"
                    : "the record's content does not match its MAC (or the key is not the one "
                      "the chain was written with)");
    }
    keyedSeen = keyedSeen || !legacy;
    expectedPrev = r.hash;
    expectedSeq = r.seq + 1;
  }
  // The first start with a key seals the legacy prefix with a keyed record, and every later
  // record is keyed: a chain ending in legacy records lost its keyed tail.
  if (result.intact && result.records > 0 && lastScheme == kLegacy) {
    result.intact = false;
    result.firstBrokenSeq = expectedSeq;
    result.problem = "the chain ends in unkeyed records: its keyed records were removed";
  }
  if (result.intact && expected) {
    if (!expected->signature.empty() &&
        headSignature(expected->seq, expected->mac) != expected->signature) {
      result.intact = false;
      result.firstBrokenSeq = expected->seq;
      result.problem = "the exported head's signature does not match this key";
    } else if (expected->seq == 0 ? expected->mac != kGenesis
                                  : (!macAtHead || *macAtHead != expected->mac)) {
      result.intact = false;
      result.firstBrokenSeq = expected->seq;
      result.problem = macAtHead || expected->seq == 0
                           ? "record " + std::to_string(expected->seq) +
                                 " differs from the exported head: history was rewritten"
                           : "record " + std::to_string(expected->seq) +
                                 " of the exported head is gone: the log was cut";
    }
  }
  return result;
}

std::vector<AuditRecord> AuditLog::query(const AuditQuery& q) {
  auto s = db_.prepare(q.newestFirst ? audit_log_sql::kQueryNewestFirst
                                     : audit_log_sql::kQueryOldestFirst);
  s.bind(1, q.fromMs).bind(2, q.toMs).bind(6, static_cast<int64_t>(q.limit));
  s.bind(3, q.user).bind(4, q.stream).bind(5, q.group).bind(7, q.afterSeq);
  std::vector<AuditRecord> out;
  while (s.step())
    out.push_back(readRecord(s));
  return out;
}

std::string AuditLog::toJsonLine(const AuditRecord& r) {
  nlohmann::json j = {{"seq", r.seq},         {"at_ms", r.atMs},         {"actor", r.actor},
                      {"action", r.action},   {"target", r.target},      {"outcome", r.outcome},
                      {"details", r.details}, {"prev_hash", r.prevHash}, {"hash", r.hash}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string AuditLog::csvHeader() {
  return "seq,at_ms,actor,action,target,outcome,details,prev_hash,hash";
}

std::string AuditLog::toCsvRow(const AuditRecord& r) {
  std::ostringstream out;
  out << r.seq << ',' << r.atMs << ',' << csvField(r.actor) << ',' << csvField(r.action) << ','
      << csvField(r.target) << ',' << csvField(r.outcome) << ','
      << csvField(r.details.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) << ','
      << r.prevHash << ',' << r.hash;
  return out.str();
}

}  // namespace medrelay::access
