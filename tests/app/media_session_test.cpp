// The session table viewers and publishers share: ownership (someone else's session looks
// absent), each end handled once, replacement in one step, review by a decision, renewal of
// the credential (later expiry only), and a peer destroyed on its worker with the kind's hook.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <vector>

#include "app/media_session.hpp"

namespace medrelay::app {
namespace {

struct FakePeer {
  std::atomic<int>* closed;
  std::vector<std::string> candidates = {};
  void close() { ++*closed; }
  bool addRemoteCandidate(const std::string& candidate) {
    candidates.push_back(candidate);
    return true;
  }
};

relay::webrtc::TransportDescription offerWithIce(std::string ufrag, std::string pwd) {
  relay::webrtc::TransportDescription offer;
  offer.iceUfrag = std::move(ufrag);
  offer.icePwd = std::move(pwd);
  return offer;
}

class TestSession final : public MediaSession<FakePeer> {
 public:
  using MediaSession::MediaSession;
  int hooks = 0;

 private:
  void beforePeerCloses() override { ++hooks; }
};

signaling::Principal principal(const std::string& user, const std::string& device,
                               int64_t expiresAt) {
  return {user, user, device, 100, expiresAt, "192.0.2.7"};
}

class MediaSessionTest : public ::testing::Test {
 protected:
  std::shared_ptr<TestSession> session(const std::string& id, const std::string& user,
                                       int64_t expiresAt = 1000) {
    return std::make_shared<TestSession>(id, principal(user, "phone", expiresAt), stream,
                                         offerWithIce("ufrA", "passwordpasswordpassword"));
  }

  relay::MediaWorker worker{"session-test"};
  relay::router::PacketPool pool{8};
  std::shared_ptr<Stream> stream = std::make_shared<Stream>(
      "icu-2", "camera", worker, pool,
      std::vector<relay::router::IngestEncoding>{{relay::rtp::Codec::Vp8, 96}});
  MediaSessionTable<TestSession> table;
};

TEST_F(MediaSessionTest, OnlyTheOwnerFindsItsSession) {
  table.add(session("s1", "alice"));
  EXPECT_NE(table.findOwned(principal("alice", "phone", 0), "s1"), nullptr);
  EXPECT_EQ(table.findOwned(principal("mallory", "phone", 0), "s1"), nullptr);
  EXPECT_EQ(table.findOwned(principal("alice", "phone", 0), "s2"), nullptr);
}

TEST_F(MediaSessionTest, EachEndIsHandledOnce) {
  table.add(session("s1", "alice"));
  EXPECT_NE(table.remove("s1"), nullptr);
  EXPECT_EQ(table.remove("s1"), nullptr);
  EXPECT_TRUE(table.removeAll().empty());
}

TEST_F(MediaSessionTest, AddReplacesWhatTheRuleMatches) {
  table.add(session("old", "alice"));
  table.add(session("other", "bob"));
  auto replaced =
      table.add(session("new", "carol"), [](const TestSession& s) { return s.owner() == "alice"; });
  ASSERT_NE(replaced, nullptr);
  EXPECT_EQ(replaced->id(), "old");
  EXPECT_EQ(table.remove("old"), nullptr);  // gone from the table in the same step
  EXPECT_EQ(table.removeAll().size(), 2u);
}

TEST_F(MediaSessionTest, RemoveRefusedTakesOutOnlyTheRefused) {
  table.add(session("s1", "alice"));
  table.add(session("s2", "bob"));
  auto refused = table.removeRefused([](const TestSession& s) {
    return s.owner() == "bob" ? access::AccessDecision{false, "not-shared", "No longer shared."}
                              : access::AccessDecision{true, "", ""};
  });
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].first->id(), "s2");
  EXPECT_EQ(refused[0].second.code, "not-shared");
  EXPECT_NE(table.remove("s1"), nullptr);
  EXPECT_EQ(table.remove("s2"), nullptr);
}

TEST_F(MediaSessionTest, RenewalExtendsOnlyThatDeviceAndOnlyForward) {
  auto phone = session("s1", "alice", 1000);
  auto tablet = std::make_shared<TestSession>("s2", principal("alice", "tablet", 1000), stream,
                                              offerWithIce("ufrB", "passwordpasswordpassword"));
  table.add(phone);
  table.add(tablet);
  auto renewed = principal("alice", "phone", 5000);
  renewed.issuedAt = 4000;
  table.renew(renewed);
  EXPECT_EQ(phone->principal().expiresAt, 5000);
  EXPECT_EQ(phone->principal().issuedAt, 4000);
  EXPECT_EQ(tablet->principal().expiresAt, 1000);
  table.renew(principal("alice", "phone", 2000));  // older than what it holds: ignored
  EXPECT_EQ(phone->principal().expiresAt, 5000);
}

TEST_F(MediaSessionTest, TheAnswerArrivesOnce) {
  auto s = session("s1", "alice");
  int answers = 0, errors = 0;
  s->awaitAnswer([&](signaling::Outcome<signaling::SessionAnswer> outcome) {
    if (std::holds_alternative<signaling::SessionAnswer>(outcome)) {
      EXPECT_EQ(std::get<signaling::SessionAnswer>(outcome).sessionId, "s1");
      ++answers;
    } else {
      ++errors;
    }
  });
  EXPECT_TRUE(s->deliverAnswer("v=0"));
  EXPECT_FALSE(s->failAnswer({500, "session-failed", "late"}));
  EXPECT_FALSE(s->deliverAnswer("v=0"));
  EXPECT_EQ(answers, 1);
  EXPECT_EQ(errors, 0);
}

TEST_F(MediaSessionTest, ThePeerIsClosedOnItsWorkerOnce) {
  std::atomic<int> closed{0};
  auto s = session("s1", "alice");
  worker.runSync([&] { s->peer = std::make_unique<FakePeer>(FakePeer{&closed}); });
  s->destroyPeerLater();
  s->destroyPeerLater();
  worker.runSync([] {});  // the posted tasks ran before this one
  EXPECT_EQ(closed.load(), 1);
  EXPECT_EQ(s->hooks, 1);
  worker.runSync([&] { EXPECT_EQ(s->peer, nullptr); });
}

TEST_F(MediaSessionTest, TheEndRecordSaysWhoWhatAndHowLong) {
  auto s = session("s1", "alice");
  auto record = s->endRecord("unsubscribe", "revoked", "not-shared", "watched_seconds");
  EXPECT_EQ(record.actor, "user:alice");
  EXPECT_EQ(record.action, "unsubscribe");
  EXPECT_EQ(record.target, "stream:icu-2");
  EXPECT_EQ(record.outcome, "revoked");
  EXPECT_EQ(record.details["session"], "s1");
  EXPECT_EQ(record.details["device"], "phone");
  EXPECT_EQ(record.details["reason"], "not-shared");
  EXPECT_TRUE(record.details.contains("watched_seconds"));
}

TEST(RefusalStatus, CredentialProblemsAre401) {
  EXPECT_EQ(refusalStatus("device-revoked"), 401);
  EXPECT_EQ(refusalStatus("user-inactive"), 401);
  EXPECT_EQ(refusalStatus("not-found"), 404);
  EXPECT_EQ(refusalStatus("not-shared"), 403);
}

// RFC 9725 §4.3: candidates trickled for the session's ICE credentials reach its peer; other
// credentials ask for an ICE restart, refused with 422 so the client starts a new session.
TEST_F(MediaSessionTest, APatchTricklesForTheSessionsCredentialsAndRefusesARestart) {
  std::atomic<int> closed{0};
  auto s = session("s1", "alice");
  worker.runSync([&] { s->peer = std::make_unique<FakePeer>(FakePeer{&closed}); });
  const std::string candidate = "candidate:1 1 udp 2130706431 192.0.2.9 50000 typ host";
  auto trickled = applyIceFragment(s,
                                   "a=ice-ufrag:ufrA\r\na=ice-pwd:passwordpasswordpassword\r\n"
                                   "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\na=" +
                                       candidate + "\r\na=end-of-candidates\r\n");
  EXPECT_FALSE(trickled) << trickled->message;
  auto restart = applyIceFragment(s,
                                  "a=ice-ufrag:ufrZ\r\na=ice-pwd:otherpasswordotherpasswo\r\n"
                                  "m=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n");
  ASSERT_TRUE(restart);
  EXPECT_EQ(restart->httpStatus, 422);
  EXPECT_EQ(restart->code, "ice-restart-unsupported");
  auto malformed = applyIceFragment(s, std::string("a=candidate:\0\r\n", 16));
  ASSERT_TRUE(malformed);
  EXPECT_EQ(malformed->httpStatus, 400);
  worker.runSync([&] {
    ASSERT_NE(s->peer, nullptr);
    EXPECT_EQ(s->peer->candidates, (std::vector<std::string>{candidate, ""}));
  });
}

}  // namespace
}  // namespace medrelay::app
