// Audit records from the relay's I/O thread are written off that thread: while another
// connection holds the database's write lock, audit() still returns at once, and every record
// is written, in order, once the lock is released; a full queue makes the caller wait rather
// than lose a record; destroying the writer writes what is still queued.
#include "access/audit_writer.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "access/directory_authorizer.hpp"
#include "access/sqlite_database.hpp"

namespace medrelay::access {
namespace {

using namespace std::chrono_literals;

using medrelay::testing::TempDir;

AuditEntry joinOf(int i) {
  return {"user:u" + std::to_string(i), "subscribe", "stream:s", "granted", {{"n", i}}};
}

int64_t subscribeRecords(DirectoryStore& store) {
  AuditQuery q;
  q.stream = "s";
  return static_cast<int64_t>(store.queryAudit(q).size());
}

// Issue 12: DirectoryAuthorizer::audit wrote synchronously on the caller's thread (the
// signaling I/O thread): with the write lock held elsewhere it waited the busy timeout (5 s per
// record) and then lost the record.
TEST(AuditWriter, AuditReturnsWhileTheDatabaseIsLockedAndEveryRecordLandsAfter) {
  TempDir dir;
  auto store = openSqliteDirectoryStore(dir.path.string());
  DirectoryAuthorizer authorizer(*store);
  Database blocker(dir.path / "medrelay.db");
  blocker.execute("BEGIN IMMEDIATE");  // an admin process in the middle of a change
  for (int i = 0; i < 3; ++i)
    authorizer.audit(joinOf(i));
  // Reached without waiting for the lock: nothing could be written yet.
  blocker.execute("COMMIT");
  authorizer.flushAudit();
  EXPECT_EQ(subscribeRecords(*store), 3);
  auto records = store->queryAudit({});
  int next = 0;
  for (const auto& r : records) {
    if (r.action == "subscribe") {
      EXPECT_EQ(r.details["n"], next++) << "in order";
    }
  }
  EXPECT_TRUE(store->verifyAudit().intact);
}

TEST(AuditWriter, AFullQueueMakesTheCallerWaitAndLosesNothing) {
  TempDir dir;
  auto store = openSqliteDirectoryStore(dir.path.string());
  Database blocker(dir.path / "medrelay.db");
  {
    AuditWriter writer(*store, 4);
    blocker.execute("BEGIN IMMEDIATE");
    std::atomic<int> appended{0};
    std::thread producer([&] {
      for (int i = 0; i < 20; ++i) {
        writer.append(joinOf(i));
        ++appended;
      }
    });
    // The producer fills the queue and waits: an event, not a time.
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (writer.waits() == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(5ms);
    EXPECT_GT(writer.waits(), 0u);
    EXPECT_LT(appended.load(), 20) << "a full queue holds the caller";
    blocker.execute("COMMIT");
    producer.join();
    // The writer is destroyed here: it writes everything still queued.
  }
  EXPECT_EQ(subscribeRecords(*store), 20);
  EXPECT_TRUE(store->verifyAudit().intact);
}

TEST(AuditWriter, ManyRecordsAreWrittenInBatchesAndInOrder) {
  TempDir dir;
  auto store = openSqliteDirectoryStore(dir.path.string());
  {
    AuditWriter writer(*store);
    for (int i = 0; i < 2000; ++i)
      writer.append(joinOf(i));
  }
  AuditQuery q;
  q.stream = "s";
  q.limit = 5000;
  auto records = store->queryAudit(q);
  ASSERT_EQ(records.size(), 2000u);
  for (size_t i = 0; i < records.size(); ++i)
    ASSERT_EQ(records[i].details["n"], static_cast<int>(i));
  EXPECT_TRUE(store->verifyAudit().intact);
}

}  // namespace
}  // namespace medrelay::access
