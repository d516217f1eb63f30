// Presence: everyone who may watch a stream sees who watches it (display name, department, the
// facility when it is another one, since when) in GET /api/v1/streams, and the WS list that
// the viewer page shows; a viewer who leaves leaves the list. Real serve, real WHEP viewers.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/whep_watch.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class Presence : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>();
    server_->admin({"department", "add", "--tenant", "demo", "neurology"});
    server_->admin({"user", "add", "--tenant", "demo", "alice", "--display-name", "Dr Alice Ng"});
    server_->admin({"user", "department", "alice", "neurology"});
    server_->admin({"group", "member", "add", "demo/demo", "alice"});
    // Bob works at another facility that collaborates with this one.
    server_->admin({"tenant", "add", "north"});
    server_->admin({"collaboration", "request", "demo", "north"});
    server_->admin({"collaboration", "accept", "north", "demo"});
    server_->admin({"user", "add", "--tenant", "north", "bob", "--display-name", "Dr Bob Ray"});
    server_->admin({"group", "member", "add", "demo/demo", "bob"});
    server_->admin({"user", "add", "--tenant", "demo", "carol"});  // in no group
  }

  json watchersSeenBy(const std::string& user) {
    auto listed = listedStream(*server_, "demo", server_->issueToken(user));
    return listed.contains("watchers") ? listed["watchers"] : json();
  }
  // The watchers `user` sees once `done` holds for them, waiting for it.
  template <class Done>
  json awaitWatchers(const std::string& user, Done done) {
    json watchers;
    for (auto end = std::chrono::steady_clock::now() + 60s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(200ms)) {
      watchers = watchersSeenBy(user);
      if (done(watchers)) break;
    }
    return watchers;
  }
  static const json* find(const json& watchers, const std::string& user) {
    for (const auto& w : watchers)
      if (w["user"] == user) return &w;
    return nullptr;
  }

  std::unique_ptr<ServerProcess> server_;
};

TEST_F(Presence, ThoseWhoMayWatchSeeWhoWatchesAndWhoLeft) {
  ASSERT_TRUE(watchersSeenBy("demo").is_array());
  EXPECT_TRUE(watchersSeenBy("demo").empty());
  auto alice = watchStream(*server_, "demo", ViewerCodec::H264, false, "alice");
  auto bob = watchStream(*server_, "demo", ViewerCodec::H264, false, "bob");
  int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();

  auto seen = awaitWatchers("demo", [](const json& w) { return w.size() == 2; });
  ASSERT_EQ(seen.size(), 2u) << seen.dump();
  const json* a = find(seen, "alice");
  const json* b = find(seen, "bob");
  ASSERT_TRUE(a && b) << seen.dump();
  EXPECT_EQ((*a)["display_name"], "Dr Alice Ng");
  EXPECT_EQ((*a)["department"], "neurology");
  EXPECT_FALSE(a->contains("facility")) << "alice works where the asking user works";
  EXPECT_EQ((*b)["display_name"], "Dr Bob Ray");
  EXPECT_EQ((*b)["facility"], "north");
  EXPECT_GT((*a)["since_ms"].get<int64_t>(), before - 120'000);
  EXPECT_LE((*a)["since_ms"].get<int64_t>(), before);
  EXPECT_EQ(seen[0]["user"], "alice") << "sorted by display name";

  // Bob, from the other facility, sees where alice works.
  auto seenByBob = watchersSeenBy("bob");
  const json* aliceForBob = find(seenByBob, "alice");
  ASSERT_TRUE(aliceForBob) << seenByBob.dump();
  EXPECT_EQ((*aliceForBob)["facility"], "demo");
  // Carol may not watch the demo: she sees neither it nor who watches it.
  EXPECT_TRUE(listedStream(*server_, "demo", server_->issueToken("carol")).empty());

  // Alice leaves (DELETE of her WHEP session): she leaves the list; bob stays.
  auto left = httpsRequest("127.0.0.1", server_->port(), "DELETE", alice.location,
                           {{"Authorization", "Bearer " + server_->issueToken("alice")}});
  EXPECT_EQ(left.status, 200) << left.body;
  seen = awaitWatchers("demo", [](const json& w) { return w.size() == 1; });
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["user"], "bob");

  // Removed from the group, bob's video stops and so does his presence.
  server_->admin({"group", "member", "remove", "demo/demo", "bob"});
  seen = awaitWatchers("demo", [](const json& w) { return w.empty(); });
  EXPECT_TRUE(seen.empty()) << seen.dump();
}

// Watching unseen takes the watch-unseen permission: with it, a viewer is not listed (and the
// audit trail says so); without it, asking is refused.
TEST_F(Presence, OnlyThoseAllowedWatchUnseenAndTheAuditTrailSaysSo) {
  server_->admin({"user", "add", "--tenant", "demo", "oncall-it"});
  server_->admin({"group", "member", "add", "demo/demo", "oncall-it"});
  server_->admin({"user", "permission", "grant", "oncall-it", "watch-unseen"});

  auto refused = httpsRequest("127.0.0.1", server_->port(), "POST", "/whep/demo?unseen=1",
                              {{"Content-Type", "application/sdp"},
                               {"Authorization", "Bearer " + server_->issueToken("alice")}},
                              "v=0\r\n");
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_NE(refused.body.find("missing-permission"), std::string::npos) << refused.body;

  auto hidden = watchStream(*server_, "demo?unseen=1", ViewerCodec::H264, false, "oncall-it");
  ASSERT_TRUE(hidden.viewer->waitForFrames(10, 60s))
      << "decoded " << hidden.viewer->framesDecoded();
  auto alice = watchStream(*server_, "demo", ViewerCodec::H264, false, "alice");
  auto seen = awaitWatchers("demo", [](const json& w) { return w.size() >= 1; });
  ASSERT_EQ(seen.size(), 1u) << seen.dump();
  EXPECT_EQ(seen[0]["user"], "alice");
  std::this_thread::sleep_for(2s);  // a list pushed later must not show the unseen viewer either
  EXPECT_EQ(find(watchersSeenBy("demo"), "oncall-it"), nullptr);

  bool auditedUnseen = false, auditedRefusal = false;
  std::istringstream trail(server_->admin({"audit", "export", "--stream", "demo"}));
  for (std::string line; std::getline(trail, line);) {
    auto r = json::parse(line);
    if (r["action"] != "subscribe" || !r["details"].value("unseen", false)) continue;
    auditedUnseen |= r["actor"] == "user:oncall-it" && r["outcome"] == "granted";
    auditedRefusal |= r["actor"] == "user:alice" && r["outcome"] == "denied" &&
                      r["details"]["reason"] == "missing-permission";
  }
  EXPECT_TRUE(auditedUnseen) << "the unseen viewing is not in the audit trail";
  EXPECT_TRUE(auditedRefusal) << "the refused request is not in the audit trail";
}

}  // namespace
}  // namespace medrelay::testing
