// The /ws JSON app protocol, stateful: the input is a sequence of messages (split at '\n') sent
// on one connection, against a backend that grants sessions. Every reply must be one JSON
// object, and when the connection closes no session of it may be left running (the defect of
// issue 12: a second login switched users and the first user's sessions outlived the socket).
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "signaling/ws_protocol.hpp"

namespace {

using medrelay::signaling::ApiRequest;
using medrelay::signaling::ApiResponse;
using medrelay::signaling::Outcome;
using medrelay::signaling::PointerMark;
using medrelay::signaling::Principal;
using medrelay::signaling::SessionAnswer;
using medrelay::signaling::SessionObserver;
using medrelay::signaling::SignalingError;
using medrelay::signaling::StreamInfo;
using medrelay::signaling::ThreadMessageInfo;
using json = nlohmann::json;

struct Backend : medrelay::signaling::SignalingBackend {
  Outcome<Principal> authenticate(std::string_view token) override {
    if (token == "alice") return Principal{"u-alice", "alice", "dev-1", 1, 100, ""};
    if (token == "bob") return Principal{"u-bob", "bob", "dev-2", 1, 100, ""};
    return SignalingError{401, "unauthorized", "bad token"};
  }
  void renew(const Principal&) override {}
  std::vector<StreamInfo> listStreams(const Principal&) override { return {}; }
  void subscribe(const Principal& p, const std::string&, const std::string&,
                 const medrelay::signaling::SubscribeRequest&, std::weak_ptr<SessionObserver>,
                 std::function<void(Outcome<SessionAnswer>)> done) override {
    auto id = "s" + std::to_string(++counter);
    sessions[id] = p.userId;
    done(SessionAnswer{id, "v=0"});
  }
  void publish(const Principal&, const std::string&, const std::string&,
               std::function<void(Outcome<SessionAnswer>)> done) override {
    done(SignalingError{501, "no", "no"});
  }
  bool unpublish(const Principal&, const std::string&) override { return false; }
  std::optional<SignalingError> addRemoteCandidate(const Principal& p, const std::string& id,
                                                   const std::string&,
                                                   const std::string&) override {
    auto it = sessions.find(id);
    if (it == sessions.end() || it->second != p.userId) {
      return SignalingError{404, "unknown-session", "no"};
    }
    return std::nullopt;
  }
  std::optional<SignalingError> patchSession(const Principal&, const std::string&,
                                             const std::string&) override {
    return std::nullopt;
  }
  bool unsubscribe(const Principal& p, const std::string& id) override {
    auto it = sessions.find(id);
    if (it == sessions.end() || it->second != p.userId) return false;
    sessions.erase(it);
    return true;
  }
  // The consult: accepted, so the replies (and their JSON) are fuzzed too, not only refusals.
  std::optional<SignalingError> point(const Principal&, const std::string&,
                                      const PointerMark&) override {
    return std::nullopt;
  }
  void readThread(const Principal&, const std::string& stream, int64_t before, size_t,
                  std::function<void(Outcome<std::vector<ThreadMessageInfo>>)> done) override {
    done(std::vector<ThreadMessageInfo>{{before, stream, "bob", "B\xffob", 1, "t\x01", false}});
  }
  void postToThread(const Principal& p, const std::string& stream, const std::string& text,
                    std::function<void(Outcome<ThreadMessageInfo>)> done) override {
    done(ThreadMessageInfo{1, stream, p.userName, p.userName, 1, text, true});
  }
  void handleApi(ApiRequest, std::function<void(ApiResponse)> done) override { done({}); }
  std::string metricsText() override { return ""; }
  bool healthy() override { return true; }

  std::map<std::string, std::string> sessions;
  int counter = 0;
};

struct NullObserver : SessionObserver {
  void onSessionEnded(const std::string&, const std::string&, const std::string&) override {}
};

struct Connection : medrelay::signaling::WsProtocol::Transport {
  void sendText(std::string text) override {
    auto parsed = json::parse(text, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) __builtin_trap();  // a reply must be JSON
  }
  void closeWith(uint16_t, const std::string&) override { closed = true; }
  void runOnStrand(std::function<void()> task) override { tasks.push_back(std::move(task)); }
  // The connection's lifetime, as WebSocketSession gives it.
  std::weak_ptr<SessionObserver> sessionObserver() override { return alive; }
  std::shared_ptr<SessionObserver> alive = std::make_shared<NullObserver>();
  void runTasks() {
    while (!tasks.empty()) {
      auto task = std::move(tasks.front());
      tasks.pop_front();
      task();
    }
  }
  std::deque<std::function<void()>> tasks;
  bool closed = false;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medrelay::signaling::ServerLimits limits;
  limits.webSocketMessagesPerSecond = 1e9;  // explore the protocol, not the rate limiter
  limits.webSocketMessageBurst = 1e9;
  limits.maxSessionsPerWebSocket = 4;
  medrelay::signaling::ServerStats stats;
  medrelay::signaling::ConnectionLimits connections{limits, stats};
  Backend backend;
  Connection connection;
  {
    medrelay::signaling::WsProtocol protocol{backend, connections,    limits,
                                             stats,   "198.51.100.7", connection};
    std::string_view input(reinterpret_cast<const char*>(data), size);
    for (int messages = 0; !input.empty() && messages < 32; ++messages) {
      auto end = input.find('\n');
      protocol.onMessage(input.substr(0, end));
      connection.runTasks();
      if (end == std::string_view::npos) break;
      input.remove_prefix(end + 1);
    }
    if (protocol.sessionCount() > limits.maxSessionsPerWebSocket) __builtin_trap();
    protocol.onClosed();
    connection.runTasks();
  }
  if (!backend.sessions.empty()) __builtin_trap();  // a session outlived its connection
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  for (std::string s : {
           R"({"type":"ping","id":1})",
           "{\"type\":\"login\",\"id\":1,\"token\":\"alice\"}\n"
           "{\"type\":\"subscribe\",\"id\":2,\"stream\":\"demo\",\"sdp\":\"v=0\"}\n"
           "{\"type\":\"login\",\"id\":3,\"token\":\"bob\"}\n"
           "{\"type\":\"unsubscribe\",\"id\":4,\"session\":\"s1\"}",
           "{\"type\":\"login\",\"id\":1,\"token\":\"alice\"}\n"
           "{\"type\":\"candidate\",\"id\":2,\"session\":\"s9\",\"candidate\":\"a\",\"mid\":\"0\"}"
           "\n"
           "{\"type\":\"list\",\"id\":3}",
           "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
           R"({"type":"login","token":5})",
       }) {
    seeds.emplace_back(s.begin(), s.end());
  }
  return seeds;
}
