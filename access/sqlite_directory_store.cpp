// DirectoryStore on SQLite: one connection, guarded by a mutex (the server calls it from the
// signaling thread and the directory watcher; the admin CLI from its only thread).
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cctype>
#include <chrono>
#include <map>
#include <mutex>

#include "access/audit_key.hpp"
#include "access/digest.hpp"
#include "access/directory_store.hpp"
#include "access/password_hash.hpp"
#include "access/schema.hpp"
#include "access/token_authority.hpp"
#include "access/totp.hpp"
#include "common/clock.hpp"

namespace medrelay::access {

namespace {

using nlohmann::json;

// Checked against when the user does not exist, so that answer takes as long as a real one.
// Made on first use: every process linking this (ingest children too) would pay for it.
const std::string& dummyHash() {
  static const std::string hash = hashSecret("not a real password");
  return hash;
}

struct UserRow {
  int64_t id, tenant;
  std::string status;
};

struct GroupRow {
  int64_t id, tenant;
  std::string name;  // TENANT/NAME
};

struct StreamRow {
  int64_t id, tenant;
  std::string kind;
};

class SqliteDirectoryStore final : public DirectoryStore {
 public:
  explicit SqliteDirectoryStore(const std::string& dataDir)
      : db_(std::filesystem::path(dataDir) / "medrelay.db"),
        schemaVersion_(migrateSchema(db_)),
        audit_(db_, auditKey(dataDir)) {
    if (keyCreated_ && audit_.head().seq > 0) {
      // A chain written before the key: the first keyed record seals it as a legacy prefix
      // (its MAC covers the last plain hash, so the prefix can no longer be rewritten).
      auto s = db_.prepare("SELECT COUNT(*) FROM audit_log");
      s.step();
      audit_.append(
          {"system", "audit.chain.keyed", "audit", "success", {{"legacy_records", s.integer(0)}}});
    }
  }

  void addTenant(const std::string& actor, const std::string& name) override {
    checkName("tenant name", name);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    db_.prepare("INSERT INTO tenants (name, created_at) VALUES (?, ?)")
        .bind(1, name)
        .bind(2, medrelay::wallSeconds())
        .run();
    record(actor, "tenant.add", "tenant:" + name, {{"after", {{"name", name}}}});
    t.commit();
  }

  void addDepartment(const std::string& actor, const std::string& tenant,
                     const std::string& name) override {
    checkName("department name", name);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t tenantId = findTenant(tenant);
    db_.prepare("INSERT INTO departments (tenant_id, name) VALUES (?, ?)")
        .bind(1, tenantId)
        .bind(2, name)
        .run();
    record(actor, "department.add", "tenant:" + tenant, {{"after", {{"department", name}}}});
    t.commit();
  }

  void addUser(const std::string& actor, const std::string& tenant, const std::string& name,
               const std::string& displayName, UserStatus status) override {
    checkName("user name", name);
    if (displayName.size() > 128)
      throw StoreError("invalid", "display names are at most 128 bytes");
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t tenantId = findTenant(tenant);
    db_.prepare(
           "INSERT INTO users (tenant_id, name, display_name, status, created_at) "
           "VALUES (?, ?, ?, ?, ?)")
        .bind(1, tenantId)
        .bind(2, name)
        .bind(3, displayName)
        .bind(4, userStatusName(status))
        .bind(5, medrelay::wallSeconds())
        .run();
    int64_t id = db_.lastInsertId();
    for (const char* permission : {"view-live", "view-dicom"}) {
      db_.prepare("INSERT INTO user_permissions (user_id, permission) VALUES (?, ?)")
          .bind(1, id)
          .bind(2, permission)
          .run();
    }
    record(actor, "user.add", "user:" + name,
           {{"after",
             {{"tenant", tenant},
              {"status", userStatusName(status)},
              {"display_name", displayName}}}});
    t.commit();
  }

  void setUserDetails(const std::string& actor, const std::string& user,
                      const std::string& displayName, const std::string& phone) override {
    if (displayName.size() > 128) {
      throw StoreError("invalid", "display names are at most 128 bytes");
    }
    checkPhone(phone);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    auto before = db_.prepare("SELECT display_name, phone FROM users WHERE id = ?");
    before.bind(1, row.id);
    before.step();
    json details = {{"before", {{"display_name", before.text(0)}, {"phone", before.text(1)}}},
                    {"after", {{"display_name", displayName}, {"phone", phone}}}};
    db_.prepare("UPDATE users SET display_name = ?, phone = ? WHERE id = ?")
        .bind(1, displayName)
        .bind(2, phone)
        .bind(3, row.id)
        .run();
    record(actor, "user.details", "user:" + user, details);
    t.commit();
  }

  void setUserDepartment(const std::string& actor, const std::string& user,
                         const std::string& department) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    std::optional<int64_t> departmentId;
    if (!department.empty()) {
      auto find = db_.prepare("SELECT id FROM departments WHERE tenant_id = ? AND name = ?");
      find.bind(1, row.tenant).bind(2, department);
      if (!find.step()) {
        throw StoreError("not-found", "the user's facility has no department " + department);
      }
      departmentId = find.integer(0);
    }
    db_.prepare("UPDATE users SET department_id = ? WHERE id = ?")
        .bind(1, departmentId)
        .bind(2, row.id)
        .run();
    record(actor, "user.department", "user:" + user, {{"after", {{"department", department}}}});
    t.commit();
  }

  void setUserStatus(const std::string& actor, const std::string& user,
                     UserStatus status) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    db_.prepare("UPDATE users SET status = ? WHERE id = ?")
        .bind(1, userStatusName(status))
        .bind(2, row.id)
        .run();
    record(actor, "user.status", "user:" + user,
           {{"before", {{"status", row.status}}}, {"after", {{"status", userStatusName(status)}}}});
    t.commit();
  }

  void setPassword(const std::string& actor, const std::string& user,
                   const std::string& password) override {
    if (!password.empty() && (password.size() < 8 || password.size() > 256)) {
      throw StoreError("invalid", "passwords are 8 to 256 bytes long");
    }
    std::string hash = password.empty() ? std::string() : hashSecret(password);  // slow: unlocked
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    auto update = db_.prepare(
        "UPDATE users SET password_hash = ?, failed_sign_ins = 0, locked_until = 0 WHERE id = ?");
    if (hash.empty()) {
      update.bindNull(1);
    } else {
      update.bind(1, hash);
    }
    update.bind(2, row.id).run();
    db_.prepare("DELETE FROM sign_in_failures WHERE account = ?").bind(1, user).run();
    record(actor, password.empty() ? "user.password.clear" : "user.password.set", "user:" + user,
           json::object());  // never the hash itself
    t.commit();
  }

  void setPermission(const std::string& actor, const std::string& user,
                     const std::string& permission, bool granted) override {
    static const std::set<std::string> known = {"view-live", "view-dicom", "search-images",
                                                "publish"};
    if (!known.count(permission)) {
      throw StoreError("invalid",
                       "permissions are view-live, view-dicom, search-images and publish");
    }
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    auto statement = db_.prepare(granted ? "INSERT OR IGNORE INTO user_permissions (user_id, "
                                           "permission) VALUES (?, ?)"
                                         : "DELETE FROM user_permissions WHERE user_id = ? AND "
                                           "permission = ?");
    statement.bind(1, row.id).bind(2, permission).run();
    record(actor, granted ? "permission.grant" : "permission.revoke", "user:" + user,
           {{"permission", permission}, {"changed", db_.changes() > 0}});
    t.commit();
  }

  void setAdminRole(const std::string& actor, const std::string& user, const std::string& role,
                    bool granted) override {
    if (role != "system-admin" && role != "tenant-admin") {
      throw StoreError("invalid", "admin roles are system-admin and tenant-admin");
    }
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    if (granted) {
      auto insert = db_.prepare(
          "INSERT OR REPLACE INTO admin_roles (user_id, role, tenant_id) VALUES (?, ?, ?)");
      insert.bind(1, row.id).bind(2, role);
      if (role == "tenant-admin") {
        insert.bind(3, row.tenant);
      } else {
        insert.bindNull(3);
      }
      insert.run();
    } else {
      db_.prepare("DELETE FROM admin_roles WHERE user_id = ? AND role = ?")
          .bind(1, row.id)
          .bind(2, role)
          .run();
    }
    record(actor, granted ? "admin-role.grant" : "admin-role.revoke", "user:" + user,
           {{"role", role}});
    t.commit();
  }

  std::string registerDevice(const std::string& actor, const std::string& user,
                             const std::string& uuid, const std::string& platform) override {
    checkDeviceId(uuid);
    if (platform.size() > 64) throw StoreError("invalid", "platform names are at most 64 bytes");
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    auto existing = db_.prepare("SELECT status FROM devices WHERE user_id = ? AND uuid = ?");
    existing.bind(1, row.id).bind(2, uuid);
    if (existing.step()) {
      std::string status = existing.text(0);
      db_.prepare("UPDATE devices SET last_seen = ? WHERE user_id = ? AND uuid = ?")
          .bind(1, medrelay::wallSeconds())
          .bind(2, row.id)
          .bind(3, uuid)
          .run();
      t.commit();
      return status;
    }
    db_.prepare(
           "INSERT INTO devices (user_id, uuid, platform, status, last_seen, created_at) "
           "VALUES (?, ?, ?, 'active', ?, ?)")
        .bind(1, row.id)
        .bind(2, uuid)
        .bind(3, platform)
        .bind(4, medrelay::wallSeconds())
        .bind(5, medrelay::wallSeconds())
        .run();
    record(actor, "device.register", "user:" + user, {{"device", uuid}, {"platform", platform}});
    t.commit();
    return "active";
  }

  void revokeDevice(const std::string& actor, const std::string& user,
                    const std::string& uuid) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    db_.prepare("UPDATE devices SET status = 'revoked' WHERE user_id = ? AND uuid = ?")
        .bind(1, row.id)
        .bind(2, uuid)
        .run();
    if (db_.changes() == 0) throw StoreError("not-found", "user " + user + " has no such device");
    voidDeviceTokens(row.id, uuid, medrelay::wallSeconds());
    record(actor, "device.revoke", "user:" + user,
           {{"device", uuid}, {"after", {{"status", "revoked"}}}});
    t.commit();
  }

  std::vector<DeviceRecord> listDevices(const std::string& user) override {
    std::lock_guard lock(mutex_);
    UserRow row = findUser(user);
    auto s = db_.prepare(
        "SELECT uuid, platform, status, last_seen, tokens_valid_after FROM devices "
        "WHERE user_id = ? ORDER BY id");
    s.bind(1, row.id);
    std::vector<DeviceRecord> out;
    while (s.step())
      out.push_back({user, s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
    return out;
  }

  void addGroup(const std::string& actor, const std::string& tenant,
                const std::string& name) override {
    checkName("group name", name);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t tenantId = findTenant(tenant);
    db_.prepare("INSERT INTO groups (tenant_id, name) VALUES (?, ?)")
        .bind(1, tenantId)
        .bind(2, name)
        .run();
    record(actor, "group.add", "group:" + tenant + "/" + name, {{"after", {{"tenant", tenant}}}});
    t.commit();
  }

  void addMember(const std::string& actor, const std::string& group, const std::string& user,
                 const std::string& role) override {
    if (role != "owner" && role != "admin" && role != "member") {
      throw StoreError("invalid", "roles are owner, admin and member");
    }
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    GroupRow g = findGroup(group);
    UserRow u = findUser(user);
    if (!tenantsMayMeet(u.tenant, g.tenant)) {
      throw StoreError("conflict", "user " + user + " belongs to another facility, and there is " +
                                       "no accepted collaboration with the group's facility");
    }
    auto before = db_.prepare("SELECT role FROM memberships WHERE group_id = ? AND user_id = ?");
    before.bind(1, g.id).bind(2, u.id);
    json details = {{"group", g.name}, {"after", {{"role", role}}}};
    if (before.step()) details["before"] = {{"role", before.text(0)}};
    db_.prepare(
           "INSERT INTO memberships (group_id, user_id, role) VALUES (?, ?, ?) "
           "ON CONFLICT (group_id, user_id) DO UPDATE SET role = excluded.role")
        .bind(1, g.id)
        .bind(2, u.id)
        .bind(3, role)
        .run();
    record(actor, "group.member.add", "user:" + user, details);
    t.commit();
  }

  void removeMember(const std::string& actor, const std::string& group,
                    const std::string& user) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    GroupRow g = findGroup(group);
    UserRow u = findUser(user);
    auto before = db_.prepare("SELECT role FROM memberships WHERE group_id = ? AND user_id = ?");
    before.bind(1, g.id).bind(2, u.id);
    if (!before.step()) throw StoreError("not-found", user + " is not a member of " + group);
    std::string role = before.text(0);
    db_.prepare("DELETE FROM memberships WHERE group_id = ? AND user_id = ?")
        .bind(1, g.id)
        .bind(2, u.id)
        .run();
    record(actor, "group.member.remove", "user:" + user,
           {{"group", g.name}, {"before", {{"role", role}}}});
    t.commit();
  }

  bool ensureStream(const std::string& actor, const std::string& tenant, const std::string& name,
                    const std::string& kind, const std::string& source) override {
    checkName("stream name", name);
    if (kind != "camera" && kind != "dicom") throw StoreError("invalid", "kinds: camera, dicom");
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t tenantId = findTenant(tenant);
    db_.prepare(
           "INSERT OR IGNORE INTO streams (tenant_id, name, kind, source, created_at) "
           "VALUES (?, ?, ?, ?, ?)")
        .bind(1, tenantId)
        .bind(2, name)
        .bind(3, kind)
        .bind(4, redactCredentials(source))
        .bind(5, medrelay::wallSeconds())
        .run();
    bool added = db_.changes() > 0;
    if (added) {
      record(actor, "stream.add", "stream:" + name,
             {{"after", {{"tenant", tenant}, {"kind", kind}}}});
    }
    t.commit();
    return added;
  }

  void share(const std::string& actor, const std::string& stream,
             const std::string& group) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    StreamRow s = findStream(stream);
    GroupRow g = findGroup(group);
    if (!tenantsMayMeet(s.tenant, g.tenant)) {
      throw StoreError("conflict",
                       "the group belongs to another facility, and there is no "
                       "accepted collaboration with the stream's facility");
    }
    db_.prepare("INSERT OR IGNORE INTO shares (stream_id, group_id) VALUES (?, ?)")
        .bind(1, s.id)
        .bind(2, g.id)
        .run();
    record(actor, "stream.share", "stream:" + stream,
           {{"group", g.name}, {"changed", db_.changes() > 0}});
    t.commit();
  }

  void unshare(const std::string& actor, const std::string& stream,
               const std::string& group) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    StreamRow s = findStream(stream);
    GroupRow g = findGroup(group);
    db_.prepare("DELETE FROM shares WHERE stream_id = ? AND group_id = ?")
        .bind(1, s.id)
        .bind(2, g.id)
        .run();
    if (db_.changes() == 0) throw StoreError("not-found", stream + " is not shared into " + group);
    record(actor, "stream.unshare", "stream:" + stream, {{"group", g.name}});
    t.commit();
  }

  std::vector<StreamRecord> listStreams() override {
    std::lock_guard lock(mutex_);
    std::vector<StreamRecord> out;
    auto s = db_.prepare(
        "SELECT s.id, s.name, s.kind, t.name, s.source, s.state, s.state_detail, "
        "s.requires_one_time_code FROM streams s JOIN tenants t ON t.id = s.tenant_id "
        "ORDER BY s.name");
    while (s.step()) {
      StreamRecord r{s.text(1), s.text(2), s.text(3), s.text(4),
                     s.text(5), s.text(6), {},        s.integer(7) != 0};
      auto groups = db_.prepare(
          "SELECT t.name || '/' || g.name FROM shares sh JOIN groups g ON g.id = sh.group_id "
          "JOIN tenants t ON t.id = g.tenant_id WHERE sh.stream_id = ? ORDER BY 1");
      groups.bind(1, s.integer(0));
      while (groups.step())
        r.groups.push_back(groups.text(0));
      out.push_back(std::move(r));
    }
    return out;
  }

  void setStreamRequiresOneTimeCode(const std::string& actor, const std::string& stream,
                                    bool required) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    StreamRow row = findStream(stream);
    db_.prepare("UPDATE streams SET requires_one_time_code = ? WHERE id = ?")
        .bind(1, int64_t{required ? 1 : 0})
        .bind(2, row.id)
        .run();
    record(actor, "stream.one-time-code", "stream:" + stream,
           {{"after", {{"required", required}}}});
    t.commit();
  }

  std::vector<std::string> listTenants() override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    auto s = db_.prepare("SELECT name FROM tenants ORDER BY name");
    while (s.step())
      out.push_back(s.text(0));
    return out;
  }

  std::vector<DepartmentRecord> listDepartments() override {
    std::lock_guard lock(mutex_);
    std::vector<DepartmentRecord> out;
    auto s = db_.prepare(
        "SELECT t.name, d.name FROM departments d JOIN tenants t ON t.id = d.tenant_id "
        "ORDER BY t.name, d.name");
    while (s.step())
      out.push_back({s.text(0), s.text(1)});
    return out;
  }

  std::vector<UserRecord> listUsers() override {
    std::lock_guard lock(mutex_);
    std::vector<UserRecord> out;
    std::map<int64_t, size_t> byId;
    auto s = db_.prepare(
        "SELECT u.id, u.name, u.display_name, t.name, COALESCE(d.name, ''), u.phone, u.status "
        "FROM users u JOIN tenants t ON t.id = u.tenant_id "
        "LEFT JOIN departments d ON d.id = u.department_id ORDER BY u.name");
    while (s.step()) {
      byId[s.integer(0)] = out.size();
      out.push_back({s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), {}, {}});
    }
    auto permissions =
        db_.prepare("SELECT user_id, permission FROM user_permissions ORDER BY permission");
    while (permissions.step())
      out[byId.at(permissions.integer(0))].permissions.push_back(permissions.text(1));
    auto roles = db_.prepare("SELECT user_id, role FROM admin_roles ORDER BY role");
    while (roles.step())
      out[byId.at(roles.integer(0))].adminRoles.push_back(roles.text(1));
    return out;
  }

  std::vector<GroupRecord> listGroups() override {
    std::lock_guard lock(mutex_);
    std::vector<GroupRecord> out;
    std::map<int64_t, size_t> byId;
    auto s = db_.prepare(
        "SELECT g.id, g.name, t.name FROM groups g JOIN tenants t ON t.id = g.tenant_id "
        "ORDER BY g.name, t.name");
    while (s.step()) {
      byId[s.integer(0)] = out.size();
      out.push_back({s.text(1), s.text(2), {}});
    }
    auto members = db_.prepare(
        "SELECT m.group_id, u.name, m.role FROM memberships m JOIN users u ON u.id = m.user_id "
        "ORDER BY u.name");
    while (members.step())
      out[byId.at(members.integer(0))].members.push_back({members.text(1), members.text(2)});
    return out;
  }

  std::vector<CollaborationRecord> listCollaborations() override {
    std::lock_guard lock(mutex_);
    std::vector<CollaborationRecord> out;
    auto s = db_.prepare(
        "SELECT a.name, b.name, c.status FROM collaborations c "
        "JOIN tenants a ON a.id = c.requester_id JOIN tenants b ON b.id = c.partner_id "
        "ORDER BY a.name, b.name");
    while (s.step())
      out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
  }

  void setStreamState(const std::string& stream, const std::string& state,
                      const std::string& detail) override {
    std::lock_guard lock(mutex_);
    db_.prepare(
           "UPDATE streams SET state = ?, state_detail = ?, state_changed_at = ? WHERE name = ?")
        .bind(1, state)
        .bind(2, detail.substr(0, 512))
        .bind(3, medrelay::wallSeconds())
        .bind(4, stream)
        .run();
  }

  void requestCollaboration(const std::string& actor, const std::string& requester,
                            const std::string& partner) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t a = findTenant(requester), b = findTenant(partner);
    if (a == b) throw StoreError("invalid", "a facility cannot collaborate with itself");
    db_.prepare(
           "INSERT INTO collaborations (requester_id, partner_id, status, created_at) "
           "VALUES (?, ?, 'requested', ?) ON CONFLICT (requester_id, partner_id) "
           "DO UPDATE SET status = 'requested' WHERE status = 'ended'")
        .bind(1, a)
        .bind(2, b)
        .bind(3, medrelay::wallSeconds())
        .run();
    record(actor, "collaboration.request", "tenant:" + partner, {{"requester", requester}});
    t.commit();
  }

  void acceptCollaboration(const std::string& actor, const std::string& partner,
                           const std::string& requester) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t a = findTenant(requester), b = findTenant(partner);
    db_.prepare(
           "UPDATE collaborations SET status = 'accepted' "
           "WHERE requester_id = ? AND partner_id = ? AND status = 'requested'")
        .bind(1, a)
        .bind(2, b)
        .run();
    if (db_.changes() == 0) {
      throw StoreError("not-found", requester + " has no pending request to " + partner);
    }
    record(actor, "collaboration.accept", "tenant:" + requester, {{"partner", partner}});
    t.commit();
  }

  void endCollaboration(const std::string& actor, const std::string& a,
                        const std::string& b) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    int64_t x = findTenant(a), y = findTenant(b);
    db_.prepare(
           "UPDATE collaborations SET status = 'ended' WHERE status <> 'ended' AND "
           "((requester_id = ?1 AND partner_id = ?2) OR (requester_id = ?2 AND partner_id = ?1))")
        .bind(1, x)
        .bind(2, y)
        .run();
    if (db_.changes() == 0) throw StoreError("not-found", "no collaboration between them");
    record(actor, "collaboration.end", "tenant:" + a, {{"partner", b}});
    t.commit();
  }

  CredentialCheck checkPassword(const std::string& user, const std::string& password,
                                const std::string& source, int64_t now) override {
    // Every failure answers alike until the password is right (a disabled account, one without
    // a password and an unknown name all cost one scrypt and say "bad credentials"): the answer
    // must not tell which accounts exist or are disabled.
    const std::string from = "address:" + (source.empty() ? std::string("unknown") : source);
    std::string hash;
    bool exists = false, disabled = false;
    {
      std::lock_guard lock(mutex_);
      if (auto locked = signInLock(user, from, now)) return *locked;
      auto s = db_.prepare("SELECT status, password_hash, locked_until FROM users WHERE name = ?");
      s.bind(1, user);
      if (s.step()) {
        exists = true;
        // One-time-code lock (whole seconds: it lasts through the second it ends in).
        if (s.integer(2) >= now) return {CredentialCheck::Locked, s.integer(2) - now + 1};
        if (!s.isNull(1)) hash = s.text(1);
        disabled = s.text(0) == "disabled";
      }
    }
    // Slow: outside the lock. No such user or no stored password: the dummy's work, then a
    // failure (same time as a real check: no user probing).
    bool ok = verifySecret(password, hash.empty() ? dummyHash() : hash) && !hash.empty();
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    CredentialCheck result{CredentialCheck::Ok, 0};
    if (ok) {
      db_.prepare("DELETE FROM sign_in_failures WHERE account = ? AND source = ?")
          .bind(1, user)
          .bind(2, from)
          .run();
      if (disabled) result = {CredentialCheck::Inactive, 0};
    } else {
      result = countSignInFailure(user, from, now);
    }
    if (exists) {
      audit_.append({"user:" + user,
                     "sign-in",
                     "user:" + user,
                     result.result == CredentialCheck::Ok ? "success" : "failure",
                     {{"reason", result.result == CredentialCheck::Ok         ? ""
                                 : result.result == CredentialCheck::Inactive ? "inactive"
                                 : result.result == CredentialCheck::Locked   ? "locked"
                                                                              : "bad-credentials"},
                      {"address", source}}});
    }
    t.commit();
    return result;
  }

  void setPasscode(const std::string& actor, const std::string& user,
                   const std::string& passcode) override {
    if (passcode.size() < 4 || passcode.size() > 64) {
      throw StoreError("invalid", "passcodes are 4 to 64 characters long");
    }
    std::string hash = hashSecret(passcode);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    db_.prepare("UPDATE users SET passcode_hash = ? WHERE id = ?")
        .bind(1, hash)
        .bind(2, row.id)
        .run();
    // The passcode turns a registered device into fresh tokens: sign-ins made under the old one
    // (on any of the user's devices) must not outlive it.
    db_.prepare("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND revoked = 0")
        .bind(1, row.id)
        .run();
    record(actor, "user.passcode.set", "user:" + user, {{"refresh_tokens_revoked", db_.changes()}});
    t.commit();
  }

  CredentialCheck checkPasscode(const std::string& user, const std::string& device,
                                const std::string& passcode, int64_t now) override {
    std::string hash;
    {
      std::lock_guard lock(mutex_);
      auto s = db_.prepare(
          "SELECT u.status, u.passcode_hash, d.status, d.locked_until FROM users u "
          "JOIN devices d ON d.user_id = u.id WHERE u.name = ? AND d.uuid = ?");
      s.bind(1, user).bind(2, device);
      if (!s.step()) {
        verifySecret(passcode, dummyHash());
        return {CredentialCheck::BadCredentials, 0};
      }
      // Whole seconds: the lock lasts through the second it ends in, so never less than asked.
      if (s.integer(3) >= now) return {CredentialCheck::Locked, s.integer(3) - now + 1};
      if (s.text(0) != "active" || s.text(2) != "active") return {CredentialCheck::Inactive, 0};
      if (s.isNull(1)) return {CredentialCheck::BadCredentials, 0};
      hash = s.text(1);
    }
    bool ok = verifySecret(passcode, hash);
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    auto result = countDeviceAttempt(user, device, ok, now);
    audit_.append({"user:" + user,
                   "unlock",
                   "user:" + user,
                   ok ? "success" : "failure",
                   {{"device", device}}});
    t.commit();
    return result;
  }

  std::string enrollOneTimeCodes(const std::string& actor, const std::string& user) override {
    std::vector<uint8_t> key(20);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
      throw StoreError("storage", "no randomness for a one-time code key");
    }
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    db_.prepare("UPDATE users SET totp_key = ?, totp_last_step = 0 WHERE id = ?")
        .bind(1, base32Encode(key))
        .bind(2, row.id)
        .run();
    record(actor, "one-time-codes.enroll", "user:" + user, json::object());
    t.commit();
    return otpauthUri("MedRelay", user, key);
  }

  CredentialCheck checkOneTimeCode(const std::string& user, const std::string& code,
                                   int64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    auto s = db_.prepare(
        "SELECT status, totp_key, totp_last_step, locked_until FROM users WHERE name = ?");
    s.bind(1, user);
    if (!s.step() || s.isNull(1)) return {CredentialCheck::BadCredentials, 0};
    if (s.text(0) != "active") return {CredentialCheck::Inactive, 0};
    if (s.integer(3) >= now) return {CredentialCheck::Locked, s.integer(3) - now + 1};
    auto key = base32Decode(s.text(1));
    auto step = key ? matchTotp(*key, code, now) : std::nullopt;
    bool ok = step && *step > s.integer(2);  // a code, once used, is spent
    if (ok) {
      db_.prepare("UPDATE users SET totp_last_step = ? WHERE name = ?")
          .bind(1, *step)
          .bind(2, user)
          .run();
    }
    auto result = countUserAttempt(user, ok, now);
    audit_.append({"user:" + user,
                   "one-time-code",
                   "user:" + user,
                   ok ? "success" : "failure",
                   {{"reason", ok                 ? ""
                               : step.has_value() ? "reused"
                                                  : "wrong-code"}}});
    t.commit();
    return result;
  }

  std::string issueRefreshToken(const std::string& user, const std::string& device,
                                int64_t lifetimeSeconds, int64_t now) override {
    std::string id = randomHex(12);
    std::string secret = randomHex(32);
    std::lock_guard lock(mutex_);
    UserRow row = findUser(user);
    db_.prepare(
           "INSERT INTO refresh_tokens (id, user_id, device_uuid, token_hash, expires_at, "
           "created_at) VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, id)
        .bind(2, row.id)
        .bind(3, device)
        .bind(4, sha256Hex(secret))
        .bind(5, now + lifetimeSeconds)
        .bind(6, now)
        .run();
    return id + "." + secret;
  }

  RefreshOutcome redeemRefreshToken(const std::string& token, int64_t now) override {
    auto dot = token.find('.');
    if (dot == std::string::npos || token.size() > 256) return {false, "", "", "invalid"};
    std::string id = token.substr(0, dot);
    std::string hash = sha256Hex(token.substr(dot + 1));
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    auto s = db_.prepare(
        "SELECT r.token_hash, r.expires_at, r.revoked, u.name, r.device_uuid, r.user_id "
        "FROM refresh_tokens r JOIN users u ON u.id = r.user_id WHERE r.id = ?");
    s.bind(1, id);
    if (!s.step() || !constantTimeEqual(s.text(0), hash)) return {false, "", "", "invalid"};
    RefreshOutcome out{false, s.text(3), s.text(4), ""};
    int64_t userId = s.integer(5);
    if (s.integer(2) != 0) {
      db_.prepare("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND device_uuid = ?")
          .bind(1, userId)
          .bind(2, out.device)
          .run();
      audit_.append({"user:" + out.user,
                     "refresh",
                     "user:" + out.user,
                     "denied",
                     {{"device", out.device}, {"reason", "reused"}}});
      t.commit();
      out.code = "reused";
      return out;
    }
    if (s.integer(1) <= now) {
      out.code = "expired";
      return out;
    }
    db_.prepare("UPDATE refresh_tokens SET revoked = 1 WHERE id = ?").bind(1, id).run();
    t.commit();
    out.ok = true;
    return out;
  }

  void signOut(const std::string& actor, const std::string& user, const std::string& device,
               int64_t now) override {
    std::lock_guard lock(mutex_);
    Transaction t(db_);
    UserRow row = findUser(user);
    voidDeviceTokens(row.id, device, now);
    record(actor, "sign-out", "user:" + user, {{"device", device}});
    t.commit();
  }

  std::shared_ptr<const Directory> loadDirectory() override {
    std::lock_guard lock(mutex_);
    auto d = std::make_shared<Directory>();
    db_.execute("BEGIN");  // one consistent read across all tables
    try {
      std::map<int64_t, std::string> userNames;
      auto users = db_.prepare("SELECT id, tenant_id, name, status FROM users");
      while (users.step()) {
        DirectoryUser u;
        u.id = users.integer(0);
        u.tenant = users.integer(1);
        u.name = users.text(2);
        u.status = parseUserStatus(users.text(3)).value_or(UserStatus::Disabled);
        userNames[u.id] = u.name;
        d->users.emplace(u.name, std::move(u));
      }
      auto permissions = db_.prepare("SELECT user_id, permission FROM user_permissions");
      while (permissions.step()) {
        auto name = userNames.find(permissions.integer(0));
        if (name != userNames.end()) d->users[name->second].permissions.insert(permissions.text(1));
      }
      auto roles = db_.prepare("SELECT user_id, role, tenant_id FROM admin_roles");
      while (roles.step()) {
        auto name = userNames.find(roles.integer(0));
        if (name == userNames.end()) continue;
        auto& u = d->users[name->second];
        if (roles.text(1) == "system-admin") u.systemAdmin = true;
        if (roles.text(1) == "tenant-admin" && !roles.isNull(2)) {
          u.adminOfTenants.insert(roles.integer(2));
        }
      }
      auto devices = db_.prepare("SELECT user_id, uuid, status, tokens_valid_after FROM devices");
      while (devices.step()) {
        d->devices[{devices.integer(0), devices.text(1)}] = {devices.text(2) == "active",
                                                             devices.integer(3)};
      }
      auto groups = db_.prepare("SELECT id, tenant_id, name FROM groups");
      while (groups.step())
        d->groups[groups.integer(0)] = {groups.integer(0), groups.integer(1), groups.text(2)};
      auto streams = db_.prepare(
          "SELECT id, tenant_id, name, kind, requires_one_time_code, source "
          "FROM streams");
      while (streams.step()) {
        d->streams[streams.text(2)] = {streams.integer(0),      streams.integer(1),
                                       streams.text(2),         streams.text(3),
                                       streams.integer(4) != 0, streams.text(5)};
      }
      auto shares = db_.prepare("SELECT stream_id, group_id FROM shares");
      while (shares.step())
        d->shares.emplace(shares.integer(0), shares.integer(1));
      auto members = db_.prepare("SELECT group_id, user_id FROM memberships");
      while (members.step())
        d->memberships.emplace(members.integer(0), members.integer(1));
      auto collaborations = db_.prepare(
          "SELECT requester_id, partner_id FROM collaborations WHERE status = 'accepted'");
      while (collaborations.step()) {
        d->collaborations.emplace(collaborations.integer(0), collaborations.integer(1));
        d->collaborations.emplace(collaborations.integer(1), collaborations.integer(0));
      }
      db_.execute("COMMIT");
    } catch (...) {
      db_.execute("ROLLBACK");
      throw;
    }
    return d;
  }

  int64_t changeCounter() override {
    std::lock_guard lock(mutex_);
    // data_version moves on other connections' commits; our own directory changes count in
    // localChanges_ (our audit appends alone change nothing a decision depends on).
    return db_.dataVersion() * 1000003 + localChanges_;
  }

  void appendAudit(const AuditEntry& entry) override {
    std::lock_guard lock(mutex_);
    audit_.append(entry);
  }
  void appendAuditBatch(const std::vector<AuditEntry>& entries) override {
    std::lock_guard lock(mutex_);
    audit_.appendBatch(entries);
  }
  AuditVerification verifyAudit(const std::optional<AuditHead>& expected) override {
    std::lock_guard lock(mutex_);
    return audit_.verify(expected);
  }
  AuditHead auditHead() override {
    std::lock_guard lock(mutex_);
    return audit_.head();
  }
  std::vector<AuditRecord> queryAudit(const AuditQuery& query) override {
    std::lock_guard lock(mutex_);
    return audit_.query(query);
  }

 private:
  void record(const std::string& actor, const std::string& action, const std::string& target,
              json details) {
    ++localChanges_;  // every directory change records itself here
    audit_.append({actor, action, target, "success", std::move(details)});
  }

  // Five failures in a row lock for 1 s, doubling with each further one up to an hour.
  static int64_t lockDelay(int64_t failures) {
    if (failures < 5) return 0;
    return std::min<int64_t>(int64_t{1} << std::min<int64_t>(failures - 5, 12), 3600);
  }

  // The password lock that applies to `from`, if any: its own, or the account-wide ceiling.
  std::optional<CredentialCheck> signInLock(const std::string& user, const std::string& from,
                                            int64_t now) {
    auto s = db_.prepare(
        "SELECT COALESCE(MAX(locked_until), 0) FROM sign_in_failures "
        "WHERE account = ? AND source IN (?, '*')");
    s.bind(1, user).bind(2, from);
    int64_t until = s.step() ? s.integer(0) : 0;
    if (until >= now) return CredentialCheck{CredentialCheck::Locked, until - now + 1};
    return std::nullopt;
  }

  // A wrong password from `from`: counts for that source (the doubling lock) and for the
  // account as a whole (the ceiling per window).
  CredentialCheck countSignInFailure(const std::string& user, const std::string& from,
                                     int64_t now) {
    db_.prepare(
           "INSERT INTO sign_in_failures (account, source, failures, since) VALUES (?1, ?2, 1, ?3) "
           "ON CONFLICT (account, source) DO UPDATE SET failures = failures + 1, since = ?3")
        .bind(1, user)
        .bind(2, from)
        .bind(3, now)
        .run();
    auto own =
        db_.prepare("SELECT failures FROM sign_in_failures WHERE account = ? AND source = ?");
    own.bind(1, user).bind(2, from);
    int64_t delay = lockDelay(own.step() ? own.integer(0) : 0);
    if (delay > 0) {
      db_.prepare("UPDATE sign_in_failures SET locked_until = ? WHERE account = ? AND source = ?")
          .bind(1, now + delay)
          .bind(2, user)
          .bind(3, from)
          .run();
    }
    db_.prepare(
           "INSERT INTO sign_in_failures (account, source, failures, since) "
           "VALUES (?1, '*', 1, ?2) ON CONFLICT (account, source) DO UPDATE SET "
           "failures = CASE WHEN since + ?3 <= ?2 THEN 1 ELSE failures + 1 END, "
           "since = CASE WHEN since + ?3 <= ?2 THEN ?2 ELSE since END")
        .bind(1, user)
        .bind(2, now)
        .bind(3, kSignInCeilingWindowSeconds)
        .run();
    auto all = db_.prepare(
        "SELECT failures, since FROM sign_in_failures WHERE account = ? AND source = '*'");
    all.bind(1, user);
    if (all.step() && all.integer(0) >= kSignInCeiling) {
      int64_t until = all.integer(1) + kSignInCeilingWindowSeconds;
      db_.prepare("UPDATE sign_in_failures SET locked_until = ? WHERE account = ? AND source = '*'")
          .bind(1, until)
          .bind(2, user)
          .run();
      delay = std::max(delay, until - now);
    }
    // Quiet, unlocked rows go after a day: names typed once must not pile up for ever.
    db_.prepare("DELETE FROM sign_in_failures WHERE since < ?1 AND locked_until < ?2")
        .bind(1, now - 86400)
        .bind(2, now)
        .run();
    if (delay > 0) return {CredentialCheck::Locked, delay};
    return {CredentialCheck::BadCredentials, 0};
  }

  // One-time codes: the account's own count (users.failed_sign_ins), reset by a good code.
  CredentialCheck countUserAttempt(const std::string& user, bool ok, int64_t now) {
    if (ok) {
      db_.prepare("UPDATE users SET failed_sign_ins = 0, locked_until = 0 WHERE name = ?")
          .bind(1, user)
          .run();
      return {CredentialCheck::Ok, 0};
    }
    db_.prepare("UPDATE users SET failed_sign_ins = failed_sign_ins + 1 WHERE name = ?")
        .bind(1, user)
        .run();
    auto s = db_.prepare("SELECT failed_sign_ins FROM users WHERE name = ?");
    s.bind(1, user);
    int64_t delay = lockDelay(s.step() ? s.integer(0) : 0);
    if (delay == 0) return {CredentialCheck::BadCredentials, 0};
    db_.prepare("UPDATE users SET locked_until = ? WHERE name = ?")
        .bind(1, now + delay)
        .bind(2, user)
        .run();
    return {CredentialCheck::Locked, delay};
  }

  // Passcodes: the device's own count (devices.failed_unlocks), reset by a good passcode.
  // Fixed statements only: ?1 = user name, ?2 = device uuid.
  CredentialCheck countDeviceAttempt(const std::string& user, const std::string& device, bool ok,
                                     int64_t now) {
    auto keyed = [&](const char* sql) {
      auto statement = db_.prepare(sql);
      statement.bind(1, user).bind(2, device);
      return statement;
    };
    if (ok) {
      keyed(
          "UPDATE devices SET failed_unlocks = 0, locked_until = 0 "
          "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)")
          .run();
      return {CredentialCheck::Ok, 0};
    }
    keyed(
        "UPDATE devices SET failed_unlocks = failed_unlocks + 1 "
        "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)")
        .run();
    auto s = keyed(
        "SELECT failed_unlocks FROM devices "
        "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)");
    int64_t delay = lockDelay(s.step() ? s.integer(0) : 0);
    if (delay == 0) return {CredentialCheck::BadCredentials, 0};
    keyed(
        "UPDATE devices SET locked_until = ?3 "
        "WHERE uuid = ?2 AND user_id = (SELECT id FROM users WHERE name = ?1)")
        .bind(3, now + delay)
        .run();
    return {CredentialCheck::Locked, delay};
  }

  void voidDeviceTokens(int64_t userId, const std::string& device, int64_t now) {
    db_.prepare("UPDATE refresh_tokens SET revoked = 1 WHERE user_id = ? AND device_uuid = ?")
        .bind(1, userId)
        .bind(2, device)
        .run();
    // +1: a token issued in this very second is voided too (iat has whole seconds).
    db_.prepare("UPDATE devices SET tokens_valid_after = ? WHERE user_id = ? AND uuid = ?")
        .bind(1, now + 1)
        .bind(2, userId)
        .bind(3, device)
        .run();
  }

  static bool constantTimeEqual(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  }

  int64_t findTenant(const std::string& name) {
    auto s = db_.prepare("SELECT id FROM tenants WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no tenant named " + name);
    return s.integer(0);
  }

  UserRow findUser(const std::string& name) {
    auto s = db_.prepare("SELECT id, tenant_id, status FROM users WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no user named " + name);
    return {s.integer(0), s.integer(1), s.text(2)};
  }

  GroupRow findGroup(const std::string& spec) {
    auto slash = spec.find('/');
    auto s = db_.prepare(slash == std::string::npos
                             ? "SELECT g.id, g.tenant_id, t.name || '/' || g.name FROM groups g "
                               "JOIN tenants t ON t.id = g.tenant_id WHERE g.name = ?1"
                             : "SELECT g.id, g.tenant_id, t.name || '/' || g.name FROM groups g "
                               "JOIN tenants t ON t.id = g.tenant_id WHERE t.name = ?2 AND "
                               "g.name = ?1");
    if (slash == std::string::npos) {
      s.bind(1, spec);
    } else {
      s.bind(1, spec.substr(slash + 1)).bind(2, spec.substr(0, slash));
    }
    if (!s.step()) throw StoreError("not-found", "there is no group named " + spec);
    GroupRow row{s.integer(0), s.integer(1), s.text(2)};
    if (s.step()) {
      throw StoreError("conflict", "several facilities have a group named " + spec +
                                       ": write it as FACILITY/" + spec);
    }
    return row;
  }

  StreamRow findStream(const std::string& name) {
    auto s = db_.prepare("SELECT id, tenant_id, kind FROM streams WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no stream named " + name);
    return {s.integer(0), s.integer(1), s.text(2)};
  }

  bool tenantsMayMeet(int64_t a, int64_t b) {
    if (a == b) return true;
    auto s = db_.prepare(
        "SELECT 1 FROM collaborations WHERE status = 'accepted' AND "
        "((requester_id = ?1 AND partner_id = ?2) OR (requester_id = ?2 AND partner_id = ?1))");
    s.bind(1, a).bind(2, b);
    return s.step();
  }

  static void checkDeviceId(const std::string& uuid) {
    bool ok =
        !uuid.empty() && uuid.size() <= 64 && std::isalnum(static_cast<unsigned char>(uuid[0]));
    for (char c : uuid)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok)
      throw StoreError(
          "invalid",
          "device ids are 1-64 characters of A-Z a-z 0-9 - _, starting with a letter or digit");
  }

  // Camera URIs may carry a password (rtsp://user:pass@host): never store it in the directory.
  static std::string redactCredentials(const std::string& uri) {
    auto scheme = uri.find("://");
    auto at = uri.find('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return uri;
    auto slash = uri.find('/', scheme + 3);
    if (slash != std::string::npos && slash < at) return uri;
    return uri.substr(0, scheme + 3) + "***@" + uri.substr(at + 1);
  }

  // The audit key from DATA_DIR/audit-key, made on first start. A missing key while the log
  // holds keyed records is an error, never a new key: that would hide the old chain's state.
  std::string auditKey(const std::string& dataDir) {
    if (auto key = readAuditKey(dataDir)) return *key;
    auto keyed = db_.prepare("SELECT 1 FROM audit_log WHERE scheme = 'hmac-sha256' LIMIT 1");
    if (keyed.step()) {
      throw StoreError(
          "storage", "the audit key " + (std::filesystem::path(dataDir) / kAuditKeyFile).string() +
                         " is missing, but the audit log was written with it: restore the key "
                         "from the data directory's backup (without it the chain can be "
                         "neither verified nor extended)");
    }
    keyCreated_ = true;
    return createAuditKey(dataDir);
  }

  std::mutex mutex_;
  int64_t localChanges_ = 0;
  Database db_;
  int schemaVersion_;
  bool keyCreated_ = false;
  AuditLog audit_;
};

}  // namespace

void checkName(const std::string& what, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && name[0] != '.' && name[0] != '-';
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
                c == '@');
  }
  if (!ok) {
    throw StoreError("invalid", what + "s are 1-64 characters of A-Z a-z 0-9 . _ - @, " +
                                    "not starting with . or -");
  }
}

void checkPhone(const std::string& phone) {
  bool ok = phone.size() <= 32;
  for (char c : phone)
    ok = ok && (std::isdigit(static_cast<unsigned char>(c)) || c == ' ' || c == '+' || c == '-' ||
                c == '(' || c == ')');
  if (!ok) throw StoreError("invalid", "phone numbers are at most 32 of 0-9, space, + - ( )");
}

std::string_view userStatusName(UserStatus status) {
  switch (status) {
    case UserStatus::PreRegistered:
      return "pre-registered";
    case UserStatus::Active:
      return "active";
    case UserStatus::Disabled:
      return "disabled";
  }
  return "disabled";
}

std::optional<UserStatus> parseUserStatus(std::string_view text) {
  if (text == "pre-registered") return UserStatus::PreRegistered;
  if (text == "active") return UserStatus::Active;
  if (text == "disabled") return UserStatus::Disabled;
  return std::nullopt;
}

std::unique_ptr<DirectoryStore> openSqliteDirectoryStore(const std::string& dataDir) {
  return std::make_unique<SqliteDirectoryStore>(dataDir);
}

}  // namespace medrelay::access
