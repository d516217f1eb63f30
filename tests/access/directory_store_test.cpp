// The SQLite directory store on a real file: schema migration, every operation's success and
// refusal codes, hostile input kept as data, tenant boundaries, and the audit records each
// change leaves behind.
#include <gtest/gtest.h>

#include <sqlite3.h>
#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <random>

#include "access/directory_store.hpp"
#include "access/password_hash.hpp"
#include "access/schema.hpp"
#include "access/sqlite_database.hpp"
#include "access/totp.hpp"

namespace medrelay::access {
namespace {

// Hundreds of sign-ins below: cheap hashes, as password_hash.hpp allows for tests only.
[[maybe_unused]] const bool kCheapHashes = ::setenv("MEDRELAY_INSECURE_SCRYPT_LOG2N", "10", 1) == 0;

using medrelay::testing::TempDir;

std::string codeOf(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const StoreError& e) {
    return e.code();
  }
  return "ok";
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store = openSqliteDirectoryStore(dir.path.string());
    store->addTenant("t", "north");
    store->addTenant("t", "south");
    store->addUser("t", "north", "alice", "Alice A.", UserStatus::Active);
    store->addUser("t", "south", "bob", "", UserStatus::Active);
    store->addGroup("t", "north", "stroke");
    store->ensureStream("t", "north", "or1", "camera", "rtsp://cam/1");
  }
  TempDir dir;
  std::unique_ptr<DirectoryStore> store;
};

TEST(Schema, FreshDatabaseMigratesToTheLatestVersionOnceAndRefusesNewer) {
  TempDir dir;
  auto file = dir.path / "x.db";
  {
    Database db(file);
    EXPECT_EQ(latestSchemaVersion(), 8);
    EXPECT_EQ(migrateSchema(db), latestSchemaVersion());
    EXPECT_EQ(migrateSchema(db), latestSchemaVersion());  // idempotent
    EXPECT_EQ(migrateSchema(db, 3), latestSchemaVersion()) << "never migrates down";
    EXPECT_EQ(codeOf([&] { migrateSchema(db, latestSchemaVersion() + 1); }), "invalid");
    auto fk = db.prepare("PRAGMA foreign_keys");
    fk.step();
    EXPECT_EQ(fk.integer(0), 1);
    auto wal = db.prepare("PRAGMA journal_mode");
    wal.step();
    EXPECT_EQ(wal.text(0), "wal");
    db.execute("PRAGMA user_version = 999");
  }
  Database db(file);
  EXPECT_EQ(codeOf([&] { migrateSchema(db); }), "storage");
  EXPECT_EQ(std::filesystem::status(file).permissions() & std::filesystem::perms::others_all,
            std::filesystem::perms::none);
}

// Version 7 rebuilds user_permissions to allow watch-unseen: the rows there stay.
TEST(Schema, TheVersion7RebuildKeepsThePermissionsGranted) {
  TempDir dir;
  Database db(dir.path / "x.db");
  EXPECT_EQ(migrateSchema(db, 6), 6);  // as a database from before this version was
  db.execute("INSERT INTO tenants (id, name, created_at) VALUES (1, 'north', 0)");
  db.execute(
      "INSERT INTO users (id, tenant_id, name, status, created_at) "
      "VALUES (5, 1, 'alice', 'active', 0)");
  db.execute("INSERT INTO user_permissions VALUES (5, 'view-live'), (5, 'publish')");
  EXPECT_ANY_THROW(db.execute("INSERT INTO user_permissions VALUES (5, 'watch-unseen')"))
      << "version 6 does not know watch-unseen yet";
  EXPECT_EQ(migrateSchema(db, 7), 7);
  auto rows = db.prepare("SELECT permission FROM user_permissions ORDER BY permission");
  std::vector<std::string> kept;
  while (rows.step())
    kept.push_back(rows.text(0));
  EXPECT_EQ(kept, (std::vector<std::string>{"publish", "view-live"}));
  db.execute("INSERT INTO user_permissions VALUES (5, 'watch-unseen')");
  EXPECT_ANY_THROW(db.execute("INSERT INTO user_permissions VALUES (5, 'fly')"));
}

TEST_F(StoreTest, RefusalsCarryTheirCodes) {
  EXPECT_EQ(codeOf([&] { store->addTenant("t", "north"); }), "conflict");
  EXPECT_EQ(codeOf([&] { store->addUser("t", "nowhere", "carol", "", UserStatus::Active); }),
            "not-found");
  EXPECT_EQ(codeOf([&] { store->addUser("t", "north", "alice", "", UserStatus::Active); }),
            "conflict");
  EXPECT_EQ(codeOf([&] { store->addMember("t", "stroke", "nobody", "member"); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->addMember("t", "stroke", "alice", "king"); }), "invalid");
  EXPECT_EQ(codeOf([&] { store->removeMember("t", "stroke", "alice"); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->unshare("t", "or1", "stroke"); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->revokeDevice("t", "alice", "no-such-device"); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->setPermission("t", "alice", "fly", true); }), "invalid");
  EXPECT_EQ(codeOf([&] { store->requestCollaboration("t", "north", "north"); }), "invalid");
  EXPECT_EQ(codeOf([&] { store->acceptCollaboration("t", "south", "north"); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->ensureStream("t", "north", "x", "radio", ""); }), "invalid");
  EXPECT_EQ(codeOf([&] { store->setPassword("t", "alice", "short"); }), "invalid");
}

TEST_F(StoreTest, SqlLookingAndOversizedInputIsRefusedOrKeptAsData) {
  for (std::string hostile :
       {std::string("x'; DROP TABLE users;--"), std::string("a\"b"), std::string("../../etc"),
        std::string(65, 'a'), std::string("name with space"), std::string(""),
        std::string("\xff\xfe"), std::string("-rf")}) {
    EXPECT_EQ(codeOf([&] { store->addTenant("t", hostile); }), "invalid") << hostile;
    EXPECT_EQ(codeOf([&] { store->addUser("t", "north", hostile, "", UserStatus::Active); }),
              "invalid");
    EXPECT_EQ(codeOf([&] { store->addGroup("t", "north", hostile); }), "invalid");
    EXPECT_EQ(codeOf([&] { store->ensureStream("t", "north", hostile, "camera", ""); }), "invalid");
    // As a lookup key it is just a name that matches nothing.
    EXPECT_EQ(
        codeOf([&] { store->addMember("t", hostile.empty() ? "?" : hostile, "alice", "member"); }),
        "not-found");
    EXPECT_EQ(codeOf([&] { store->registerDevice("t", "alice", hostile, "web"); }), "invalid");
  }
  // Free text (display names) may hold anything within its size limit, stored verbatim.
  EXPECT_EQ(codeOf([&] {
              store->addUser("t", "north", "carol", "Robert'); DROP TABLE users;--",
                             UserStatus::Active);
            }),
            "ok");
  EXPECT_EQ(codeOf([&] {
              store->addUser("t", "north", "dave", std::string(129, 'x'), UserStatus::Active);
            }),
            "invalid");
  EXPECT_EQ(store->loadDirectory()->users.size(), 3u);
}

TEST_F(StoreTest, GroupsAcrossFacilitiesNeedAnAcceptedCollaboration) {
  EXPECT_EQ(codeOf([&] { store->addMember("t", "stroke", "bob", "member"); }), "conflict");
  store->requestCollaboration("t", "south", "north");
  EXPECT_EQ(codeOf([&] { store->addMember("t", "stroke", "bob", "member"); }), "conflict");
  store->acceptCollaboration("t", "north", "south");
  EXPECT_EQ(codeOf([&] { store->addMember("t", "stroke", "bob", "member"); }), "ok");
  auto d = store->loadDirectory();
  EXPECT_EQ(d->collaborations.size(), 2u);  // both directions
  store->endCollaboration("t", "north", "south");
  EXPECT_TRUE(store->loadDirectory()->collaborations.empty());
}

TEST_F(StoreTest, AmbiguousGroupNamesMustNameTheirFacility) {
  store->addGroup("t", "south", "stroke");
  EXPECT_EQ(codeOf([&] { store->share("t", "or1", "stroke"); }), "conflict");
  EXPECT_EQ(codeOf([&] { store->share("t", "or1", "north/stroke"); }), "ok");
  EXPECT_EQ(codeOf([&] { store->share("t", "or1", "south/stroke"); }), "conflict");  // boundary
  auto streams = store->listStreams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].groups, std::vector<std::string>{"north/stroke"});
}

TEST_F(StoreTest, DevicesRegisterOnceAndStayRevoked) {
  EXPECT_EQ(store->registerDevice("t", "alice", "phone-1", "ios"), "active");
  EXPECT_EQ(store->registerDevice("t", "alice", "phone-1", "ios"), "active");
  store->revokeDevice("t", "alice", "phone-1");
  EXPECT_EQ(store->registerDevice("t", "alice", "phone-1", "ios"), "revoked");
  auto devices = store->listDevices("alice");
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].status, "revoked");
  auto d = store->loadDirectory();
  EXPECT_FALSE(d->devices.at({d->users.at("alice").id, "phone-1"}).active);
}

TEST_F(StoreTest, ARemovedStreamLeavesTheDirectoryWithItsSharesAndIsAudited) {
  store->share("t", "or1", "stroke");
  auto before = store->changeCounter();
  store->removeStream("dicom-retention", "or1", "retention 30 days");
  EXPECT_GT(store->changeCounter(), before);  // authorizers reload: its viewers are reviewed
  for (const auto& s : store->listStreams())
    EXPECT_NE(s.name, "or1");
  auto d = store->loadDirectory();
  EXPECT_EQ(d->streams.count("or1"), 0u);
  EXPECT_TRUE(d->shares.empty());
  EXPECT_EQ(codeOf([&] { store->removeStream("t", "or1", ""); }), "not-found");
  bool audited = false;
  for (const auto& r : store->queryAudit({}))
    if (r.action == "stream.remove")
      audited = r.target == "stream:or1" && r.details.value("reason", "") == "retention 30 days";
  EXPECT_TRUE(audited);
  // The name can be used again: a series that comes back is a new stream.
  EXPECT_TRUE(store->ensureStream("t", "north", "or1", "camera", ""));
}

TEST_F(StoreTest, CameraPasswordsNeverReachTheDirectory) {
  store->ensureStream("t", "north", "icu", "camera", "rtsp://admin:s3cret@10.0.0.5:554/live");
  for (const auto& s : store->listStreams()) {
    EXPECT_EQ(s.source.find("s3cret"), std::string::npos) << s.source;
  }
}

TEST_F(StoreTest, PasswordsAreStoredOnlyAsScryptHashes) {
  store->setPassword("t", "alice", "correct horse battery");
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir.path / "medrelay.db").c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  sqlite3_prepare_v2(raw, "SELECT password_hash FROM users WHERE name = 'alice'", -1, &s, nullptr);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  std::string stored = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(raw);
  EXPECT_EQ(stored.rfind("scrypt$", 0), 0u);
  EXPECT_EQ(stored.find("correct horse"), std::string::npos);
  EXPECT_TRUE(verifySecret("correct horse battery", stored));
  EXPECT_FALSE(verifySecret("correct horse batterY", stored));
  EXPECT_FALSE(verifySecret("correct horse battery", "scrypt$99$8$1$AA$BB"));
  EXPECT_FALSE(verifySecret("x", "garbage"));
  EXPECT_NE(hashSecret("same"), hashSecret("same"));  // salted
  // The audit record says a password was set, and nothing about it.
  for (const auto& r : store->queryAudit({})) {
    EXPECT_EQ(r.details.dump().find("scrypt"), std::string::npos);
  }
}

TEST_F(StoreTest, FailedSignInsLockWithADoublingDelayAndSuccessResets) {
  store->setPassword("t", "alice", "correct horse");
  const int64_t t0 = 1'000'000;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(store->checkPassword("alice", "wrong", "10.0.0.1", t0).result,
              CredentialCheck::BadCredentials);
  }
  auto fifth = store->checkPassword("alice", "wrong", "10.0.0.1", t0);
  EXPECT_EQ(fifth.result, CredentialCheck::Locked);
  EXPECT_EQ(fifth.retryAfterSeconds, 1);
  // Locked through the second the lock ends in, even for the right password.
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "10.0.0.1", t0 + 1).result,
            CredentialCheck::Locked);
  auto sixth = store->checkPassword("alice", "wrong", "10.0.0.1", t0 + 2);
  EXPECT_EQ(sixth.result, CredentialCheck::Locked);
  EXPECT_EQ(sixth.retryAfterSeconds, 2);
  auto seventh = store->checkPassword("alice", "wrong", "10.0.0.1", t0 + 5);
  EXPECT_EQ(seventh.retryAfterSeconds, 4);
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "10.0.0.1", t0 + 10).result,
            CredentialCheck::Ok);
  EXPECT_EQ(store->checkPassword("alice", "wrong", "10.0.0.1", t0 + 11).result,
            CredentialCheck::BadCredentials)
      << "success resets the count";
  // The delay never exceeds an hour, however long the attack goes on.
  int64_t now = t0 + 20;
  CredentialCheck last;
  for (int i = 0; i < 40; ++i) {
    last = store->checkPassword("alice", "wrong", "10.0.0.1", now);
    if (last.result == CredentialCheck::Locked) now += last.retryAfterSeconds + 1;
  }
  EXPECT_EQ(last.result, CredentialCheck::Locked);
  EXPECT_LE(last.retryAfterSeconds, 3600);
  EXPECT_GE(last.retryAfterSeconds, 3000);
  // Disabled users and unknown users never get in.
  store->setUserStatus("t", "bob", UserStatus::Disabled);
  store->setPassword("t", "bob", "bob password");
  EXPECT_EQ(store->checkPassword("bob", "bob password", "10.0.0.1", now).result,
            CredentialCheck::Inactive);
  EXPECT_EQ(store->checkPassword("nobody", "x", "10.0.0.1", now).result,
            CredentialCheck::BadCredentials);
}

// Issue 12: five wrong passwords from anywhere locked the account everywhere, the user's own
// device included.
TEST_F(StoreTest, WrongPasswordsLockTheirSourceOnlyUpToAnAccountWideCeiling) {
  store->setPassword("t", "alice", "correct horse");
  store->setPasscode("t", "alice", "4711");
  store->registerDevice("t", "alice", "phone", "ios");
  const int64_t t0 = 1'200'000;
  for (int i = 0; i < 5; ++i)
    store->checkPassword("alice", "wrong", "203.0.113.9", t0);
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "203.0.113.9", t0).result,
            CredentialCheck::Locked)
      << "the attacker's address is locked";
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "10.1.1.1", t0).result,
            CredentialCheck::Ok)
      << "the user's own address is not";
  // Unknown names lock the same way: the lock tells nothing about which names exist.
  for (int i = 0; i < 5; ++i)
    store->checkPassword("nobody", "wrong", "203.0.113.9", t0);
  EXPECT_EQ(store->checkPassword("nobody", "wrong", "203.0.113.9", t0).result,
            CredentialCheck::Locked);
  // Many sources together hit the account-wide ceiling (50 in 15 minutes): then the password
  // is refused from everywhere, but a registered device's passcode still unlocks.
  CredentialCheck last;
  for (int i = 0; i < DirectoryStore::kSignInCeiling; ++i)
    last = store->checkPassword("alice", "wrong", "198.51.100." + std::to_string(i), t0 + 1);
  EXPECT_EQ(last.result, CredentialCheck::Locked);
  EXPECT_GE(last.retryAfterSeconds, DirectoryStore::kSignInCeilingWindowSeconds - 2);
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "10.1.1.1", t0 + 2).result,
            CredentialCheck::Locked);
  EXPECT_EQ(store->checkPasscode("alice", "phone", "4711", t0 + 2).result, CredentialCheck::Ok)
      << "the registered device's passcode is not stopped by the password lock";
  // The window ends: the user's own address signs in again.
  EXPECT_EQ(store
                ->checkPassword("alice", "correct horse", "10.1.1.1",
                                t0 + 2 + DirectoryStore::kSignInCeilingWindowSeconds)
                .result,
            CredentialCheck::Ok);
}

// Issue 12: a disabled account answered "inactive" before its password was checked, telling
// anyone which names exist.
TEST_F(StoreTest, EveryFailureAnswersAlikeUntilThePasswordIsRight) {
  const int64_t now = 1'500'000;
  store->setPassword("t", "bob", "bob password");
  store->setUserStatus("t", "bob", UserStatus::Disabled);
  EXPECT_EQ(store->checkPassword("bob", "wrong", "10.0.0.1", now).result,
            CredentialCheck::BadCredentials)
      << "a disabled account with a wrong password looks like any other failure";
  EXPECT_EQ(store->checkPassword("nobody", "wrong", "10.0.0.1", now).result,
            CredentialCheck::BadCredentials);
  EXPECT_EQ(store->checkPassword("alice", "wrong", "10.0.0.1", now).result,
            CredentialCheck::BadCredentials)
      << "no password set";
  EXPECT_EQ(store->checkPassword("bob", "bob password", "10.0.0.1", now).result,
            CredentialCheck::Inactive)
      << "only the right password learns that the account is disabled";
}

// A data directory from before the keyed chain: its plain SHA-256 records stay verifiable as a
// legacy prefix, sealed by the first keyed record, which the first start with a key appends.
TEST(AuditKey, AChainFromBeforeTheKeyVerifiesAsASealedLegacyPrefix) {
  TempDir dir;
  auto writeLegacy = [&](Database& db, int from, int to, std::string prev, const char* outcome) {
    for (int seq = from; seq <= to; ++seq) {
      AuditEntry e{"admin-cli", "tenant.add", "tenant:t" + std::to_string(seq), outcome, {}};
      std::string hash = auditRecordHash(prev, seq, 1000 + seq, e, "{}");
      db.prepare(
            "INSERT OR REPLACE INTO audit_log (seq, at_ms, actor, action, target, outcome, "
            "details, prev_hash, hash, scheme) VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?, 'sha256')")
          .bind(1, int64_t{seq})
          .bind(2, int64_t{1000 + seq})
          .bind(3, e.actor)
          .bind(4, e.action)
          .bind(5, e.target)
          .bind(6, e.outcome)
          .bind(7, prev)
          .bind(8, hash)
          .run();
      prev = hash;
    }
    return prev;
  };
  {
    Database db(dir.path / "medrelay.db");
    migrateSchema(db);
    writeLegacy(db, 1, 3, std::string(64, '0'), "success");
  }
  auto store = openSqliteDirectoryStore(dir.path.string());
  auto key = dir.path / "audit-key";
  ASSERT_TRUE(std::filesystem::exists(key));
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  store->addTenant("t", "north");
  auto result = store->verifyAudit();
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.legacyRecords, 3);
  EXPECT_EQ(result.records, 5);  // 3 legacy, the seal, the new tenant
  store.reset();
  // Rewriting the legacy prefix, plain chain recomputed: the seal's MAC no longer links.
  {
    Database db(dir.path / "medrelay.db");
    db.execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    auto prev = db.prepare("SELECT hash FROM audit_log WHERE seq = 1");
    ASSERT_TRUE(prev.step());
    writeLegacy(db, 2, 3, prev.text(0), "failure");
  }
  store = openSqliteDirectoryStore(dir.path.string());
  result = store->verifyAudit();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 4) << result.problem;
  // And cutting every keyed record leaves a chain that ends unkeyed: refused too.
  store.reset();
  {
    Database db(dir.path / "medrelay.db");
    db.execute("DELETE FROM audit_log WHERE scheme = 'hmac-sha256'");
    writeLegacy(db, 1, 3, std::string(64, '0'), "success");
  }
  store = openSqliteDirectoryStore(dir.path.string());
  result = store->verifyAudit();
  EXPECT_FALSE(result.intact) << "the key exists, so keyed records were cut";
}

TEST(AuditKey, AMissingKeyIsAClearErrorNotANewKey) {
  TempDir dir;
  openSqliteDirectoryStore(dir.path.string())->addTenant("t", "north");
  std::filesystem::remove(dir.path / "audit-key");
  try {
    openSqliteDirectoryStore(dir.path.string());
    FAIL() << "opened without the audit key";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), "storage");
    EXPECT_NE(std::string(e.what()).find("audit-key is missing"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "audit-key")) << "no new key was made";
}

TEST_F(StoreTest, PasscodesUnlockOnlyRegisteredActiveDevicesAndLockPerDevice) {
  store->setPasscode("t", "alice", "4711");
  store->registerDevice("t", "alice", "phone", "ios");
  store->registerDevice("t", "alice", "tablet", "ios");
  const int64_t t0 = 2'000'000;
  EXPECT_EQ(store->checkPasscode("alice", "phone", "4711", t0).result, CredentialCheck::Ok);
  EXPECT_NE(store->checkPasscode("alice", "laptop", "4711", t0).result, CredentialCheck::Ok);
  for (int i = 0; i < 5; ++i)
    store->checkPasscode("alice", "phone", "0000", t0);
  EXPECT_EQ(store->checkPasscode("alice", "phone", "4711", t0).result, CredentialCheck::Locked);
  EXPECT_EQ(store->checkPasscode("alice", "tablet", "4711", t0).result, CredentialCheck::Ok)
      << "the lock is per device";
  store->revokeDevice("t", "alice", "tablet");
  EXPECT_NE(store->checkPasscode("alice", "tablet", "4711", t0 + 100).result, CredentialCheck::Ok);
  EXPECT_EQ(codeOf([&] { store->setPasscode("t", "alice", "12"); }), "invalid");
}

TEST_F(StoreTest, SettingThePasscodeRevokesEveryRefreshTokenOfTheUser) {
  store->registerDevice("t", "alice", "phone", "ios");
  store->registerDevice("t", "alice", "tablet", "ios");
  const int64_t now = 2'500'000;
  auto phone = store->issueRefreshToken("alice", "phone", 3600, now);
  auto tablet = store->issueRefreshToken("alice", "tablet", 3600, now);
  auto bobs = store->issueRefreshToken("bob", "bob-phone", 3600, now);
  store->setPasscode("user:alice", "alice", "4711");
  EXPECT_FALSE(store->redeemRefreshToken(phone, now + 1).ok);
  EXPECT_FALSE(store->redeemRefreshToken(tablet, now + 1).ok);
  EXPECT_TRUE(store->redeemRefreshToken(bobs, now + 1).ok) << "only alice's sign-ins end";
  AuditQuery query;
  query.user = "alice";
  bool recorded = false;
  for (const auto& r : store->queryAudit(query)) {
    if (r.action == "user.passcode.set")
      recorded = r.details.value("refresh_tokens_revoked", 0) == 2;
  }
  EXPECT_TRUE(recorded);
}

TEST_F(StoreTest, RefreshTokensAreSingleUseAndReuseRevokesTheDevice) {
  store->registerDevice("t", "alice", "phone", "ios");
  store->registerDevice("t", "alice", "tablet", "ios");
  const int64_t t0 = 3'000'000;
  auto first = store->issueRefreshToken("alice", "phone", 3600, t0);
  auto other = store->issueRefreshToken("alice", "tablet", 3600, t0);
  auto redeemed = store->redeemRefreshToken(first, t0 + 1);
  ASSERT_TRUE(redeemed.ok);
  EXPECT_EQ(redeemed.user, "alice");
  EXPECT_EQ(redeemed.device, "phone");
  auto second = store->issueRefreshToken("alice", "phone", 3600, t0 + 1);
  auto again = store->redeemRefreshToken(first, t0 + 2);
  EXPECT_FALSE(again.ok);
  EXPECT_EQ(again.code, "reused");
  EXPECT_FALSE(store->redeemRefreshToken(second, t0 + 3).ok) << "reuse revoked the device";
  EXPECT_TRUE(store->redeemRefreshToken(other, t0 + 3).ok) << "other devices are untouched";
  // Expired, malformed, forged.
  auto late = store->issueRefreshToken("alice", "tablet", 10, t0);
  EXPECT_EQ(store->redeemRefreshToken(late, t0 + 11).code, "expired");
  for (const std::string& bad : std::vector<std::string>{
           "", ".", "x.y", std::string(300, 'a'), late.substr(0, late.find('.')) + ".forged"}) {
    EXPECT_FALSE(store->redeemRefreshToken(bad, t0).ok) << bad;
  }
  // Only a hash of the secret is stored.
  auto secret = other.substr(other.find('.') + 1);
  Database db(dir.path / "medrelay.db");
  auto rows = db.prepare("SELECT token_hash FROM refresh_tokens");
  while (rows.step())
    EXPECT_NE(rows.text(0), secret);
}

TEST_F(StoreTest, SignOutVoidsTheDevicesTokensUpToThatSecond) {
  store->registerDevice("t", "alice", "phone", "ios");
  const int64_t t0 = 4'000'000;
  auto refresh = store->issueRefreshToken("alice", "phone", 3600, t0);
  store->signOut("t", "alice", "phone", t0 + 10);
  EXPECT_FALSE(store->redeemRefreshToken(refresh, t0 + 11).ok);
  int64_t validAfter = 0;
  for (const auto& d : store->listDevices("alice")) {
    if (d.uuid == "phone") validAfter = d.tokensValidAfter;
  }
  EXPECT_EQ(validAfter, t0 + 11) << "tokens issued in the sign-out's second are void too";
  auto directory = store->loadDirectory();
  EXPECT_EQ(directory->devices.at({directory->users.at("alice").id, "phone"}).tokensValidAfter,
            t0 + 11);
}

TEST_F(StoreTest, AdministrationListingsShowDepartmentsMembersRolesAndCollaborations) {
  store->addDepartment("t", "north", "radiology");
  store->setUserDepartment("t", "alice", "radiology");
  EXPECT_EQ(codeOf([&] { store->setUserDepartment("t", "bob", "radiology"); }), "not-found")
      << "a department of another facility";
  store->addMember("t", "stroke", "alice", "admin");
  store->setAdminRole("t", "alice", "tenant-admin", true);
  store->requestCollaboration("t", "north", "south");
  auto users = store->listUsers();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_EQ(users[0].department, "radiology");
  EXPECT_EQ(users[0].adminRoles, std::vector<std::string>{"tenant-admin"});
  EXPECT_EQ(users[0].permissions, (std::vector<std::string>{"view-dicom", "view-live"}));
  auto groups = store->listGroups();
  ASSERT_EQ(groups.size(), 1u);
  ASSERT_EQ(groups[0].members.size(), 1u);
  EXPECT_EQ(groups[0].members[0].user, "alice");
  EXPECT_EQ(groups[0].members[0].role, "admin");
  EXPECT_EQ(store->listTenants(), (std::vector<std::string>{"north", "south"}));
  auto departments = store->listDepartments();
  ASSERT_EQ(departments.size(), 1u);
  EXPECT_EQ(departments[0].tenant, "north");
  auto collaborations = store->listCollaborations();
  ASSERT_EQ(collaborations.size(), 1u);
  EXPECT_EQ(collaborations[0].status, "requested");
  store->acceptCollaboration("t", "south", "north");
  EXPECT_EQ(store->listCollaborations()[0].status, "accepted");
}

TEST_F(StoreTest, OneTimeCodesWorkOnceWithinTheDriftWindowAndCountAsFailures) {
  store->setPassword("t", "alice", "correct horse");  // (setting a password clears a lock)
  auto uri = store->enrollOneTimeCodes("t", "alice");
  ASSERT_EQ(uri.rfind("otpauth://totp/MedRelay:alice?secret=", 0), 0u) << uri;
  auto secret = uri.substr(uri.find("secret=") + 7, 32);
  auto key = base32Decode(secret);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(key->size(), 20u);
  const int64_t now = 1'800'000'000;
  const int64_t step = now / kTotpStepSeconds;
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step - 1), now).result,
            CredentialCheck::Ok)
      << "a code from the previous step (clock drift)";
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step - 1), now).result,
            CredentialCheck::BadCredentials)
      << "the same code again";
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step), now).result,
            CredentialCheck::Ok);
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step - 1), now).result,
            CredentialCheck::BadCredentials)
      << "an older code after a newer one";
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step + 3), now).result,
            CredentialCheck::BadCredentials);
  EXPECT_EQ(store->checkOneTimeCode("bob", "123456", now).result, CredentialCheck::BadCredentials)
      << "not enrolled";
  // Re-enrolling replaces the key: the old one's codes stop working.
  store->enrollOneTimeCodes("t", "alice");
  EXPECT_EQ(store->checkOneTimeCode("alice", totpCode(*key, step + 1), now).result,
            CredentialCheck::BadCredentials);
  // Five failures in a row lock the account, as wrong passwords do (three happened above,
  // two with reused codes: each counts).
  auto last = store->checkOneTimeCode("alice", "000000", now);
  for (int i = 0; i < 5 && last.result != CredentialCheck::Locked; ++i)
    last = store->checkOneTimeCode("alice", "000000", now);
  EXPECT_EQ(last.result, CredentialCheck::Locked);
  EXPECT_EQ(store->checkPassword("alice", "correct horse", "10.0.0.1", now).result,
            CredentialCheck::Locked)
      << "the lock covers password sign-in too";
  // The secret never appears in the audit trail.
  AuditQuery everything;
  for (const auto& r : store->queryAudit(everything))
    EXPECT_EQ(r.details.dump().find(secret), std::string::npos);
}

TEST_F(StoreTest, EveryChangeIsAuditedWithBeforeAndAfter) {
  store->addMember("t", "stroke", "alice", "member");
  store->addMember("t", "stroke", "alice", "admin");
  store->removeMember("t", "stroke", "alice");
  AuditQuery q;
  q.user = "alice";
  auto records = store->queryAudit(q);
  std::vector<std::string> actions;
  for (const auto& r : records)
    actions.push_back(r.action);
  EXPECT_EQ(actions, (std::vector<std::string>{"user.add", "group.member.add", "group.member.add",
                                               "group.member.remove"}));
  EXPECT_EQ(records[2].details["before"]["role"], "member");
  EXPECT_EQ(records[2].details["after"]["role"], "admin");
  EXPECT_EQ(records[3].details["before"]["role"], "admin");
  EXPECT_EQ(records[3].actor, "t");
  AuditQuery byGroup;
  byGroup.group = "north/stroke";
  EXPECT_EQ(store->queryAudit(byGroup).size(), 4u);  // group.add + three membership changes
}

TEST_F(StoreTest, ChangeCounterMovesForChangesFromAnotherConnection) {
  int64_t before = store->changeCounter();
  EXPECT_EQ(store->changeCounter(), before);
  auto other = openSqliteDirectoryStore(dir.path.string());  // as `medrelay admin` would
  other->setUserStatus("admin", "alice", UserStatus::Disabled);
  EXPECT_NE(store->changeCounter(), before);
  EXPECT_EQ(store->loadDirectory()->users.at("alice").status, UserStatus::Disabled);
}

}  // namespace
}  // namespace medrelay::access
