// The SQL of the credential checks (passwords, passcodes, one-time codes) and their lockout
// counters: one place for every backend that speaks it. Constants only, no state.
#pragma once

#include <string_view>

namespace medrelay::access::credentials_sql {

// The part's statements, `?` bound by position (`?N` where one value is used twice). SQLite
// dialect, to translate for PostgreSQL: `?`/`?N` placeholders (there `$N`); the upserts
// (`ON CONFLICT ... DO UPDATE`) are the same in both.
inline constexpr std::string_view kSetPasswordHash =
    "UPDATE users SET password_hash = ?, failed_sign_ins = 0, locked_until = 0 WHERE id = ?";
inline constexpr std::string_view kForgetSignInFailures =
    "DELETE FROM sign_in_failures WHERE account = ?";
inline constexpr std::string_view kPasswordCheckRow =
    "SELECT status, password_hash, locked_until FROM users WHERE name = ?";
inline constexpr std::string_view kForgetSourceFailures =
    "DELETE FROM sign_in_failures WHERE account = ? AND source = ?";
inline constexpr std::string_view kSetPasscodeHash =
    "UPDATE users SET passcode_hash = ? WHERE id = ?";
inline constexpr std::string_view kRevokeUserRefreshTokens =
    "UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0";
inline constexpr std::string_view kPasscodeCheckRow =
    "SELECT u.status, u.passcode_hash, d.status, d.locked_until FROM users u "
    "JOIN devices d ON d.user_id = u.id WHERE u.name = ? AND d.uuid = ?";
inline constexpr std::string_view kSetOneTimeCodeKey =
    "UPDATE users SET totp_key = ?, totp_last_step = 0 WHERE id = ?";
inline constexpr std::string_view kOneTimeCodeCheckRow =
    "SELECT status, totp_key, totp_last_step, locked_until FROM users WHERE name = ?";
inline constexpr std::string_view kSpendOneTimeCodeStep =
    "UPDATE users SET totp_last_step = ? WHERE name = ?";
inline constexpr std::string_view kSignInLockUntil =
    "SELECT COALESCE(MAX(locked_until), 0) FROM sign_in_failures "
    "WHERE account = ? AND source IN (?, '*')";
// ?1 = account, ?2 = source, ?3 = now.
inline constexpr std::string_view kCountSourceFailure =
    "INSERT INTO sign_in_failures (account, source, failures, since) VALUES (?1, ?2, 1, ?3) "
    "ON CONFLICT (account, source) DO UPDATE SET failures = failures + 1, since = ?3";
inline constexpr std::string_view kSourceFailures =
    "SELECT failures FROM sign_in_failures WHERE account = ? AND source = ?";
inline constexpr std::string_view kLockSource =
    "UPDATE sign_in_failures SET locked_until = ? WHERE account = ? AND source = ?";
// The account-wide row (source '*'): ?1 = account, ?2 = now, ?3 = the ceiling window.
inline constexpr std::string_view kCountAccountFailure =
    "INSERT INTO sign_in_failures (account, source, failures, since) VALUES (?1, '*', 1, ?2) "
    "ON CONFLICT (account, source) DO UPDATE SET "
    "failures = CASE WHEN since + ?3 <= ?2 THEN 1 ELSE failures + 1 END, "
    "since = CASE WHEN since + ?3 <= ?2 THEN ?2 ELSE since END";
inline constexpr std::string_view kAccountFailures =
    "SELECT failures, since FROM sign_in_failures WHERE account = ? AND source = '*'";
inline constexpr std::string_view kLockAccount =
    "UPDATE sign_in_failures SET locked_until = ? WHERE account = ? AND source = '*'";
// ?1 = a day ago, ?2 = now.
inline constexpr std::string_view kForgetQuietFailures =
    "DELETE FROM sign_in_failures WHERE since < ?1 AND locked_until < ?2";
inline constexpr std::string_view kResetUserAttempts =
    "UPDATE users SET failed_sign_ins = 0, locked_until = 0 WHERE name = ?";
inline constexpr std::string_view kCountUserAttempt =
    "UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE name = ?";
inline constexpr std::string_view kUserAttempts =
    "SELECT failed_sign_ins FROM users WHERE name = ?";
inline constexpr std::string_view kLockUser = "UPDATE users SET locked_until = ? WHERE name = ?";
// The device statements: ?1 = user name, ?2 = device uuid (?3 = lock end).
inline constexpr std::string_view kResetDeviceAttempts =
    "UPDATE devices SET failed_unlocks = 0, locked_until = 0 "
    "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)";
inline constexpr std::string_view kCountDeviceAttempt =
    "UPDATE devices SET failed_unlocks = failed_unlocks + 1 "
    "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)";
inline constexpr std::string_view kDeviceAttempts =
    "SELECT failed_unlocks FROM devices WHERE uuid = ?2 AND user_id = (SELECT id FROM users "
    "WHERE name = ?1)";
inline constexpr std::string_view kLockDevice =
    "UPDATE devices SET locked_until = ?3 WHERE uuid = ?2 AND user_id = (SELECT id FROM users "
    "WHERE name = ?1)";

}  // namespace medrelay::access::credentials_sql
