// Who may read and write a stream's consult thread, against a real directory (SQLite in a
// temporary folder, the real authorizer): those who may watch the stream, checked on every call,
// so a member removed from the group loses the thread; refusals are audited; posts are limited
// per user; what comes back names the author by display name.
#include "app/consult_thread_service.hpp"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"

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

  TempDir dir;
  std::unique_ptr<access::DirectoryStore> store = access::openSqliteDirectoryStore(dir.path);
  access::DirectoryAuthorizer authorizer{*store, 20ms};
  ConsultThreadService threads{*store, authorizer};
  signaling::Principal alice, bob;
};

TEST_F(ConsultThreadServiceTest, AMemberPostsAndReadsByDisplayName) {
  auto posted = threads.post(alice, "ct-sweep", "No bleed on CT.");
  ASSERT_TRUE(std::holds_alternative<signaling::ThreadMessageInfo>(posted));
  const auto& message = std::get<signaling::ThreadMessageInfo>(posted);
  EXPECT_EQ(message.displayName, "Dr Alice Ng");
  EXPECT_EQ(message.user, "alice");
  auto page = threads.read(alice, "ct-sweep", 0, 10);
  ASSERT_TRUE(std::holds_alternative<std::vector<signaling::ThreadMessageInfo>>(page));
  const auto& messages = std::get<std::vector<signaling::ThreadMessageInfo>>(page);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].text, "No bleed on CT.");
  EXPECT_EQ(messages[0].id, message.id);
  EXPECT_EQ(audited("thread.read", "granted"), 1u);
}

TEST_F(ConsultThreadServiceTest, OnlyThoseWhoMayWatchAndNoLongerOnceRemoved) {
  auto refused = threads.read(bob, "ct-sweep", 0, 10);
  ASSERT_TRUE(std::holds_alternative<signaling::SignalingError>(refused));
  EXPECT_EQ(std::get<signaling::SignalingError>(refused).httpStatus, 403);
  EXPECT_TRUE(std::holds_alternative<signaling::SignalingError>(
      threads.post(bob, "ct-sweep", "let me in")));
  EXPECT_EQ(audited("thread.read", "denied"), 1u);
  EXPECT_EQ(audited("thread.message", "denied"), 1u);
  auto missing = threads.read(alice, "no-such-stream", 0, 10);
  ASSERT_TRUE(std::holds_alternative<signaling::SignalingError>(missing));
  EXPECT_EQ(std::get<signaling::SignalingError>(missing).httpStatus, 404);

  ASSERT_TRUE(std::holds_alternative<signaling::ThreadMessageInfo>(
      threads.post(alice, "ct-sweep", "before")));
  store->removeMember("t", "stroke", "alice");
  awaitDecision(alice, false);
  EXPECT_TRUE(
      std::holds_alternative<signaling::SignalingError>(threads.read(alice, "ct-sweep", 0, 10)))
      << "a removed member still reads the thread";
  EXPECT_TRUE(
      std::holds_alternative<signaling::SignalingError>(threads.post(alice, "ct-sweep", "after")));
}

TEST_F(ConsultThreadServiceTest, BadTextIsABadRequestAndFloodsAreLimited) {
  auto bad = threads.post(alice, "ct-sweep", "bell\a");
  ASSERT_TRUE(std::holds_alternative<signaling::SignalingError>(bad));
  EXPECT_EQ(std::get<signaling::SignalingError>(bad).httpStatus, 400);
  int accepted = 0, limited = 0;
  for (int i = 0; i < 30; ++i) {
    auto outcome = threads.post(alice, "ct-sweep", "line " + std::to_string(i));
    if (std::holds_alternative<signaling::ThreadMessageInfo>(outcome)) {
      ++accepted;
    } else {
      EXPECT_EQ(std::get<signaling::SignalingError>(outcome).httpStatus, 429);
      ++limited;
    }
  }
  // The burst (the bad post spent a token too), and perhaps one more refilled meanwhile.
  EXPECT_GE(accepted, static_cast<int>(ConsultThreadService::kPostBurst) - 1);
  EXPECT_LE(accepted, static_cast<int>(ConsultThreadService::kPostBurst) + 5);
  EXPECT_GT(limited, 0);
}

}  // namespace
}  // namespace medrelay::app
