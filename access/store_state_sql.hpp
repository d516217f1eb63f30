// The SQL of the helpers the store's parts share (finding a user, voiding a device's tokens,
// the audit key check): one place for every backend that speaks it. Constants only, no state.
#pragma once

#include <string_view>

namespace medrelay::access::store_state_sql {

// Fixed statements, `?` bound by position; standard SQL unless noted.
inline constexpr std::string_view kCountAudit = "SELECT COUNT(*) FROM audit_log";
inline constexpr std::string_view kAnyKeyedAudit =
    "SELECT 1 FROM audit_log WHERE scheme = 'hmac-sha256' LIMIT 1";
inline constexpr std::string_view kFindUser =
    "SELECT id, tenant_id, status FROM users WHERE name = ?";
inline constexpr std::string_view kRevokeDeviceRefreshTokens =
    "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND device_uuid = ?";
inline constexpr std::string_view kSetDeviceTokensValidAfter =
    "UPDATE devices SET tokens_valid_after = ? WHERE user_id = ? AND uuid = ?";

}  // namespace medrelay::access::store_state_sql
