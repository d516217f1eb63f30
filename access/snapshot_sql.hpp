// The SQL that reads the directory snapshot (every table an access decision needs): one place
// for every backend that speaks it. Constants only, no state.
#pragma once

#include <string_view>

namespace medrelay::access::snapshot_sql {

// The part's statements: plain SELECTs, the same in PostgreSQL. `PRAGMA data_version` (in
// Database::dataVersion) is SQLite's own: PostgreSQL needs another change signal (a counter
// row bumped by each change, or LISTEN/NOTIFY).
inline constexpr std::string_view kSnapshotUsers =
    "SELECT u.id, u.tenant_id, u.name, u.status, u.display_name, COALESCE(d.name, '') "
    "FROM users u LEFT JOIN departments d ON d.id = u.department_id";
inline constexpr std::string_view kSnapshotTenants = "SELECT id, name FROM tenants";
inline constexpr std::string_view kSnapshotPermissions =
    "SELECT user_id, permission FROM user_permissions";
inline constexpr std::string_view kSnapshotAdminRoles =
    "SELECT user_id, role, tenant_id FROM admin_roles";
inline constexpr std::string_view kSnapshotDevices =
    "SELECT user_id, uuid, status, tokens_valid_after FROM devices";
inline constexpr std::string_view kSnapshotGroups = "SELECT id, tenant_id, name FROM groups";
inline constexpr std::string_view kSnapshotStreams =
    "SELECT id, tenant_id, name, kind, requires_one_time_code, source FROM streams";
inline constexpr std::string_view kSnapshotShares = "SELECT stream_id, group_id FROM shares";
inline constexpr std::string_view kSnapshotMemberships =
    "SELECT group_id, user_id FROM memberships";
inline constexpr std::string_view kSnapshotCollaborations =
    "SELECT requester_id, partner_id FROM collaborations WHERE status = 'accepted'";

}  // namespace medrelay::access::snapshot_sql
