// The app protocol apart from its socket, against a backend that records what it is asked:
// one principal per connection (the defect: a second login switched users, and on close the
// first user's sessions were looked up under the second and left running), limits on sessions
// and messages, and a bad message answered without closing unless the client is abusive.
#include "signaling/ws_protocol.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <set>

namespace medrelay::signaling {
namespace {

using json = nlohmann::json;

struct Backend : SignalingBackend {
  Outcome<Principal> authenticate(std::string_view token) override {
    if (token == "alice") return Principal{"u-alice", "alice", "dev-1", 1, 100, ""};
    if (token == "alice-renewed") return Principal{"u-alice", "alice", "dev-1", 50, 200, ""};
    if (token == "bob") return Principal{"u-bob", "bob", "dev-2", 1, 100, ""};
    return SignalingError{401, "unauthorized", "bad token"};
  }
  void renew(const Principal& p) override { renewed.push_back(p.userName); }
  std::vector<StreamInfo> listStreams(const Principal&) override { return {}; }
  void subscribe(const Principal& p, const std::string&, const std::string&,
                 const SubscribeRequest& request, std::weak_ptr<SessionObserver>,
                 std::function<void(Outcome<SessionAnswer>)> done) override {
    unseenAsked.push_back(request.unseen);
    auto id = "s" + std::to_string(++sessionCounter);
    sessions[id] = p.userId;
    if (deferAnswers) {
      deferred.push_back([done, id] { done(SessionAnswer{id, "v=0"}); });
      return;
    }
    done(SessionAnswer{id, "v=0"});
  }
  void publish(const Principal&, const std::string&, const std::string&,
               std::function<void(Outcome<SessionAnswer>)> done) override {
    done(SignalingError{501, "no", "no"});
  }
  bool unpublish(const Principal&, const std::string&) override { return false; }
  std::optional<SignalingError> addRemoteCandidate(const Principal&, const std::string&,
                                                   const std::string&,
                                                   const std::string&) override {
    return std::nullopt;
  }
  std::optional<SignalingError> patchSession(const Principal&, const std::string&,
                                             const std::string&) override {
    return std::nullopt;
  }
  bool unsubscribe(const Principal& p, const std::string& id) override {
    auto it = sessions.find(id);
    if (it == sessions.end() || it->second != p.userId) return false;  // only the owner's
    sessions.erase(it);
    return true;
  }
  std::optional<SignalingError> pinLayer(const Principal&, const std::string& id,
                                         std::optional<int> layer) override {
    pins.emplace_back(id, layer);
    return std::nullopt;
  }
  std::optional<SignalingError> point(const Principal&, const std::string& id,
                                      const PointerMark& mark) override {
    marks.emplace_back(id, mark);
    return std::nullopt;
  }
  void readThread(const Principal&, const std::string& stream, int64_t beforeId, size_t limit,
                  std::function<void(Outcome<std::vector<ThreadMessageInfo>>)> done) override {
    threadReads.push_back({stream, beforeId, limit});
    if (stream == "secret") return done(SignalingError{403, "not-shared", "not yours"});
    done(std::vector<ThreadMessageInfo>{{7, stream, "bob", "Dr Bob Ray", 1000, "CT clear", true},
                                        {6, stream, "eve", "eve", 900, "", false}});
  }
  void postToThread(const Principal& p, const std::string& stream, const std::string& text,
                    std::function<void(Outcome<ThreadMessageInfo>)> done) override {
    posts.push_back(text);
    done(ThreadMessageInfo{8, stream, p.userName, p.userName, 2000, text, true});
  }
  void handleApi(ApiRequest, std::function<void(ApiResponse)> done) override { done({}); }
  std::string metricsText() override { return ""; }
  bool healthy() override { return true; }

  std::map<std::string, std::string> sessions;  // id -> owner
  std::vector<std::string> renewed;
  std::vector<std::pair<std::string, std::optional<int>>> pins;
  int sessionCounter = 0;
  std::vector<bool> unseenAsked;  // SubscribeRequest::unseen of each subscribe
  std::vector<std::pair<std::string, PointerMark>> marks;  // point() calls
  struct ThreadRead {
    std::string stream;
    int64_t before;
    size_t limit;
  };
  std::vector<ThreadRead> threadReads;
  std::vector<std::string> posts;
  bool deferAnswers = false;  // subscribe answers later (deferred)
  std::vector<std::function<void()>> deferred;
};

// Stands for the connection's lifetime (WebSocketSession is the observer of its sessions).
struct NullObserver : SessionObserver {
  void onSessionEnded(const std::string&, const std::string&, const std::string&) override {}
};

struct Connection : WsProtocol::Transport {
  void sendText(std::string text) override { sent.push_back(json::parse(text)); }
  void closeWith(uint16_t code, const std::string&) override { closedWith = code; }
  void runOnStrand(std::function<void()> task) override { tasks.push_back(std::move(task)); }
  std::weak_ptr<SessionObserver> sessionObserver() override { return alive; }
  void runTasks() {
    while (!tasks.empty()) {
      auto task = std::move(tasks.front());
      tasks.pop_front();
      task();
    }
  }
  std::vector<json> sent;
  std::deque<std::function<void()>> tasks;
  int closedWith = 0;
  std::shared_ptr<SessionObserver> alive = std::make_shared<NullObserver>();
};

class WsProtocolTest : public ::testing::Test {
 protected:
  json exchange(const json& message) {
    protocol.onMessage(message.dump());
    connection.runTasks();
    return connection.sent.back();
  }
  ServerLimits limits;
  ServerStats stats;
  ConnectionLimits connections{limits, stats};
  Backend backend;
  Connection connection;
  WsProtocol protocol{backend, connections, limits, stats, "127.0.0.1", connection};
};

TEST_F(WsProtocolTest, ASecondLoginAsAnotherUserIsRefusedAndTheFirstUsersSessionsEndOnClose) {
  EXPECT_EQ(exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}})["ok"], true);
  auto answer = exchange({{"type", "subscribe"}, {"id", 2}, {"stream", "demo"}, {"sdp", "v=0"}});
  ASSERT_EQ(answer["type"], "answer");
  auto reply = exchange({{"type", "login"}, {"id", 3}, {"token", "bob"}});
  EXPECT_EQ(reply["type"], "error");
  EXPECT_EQ(reply["code"], "already-signed-in");
  // Still alice: her session is hers to end, and closing the connection ends it.
  protocol.onClosed();
  EXPECT_TRUE(backend.sessions.empty()) << "alice's session was left running";
}

TEST_F(WsProtocolTest, ASubscribeMayAskToBeUnseenWithABoolean) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  EXPECT_EQ(exchange({{"type", "subscribe"},
                      {"id", 2},
                      {"stream", "demo"},
                      {"sdp", "v=0"},
                      {"unseen", true}})["type"],
            "answer");
  EXPECT_EQ(
      exchange({{"type", "subscribe"}, {"id", 3}, {"stream", "demo"}, {"sdp", "v=0"}})["type"],
      "answer");
  auto bad = exchange(
      {{"type", "subscribe"}, {"id", 4}, {"stream", "demo"}, {"sdp", "v=0"}, {"unseen", "yes"}});
  EXPECT_EQ(bad["code"], "bad-request");
  EXPECT_EQ(backend.unseenAsked, (std::vector<bool>{true, false}));
}

TEST_F(WsProtocolTest, TheSameUserAndDeviceMayLogInAgainToRenew) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  EXPECT_EQ(exchange({{"type", "login"}, {"id", 2}, {"token", "alice-renewed"}})["ok"], true);
  EXPECT_EQ(backend.renewed, (std::vector<std::string>{"alice"}));
}

TEST_F(WsProtocolTest, SessionsPerConnectionAreLimited) {
  limits.maxSessionsPerWebSocket = 3;
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  int answers = 0;
  json last;
  for (int i = 0; i < 5; ++i) {
    last = exchange({{"type", "subscribe"}, {"id", 10 + i}, {"stream", "demo"}, {"sdp", "v=0"}});
    answers += last["type"] == "answer";
  }
  EXPECT_EQ(answers, 3);
  EXPECT_EQ(last["code"], "too-many-sessions");
  EXPECT_EQ(stats.webSocketSessionsRefused.load(), 2u);
  EXPECT_EQ(connection.closedWith, 0) << "a refusal is not a reason to close";
}

TEST_F(WsProtocolTest, TooManyConnectionsOfOneUserAreRefusedAndClosed) {
  limits.maxWebSocketsPerUser = 1;
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  Connection second;
  WsProtocol other{backend, connections, limits, stats, "127.0.0.1", second};
  other.onMessage(json{{"type", "login"}, {"id", 1}, {"token", "alice"}}.dump());
  EXPECT_EQ(second.sent.back()["code"], "too-many-connections");
  EXPECT_EQ(second.closedWith, 1008);
  EXPECT_FALSE(other.signedIn());
}

TEST_F(WsProtocolTest, BadMessagesGetErrorsAndOnlyAbuseCloses) {
  for (const char* text :
       {"not json", "[1,2]", R"({"type":7})", R"({"type":"nope"})", R"({"type":"list"})"}) {
    protocol.onMessage(text);
    EXPECT_EQ(connection.sent.back()["type"], "error") << text;
  }
  EXPECT_EQ(connection.closedWith, 0);
  // Deep nesting is refused without recursing into it.
  std::string deep(100000, '[');
  protocol.onMessage(deep);
  EXPECT_EQ(connection.sent.back()["code"], "bad-json");
  for (int i = 0; i < WsProtocol::kMaxErrorsPerWindow; ++i)
    protocol.onMessage("x");
  EXPECT_EQ(connection.closedWith, 1008) << "too many errors close the connection";
  EXPECT_TRUE(protocol.closing());
}

TEST_F(WsProtocolTest, MessagesBeyondTheRateAreRefused) {
  limits.webSocketMessagesPerSecond = 0.001;
  limits.webSocketMessageBurst = 5;
  WsProtocol limited{backend, connections, limits, stats, "127.0.0.1", connection};
  for (int i = 0; i < 8; ++i)
    limited.onMessage(R"({"type":"ping","id":1})");
  int pongs = 0;
  for (const auto& m : connection.sent)
    pongs += m["type"] == "pong";
  EXPECT_EQ(pongs, 5);
  EXPECT_EQ(connection.sent.back()["code"], "rate-limited");
  EXPECT_EQ(stats.webSocketRateLimited.load(), 3u);
}

TEST_F(WsProtocolTest, AViewerPinsALayerOfItsOwnSessionAndHearsWhichItGets) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  auto answer = exchange({{"type", "subscribe"}, {"id", 2}, {"stream", "demo"}, {"sdp", "v=0"}});
  const std::string session = answer["session"];
  EXPECT_EQ(exchange({{"type", "layer"}, {"id", 3}, {"session", session}, {"layer", 2}})["ok"],
            true);
  EXPECT_EQ(exchange({{"type", "layer"}, {"id", 4}, {"session", session}, {"layer", "auto"}})["ok"],
            true);
  ASSERT_EQ(backend.pins.size(), 2u);
  EXPECT_EQ(backend.pins[0], std::make_pair(session, std::optional<int>(2)));
  EXPECT_EQ(backend.pins[1], std::make_pair(session, std::optional<int>()));
  // Nothing else passes: other values, and sessions of other connections.
  for (const json& bad : {json(-1), json(99), json(1.5), json("high"), json(nullptr)}) {
    auto reply = exchange({{"type", "layer"}, {"id", 5}, {"session", session}, {"layer", bad}});
    EXPECT_EQ(reply["code"], "bad-request") << bad.dump();
  }
  EXPECT_EQ(exchange({{"type", "layer"}, {"id", 6}, {"session", "s999"}, {"layer", 0}})["code"],
            "not-found");
  EXPECT_EQ(backend.pins.size(), 2u);

  protocol.onSessionLayer(session, 1, 3, false);
  auto event = connection.sent.back();
  EXPECT_EQ(event["event"], "layer");
  EXPECT_EQ(event["session"], session);
  EXPECT_EQ(event["layer"], 1);
  EXPECT_EQ(event["layers"], 3);
  EXPECT_EQ(event["pinned"], false);
  const auto sent = connection.sent.size();
  protocol.onSessionLayer("s999", 0, 3, false);  // not this connection's: not told
  EXPECT_EQ(connection.sent.size(), sent);
}

// A mark on the picture: only on the connection's own session, only in picture coordinates
// (0..1), at most 64 points; the others watching get it as an event naming who placed it.
TEST_F(WsProtocolTest, APointerMarkIsCheckedAndTheOthersHearItOnTheirSession) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  auto session =
      exchange({{"type", "subscribe"}, {"id", 2}, {"stream", "demo"}, {"sdp", "v=0"}})["session"]
          .get<std::string>();
  auto ok =
      exchange({{"type", "point"}, {"id", 3}, {"session", session}, {"points", {{0.25, 0.75}}}});
  EXPECT_EQ(ok["ok"], true) << ok.dump();
  ASSERT_EQ(backend.marks.size(), 1u);
  EXPECT_EQ(backend.marks[0].first, session);
  EXPECT_FLOAT_EQ(backend.marks[0].second.points.at(0).first, 0.25f);
  EXPECT_FLOAT_EQ(backend.marks[0].second.points.at(0).second, 0.75f);

  json offPicture = {{0.5, 1.5}};
  json notAPair = {{0.5}};
  json tooMany = json::array();
  for (int i = 0; i < 65; ++i)
    tooMany.push_back({0.1, 0.1});
  for (const json& points : {offPicture, notAPair, tooMany, json::array(), json("0.5,0.5")}) {
    auto refused =
        exchange({{"type", "point"}, {"id", 4}, {"session", session}, {"points", points}});
    EXPECT_EQ(refused["code"], "bad-request") << points.dump();
  }
  auto notMine =
      exchange({{"type", "point"}, {"id", 5}, {"session", "s999"}, {"points", {{0, 0}}}});
  EXPECT_EQ(notMine["code"], "not-found");
  EXPECT_EQ(backend.marks.size(), 1u) << "a refused mark reached the backend";

  PointerEvent event{"demo", "bob", "Dr Bob Ray", {{{0.5f, 0.25f}, {0.75f, 0.5f}}}, 1234};
  protocol.onPointer(session, event);
  auto heard = connection.sent.back();
  EXPECT_EQ(heard["event"], "pointer");
  EXPECT_EQ(heard["session"], session);
  EXPECT_EQ(heard["from"]["display_name"], "Dr Bob Ray");
  EXPECT_EQ(heard["points"], json({{0.5, 0.25}, {0.75, 0.5}}));
  EXPECT_EQ(heard["at_ms"], 1234);
  size_t before = connection.sent.size();
  protocol.onPointer("s999", event);  // not a session of this connection
  EXPECT_EQ(connection.sent.size(), before);
}

// The backend may answer a subscribe after the connection is gone and freed: the answer must
// not reach the freed protocol object, and the session it opened must end (it used to stay
// until its ICE timed out, and the answer went to a dangling pointer).
TEST_F(WsProtocolTest, AnAnswerAfterTheConnectionIsFreedEndsItsSession) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  backend.deferAnswers = true;
  protocol.onMessage(
      json({{"type", "subscribe"}, {"id", 2}, {"stream", "demo"}, {"sdp", "v=0"}}).dump());
  ASSERT_EQ(backend.deferred.size(), 1u);
  ASSERT_EQ(backend.sessions.size(), 1u);
  size_t sent = connection.sent.size();
  connection.alive.reset();  // the WebSocketSession (and this protocol object) is freed
  backend.deferred[0]();
  connection.runTasks();
  EXPECT_TRUE(backend.sessions.empty()) << "the session of a freed connection was left running";
  EXPECT_TRUE(connection.tasks.empty());
  EXPECT_EQ(connection.sent.size(), sent) << "the answer went to the freed connection";
}

// The consult thread: pages by id, posts of 1..2000 bytes, the backend's refusal passed on, and
// a message posted by someone else arrives on each session of the stream.
TEST_F(WsProtocolTest, AThreadIsReadByPagesPostedToAndHeardLive) {
  exchange({{"type", "login"}, {"id", 1}, {"token", "alice"}});
  auto page = exchange({{"type", "thread"}, {"id", 2}, {"stream", "demo"}, {"before", 9}});
  ASSERT_EQ(page["type"], "thread") << page.dump();
  ASSERT_EQ(page["messages"].size(), 2u);
  EXPECT_EQ(page["messages"][0]["display_name"], "Dr Bob Ray");
  EXPECT_EQ(page["messages"][0]["text"], "CT clear");
  EXPECT_FALSE(page["messages"][0].contains("unreadable"));
  EXPECT_EQ(page["messages"][1]["unreadable"], true);
  ASSERT_EQ(backend.threadReads.size(), 1u);
  EXPECT_EQ(backend.threadReads[0].before, 9);
  EXPECT_EQ(backend.threadReads[0].limit, 50u) << "the default page";
  EXPECT_EQ(exchange({{"type", "thread"}, {"id", 3}, {"stream", "secret"}})["code"], "not-shared");
  for (const json& bad : {json{{"type", "thread"}, {"id", 4}, {"stream", "demo"}, {"limit", 0}},
                          json{{"type", "thread"}, {"id", 4}, {"stream", "demo"}, {"limit", 101}},
                          json{{"type", "thread"}, {"id", 4}, {"stream", "demo"}, {"before", -1}},
                          json{{"type", "thread"}, {"id", 4}, {"stream", "../x"}}}) {
    EXPECT_EQ(exchange(bad)["code"], "bad-request") << bad.dump();
  }

  auto said = exchange({{"type", "say"}, {"id", 5}, {"stream", "demo"}, {"text", "Thrombectomy"}});
  EXPECT_EQ(said["message"]["id"], 8) << said.dump();
  EXPECT_EQ(said["message"]["text"], "Thrombectomy");
  EXPECT_EQ(exchange({{"type", "say"}, {"id", 6}, {"stream", "demo"}, {"text", ""}})["code"],
            "bad-request");
  EXPECT_EQ(exchange({{"type", "say"},
                      {"id", 7},
                      {"stream", "demo"},
                      {"text", std::string(2001, 'a')}})["code"],
            "bad-request");
  EXPECT_EQ(backend.posts, (std::vector<std::string>{"Thrombectomy"}));

  auto session =
      exchange({{"type", "subscribe"}, {"id", 8}, {"stream", "demo"}, {"sdp", "v=0"}})["session"]
          .get<std::string>();
  protocol.onThreadMessage(session, {9, "demo", "bob", "Dr Bob Ray", 3000, "Go ahead", true});
  auto heard = connection.sent.back();
  EXPECT_EQ(heard["event"], "thread-message");
  EXPECT_EQ(heard["session"], session);
  EXPECT_EQ(heard["message"]["text"], "Go ahead");
}

}  // namespace
}  // namespace medrelay::signaling
