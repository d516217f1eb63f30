// The JSON app protocol on /ws, apart from its transport: login (one principal per
// connection: the same user and device may log in again to renew, anyone else is refused),
// list, subscribe (SDP offer -> answer), trickle candidates, unsubscribe, layer (pin a layer of
// a session's video, or "auto"), point (a mark on the picture, for the others watching),
// thread (read a page of a stream's consult thread) and say (post to it), ping, and the events
// the relay sends (session ended, streams changed, the layer a session's video is on, someone
// else's pointer, a new thread message). Every error has a code and a sentence; a
// bad message never closes the connection unless the client is abusive (too many errors or
// messages). Limits: sessions per connection, connections per user, messages per second.
// Runs on its connection's strand (WebSocketSession); the transport brings the backend's
// callbacks back there. Fuzzable with any Transport and backend.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/token_bucket.hpp"
#include "signaling/connection_limits.hpp"
#include "signaling/server_limits.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

class WsProtocol {
 public:
  class Transport {
   public:
    virtual ~Transport() = default;
    virtual void sendText(std::string text) = 0;
    // Closes the connection with a WebSocket close code (RFC 6455 §7.4.1) and reason.
    virtual void closeWith(uint16_t code, const std::string& reason) = 0;
    // Runs `task` on the connection's strand later, keeping the connection alive until then.
    // Thread-safe.
    virtual void runOnStrand(std::function<void()> task) = 0;
    // The connection as its sessions' observer; it expires once the connection is freed, which
    // tells a late answer from the backend that nobody is there to take it.
    virtual std::weak_ptr<SessionObserver> sessionObserver() = 0;
  };

  WsProtocol(SignalingBackend& backend, ConnectionLimits& connections, const ServerLimits& limits,
             ServerStats& stats, std::string remoteAddress, Transport& transport);

  void onMessage(std::string_view text);
  // The relay ended a session of this connection (revoked, failed...).
  void onSessionEnded(const std::string& sessionId, const std::string& code,
                      const std::string& reason);
  void onSessionLayer(const std::string& sessionId, int layer, int layers, bool pinned);
  void onPointer(const std::string& sessionId, const PointerEvent& event);
  void onThreadMessage(const std::string& sessionId, const ThreadMessageInfo& message);
  void onStreamsChanged();
  // The connection is gone: its sessions end.
  void onClosed();

  bool closing() const { return closing_; }
  bool signedIn() const { return principal_.has_value(); }
  size_t sessionCount() const { return sessions_.size(); }

  static constexpr int kMaxErrorsPerWindow = 20;
  static constexpr std::chrono::seconds kErrorWindow{10};

 private:
  void send(const nlohmann::json& message);
  void error(const nlohmann::json& id, const std::string& code, const std::string& message,
             int64_t retryAfterSeconds = 0);
  void login(const nlohmann::json& id, const nlohmann::json& message);
  void list(const nlohmann::json& id);
  void subscribe(const nlohmann::json& id, const nlohmann::json& message);
  void candidate(const nlohmann::json& id, const nlohmann::json& message);
  void unsubscribe(const nlohmann::json& id, const nlohmann::json& message);
  void layer(const nlohmann::json& id, const nlohmann::json& message);
  void point(const nlohmann::json& id, const nlohmann::json& message);
  void thread(const nlohmann::json& id, const nlohmann::json& message);
  void say(const nlohmann::json& id, const nlohmann::json& message);
  void abusive(const std::string& why);
  // A callback for the backend that brings its outcome to `then` on the connection's strand, or
  // drops it when the connection is gone by then (this object freed with it).
  template <class Result>
  std::function<void(Result)> onStrand(std::function<void(Result)> then) {
    return [this, alive = transport_.sessionObserver(), then = std::move(then)](Result outcome) {
      auto connection = alive.lock();  // keeps `this` alive while the task is handed over
      if (!connection) return;
      transport_.runOnStrand([then, outcome = std::move(outcome)] { then(outcome); });
    };
  }

  SignalingBackend& backend_;
  ConnectionLimits& connections_;
  const ServerLimits& limits_;
  ServerStats& stats_;
  std::string remoteAddress_;
  Transport& transport_;
  std::optional<Principal> principal_;
  Admission userAdmission_;  // counts this connection against its user's limit
  std::set<std::string> sessions_;
  size_t pendingSubscribes_ = 0;
  std::deque<std::chrono::steady_clock::time_point> errors_;
  TokenBucket messages_;
  bool closing_ = false;
};

}  // namespace medrelay::signaling
