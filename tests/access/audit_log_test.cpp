// The audit trail's keyed chain: intact logs verify, and any edit, deletion or reordering made
// behind the application's back (triggers dropped, rows rewritten, the plain chain recomputed)
// is reported at the first record it breaks; a cut tail fails against an exported head; a chain
// from before the key verifies as a legacy prefix. Exports escape what CSV readers would
// misread.
#include "access/audit_log.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "access/audit_key.hpp"
#include "access/digest.hpp"
#include "access/directory_store.hpp"
#include "access/schema.hpp"

namespace medrelay::access {
namespace {

class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("medrelay-audit-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dir);
    db = std::make_unique<Database>(dir / "medrelay.db");
    migrateSchema(*db);
    log = std::make_unique<AuditLog>(*db, std::string(32, 'k'));
    for (int i = 1; i <= 10; ++i) {
      log->append({"user:u" + std::to_string(i),
                   "subscribe",
                   "stream:s" + std::to_string(i % 3),
                   i % 2 ? "granted" : "denied",
                   {{"stream", "s" + std::to_string(i % 3)}}});
    }
  }
  void TearDown() override {
    log.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  // What an attacker with the database file could do: drop the guard and edit.
  void tamper(const std::string& sql) {
    db->execute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;");
    db->execute(sql);
  }

  std::filesystem::path dir;
  std::unique_ptr<Database> db;
  std::unique_ptr<AuditLog> log;
};

TEST_F(AuditLogTest, IntactChainVerifies) {
  auto result = log->verify();
  EXPECT_TRUE(result.intact) << result.problem;
  EXPECT_EQ(result.records, 10);
  auto records = log->query({});
  ASSERT_EQ(records.size(), 10u);
  EXPECT_EQ(records[0].prevHash, std::string(64, '0'));
  for (size_t i = 1; i < records.size(); ++i)
    EXPECT_EQ(records[i].prevHash, records[i - 1].hash);
}

TEST_F(AuditLogTest, TheDatabaseRefusesEditsAndDeletes) {
  EXPECT_THROW(db->execute("UPDATE audit_log SET outcome = 'granted' WHERE seq = 2"), StoreError);
  EXPECT_THROW(db->execute("DELETE FROM audit_log WHERE seq = 2"), StoreError);
  EXPECT_TRUE(log->verify().intact);
}

TEST_F(AuditLogTest, AnEditedRecordIsReportedWhereItIs) {
  tamper("UPDATE audit_log SET outcome = 'granted' WHERE seq = 4");
  auto result = log->verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 4);
  EXPECT_EQ(result.records, 10);
}

TEST_F(AuditLogTest, ADeletedRecordIsReported) {
  tamper("DELETE FROM audit_log WHERE seq = 6");
  auto result = log->verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 7);
}

TEST_F(AuditLogTest, ARecomputedHashStillBreaksTheNextLink) {
  // Rewriting a record and its own hash consistently is not enough: without the key its MAC
  // cannot be made.
  auto records = log->query({});
  AuditEntry forged = records[3];  // seq 4: a denial, rewritten as granted
  ASSERT_EQ(forged.outcome, "denied");
  forged.outcome = "granted";
  std::string details = records[3].details.dump();
  std::string hash =
      auditRecordHash(records[3].prevHash, records[3].seq, records[3].atMs, forged, details);
  tamper("UPDATE audit_log SET outcome = 'granted', details = '" + details + "', hash = '" + hash +
         "' WHERE seq = 4");
  auto result = log->verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 4);
}

// Issue 12: the chain was plain SHA-256, so whoever could write the file rewrote a record and
// recomputed every hash after it, and verify said "intact".
TEST_F(AuditLogTest, RewritingARecordAndRecomputingThePlainChainFails) {
  auto records = log->query({});
  tamper("SELECT 1");  // (drops the triggers)
  std::string prev = records[2].hash;
  for (size_t i = 3; i < records.size(); ++i) {
    AuditRecord r = records[i];
    if (i == 3) r.outcome = "granted";
    std::string details = r.details.dump();
    std::string hash = auditRecordHash(prev, r.seq, r.atMs, r, details);
    db->prepare(
          "UPDATE audit_log SET outcome = ?, prev_hash = ?, hash = ?, scheme = 'sha256' "
          "WHERE seq = ?")
        .bind(1, r.outcome)
        .bind(2, prev)
        .bind(3, hash)
        .bind(4, r.seq)
        .run();
    prev = hash;
  }
  auto result = log->verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 4) << result.problem;
  // Kept as keyed records, the recomputed plain hashes fail as MACs too.
  db->execute("UPDATE audit_log SET scheme = 'hmac-sha256'");
  result = log->verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 4) << result.problem;
}

TEST_F(AuditLogTest, ACutTailFailsAgainstAnExportedHead) {
  auto head = log->head();
  EXPECT_EQ(head.seq, 10);
  auto parsed = AuditHead::parse(head.text());
  ASSERT_TRUE(parsed);
  EXPECT_TRUE(log->verify(parsed).intact);
  // The chain alone cannot see its own end: the exported head can.
  tamper("DELETE FROM audit_log WHERE seq >= 9");
  EXPECT_TRUE(log->verify().intact);
  auto result = log->verify(parsed);
  EXPECT_FALSE(result.intact);
  EXPECT_NE(result.problem.find("cut"), std::string::npos) << result.problem;
  // Appending new records in place of the cut ones does not reach the old head either.
  log->append({"user:x", "subscribe", "stream:s", "granted", {}});
  log->append({"user:x", "subscribe", "stream:s", "granted", {}});
  result = log->verify(parsed);
  EXPECT_FALSE(result.intact);
  EXPECT_NE(result.problem.find("rewritten"), std::string::npos) << result.problem;
  // A head forged for this log without the key is refused, and so is a malformed one.
  auto forged = log->head();
  forged.signature = std::string(64, 'a');
  EXPECT_FALSE(log->verify(forged).intact);
  EXPECT_FALSE(AuditHead::parse("10:xyz"));
  EXPECT_FALSE(AuditHead::parse("-1:" + std::string(64, 'a')));
  EXPECT_TRUE(AuditHead::parse("3:" + std::string(64, 'a')));
}

TEST_F(AuditLogTest, AnotherKeyDoesNotVerifyTheChain) {
  AuditLog other(*db, std::string(32, 'x'));
  auto result = other.verify();
  EXPECT_FALSE(result.intact);
  EXPECT_EQ(result.firstBrokenSeq, 1);
}

TEST_F(AuditLogTest, QueriesFilterAndExportsEscape) {
  AuditQuery byStream;
  byStream.stream = "s1";
  EXPECT_EQ(log->query(byStream).size(), 4u);  // i = 1, 4, 7, 10
  AuditQuery byUser;
  byUser.user = "u3";
  ASSERT_EQ(log->query(byUser).size(), 1u);
  AuditQuery window;
  window.toMs = 0;
  EXPECT_TRUE(log->query(window).empty());
  // A reader that follows the chain (the webhook feed) gets what came after its last record.
  auto all = log->query({});
  ASSERT_GE(all.size(), 3u);
  AuditQuery after;
  after.afterSeq = all[all.size() - 3].seq;
  auto tail = log->query(after);
  ASSERT_EQ(tail.size(), 2u);
  EXPECT_EQ(tail[0].seq, all[all.size() - 2].seq);
  after.afterSeq = all.back().seq;
  EXPECT_TRUE(log->query(after).empty());

  log->append({"=cmd|' /C calc'!A0",
               "sign-in",
               "user:x,y",
               "failure",
               {{"note", "line\nbreak \"quoted\""}}});
  auto last = log->query({}).back();
  std::string row = AuditLog::toCsvRow(last);
  EXPECT_NE(row.find("'=cmd"), std::string::npos) << row;  // no live formula
  EXPECT_NE(row.find("\"user:x,y\""), std::string::npos) << row;
  auto line = AuditLog::toJsonLine(last);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(line)["details"]["note"], "line\nbreak \"quoted\"");
}

}  // namespace
}  // namespace medrelay::access
