// Who may read and write a stream's consult thread, against a real directory (SQLite in a
// temporary folder, the real authorizer): those who may watch the stream, checked on every call,
// so a member removed from the group loses the thread; refusals are audited; posts are limited
// per user; what comes back names the author by display name.
#include "app/consult_thread_service.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <future>
#include <random>
#include <thread>

#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"
#include "access/sqlite_database.hpp"

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;

using medrelay::testing::TempDir;

class ConsultThreadServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store->addTenant("t", "general");
    store->addGroup("t", "general", "stroke");
    store->ensureStream("t", "general", "ct-sweep", "camera", "");
    store->share("t", "ct-sweep", "stroke");
    for (const char* user : {"alice", "bob"}) {
      store->addUser("t", "general", user, user == std::string("alice") ? "Dr Alice Ng" : "",
                     access::UserStatus::Active);
    }
    store->addMember("t", "stroke", "alice", "member");
    alice = principal("alice");
    bob = principal("bob");
    authorizer.flushAudit();
    awaitDecision(alice, true);
  }

  signaling::Principal principal(const std::string& user) {
    store->registerDevice("t", user, user + "-phone", "web");
    return {user, user, user + "-phone", 0, 0, "127.0.0.1"};
  }
  // The authorizer picks up directory changes within its poll: wait for the decision to follow.
  void awaitDecision(const signaling::Principal& who, bool allowed) {
    for (auto end = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(20ms)) {
      if (authorizer.mayWatch(who.userName, who.deviceId, "ct-sweep").allowed == allowed) return;
    }
    FAIL() << who.userName << " never became " << (allowed ? "allowed" : "refused") << ": "
           << authorizer.mayWatch(who.userName, who.deviceId, "ct-sweep").code;
  }
  size_t audited(const std::string& action, const std::string& outcome) {
    authorizer.flushAudit();
    size_t n = 0;
    for (const auto& r : store->queryAudit({}))
      n += r.action == action && r.outcome == outcome;
    return n;
  }

  // The service answers from its own thread: these wait for the answer (generously).
  using Page = signaling::Outcome<std::vector<signaling::ThreadMessageInfo>>;
  using Posted = signaling::Outcome<signaling::ThreadMessageInfo>;
  template <class Outcome, class Call>
  static Outcome await(Call call) {
    auto promise = std::make_shared<std::promise<Outcome>>();
    auto answer = promise->get_future();
    call([promise](Outcome outcome) { promise->set_value(std::move(outcome)); });
    if (answer.wait_for(60s) != std::future_status::ready) {
      ADD_FAILURE() << "no answer within 60 s";
      return signaling::SignalingError{0, "no-answer", ""};
    }
    return answer.get();
  }
  Posted post(const signaling::Principal& who, const std::string& text) {
    return await<Posted>([&](auto done) { threads.post(who, "ct-sweep", text, done); });
  }
  Page read(const signaling::Principal& who, const std::string& stream = "ct-sweep") {
    return await<Page>([&](auto done) { threads.read(who, stream, 0, 10, done); });
  }
  static int statusOf(const Page& outcome) {
    auto* e = std::get_if<signaling::SignalingError>(&outcome);
    return e ? e->httpStatus : 200;
  }
  static int statusOf(const Posted& outcome) {
    auto* e = std::get_if<signaling::SignalingError>(&outcome);
    return e ? e->httpStatus : 200;
  }

  TempDir dir;
  std::unique_ptr<access::DirectoryStore> store = access::openSqliteDirectoryStore(dir.path);
  access::DirectoryAuthorizer authorizer{*store, 20ms};
  ConsultThreadService threads{*store, authorizer};
  signaling::Principal alice, bob;
};

TEST_F(ConsultThreadServiceTest, AMemberPostsAndReadsByDisplayName) {
  auto posted = post(alice, "No bleed on CT.");
  ASSERT_EQ(statusOf(posted), 200);
  const auto& message = std::get<signaling::ThreadMessageInfo>(posted);
  EXPECT_EQ(message.displayName, "Dr Alice Ng");
  EXPECT_EQ(message.user, "alice");
  auto page = read(alice);
  ASSERT_EQ(statusOf(page), 200);
  const auto& messages = std::get<std::vector<signaling::ThreadMessageInfo>>(page);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "No bleed on CT.");
  EXPECT_EQ(messages[0].id, message.id);
  EXPECT_EQ(audited("thread.read", "granted"), 1u);
}

TEST_F(ConsultThreadServiceTest, OnlyThoseWhoMayWatchAndNoLongerOnceRemoved) {
  EXPECT_EQ(statusOf(read(bob)), 403);
  EXPECT_EQ(statusOf(post(bob, "let me in")), 403);
  EXPECT_EQ(audited("thread.read", "denied"), 1u);
  EXPECT_EQ(audited("thread.message", "denied"), 1u);
  EXPECT_EQ(statusOf(read(alice, "no-such-stream")), 404);

  ASSERT_EQ(statusOf(post(alice, "before")), 200);
  store->removeMember("t", "stroke", "alice");
  awaitDecision(alice, false);
  EXPECT_EQ(statusOf(read(alice)), 403) << "a removed member still reads the thread";
  EXPECT_EQ(statusOf(post(alice, "after")), 403);
}

// The store's work waits on SQLite's lock, which another process (`medrelay admin`) may hold
// for seconds: that wait must not be the caller's (a signaling I/O thread serving every
// socket). post() returns at once, and the message lands once the lock is free.
TEST_F(ConsultThreadServiceTest, APostReturnsAtOnceWhileTheDatabaseIsLockedAndLandsAfter) {
  access::Database blocker(dir.path / "medrelay.db");
  blocker.execute("BEGIN IMMEDIATE");
  auto promise = std::make_shared<std::promise<Posted>>();
  auto answer = promise->get_future();
  threads.post(alice, "ct-sweep", "written while locked",
               [promise](Posted outcome) { promise->set_value(std::move(outcome)); });
  EXPECT_NE(answer.wait_for(0s), std::future_status::ready)
      << "post() did the store's work on the caller's thread";
  blocker.execute("COMMIT");
  ASSERT_EQ(answer.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(statusOf(answer.get()), 200);
}

TEST_F(ConsultThreadServiceTest, BadTextIsABadRequestAndFloodsAreLimited) {
  EXPECT_EQ(statusOf(post(alice, "bell\a")), 400);
  auto start = std::chrono::steady_clock::now();
  int accepted = 0, limited = 0;
  for (int i = 0; i < 60; ++i) {
    auto outcome = post(alice, "line " + std::to_string(i));
    if (statusOf(outcome) == 200) {
      ++accepted;
    } else {
      EXPECT_EQ(statusOf(outcome), 429);
      ++limited;
    }
  }
  // The burst (the bad post spent a token too), and what refilled while the loop ran (one a
  // second: a slow machine refills more, so the bound follows the time taken).
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& rule = ConsultThreadService::kPosts;
  EXPECT_GE(accepted, static_cast<int>(rule.burst) - 1);
  EXPECT_LE(accepted, static_cast<int>(rule.burst + rule.perSecond * (seconds + 1)));
  EXPECT_GT(limited, 0);

  start = std::chrono::steady_clock::now();
  int reads = 0;
  for (int i = 0; i < 200; ++i)
    reads += statusOf(read(alice)) == 200;
  seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const auto& reading = ConsultThreadService::kReads;
  EXPECT_GE(reads, static_cast<int>(reading.burst));
  EXPECT_LE(reads, static_cast<int>(reading.burst + reading.perSecond * (seconds + 1)));
  EXPECT_LT(reads, 200) << "reads are not limited";
}

}  // namespace
}  // namespace medrelay::app
