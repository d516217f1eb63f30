// DirectoryRecords on SQLite: the directory's records and listings, each change in one
// transaction with its audit record, over the store's shared connection.
// Thread-safe: every call holds the shared state's mutex.
#include <cctype>
#include <map>
#include <set>

#include "access/directory_records_sql.hpp"
#include "access/sqlite_store_state.hpp"
#include "common/clock.hpp"

namespace medrelay::access {

namespace {

using nlohmann::json;

namespace sql = directory_records_sql;

struct GroupRow {
  int64_t id, tenant;
  std::string name;  // TENANT/NAME
};

struct StreamRow {
  int64_t id, tenant;
  std::string kind;
};

class SqliteDirectoryRecords final : public DirectoryRecords {
 public:
  explicit SqliteDirectoryRecords(SqliteStoreState& state) : s_(state) {}

  void addTenant(const std::string& actor, const std::string& name) override {
    checkName("tenant name", name);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    s_.db.prepare(sql::kInsertTenant).bind(1, name).bind(2, medrelay::wallSeconds()).run();
    s_.record(actor, "tenant.add", "tenant:" + name, {{"after", {{"name", name}}}});
    t.commit();
  }

  void addDepartment(const std::string& actor, const std::string& tenant,
                     const std::string& name) override {
    checkName("department name", name);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t tenantId = findTenant(tenant);
    s_.db.prepare(sql::kInsertDepartment).bind(1, tenantId).bind(2, name).run();
    s_.record(actor, "department.add", "tenant:" + tenant, {{"after", {{"department", name}}}});
    t.commit();
  }

  void addUser(const std::string& actor, const std::string& tenant, const std::string& name,
               const std::string& displayName, UserStatus status) override {
    checkName("user name", name);
    if (displayName.size() > 128)
      throw StoreError("invalid", "display names are at most 128 bytes");
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t tenantId = findTenant(tenant);
    s_.db.prepare(sql::kInsertUser)
        .bind(1, tenantId)
        .bind(2, name)
        .bind(3, displayName)
        .bind(4, userStatusName(status))
        .bind(5, medrelay::wallSeconds())
        .run();
    int64_t id = s_.db.lastInsertId();
    for (const char* permission : {"view-live", "view-dicom"}) {
      s_.db.prepare(sql::kInsertUserPermission).bind(1, id).bind(2, permission).run();
    }
    s_.record(actor, "user.add", "user:" + name,
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
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    auto before = s_.db.prepare(sql::kUserDetails);
    before.bind(1, row.id);
    before.step();
    json details = {{"before", {{"display_name", before.text(0)}, {"phone", before.text(1)}}},
                    {"after", {{"display_name", displayName}, {"phone", phone}}}};
    s_.db.prepare(sql::kSetUserDetails).bind(1, displayName).bind(2, phone).bind(3, row.id).run();
    s_.record(actor, "user.details", "user:" + user, details);
    t.commit();
  }

  void setUserDepartment(const std::string& actor, const std::string& user,
                         const std::string& department) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    std::optional<int64_t> departmentId;
    if (!department.empty()) {
      auto find = s_.db.prepare(sql::kFindDepartment);
      find.bind(1, row.tenant).bind(2, department);
      if (!find.step()) {
        throw StoreError("not-found", "the user's facility has no department " + department);
      }
      departmentId = find.integer(0);
    }
    s_.db.prepare(sql::kSetUserDepartment).bind(1, departmentId).bind(2, row.id).run();
    s_.record(actor, "user.department", "user:" + user, {{"after", {{"department", department}}}});
    t.commit();
  }

  void setUserStatus(const std::string& actor, const std::string& user,
                     UserStatus status) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    s_.db.prepare(sql::kSetUserStatus).bind(1, userStatusName(status)).bind(2, row.id).run();
    s_.record(
        actor, "user.status", "user:" + user,
        {{"before", {{"status", row.status}}}, {"after", {{"status", userStatusName(status)}}}});
    t.commit();
  }

  void setPermission(const std::string& actor, const std::string& user,
                     const std::string& permission, bool granted) override {
    static const std::set<std::string> known = {"view-live", "view-dicom", "search-images",
                                                "publish", "watch-unseen"};
    if (!known.count(permission)) {
      throw StoreError("invalid",
                       "permissions are view-live, view-dicom, search-images, publish and "
                       "watch-unseen");
    }
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    auto statement = s_.db.prepare(granted ? sql::kGrantPermissionIfNew : sql::kRevokePermission);
    statement.bind(1, row.id).bind(2, permission).run();
    s_.record(actor, granted ? "permission.grant" : "permission.revoke", "user:" + user,
              {{"permission", permission}, {"changed", s_.db.changes() > 0}});
    t.commit();
  }

  void setAdminRole(const std::string& actor, const std::string& user, const std::string& role,
                    bool granted) override {
    if (role != "system-admin" && role != "tenant-admin") {
      throw StoreError("invalid", "admin roles are system-admin and tenant-admin");
    }
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    if (granted) {
      auto insert = s_.db.prepare(sql::kGrantAdminRole);
      insert.bind(1, row.id).bind(2, role);
      if (role == "tenant-admin") {
        insert.bind(3, row.tenant);
      } else {
        insert.bindNull(3);
      }
      insert.run();
    } else {
      s_.db.prepare(sql::kRevokeAdminRole).bind(1, row.id).bind(2, role).run();
    }
    s_.record(actor, granted ? "admin-role.grant" : "admin-role.revoke", "user:" + user,
              {{"role", role}});
    t.commit();
  }

  std::string registerDevice(const std::string& actor, const std::string& user,
                             const std::string& uuid, const std::string& platform) override {
    checkDeviceId(uuid);
    if (platform.size() > 64) throw StoreError("invalid", "platform names are at most 64 bytes");
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    auto existing = s_.db.prepare(sql::kDeviceStatus);
    existing.bind(1, row.id).bind(2, uuid);
    if (existing.step()) {
      std::string status = existing.text(0);
      s_.db.prepare(sql::kTouchDevice)
          .bind(1, medrelay::wallSeconds())
          .bind(2, row.id)
          .bind(3, uuid)
          .run();
      t.commit();
      return status;
    }
    s_.db.prepare(sql::kInsertDevice)
        .bind(1, row.id)
        .bind(2, uuid)
        .bind(3, platform)
        .bind(4, medrelay::wallSeconds())
        .bind(5, medrelay::wallSeconds())
        .run();
    s_.record(actor, "device.register", "user:" + user, {{"device", uuid}, {"platform", platform}});
    t.commit();
    return "active";
  }

  void revokeDevice(const std::string& actor, const std::string& user,
                    const std::string& uuid) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    s_.db.prepare(sql::kRevokeDevice).bind(1, row.id).bind(2, uuid).run();
    if (s_.db.changes() == 0) throw StoreError("not-found", "user " + user + " has no such device");
    s_.voidDeviceTokens(row.id, uuid, medrelay::wallSeconds());
    s_.record(actor, "device.revoke", "user:" + user,
              {{"device", uuid}, {"after", {{"status", "revoked"}}}});
    t.commit();
  }

  std::vector<DeviceRecord> listDevices(const std::string& user) override {
    std::lock_guard lock(s_.mutex);
    UserRow row = s_.findUser(user);
    auto s = s_.db.prepare(sql::kListUserDevices);
    s.bind(1, row.id);
    std::vector<DeviceRecord> out;
    while (s.step())
      out.push_back({user, s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
    return out;
  }

  void addGroup(const std::string& actor, const std::string& tenant,
                const std::string& name) override {
    checkName("group name", name);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t tenantId = findTenant(tenant);
    s_.db.prepare(sql::kInsertGroup).bind(1, tenantId).bind(2, name).run();
    s_.record(actor, "group.add", "group:" + tenant + "/" + name,
              {{"after", {{"tenant", tenant}}}});
    t.commit();
  }

  void addMember(const std::string& actor, const std::string& group, const std::string& user,
                 const std::string& role) override {
    if (role != "owner" && role != "admin" && role != "member") {
      throw StoreError("invalid", "roles are owner, admin and member");
    }
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    GroupRow g = findGroup(group);
    UserRow u = s_.findUser(user);
    if (!tenantsMayMeet(u.tenant, g.tenant)) {
      throw StoreError("conflict", "user " + user + " belongs to another facility, and there is " +
                                       "no accepted collaboration with the group's facility");
    }
    auto before = s_.db.prepare(sql::kMemberRole);
    before.bind(1, g.id).bind(2, u.id);
    json details = {{"group", g.name}, {"after", {{"role", role}}}};
    if (before.step()) details["before"] = {{"role", before.text(0)}};
    s_.db.prepare(sql::kUpsertMembership).bind(1, g.id).bind(2, u.id).bind(3, role).run();
    s_.record(actor, "group.member.add", "user:" + user, details);
    t.commit();
  }

  void removeMember(const std::string& actor, const std::string& group,
                    const std::string& user) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    GroupRow g = findGroup(group);
    UserRow u = s_.findUser(user);
    auto before = s_.db.prepare(sql::kMemberRole);
    before.bind(1, g.id).bind(2, u.id);
    if (!before.step()) throw StoreError("not-found", user + " is not a member of " + group);
    std::string role = before.text(0);
    s_.db.prepare(sql::kDeleteMembership).bind(1, g.id).bind(2, u.id).run();
    s_.record(actor, "group.member.remove", "user:" + user,
              {{"group", g.name}, {"before", {{"role", role}}}});
    t.commit();
  }

  bool ensureStream(const std::string& actor, const std::string& tenant, const std::string& name,
                    const std::string& kind, const std::string& source) override {
    checkName("stream name", name);
    if (kind != "camera" && kind != "dicom") throw StoreError("invalid", "kinds: camera, dicom");
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t tenantId = findTenant(tenant);
    s_.db.prepare(sql::kInsertStreamIfNew)
        .bind(1, tenantId)
        .bind(2, name)
        .bind(3, kind)
        .bind(4, redactCredentials(source))
        .bind(5, medrelay::wallSeconds())
        .run();
    bool added = s_.db.changes() > 0;
    if (added) {
      s_.record(actor, "stream.add", "stream:" + name,
                {{"after", {{"tenant", tenant}, {"kind", kind}}}});
    }
    t.commit();
    return added;
  }

  void share(const std::string& actor, const std::string& stream,
             const std::string& group) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    StreamRow s = findStream(stream);
    GroupRow g = findGroup(group);
    if (!tenantsMayMeet(s.tenant, g.tenant)) {
      throw StoreError("conflict",
                       "the group belongs to another facility, and there is no "
                       "accepted collaboration with the stream's facility");
    }
    s_.db.prepare(sql::kInsertShareIfNew).bind(1, s.id).bind(2, g.id).run();
    s_.record(actor, "stream.share", "stream:" + stream,
              {{"group", g.name}, {"changed", s_.db.changes() > 0}});
    t.commit();
  }

  void unshare(const std::string& actor, const std::string& stream,
               const std::string& group) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    StreamRow s = findStream(stream);
    GroupRow g = findGroup(group);
    s_.db.prepare(sql::kDeleteShare).bind(1, s.id).bind(2, g.id).run();
    if (s_.db.changes() == 0)
      throw StoreError("not-found", stream + " is not shared into " + group);
    s_.record(actor, "stream.unshare", "stream:" + stream, {{"group", g.name}});
    t.commit();
  }

  void removeStream(const std::string& actor, const std::string& stream,
                    const std::string& reason) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    StreamRow row = findStream(stream);
    s_.db.prepare(sql::kDeleteStream).bind(1, row.id).run();
    s_.record(actor, "stream.remove", "stream:" + stream, {{"reason", reason}});
    t.commit();
  }

  std::vector<StreamRecord> listStreams() override {
    std::lock_guard lock(s_.mutex);
    std::vector<StreamRecord> out;
    auto s = s_.db.prepare(sql::kListStreams);
    while (s.step()) {
      StreamRecord r{s.text(1), s.text(2), s.text(3), s.text(4),
                     s.text(5), s.text(6), {},        s.integer(7) != 0};
      auto groups = s_.db.prepare(sql::kListStreamGroups);
      groups.bind(1, s.integer(0));
      while (groups.step())
        r.groups.push_back(groups.text(0));
      out.push_back(std::move(r));
    }
    return out;
  }

  void setStreamRequiresOneTimeCode(const std::string& actor, const std::string& stream,
                                    bool required) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    StreamRow row = findStream(stream);
    s_.db.prepare(sql::kSetStreamRequiresOneTimeCode)
        .bind(1, int64_t{required ? 1 : 0})
        .bind(2, row.id)
        .run();
    s_.record(actor, "stream.one-time-code", "stream:" + stream,
              {{"after", {{"required", required}}}});
    t.commit();
  }

  std::vector<std::string> listTenants() override {
    std::lock_guard lock(s_.mutex);
    std::vector<std::string> out;
    auto s = s_.db.prepare(sql::kListTenants);
    while (s.step())
      out.push_back(s.text(0));
    return out;
  }

  std::vector<DepartmentRecord> listDepartments() override {
    std::lock_guard lock(s_.mutex);
    std::vector<DepartmentRecord> out;
    auto s = s_.db.prepare(sql::kListDepartments);
    while (s.step())
      out.push_back({s.text(0), s.text(1)});
    return out;
  }

  std::vector<UserRecord> listUsers() override {
    std::lock_guard lock(s_.mutex);
    std::vector<UserRecord> out;
    std::map<int64_t, size_t> byId;
    auto s = s_.db.prepare(sql::kListUsers);
    while (s.step()) {
      byId[s.integer(0)] = out.size();
      out.push_back({s.text(1), s.text(2), s.text(3), s.text(4), s.text(5), s.text(6), {}, {}});
    }
    auto permissions = s_.db.prepare(sql::kListUserPermissions);
    while (permissions.step())
      out[byId.at(permissions.integer(0))].permissions.push_back(permissions.text(1));
    auto roles = s_.db.prepare(sql::kListAdminRoles);
    while (roles.step())
      out[byId.at(roles.integer(0))].adminRoles.push_back(roles.text(1));
    return out;
  }

  std::vector<GroupRecord> listGroups() override {
    std::lock_guard lock(s_.mutex);
    std::vector<GroupRecord> out;
    std::map<int64_t, size_t> byId;
    auto s = s_.db.prepare(sql::kListGroups);
    while (s.step()) {
      byId[s.integer(0)] = out.size();
      out.push_back({s.text(1), s.text(2), {}});
    }
    auto members = s_.db.prepare(sql::kListMembers);
    while (members.step())
      out[byId.at(members.integer(0))].members.push_back({members.text(1), members.text(2)});
    return out;
  }

  std::vector<CollaborationRecord> listCollaborations() override {
    std::lock_guard lock(s_.mutex);
    std::vector<CollaborationRecord> out;
    auto s = s_.db.prepare(sql::kListCollaborations);
    while (s.step())
      out.push_back({s.text(0), s.text(1), s.text(2)});
    return out;
  }

  void setStreamState(const std::string& stream, const std::string& state,
                      const std::string& detail) override {
    std::lock_guard lock(s_.mutex);
    s_.db.prepare(sql::kSetStreamState)
        .bind(1, state)
        .bind(2, detail.substr(0, 512))
        .bind(3, medrelay::wallSeconds())
        .bind(4, stream)
        .run();
  }

  void requestCollaboration(const std::string& actor, const std::string& requester,
                            const std::string& partner) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t a = findTenant(requester), b = findTenant(partner);
    if (a == b) throw StoreError("invalid", "a facility cannot collaborate with itself");
    s_.db.prepare(sql::kRequestCollaboration)
        .bind(1, a)
        .bind(2, b)
        .bind(3, medrelay::wallSeconds())
        .run();
    s_.record(actor, "collaboration.request", "tenant:" + partner, {{"requester", requester}});
    t.commit();
  }

  void acceptCollaboration(const std::string& actor, const std::string& partner,
                           const std::string& requester) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t a = findTenant(requester), b = findTenant(partner);
    s_.db.prepare(sql::kAcceptCollaboration).bind(1, a).bind(2, b).run();
    if (s_.db.changes() == 0) {
      throw StoreError("not-found", requester + " has no pending request to " + partner);
    }
    s_.record(actor, "collaboration.accept", "tenant:" + requester, {{"partner", partner}});
    t.commit();
  }

  void endCollaboration(const std::string& actor, const std::string& a,
                        const std::string& b) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    int64_t x = findTenant(a), y = findTenant(b);
    s_.db.prepare(sql::kEndCollaboration).bind(1, x).bind(2, y).run();
    if (s_.db.changes() == 0) throw StoreError("not-found", "no collaboration between them");
    s_.record(actor, "collaboration.end", "tenant:" + a, {{"partner", b}});
    t.commit();
  }

 private:
  int64_t findTenant(const std::string& name) {
    auto s = s_.db.prepare(sql::kFindTenant);
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no tenant named " + name);
    return s.integer(0);
  }

  GroupRow findGroup(const std::string& spec) {
    auto slash = spec.find('/');
    auto s =
        s_.db.prepare(slash == std::string::npos ? sql::kFindGroupByName : sql::kFindGroupInTenant);
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
    auto s = s_.db.prepare(sql::kFindStream);
    s.bind(1, name);
    if (!s.step()) throw StoreError("not-found", "there is no stream named " + name);
    return {s.integer(0), s.integer(1), s.text(2)};
  }

  bool tenantsMayMeet(int64_t a, int64_t b) {
    if (a == b) return true;
    auto s = s_.db.prepare(sql::kAcceptedCollaboration);
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

  SqliteStoreState& s_;
};

}  // namespace

std::unique_ptr<DirectoryRecords> makeSqliteDirectoryRecords(SqliteStoreState& state) {
  return std::make_unique<SqliteDirectoryRecords>(state);
}

}  // namespace medrelay::access
