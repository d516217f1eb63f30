// DirectorySnapshots on SQLite: the whole directory read in one transaction into an immutable
// Directory, and the change counter (PRAGMA data_version plus this connection's own changes).
// Thread-safe: every call holds the shared state's mutex.
#include <map>

#include "access/snapshot_sql.hpp"
#include "access/sqlite_store_state.hpp"

namespace medrelay::access {

namespace {

namespace sql = snapshot_sql;

class SqliteSnapshot final : public DirectorySnapshots {
 public:
  explicit SqliteSnapshot(SqliteStoreState& state) : s_(state) {}

  std::shared_ptr<const Directory> loadDirectory() override {
    std::lock_guard lock(s_.mutex);
    auto d = std::make_shared<Directory>();
    s_.db.execute("BEGIN");  // one consistent read across all tables
    try {
      std::map<int64_t, std::string> userNames;
      auto users = s_.db.prepare(sql::kSnapshotUsers);
      while (users.step()) {
        DirectoryUser u;
        u.id = users.integer(0);
        u.tenant = users.integer(1);
        u.name = users.text(2);
        u.status = parseUserStatus(users.text(3)).value_or(UserStatus::Disabled);
        u.displayName = users.text(4);
        u.department = users.text(5);
        userNames[u.id] = u.name;
        d->users.emplace(u.name, std::move(u));
      }
      auto tenants = s_.db.prepare(sql::kSnapshotTenants);
      while (tenants.step())
        d->tenantNames[tenants.integer(0)] = tenants.text(1);
      auto permissions = s_.db.prepare(sql::kSnapshotPermissions);
      while (permissions.step()) {
        auto name = userNames.find(permissions.integer(0));
        if (name != userNames.end()) d->users[name->second].permissions.insert(permissions.text(1));
      }
      auto roles = s_.db.prepare(sql::kSnapshotAdminRoles);
      while (roles.step()) {
        auto name = userNames.find(roles.integer(0));
        if (name == userNames.end()) continue;
        auto& u = d->users[name->second];
        if (roles.text(1) == "system-admin") u.systemAdmin = true;
        if (roles.text(1) == "tenant-admin" && !roles.isNull(2)) {
          u.adminOfTenants.insert(roles.integer(2));
        }
      }
      auto devices = s_.db.prepare(sql::kSnapshotDevices);
      while (devices.step()) {
        d->devices[{devices.integer(0), devices.text(1)}] = {devices.text(2) == "active",
                                                             devices.integer(3)};
      }
      auto groups = s_.db.prepare(sql::kSnapshotGroups);
      while (groups.step())
        d->groups[groups.integer(0)] = {groups.integer(0), groups.integer(1), groups.text(2)};
      auto streams = s_.db.prepare(sql::kSnapshotStreams);
      while (streams.step()) {
        d->streams[streams.text(2)] = {streams.integer(0),      streams.integer(1),
                                       streams.text(2),         streams.text(3),
                                       streams.integer(4) != 0, streams.text(5)};
      }
      auto shares = s_.db.prepare(sql::kSnapshotShares);
      while (shares.step())
        d->shares.emplace(shares.integer(0), shares.integer(1));
      auto members = s_.db.prepare(sql::kSnapshotMemberships);
      while (members.step())
        d->memberships.emplace(members.integer(0), members.integer(1));
      auto collaborations = s_.db.prepare(sql::kSnapshotCollaborations);
      while (collaborations.step()) {
        d->collaborations.emplace(collaborations.integer(0), collaborations.integer(1));
        d->collaborations.emplace(collaborations.integer(1), collaborations.integer(0));
      }
      s_.db.execute("COMMIT");
    } catch (...) {
      s_.db.execute("ROLLBACK");
      throw;
    }
    return d;
  }

  int64_t changeCounter() override {
    std::lock_guard lock(s_.mutex);
    // data_version moves on other connections' commits; our own directory changes count in
    // s_.localChanges (our audit appends alone change nothing a decision depends on).
    return s_.db.dataVersion() * 1000003 + s_.localChanges;
  }

 private:
  SqliteStoreState& s_;
};

}  // namespace

std::unique_ptr<DirectorySnapshots> makeSqliteSnapshot(SqliteStoreState& state) {
  return std::make_unique<SqliteSnapshot>(state);
}

}  // namespace medrelay::access
