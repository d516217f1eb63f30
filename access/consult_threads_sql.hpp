// The SQL of consult threads: one place for every backend that speaks it. Constants only, no
// state.
#pragma once

#include <string_view>

namespace medrelay::access::consult_threads_sql {

// The part's statements, `?` bound by position. Standard SQL apart from the `?` placeholders
// (`$N` in PostgreSQL) and `LIMIT` (standard: `FETCH FIRST ? ROWS ONLY`).
inline constexpr std::string_view kFindStream = "SELECT id FROM streams WHERE name = ?";
inline constexpr std::string_view kUserExists = "SELECT 1 FROM users WHERE name = ?";
// The id is chosen before the insert because the ciphertext's associated data includes it; the
// caller holds the write lock (BEGIN IMMEDIATE), so no other writer can take the same one.
inline constexpr std::string_view kNextMessageId =
    "SELECT COALESCE(MAX(id), 0) + 1 FROM thread_messages";
inline constexpr std::string_view kInsertMessage =
    "INSERT INTO thread_messages (id, stream_id, author, at_ms, nonce, ciphertext) "
    "VALUES (?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kReadThread =
    "SELECT id, author, at_ms, nonce, ciphertext FROM thread_messages "
    "WHERE stream_id = ? AND id < ? ORDER BY id DESC LIMIT ?";
// Whether a thread-key is needed to read what is there already (a missing key is then an
// error, not a new key).
inline constexpr std::string_view kAnyMessage = "SELECT 1 FROM thread_messages LIMIT 1";

}  // namespace medrelay::access::consult_threads_sql
