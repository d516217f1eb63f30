// Consult threads in the SQLite directory store, on a real data directory: round trip and
// paging; encryption at rest (no plaintext in the database or its WAL, the key in its own 0600
// file); rows that no longer open (another key, moved or edited in the file) read as unreadable
// without failing the page; the audit record without the text; input refusals and their codes;
// a removed stream's thread goes with it; a version 7 database migrates with its data.
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <random>

#include "access/audit_key.hpp"
#include "access/audit_log.hpp"
#include "access/directory_store.hpp"
#include "access/schema.hpp"
#include "access/sqlite_database.hpp"

namespace medrelay::access {
namespace {

// Password hashing is not what this file tests: cheap hashes, as password_hash.hpp allows.
[[maybe_unused]] const bool kCheapHashes = ::setenv("MEDRELAY_INSECURE_SCRYPT_LOG2N", "10", 1) == 0;

// What the tests look for in the database's bytes: found there, it was stored in the clear.
const std::string kSecret = "Pt Zebulon Quackenbush, MRN 4471-0932: tPA at 14:05";
constexpr int64_t kNow = 1'700'000'000'000;

using medrelay::testing::TempDir;

std::string codeOf(const std::function<void()>& operation) {
  try {
    operation();
  } catch (const StoreError& e) {
    return e.code();
  }
  return "ok";
}

std::string fileBytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::vector<int64_t> idsOf(const std::vector<ThreadMessage>& messages) {
  std::vector<int64_t> ids;
  for (const auto& m : messages)
    ids.push_back(m.id);
  return ids;
}

class ThreadStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    open();
    store->addTenant("t", "north");
    store->addUser("t", "north", "alice", "Alice A.", UserStatus::Active);
    store->addUser("t", "north", "bob", "", UserStatus::Active);
    store->ensureStream("t", "north", "or1", "camera", "rtsp://cam/1");
    store->ensureStream("t", "north", "or2", "camera", "rtsp://cam/2");
  }
  void open() { store = openSqliteDirectoryStore(dir.path.string()); }
  // The store closed (its last connection checkpoints the WAL into the file), then `change`
  // applied to the file through a connection of its own, then the store opened again.
  void editFile(const std::function<void(Database&)>& change) {
    store.reset();
    {
      Database db(dir.path / "medrelay.db");
      change(db);
    }
    open();
  }
  int64_t rawCount(const std::string& sql) {
    Database db(dir.path / "medrelay.db");
    auto s = db.prepare(sql);
    s.step();
    return s.integer(0);
  }

  TempDir dir;
  std::unique_ptr<DirectoryStore> store;
};

TEST_F(ThreadStoreTest, AMessageReadsBackAsWritten) {
  const std::string text = "Clot at M1 on the left.\n\tNIHSS 14 — thrombectomy? 🧠 (Ärztin)";
  ThreadMessage posted = store->postThreadMessage("alice", "or1", text, kNow);
  EXPECT_GT(posted.id, 0);
  EXPECT_EQ(posted.stream, "or1");
  EXPECT_EQ(posted.author, "alice");
  EXPECT_EQ(posted.atMs, kNow);
  EXPECT_EQ(posted.text, text);
  EXPECT_TRUE(posted.readable);
  ThreadMessage reply = store->postThreadMessage("bob", "or1", "On my way.", kNow + 5);
  EXPECT_GT(reply.id, posted.id);

  store.reset();  // and from the file, not from anything the store kept
  open();
  auto thread = store->readThread("or1", 0, 10);
  ASSERT_EQ(thread.size(), 2u);
  EXPECT_EQ(thread[0].id, reply.id);
  EXPECT_EQ(thread[0].author, "bob");
  EXPECT_EQ(thread[0].text, "On my way.");
  EXPECT_EQ(thread[1].id, posted.id);
  EXPECT_EQ(thread[1].stream, "or1");
  EXPECT_EQ(thread[1].author, "alice");
  EXPECT_EQ(thread[1].atMs, kNow);
  EXPECT_EQ(thread[1].text, text);
  EXPECT_TRUE(thread[0].readable && thread[1].readable);
  EXPECT_TRUE(store->readThread("or2", 0, 10).empty()) << "threads are per stream";
}

TEST_F(ThreadStoreTest, PagesAreNewestFirstBelowTheCursorAndAtMostAHundred) {
  std::vector<int64_t> posted;
  for (int i = 0; i < 105; ++i) {
    posted.push_back(
        store->postThreadMessage("alice", "or1", "note " + std::to_string(i), kNow + i).id);
    if (i == 50) store->postThreadMessage("bob", "or2", "elsewhere", kNow + i);
  }
  std::vector<int64_t> newestFirst(posted.rbegin(), posted.rend());

  auto first = store->readThread("or1", 0, 3);
  EXPECT_EQ(idsOf(first), std::vector<int64_t>(newestFirst.begin(), newestFirst.begin() + 3));
  EXPECT_EQ(first[0].text, "note 104");
  EXPECT_EQ(idsOf(store->readThread("or1", posted[2], 10)),
            (std::vector<int64_t>{posted[1], posted[0]}))
      << "strictly below the cursor";
  EXPECT_TRUE(store->readThread("or1", posted[0], 10).empty());
  EXPECT_EQ(store->readThread("or1", 0, 0).size(), 1u) << "a limit of 0 is raised to 1";
  EXPECT_EQ(store->readThread("or1", 0, 1000).size(), 100u) << "at most 100";
  EXPECT_EQ(idsOf(store->readThread("or1", -7, 3)), idsOf(first)) << "no cursor: the newest";

  // Following the cursor walks the whole thread once, in order, without or2's message.
  std::vector<int64_t> walked;
  for (int64_t cursor = 0;;) {
    auto page = store->readThread("or1", cursor, 7);
    if (page.empty()) break;
    for (const auto& m : page)
      walked.push_back(m.id);
    cursor = page.back().id;
  }
  EXPECT_EQ(walked, newestFirst);
}

TEST_F(ThreadStoreTest, TheDatabaseFilesHoldNoPlaintext) {
  store->postThreadMessage("alice", "or1", kSecret, kNow);
  store->postThreadMessage("bob", "or1", "zzqx-second-marker-zzqx", kNow + 1);
  // Both while the store is open (the WAL holds the recent pages) and after it closed.
  for (int pass = 0; pass < 2; ++pass) {
    std::string bytes = fileBytes(dir.path / "medrelay.db");
    std::string wal = fileBytes(dir.path / "medrelay.db-wal");
    ASSERT_FALSE(bytes.empty());
    // The search works: the thread's author names are stored in the clear, in the same rows.
    EXPECT_NE((bytes + wal).find("alice"), std::string::npos) << "pass " << pass;
    EXPECT_EQ((bytes + wal).find("Quackenbush"), std::string::npos) << "pass " << pass;
    EXPECT_EQ((bytes + wal).find("4471-0932"), std::string::npos) << "pass " << pass;
    EXPECT_EQ((bytes + wal).find("zzqx-second-marker"), std::string::npos) << "pass " << pass;
    store.reset();
  }
  EXPECT_EQ(fileBytes(dir.path / "medrelay.db-wal").find("Quackenbush"), std::string::npos);
  open();
  EXPECT_EQ(store->readThread("or1", 0, 10).back().text, kSecret);
}

TEST_F(ThreadStoreTest, TheKeyIsItsOwnPrivateFileKeptAcrossStarts) {
  auto key = dir.path / "thread-key";
  ASSERT_TRUE(std::filesystem::is_regular_file(key));
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  std::string bytes = fileBytes(key);
  EXPECT_EQ(bytes.size(), 32u);
  EXPECT_NE(bytes, fileBytes(dir.path / "audit-key")) << "one key per job";
  EXPECT_EQ(fileBytes(dir.path / "medrelay.db").find(bytes), std::string::npos);
  store->postThreadMessage("alice", "or1", kSecret, kNow);
  store.reset();
  open();
  EXPECT_EQ(fileBytes(key), bytes) << "a second start keeps the key";
  EXPECT_TRUE(store->readThread("or1", 0, 1).at(0).readable);
}

TEST_F(ThreadStoreTest, AnotherKeyReadsUnreadableMessagesWithoutFailing) {
  auto old = store->postThreadMessage("alice", "or1", kSecret, kNow);
  store.reset();
  {
    std::string other(32, '\0');
    std::mt19937 random(7);
    for (char& c : other)
      c = static_cast<char>(random());
    std::ofstream(dir.path / "thread-key", std::ios::binary | std::ios::trunc) << other;
  }
  open();
  auto posted = store->postThreadMessage("bob", "or1", "Written under the new key.", kNow + 1);
  std::vector<ThreadMessage> thread;
  ASSERT_NO_THROW(thread = store->readThread("or1", 0, 10));
  ASSERT_EQ(thread.size(), 2u);
  EXPECT_EQ(thread[0].id, posted.id);
  EXPECT_TRUE(thread[0].readable) << "the page still carries what does open";
  EXPECT_EQ(thread[0].text, "Written under the new key.");
  EXPECT_EQ(thread[1].id, old.id);
  EXPECT_FALSE(thread[1].readable);
  EXPECT_EQ(thread[1].text, "");
  EXPECT_EQ(thread[1].author, "alice") << "who and when stay known";
  EXPECT_EQ(thread[1].atMs, kNow);
}

TEST_F(ThreadStoreTest, AMessageMovedToAnotherStreamInTheFileReadsUnreadable) {
  auto moved = store->postThreadMessage("alice", "or1", kSecret, kNow);
  auto stays = store->postThreadMessage("alice", "or1", "Stays here.", kNow + 1);
  editFile([&](Database& db) {
    db.prepare(
          "UPDATE thread_messages SET stream_id = (SELECT id FROM streams WHERE name = 'or2') "
          "WHERE id = ?")
        .bind(1, moved.id)
        .run();
    ASSERT_EQ(db.changes(), 1);
  });
  auto or2 = store->readThread("or2", 0, 10);
  ASSERT_EQ(or2.size(), 1u);
  EXPECT_EQ(or2[0].id, moved.id);
  EXPECT_FALSE(or2[0].readable);
  EXPECT_EQ(or2[0].text, "");
  auto or1 = store->readThread("or1", 0, 10);
  ASSERT_EQ(or1.size(), 1u);
  EXPECT_EQ(or1[0].id, stays.id);
  EXPECT_TRUE(or1[0].readable);
}

TEST_F(ThreadStoreTest, AnyOtherFieldEditedInTheFileReadsUnreadable) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 5; ++i)
    ids.push_back(store->postThreadMessage("alice", "or1", kSecret, kNow + i).id);
  editFile([&](Database& db) {
    db.prepare("UPDATE thread_messages SET author = 'bob' WHERE id = ?").bind(1, ids[0]).run();
    db.prepare("UPDATE thread_messages SET at_ms = at_ms + 1 WHERE id = ?").bind(1, ids[1]).run();
    auto row = db.prepare("SELECT ciphertext FROM thread_messages WHERE id = ?");
    row.bind(1, ids[2]);
    ASSERT_TRUE(row.step());
    std::string flipped = row.blob(0);
    flipped[0] = static_cast<char>(flipped[0] ^ 0x20);
    db.prepare("UPDATE thread_messages SET ciphertext = ? WHERE id = ?")
        .bindBlob(1, flipped)
        .bind(2, ids[2])
        .run();
    // Renumbered, to another place in the thread: the id is bound too, not only stream,
    // author and time.
    db.prepare("UPDATE thread_messages SET id = ? WHERE id = ?")
        .bind(1, ids[4] + 100)
        .bind(2, ids[3])
        .run();
  });
  auto thread = store->readThread("or1", 0, 10);
  ASSERT_EQ(thread.size(), 5u);
  std::map<int64_t, bool> readable;
  for (const auto& m : thread)
    readable[m.id] = m.readable;
  EXPECT_FALSE(readable.at(ids[0])) << "author changed";
  EXPECT_FALSE(readable.at(ids[1])) << "time changed";
  EXPECT_FALSE(readable.at(ids[2])) << "ciphertext altered";
  EXPECT_FALSE(readable.at(ids[4] + 100)) << "id changed";
  EXPECT_TRUE(readable.at(ids[4])) << "the untouched message";
}

TEST_F(ThreadStoreTest, TheAuditRecordHasTheIdAndSizeButNeverTheText) {
  int64_t counter = store->changeCounter();
  auto posted = store->postThreadMessage("alice", "or1", kSecret, kNow);
  EXPECT_EQ(store->changeCounter(), counter) << "a message is no directory change to reload";
  AuditQuery q;
  q.stream = "or1";
  std::vector<AuditRecord> messages;
  for (const auto& r : store->queryAudit(q))
    if (r.action == "thread.message") messages.push_back(r);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].actor, "user:alice");
  EXPECT_EQ(messages[0].target, "stream:or1");
  EXPECT_EQ(messages[0].outcome, "success");
  EXPECT_EQ(messages[0].details,
            (nlohmann::json{{"message", posted.id}, {"bytes", kSecret.size()}}));
  for (const auto& r : store->queryAudit(AuditQuery{})) {
    EXPECT_EQ(AuditLog::toJsonLine(r).find("Quackenbush"), std::string::npos) << r.action;
  }
  auto verification = store->verifyAudit();
  EXPECT_TRUE(verification.intact) << verification.problem;
}

TEST_F(ThreadStoreTest, BadTextAndUnknownNamesAreRefusedWithTheirCodes) {
  using namespace std::string_literals;  // "...\0..."s keeps the NUL inside
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"", "empty"},
      {std::string(2001, 'a'), "2001 bytes"},
      {std::string(1999, 'a') + "\xC3\xA9", "2001 bytes, the last character two of them"},
      {"\xC0\xAF", "overlong '/' in two bytes"},
      {"\xE0\x80\xAF", "overlong '/' in three bytes"},
      {"\xF0\x80\x80\xAF", "overlong '/' in four bytes"},
      {"\xED\xA0\x80", "surrogate U+D800"},
      {"\xED\xBF\xBF", "surrogate U+DFFF"},
      {"\xF4\x90\x80\x80", "U+110000, beyond Unicode"},
      {"\xF8\x88\x80\x80\x80", "a five-byte form"},
      {"ok \xE2\x82", "truncated at the end"},
      {"\x80 stray", "a stray continuation byte"},
      {"\xFF", "0xFF"},
      {"a\0b"s, "NUL"},
      {"\x01", "SOH"},
      {"line\r\nline", "carriage return"},
      {"\x1B[31mred", "an escape sequence"},
      {"\x7F", "DEL"},
      {"\xC2\x85", "C1 next line U+0085"},
      {"\xC2\x9B"
       "31m",
       "C1 CSI U+009B"},
      {"left \xE2\x80\xAE"
       "gm 5",
       "right-to-left override U+202E"},
      {"\xE2\x80\xAA"
       "x",
       "left-to-right embedding U+202A, first of its range"},
      {"x \xE2\x81\xA6"
       "y",
       "left-to-right isolate U+2066"},
      {"x \xE2\x81\xA9", "pop directional isolate U+2069, last of its range"},
  };
  for (const auto& [text, why] : refused) {
    EXPECT_EQ(codeOf([&] { store->postThreadMessage("alice", "or1", text, kNow); }), "invalid")
        << why;
  }
  const std::vector<std::string> accepted = {
      "x",
      std::string(2000, 'a'),
      [] {
        std::string s;
        for (int i = 0; i < 1000; ++i)
          s += "\xC3\xA9";  // 2000 bytes of é
        return s;
      }(),
      "two\nlines\tand a tab",
      "\xC2\xA0 no-break space (U+00A0, just past the C1 range)",
      "\xF4\x8F\xBF\xBF (U+10FFFF, the last code point)",
      "\xEF\xBF\xBD \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\xA9\xBA",
      // Hebrew and Arabic need no bidi controls; the marks beside the controls' ranges stay.
      "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D \xD8\xB3\xD9\x84\xD8\xA7\xD9\x85",
      "a\xE2\x80\x8F"
      "b\xE2\x80\xA9"
      "c\xE2\x80\xAF"
      "d\xE2\x81\xA5"
      "e\xE2\x81\xAA"
      "f",
  };
  for (const auto& text : accepted) {
    EXPECT_EQ(codeOf([&] { store->postThreadMessage("alice", "or1", text, kNow); }), "ok")
        << text.substr(0, 40);
  }
  EXPECT_EQ(codeOf([&] { store->postThreadMessage("alice", "no-such-stream", "hi", kNow); }),
            "not-found");
  EXPECT_EQ(codeOf([&] { store->postThreadMessage("nobody", "or1", "hi", kNow); }), "not-found");
  EXPECT_EQ(codeOf([&] { store->readThread("no-such-stream", 0, 10); }), "not-found");

  auto thread = store->readThread("or1", 0, 100);
  ASSERT_EQ(thread.size(), accepted.size()) << "nothing refused was stored";
  for (size_t i = 0; i < accepted.size(); ++i)
    EXPECT_EQ(thread[accepted.size() - 1 - i].text, accepted[i]);
  AuditQuery q;
  q.stream = "or1";
  size_t audited = 0;
  for (const auto& r : store->queryAudit(q))
    audited += r.action == "thread.message";
  EXPECT_EQ(audited, accepted.size()) << "nor audited";
}

// or2 is the newest stream: removed and added again it gets its old id back (SQLite reuses the
// largest rowid), and its name is the same, so an old message left behind would even decrypt.
TEST_F(ThreadStoreTest, ARemovedStreamTakesItsThreadWithIt) {
  store->postThreadMessage("alice", "or2", kSecret, kNow);
  store->postThreadMessage("alice", "or1", "Another stream's thread.", kNow);
  store->removeStream("t", "or2", "camera unplugged");
  EXPECT_EQ(codeOf([&] { store->readThread("or2", 0, 10); }), "not-found");
  store->ensureStream("t", "north", "or2", "camera", "rtsp://cam/2");
  EXPECT_TRUE(store->readThread("or2", 0, 10).empty()) << "the new camera starts a new thread";
  EXPECT_EQ(store->readThread("or1", 0, 10).size(), 1u);
  store.reset();
  EXPECT_EQ(rawCount("SELECT COUNT(*) FROM thread_messages"), 1) << "deleted, not hidden";
}

TEST_F(ThreadStoreTest, AMissingKeyIsAClearErrorOnceMessagesAreStored) {
  store.reset();
  std::filesystem::remove(dir.path / "thread-key");
  open();  // nothing stored yet: a new key, as on a first start
  ASSERT_TRUE(std::filesystem::exists(dir.path / "thread-key"));
  store->postThreadMessage("alice", "or1", kSecret, kNow);
  store.reset();
  std::filesystem::remove(dir.path / "thread-key");
  try {
    open();
    FAIL() << "opened without the thread key";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.code(), "storage");
    EXPECT_NE(std::string(e.what()).find("thread-key is missing"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path / "thread-key")) << "no new key was made";
}

// Version 8 adds thread_messages: a data directory from version 7 (migrations 1 to 7, a keyed
// audit chain, no thread key) keeps its directory and audit trail, and gets a thread key and an
// empty thread per stream.
TEST(ThreadStoreMigration, AVersion7DatabaseMigratesWithItsData) {
  TempDir dir;
  {
    Database db(dir.path / "medrelay.db");
    ASSERT_EQ(migrateSchema(db, 7), 7);
    EXPECT_ANY_THROW(db.execute("SELECT * FROM thread_messages"));
    db.execute("INSERT INTO tenants (id, name, created_at) VALUES (1, 'north', 0)");
    db.execute(
        "INSERT INTO users (id, tenant_id, name, status, created_at) "
        "VALUES (7, 1, 'alice', 'active', 0)");
    db.execute("INSERT INTO user_permissions VALUES (7, 'watch-unseen')");
    db.execute(
        "INSERT INTO streams (id, tenant_id, name, kind, source, created_at) "
        "VALUES (3, 1, 'or1', 'camera', 'rtsp://cam/1', 0)");
    AuditLog audit(db, createAuditKey(dir.path));
    audit.append({"admin-cli", "tenant.add", "tenant:north", "success", {}});
  }
  ASSERT_FALSE(std::filesystem::exists(dir.path / "thread-key"));
  auto store = openSqliteDirectoryStore(dir.path.string());
  auto streams = store->listStreams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_EQ(streams[0].name, "or1");
  auto users = store->listUsers();
  ASSERT_EQ(users.size(), 1u);
  EXPECT_EQ(users[0].name, "alice");
  EXPECT_NE(std::find(users[0].permissions.begin(), users[0].permissions.end(), "watch-unseen"),
            users[0].permissions.end());
  auto verification = store->verifyAudit();
  EXPECT_TRUE(verification.intact) << verification.problem;
  EXPECT_EQ(verification.records, 1);
  EXPECT_TRUE(std::filesystem::exists(dir.path / "thread-key"));
  EXPECT_TRUE(store->readThread("or1", 0, 10).empty());
  auto posted = store->postThreadMessage("alice", "or1", kSecret, kNow);
  EXPECT_EQ(store->readThread("or1", 0, 10).at(0).text, kSecret);
  store.reset();
  Database db(dir.path / "medrelay.db");
  auto version = db.prepare("PRAGMA user_version");
  version.step();
  EXPECT_EQ(version.integer(0), 8);
  EXPECT_EQ(posted.id, 1);
}

}  // namespace
}  // namespace medrelay::access
