// The SQL of the audit chain: one place for every backend that speaks it. Constants only, no
// state. `?` is bound by position, `?N` by number (SQLite; `$N` in PostgreSQL); `json_extract`
// is SQLite's (PostgreSQL: `details::jsonb ->> 'stream'`).
#pragma once

#include <string_view>

namespace medrelay::access::audit_log_sql {

inline constexpr std::string_view kHead =
    "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
inline constexpr std::string_view kAnyRecordOfScheme =
    "SELECT 1 FROM audit_log WHERE scheme = ? LIMIT 1";
inline constexpr std::string_view kAppend =
    "INSERT INTO audit_log (seq, at_ms, actor, action, target, outcome, details, prev_hash, "
    "hash, scheme) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kAllInOrder =
    "SELECT seq, at_ms, actor, action, target, outcome, details, prev_hash, hash, scheme "
    "FROM audit_log ORDER BY seq";

// A filtered read: ?1..?2 the time range (ms), ?3 a user, ?4 a stream, ?5 a group (each ''
// for "any"), ?6 the most rows, ?7 the last seq already read. Oldest or newest first.
#define MEDRELAY_AUDIT_QUERY                                                             \
  "SELECT seq, at_ms, actor, action, target, outcome, details, prev_hash, hash, scheme " \
  "FROM audit_log WHERE at_ms >= ?1 AND at_ms <= ?2 AND seq > ?7 "                       \
  "AND (?3 = '' OR actor = 'user:' || ?3 OR target = 'user:' || ?3) "                    \
  "AND (?4 = '' OR target = 'stream:' || ?4 OR json_extract(details, '$.stream') = ?4) " \
  "AND (?5 = '' OR target = 'group:' || ?5 OR json_extract(details, '$.group') = ?5) "
inline constexpr std::string_view kQueryOldestFirst = MEDRELAY_AUDIT_QUERY "ORDER BY seq LIMIT ?6";
inline constexpr std::string_view kQueryNewestFirst =
    MEDRELAY_AUDIT_QUERY "ORDER BY seq DESC LIMIT ?6";
#undef MEDRELAY_AUDIT_QUERY

}  // namespace medrelay::access::audit_log_sql
