// The SQL of the directory records (tenants, departments, users, groups, members, streams,
// shares, collaborations, devices, listings, stream state): one place for every backend that
// speaks it. Constants only, no state.
#pragma once

#include <string_view>

namespace medrelay::access::directory_records_sql {

// The part's statements, `?` bound by position (`?N` where one value is used twice). SQLite
// dialect, to translate for PostgreSQL: `INSERT OR IGNORE` (there `ON CONFLICT DO NOTHING`),
// `INSERT OR REPLACE` (there `ON CONFLICT (...) DO UPDATE`), `?`/`?N` placeholders (there
// `$N`). `||` concatenates columns inside the query, never values into SQL text.
inline constexpr std::string_view kInsertTenant =
    "INSERT INTO tenants (name, created_at) VALUES (?, ?)";
inline constexpr std::string_view kInsertDepartment =
    "INSERT INTO departments (tenant_id, name) VALUES (?, ?)";
inline constexpr std::string_view kInsertUser =
    "INSERT INTO users (tenant_id, name, display_name, status, created_at) VALUES (?, ?, ?, ?, ?)";
inline constexpr std::string_view kInsertUserPermission =
    "INSERT INTO user_permissions (user_id, permission) VALUES (?, ?)";
inline constexpr std::string_view kUserDetails =
    "SELECT display_name, phone FROM users WHERE id = ?";
inline constexpr std::string_view kSetUserDetails =
    "UPDATE users SET display_name = ?, phone = ? WHERE id = ?";
inline constexpr std::string_view kFindDepartment =
    "SELECT id FROM departments WHERE tenant_id = ? AND name = ?";
inline constexpr std::string_view kSetUserDepartment =
    "UPDATE users SET department_id = ? WHERE id = ?";
inline constexpr std::string_view kSetUserStatus = "UPDATE users SET status = ? WHERE id = ?";
// SQLite: INSERT OR REPLACE (PostgreSQL: ON CONFLICT (user_id, role) DO UPDATE).
inline constexpr std::string_view kGrantAdminRole =
    "INSERT OR REPLACE INTO admin_roles (user_id, role, tenant_id) VALUES (?, ?, ?)";
inline constexpr std::string_view kRevokeAdminRole =
    "DELETE FROM admin_roles WHERE user_id = ? AND role = ?";
inline constexpr std::string_view kDeviceStatus =
    "SELECT status FROM devices WHERE user_id = ? AND uuid = ?";
inline constexpr std::string_view kTouchDevice =
    "UPDATE devices SET last_seen = ? WHERE user_id = ? AND uuid = ?";
inline constexpr std::string_view kInsertDevice =
    "INSERT INTO devices (user_id, uuid, platform, status, last_seen, created_at) "
    "VALUES (?, ?, ?, 'active', ?, ?)";
inline constexpr std::string_view kRevokeDevice =
    "UPDATE devices SET status = 'revoked' WHERE user_id = ? AND uuid = ?";
inline constexpr std::string_view kListUserDevices =
    "SELECT uuid, platform, status, last_seen, tokens_valid_after FROM devices WHERE user_id = ? "
    "ORDER BY id";
inline constexpr std::string_view kInsertGroup =
    "INSERT INTO groups (tenant_id, name) VALUES (?, ?)";
inline constexpr std::string_view kMemberRole =
    "SELECT role FROM memberships WHERE group_id = ? AND user_id = ?";
inline constexpr std::string_view kUpsertMembership =
    "INSERT INTO memberships (group_id, user_id, role) VALUES (?, ?, ?) "
    "ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role";
inline constexpr std::string_view kDeleteMembership =
    "DELETE FROM memberships WHERE group_id = ? AND user_id = ?";
// SQLite: INSERT OR IGNORE (PostgreSQL: ON CONFLICT DO NOTHING); changes() tells if added.
inline constexpr std::string_view kInsertStreamIfNew =
    "INSERT OR IGNORE INTO streams (tenant_id, name, kind, source, created_at) "
    "VALUES (?, ?, ?, ?, ?)";
// SQLite: INSERT OR IGNORE (PostgreSQL: ON CONFLICT DO NOTHING).
inline constexpr std::string_view kInsertShareIfNew =
    "INSERT OR IGNORE INTO shares (stream_id, group_id) VALUES (?, ?)";
inline constexpr std::string_view kDeleteShare =
    "DELETE FROM shares WHERE stream_id = ? AND group_id = ?";
// The shares go with it (ON DELETE CASCADE).
inline constexpr std::string_view kDeleteStream = "DELETE FROM streams WHERE id = ?";
inline constexpr std::string_view kListStreams =
    "SELECT s.id, s.name, s.kind, t.name, s.source, s.state, s.state_detail, "
    "s.requires_one_time_code FROM streams s JOIN tenants t ON t.id = s.tenant_id ORDER BY s.name";
inline constexpr std::string_view kListStreamGroups =
    "SELECT t.name || '/' || g.name FROM shares sh JOIN groups g ON g.id = sh.group_id "
    "JOIN tenants t ON t.id = g.tenant_id WHERE sh.stream_id = ? ORDER BY 1";
inline constexpr std::string_view kSetStreamRequiresOneTimeCode =
    "UPDATE streams SET requires_one_time_code = ? WHERE id = ?";
inline constexpr std::string_view kListTenants = "SELECT name FROM tenants ORDER BY name";
inline constexpr std::string_view kListDepartments =
    "SELECT t.name, d.name FROM departments d JOIN tenants t ON t.id = d.tenant_id "
    "ORDER BY t.name, d.name";
inline constexpr std::string_view kListUsers =
    "SELECT u.id, u.name, u.display_name, t.name, COALESCE(d.name, ''), u.phone, u.status "
    "FROM users u JOIN tenants t ON t.id = u.tenant_id LEFT "
    "JOIN departments d ON d.id = u.department_id ORDER BY u.name";
inline constexpr std::string_view kListUserPermissions =
    "SELECT user_id, permission FROM user_permissions ORDER BY permission";
inline constexpr std::string_view kListAdminRoles =
    "SELECT user_id, role FROM admin_roles ORDER BY role";
inline constexpr std::string_view kListGroups =
    "SELECT g.id, g.name, t.name FROM groups g JOIN tenants t ON t.id = g.tenant_id "
    "ORDER BY g.name, t.name";
inline constexpr std::string_view kListMembers =
    "SELECT m.group_id, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
    "ORDER BY u.name";
inline constexpr std::string_view kListCollaborations =
    "SELECT a.name, b.name, c.status FROM collaborations c "
    "JOIN tenants a ON a.id = c.requester_id JOIN tenants b ON b.id = c.partner_id "
    "ORDER BY a.name, b.name";
inline constexpr std::string_view kSetStreamState =
    "UPDATE streams SET state = ?, state_detail = ?, state_changed_at = ? WHERE name = ?";
inline constexpr std::string_view kRequestCollaboration =
    "INSERT INTO collaborations (requester_id, partner_id, status, created_at) "
    "VALUES (?, ?, 'requested', ?) ON CONFLICT (requester_id, partner_id) "
    "DO UPDATE SET status = 'requested' WHERE status = 'ended'";
inline constexpr std::string_view kAcceptCollaboration =
    "UPDATE collaborations SET status = 'accepted' "
    "WHERE requester_id = ? AND partner_id = ? AND status = 'requested'";
// ?1 = one tenant id, ?2 = the other (either may have asked).
inline constexpr std::string_view kEndCollaboration =
    "UPDATE collaborations SET status = 'ended' "
    "WHERE status <> 'ended' AND ((requester_id = ?1 AND partner_id = ?2) OR (requester_id = ?2 "
    "AND partner_id = ?1))";
inline constexpr std::string_view kFindTenant = "SELECT id FROM tenants WHERE name = ?";
inline constexpr std::string_view kFindStream =
    "SELECT id, tenant_id, kind FROM streams WHERE name = ?";
// ?1 = one tenant id, ?2 = the other (either may have asked).
inline constexpr std::string_view kAcceptedCollaboration =
    "SELECT 1 FROM collaborations "
    "WHERE status = 'accepted' AND ((requester_id = ?1 AND partner_id = ?2) OR (requester_id = "
    "?2 AND partner_id = ?1))";
// SQLite: INSERT OR IGNORE (PostgreSQL: ON CONFLICT DO NOTHING).
inline constexpr std::string_view kGrantPermissionIfNew =
    "INSERT OR IGNORE INTO user_permissions (user_id, permission) VALUES (?, ?)";
inline constexpr std::string_view kRevokePermission =
    "DELETE FROM user_permissions WHERE user_id = ? AND permission = ?";
// ?1 = group name, ?2 = tenant name.
inline constexpr std::string_view kFindGroupByName =
    "SELECT g.id, g.tenant_id, t.name || '/' || g.name FROM groups g "
    "JOIN tenants t ON t.id = g.tenant_id WHERE g.name = ?1";
inline constexpr std::string_view kFindGroupInTenant =
    "SELECT g.id, g.tenant_id, t.name || '/' || g.name FROM groups g "
    "JOIN tenants t ON t.id = g.tenant_id WHERE t.name = ?2 AND g.name = ?1";

}  // namespace medrelay::access::directory_records_sql
