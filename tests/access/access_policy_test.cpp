// The watch policy against an independent reference. A generated directory (5 facilities,
// 20 groups, 200 users, 50 streams; collaborations requested, accepted and ended; disabled and
// pre-registered users; revoked devices; withdrawn permissions) is built through the real store
// while the test keeps its own plain model of it. Every (user, device, stream) decision of
// decideWatch over the store's snapshot must equal referenceMayWatch over the model, which is
// written here from DESIGN.md's rule and shares no code with access_policy.cpp.
#include "access/access_policy.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <set>

#include "access/directory_store.hpp"

namespace medrelay::access {
namespace {

struct ModelUser {
  std::string tenant;
  std::string status = "active";
  std::set<std::string> permissions = {"view-live", "view-dicom"};
  std::map<std::string, bool> devices;  // uuid -> active
};

struct ModelGroup {
  std::string tenant;
  std::set<std::string> members;
};

struct ModelStream {
  std::string tenant, kind;
  std::set<std::string> groups;
};

struct Model {
  std::map<std::string, ModelUser> users;
  std::map<std::string, ModelGroup> groups;  // by "tenant/name"
  std::map<std::string, ModelStream> streams;
  std::set<std::pair<std::string, std::string>> accepted;  // unordered pair, stored sorted

  bool collaborating(const std::string& a, const std::string& b) const {
    return a == b || accepted.count(std::minmax(a, b));
  }
};

// DESIGN.md: a user may watch a stream if and only if they are an active member of a group it
// is shared into, their user and device are active, they hold the permission the stream's kind
// needs; across facilities only where a collaboration was accepted.
// Publishing (WHIP) follows the same rule with the "publish" permission, and never into DICOM.
bool referenceMayWatch(const Model& m, const std::string& user, const std::string& device,
                       const std::string& stream, bool publish = false) {
  auto u = m.users.find(user);
  if (u == m.users.end() || u->second.status != "active") return false;
  auto d = u->second.devices.find(device);
  if (d == u->second.devices.end() || !d->second) return false;
  auto s = m.streams.find(stream);
  if (s == m.streams.end()) return false;
  if (publish && s->second.kind == "dicom") return false;
  std::string needed = publish ? "publish" : s->second.kind == "dicom" ? "view-dicom" : "view-live";
  if (!u->second.permissions.count(needed)) return false;
  for (const auto& groupName : s->second.groups) {
    const auto& g = m.groups.at(groupName);
    if (g.members.count(user) && m.collaborating(u->second.tenant, g.tenant) &&
        m.collaborating(s->second.tenant, g.tenant)) {
      return true;
    }
  }
  return false;
}

class PolicyAgainstReference : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("medrelay-policy-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    store = openSqliteDirectoryStore(dir.string());
    generate();
  }
  void TearDown() override {
    store.reset();
    std::filesystem::remove_all(dir);
  }

  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[random() % v.size()];
  }
  bool chance(int percent) { return static_cast<int>(random() % 100) < percent; }

  void generate() {
    const std::string a = "gen";
    std::vector<std::string> tenants;
    for (int i = 0; i < 5; ++i) {
      tenants.push_back("facility" + std::to_string(i));
      store->addTenant(a, tenants.back());
    }
    // Collaborations: some accepted now (ended later), some only requested.
    std::vector<std::pair<std::string, std::string>> toEnd;
    for (size_t i = 0; i < tenants.size(); ++i) {
      for (size_t j = i + 1; j < tenants.size(); ++j) {
        int roll = static_cast<int>(random() % 10);
        if (roll < 4) {
          store->requestCollaboration(a, tenants[i], tenants[j]);
          store->acceptCollaboration(a, tenants[j], tenants[i]);
          model.accepted.insert({tenants[i], tenants[j]});
          if (roll == 0) toEnd.emplace_back(tenants[i], tenants[j]);
        } else if (roll < 6) {
          store->requestCollaboration(a, tenants[j], tenants[i]);  // never accepted
        }
      }
    }
    std::vector<std::string> groupNames;
    for (int i = 0; i < 20; ++i) {
      std::string tenant = tenants[i % tenants.size()];
      std::string name = "group" + std::to_string(i);
      store->addGroup(a, tenant, name);
      groupNames.push_back(tenant + "/" + name);
      model.groups[groupNames.back()].tenant = tenant;
    }
    std::vector<std::string> userNames;
    for (int i = 0; i < 200; ++i) {
      std::string name = "user" + std::to_string(i);
      std::string tenant = pick(tenants);
      store->addUser(a, tenant, name, "", UserStatus::Active);
      auto& u = model.users[name];
      u.tenant = tenant;
      userNames.push_back(name);
      int devices = 1 + static_cast<int>(random() % 2);
      for (int k = 0; k < devices; ++k) {
        std::string uuid = name + "-device" + std::to_string(k);
        store->registerDevice(a, name, uuid, "ios");
        u.devices[uuid] = true;
      }
      // Memberships: only where the store allows them (same facility or accepted partner).
      int wanted = static_cast<int>(random() % 5);
      for (int k = 0; k < wanted; ++k) {
        const std::string& g = pick(groupNames);
        if (!model.collaborating(tenant, model.groups[g].tenant)) {
          EXPECT_THROW(store->addMember(a, g, name, "member"), StoreError);
          continue;
        }
        store->addMember(a, g, name, chance(10) ? "owner" : "member");
        model.groups[g].members.insert(name);
      }
    }
    for (int i = 0; i < 50; ++i) {
      std::string name = "stream" + std::to_string(i);
      std::string tenant = pick(tenants);
      std::string kind = chance(30) ? "dicom" : "camera";
      store->ensureStream(a, tenant, name, kind, "");
      auto& s = model.streams[name];
      s.tenant = tenant;
      s.kind = kind;
      int shares = static_cast<int>(random() % 4);
      for (int k = 0; k < shares; ++k) {
        const std::string& g = pick(groupNames);
        if (!model.collaborating(tenant, model.groups[g].tenant)) {
          EXPECT_THROW(store->share(a, name, g), StoreError);
          continue;
        }
        store->share(a, name, g);
        s.groups.insert(g);
      }
    }
    // Later changes: disabled and pre-registered users, revoked devices, withdrawn
    // permissions, removed members, withdrawn shares, ended collaborations.
    for (const auto& name : userNames) {
      auto& u = model.users[name];
      if (chance(10)) {
        store->setUserStatus(a, name, UserStatus::Disabled);
        u.status = "disabled";
      } else if (chance(4)) {
        store->setUserStatus(a, name, UserStatus::PreRegistered);
        u.status = "pre-registered";
      }
      if (chance(15)) {
        std::string uuid = u.devices.begin()->first;
        store->revokeDevice(a, name, uuid);
        u.devices[uuid] = false;
      }
      if (chance(10)) {
        store->setPermission(a, name, "view-live", false);
        u.permissions.erase("view-live");
      }
      if (chance(10)) {
        store->setPermission(a, name, "view-dicom", false);
        u.permissions.erase("view-dicom");
      }
      if (publishRandom() % 4 == 0) {  // own generator: the other draws stay as they were
        store->setPermission(a, name, "publish", true);
        u.permissions.insert("publish");
      }
    }
    for (auto& [g, group] : model.groups) {
      if (!group.members.empty() && chance(30)) {
        std::string member = *group.members.begin();
        store->removeMember(a, g, member);
        group.members.erase(member);
      }
    }
    for (auto& [name, s] : model.streams) {
      if (!s.groups.empty() && chance(15)) {
        std::string g = *s.groups.begin();
        store->unshare(a, name, g);
        s.groups.erase(g);
      }
    }
    for (const auto& [x, y] : toEnd) {
      store->endCollaboration(a, y, x);
      model.accepted.erase({x, y});
    }
  }

  std::mt19937 random{2026};
  std::mt19937 publishRandom{4};
  std::filesystem::path dir;
  std::unique_ptr<DirectoryStore> store;
  Model model;
};

TEST_F(PolicyAgainstReference, EveryDecisionMatches) {
  auto directory = store->loadDirectory();
  size_t decisions = 0, allowed = 0, publishers = 0;
  std::map<std::string, size_t> denials;
  for (const auto& [user, u] : model.users) {
    std::vector<std::string> devices;
    for (const auto& [uuid, active] : u.devices)
      devices.push_back(uuid);
    devices.push_back("stolen-token-device");  // a device the user never registered
    devices.push_back(model.users.begin()->second.devices.begin()->first);  // someone else's
    for (const auto& device : devices) {
      std::vector<std::string> expectedList;
      for (const auto& [stream, s] : model.streams) {
        bool expected = referenceMayWatch(model, user, device, stream);
        auto decision = decideWatch(*directory, user, device, stream);
        ASSERT_EQ(decision.allowed, expected)
            << user << " on " << device << " -> " << stream << ": " << decision.code;
        if (expected) expectedList.push_back(stream);
        if (!decision.allowed) {
          EXPECT_FALSE(decision.code.empty());
          EXPECT_FALSE(decision.reason.empty());
          ++denials[decision.code];
        }
        ++decisions;
        allowed += expected;
        bool mayPublish = referenceMayWatch(model, user, device, stream, true);
        ASSERT_EQ(decidePublish(*directory, user, device, stream).allowed, mayPublish)
            << user << " on " << device << " publishing " << stream;
        publishers += mayPublish;
      }
      EXPECT_EQ(watchableStreams(*directory, user, device), expectedList) << user;
    }
  }
  // The generated directory must exercise both outcomes and every reason to mean anything.
  EXPECT_GT(allowed, 100u);
  EXPECT_GT(publishers, 10u);
  for (const char* code : {"user-inactive", "unknown-device", "device-revoked",
                           "missing-permission", "tenant-boundary", "not-shared"}) {
    EXPECT_GT(denials[code], 0u) << code;
  }
  std::printf("%zu decisions, %zu allowed\n", decisions, allowed);
}

TEST_F(PolicyAgainstReference, UnknownUsersAndStreamsAreDenied) {
  auto directory = store->loadDirectory();
  const auto& [name, user] = *model.users.begin();
  std::string device = user.devices.begin()->first;
  EXPECT_EQ(decideWatch(*directory, "nobody", device, "stream0").code, "unknown-user");
  auto missing = decideWatch(*directory, name, device, "no-such-stream");
  EXPECT_FALSE(missing.allowed);
  EXPECT_TRUE(watchableStreams(*directory, "nobody", device).empty());
}

}  // namespace
}  // namespace medrelay::access
