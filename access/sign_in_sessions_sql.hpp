// The SQL of sign-in sessions (refresh tokens): one place for every backend that speaks it.
// Constants only, no state.
#pragma once

#include <string_view>

namespace medrelay::access::sign_in_sessions_sql {

// The part's statements, `?` bound by position. Standard SQL apart from the `?` placeholders
// (`$N` in PostgreSQL).
inline constexpr std::string_view kInsertRefreshToken =
    "INSERT INTO refresh_tokens (id, user_id, device_uuid, token_hash, expires_at, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
inline constexpr std::string_view kRefreshTokenRow =
    "SELECT r.token_hash, r.expires_at, r.revoked, u.name, r.device_uuid, r.user_id "
    "FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.id = ?";
inline constexpr std::string_view kRevokeDeviceRefreshTokens =
    "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND device_uuid = ?";
inline constexpr std::string_view kSpendRefreshToken =
    "UPDATE refresh_tokens SET revoked = 1 WHERE id = ?";

}  // namespace medrelay::access::sign_in_sessions_sql
