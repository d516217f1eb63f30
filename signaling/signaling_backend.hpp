// What the signaling server needs from the rest of the relay, and nothing more: the app
// implements it by wiring access control and the media plane. Keeps signaling/ free of relay/
// and access/ internals.
#pragma once

#include <nlohmann/json_fwd.hpp>  // the full header costs ~4 s per file; only toJson needs it

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace medrelay::signaling {

struct Principal {
  std::string userId;
  std::string userName;
  std::string deviceId;
  int64_t issuedAt = 0;       // the credential's start (seconds since the epoch)
  int64_t expiresAt = 0;      // the credential's end (seconds since the epoch); 0 = none
  std::string remoteAddress;  // filled in by the signaling server, for the audit trail
};

// Someone watching a stream, as the others watching it (or allowed to) see them.
struct WatcherInfo {
  std::string user, displayName, department;
  std::string facility;  // set only when it is not the asking user's own
  int64_t sinceMs = 0;   // the earliest of their sessions on the stream (Unix ms)
};

struct StreamInfo {
  std::string name;
  std::string kind;   // "camera" | "dicom"
  std::string state;  // "live" | "connecting" | "stalled" | "failed" | "down"
  std::vector<std::string> codecs;
  std::string detail;  // why it is down or was last restarted ("" when fine)
  uint32_t restarts = 0, bitrateKbps = 0;
  double framesPerSecond = 0;
  // DICOM series: which burned-in text decision applies ("per-object", "none", "redact",
  // "allow", "released"); "" for cameras (not in the JSON then).
  std::string burnedIn;
  std::vector<WatcherInfo> watchers;  // by display name
};

// How a stream is described to clients (WS "list" and GET /api/v1/streams alike).
nlohmann::json toJson(const StreamInfo& s);

// What a viewer asks for with a subscription, besides the stream and its offer.
struct SubscribeRequest {
  std::string oneTimeCode;  // for streams that ask for one ("" if nothing)
  bool unseen = false;      // watch without being listed among the watchers (a permission)
};

struct SignalingError {
  int httpStatus = 500;
  std::string code;               // machine-readable, e.g. "forbidden"
  std::string message;            // one sentence for people
  int64_t retryAfterSeconds = 0;  // for refusals at a limit (429/503): when to try again
};

template <class T>
using Outcome = std::variant<T, SignalingError>;

// The SDP answer to a viewer's (WHEP, subscribe) or a publisher's (WHIP) offer, and the id of
// the session it opened.
struct SessionAnswer {
  std::string sessionId;
  std::string answerSdp;
};

// A mark a viewer places on the picture, in picture coordinates (0..1 from the top-left corner
// of the video frame, whatever the screen shows around it): one point for a tap, or a short
// freehand stroke. It is sent to the others watching the stream; their pages let it fade.
struct PointerMark {
  static constexpr size_t kMaxPoints = 64;
  std::vector<std::pair<float, float>> points;  // 1..kMaxPoints, each coordinate in [0, 1]
};

// A mark as the others watching the stream receive it.
struct PointerEvent {
  std::string stream;
  std::string user, displayName;  // who placed it
  PointerMark mark;
  int64_t atMs = 0;  // when the relay took it (Unix ms)
};

// A message of a stream's consult thread, as clients see it.
struct ThreadMessageInfo {
  int64_t id = 0;  // increasing: pages of the thread go by it
  std::string stream;
  std::string user, displayName;  // who wrote it
  int64_t atMs = 0;               // when the relay stored it (Unix ms)
  std::string text;               // "" when it cannot be read (see readable)
  bool readable = true;           // false: damaged, or stored under another key
};

// A STUN or TURN server a client may use to reach the relay (RFC 8489/8656 URIs, RFC 7064/7065):
// what a WHIP/WHEP answer's Link headers and GET /api/v1/ice-servers carry. For TURN, a
// credential of the caller's own (see access/turn_credentials.hpp).
struct IceServer {
  std::vector<std::string> urls;  // "stun:host:3478", "turn:host:3478?transport=udp", "turns:..."
  std::string username;           // "" for STUN
  std::string credential;
};

// A REST call under /api/v1/, as the server hands it to the backend: already size-limited,
// not yet authenticated (the backend decides which routes need which credential).
struct ApiRequest {
  std::string method;  // "GET", "POST", "DELETE", ...
  std::string path;    // "/api/v1/..." without the query
  std::string query;   // after '?', raw
  std::string bearerToken;
  std::string contentType;
  std::string body;
  std::string remoteAddress;
  // True once the client has hung up (queued slow work is then dropped). May be empty; safe
  // to call from any thread while the call is pending.
  std::function<bool()> clientGone;
};

struct ApiResponse {
  int status = 200;
  std::string contentType = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  // The session ended on the relay's side ("revoked", "stream-ended", "ice-failed", ...).
  // Called from any thread.
  virtual void onSessionEnded(const std::string& sessionId, const std::string& code,
                              const std::string& reason) = 0;
  // The session's video moved to another layer (`layer` of `layers`, 0 the largest), by the
  // link's measure or because the viewer pinned it. Called from any thread.
  virtual void onSessionLayer(const std::string& sessionId, int layer, int layers, bool pinned) {
    (void)sessionId, (void)layer, (void)layers, (void)pinned;
  }
  // Someone else watching the session's stream placed a mark on the picture. Any thread.
  virtual void onPointer(const std::string& sessionId, const PointerEvent& event) {
    (void)sessionId, (void)event;
  }
  // A message was posted to the consult thread of the session's stream. Any thread.
  virtual void onThreadMessage(const std::string& sessionId, const ThreadMessageInfo& message) {
    (void)sessionId, (void)message;
  }
};

class SignalingBackend {
 public:
  virtual ~SignalingBackend() = default;
  virtual Outcome<Principal> authenticate(std::string_view bearerToken) = 0;  // fast, thread-safe
  // A client presented a newer credential for the same user and device (token renewal): its
  // running sessions now end when the new credential does.
  virtual void renew(const Principal& principal) = 0;
  virtual std::vector<StreamInfo> listStreams(const Principal&) = 0;
  // `done` is called exactly once, from any thread.
  virtual void subscribe(const Principal&, const std::string& stream, const std::string& offerSdp,
                         const SubscribeRequest& request, std::weak_ptr<SessionObserver> observer,
                         std::function<void(Outcome<SessionAnswer>)> done) = 0;
  // WHIP: a publisher's offer for `stream`; the answer's session id names the resource that
  // PATCH (patchSession) and DELETE (unpublish) address. `done` is called exactly once.
  virtual void publish(const Principal&, const std::string& stream, const std::string& offerSdp,
                       std::function<void(Outcome<SessionAnswer>)> done) = 0;
  virtual bool unpublish(const Principal&, const std::string& sessionId) = 0;
  // `candidate` is "candidate:..." or "" for end-of-candidates.
  virtual std::optional<SignalingError> addRemoteCandidate(const Principal&,
                                                           const std::string& sessionId,
                                                           const std::string& mid,
                                                           const std::string& candidate) = 0;
  // WHEP PATCH body (application/trickle-ice-sdpfrag), raw.
  virtual std::optional<SignalingError> patchSession(const Principal&, const std::string& sessionId,
                                                     const std::string& sdpFragment) = 0;
  // False when there is no such session of this principal (ended, revoked, or never theirs).
  virtual bool unsubscribe(const Principal&, const std::string& sessionId) = 0;
  // The viewer's own choice of layer for a viewing session (0 the largest), or nullopt to let
  // the relay follow the link again. The outcome shows through SessionObserver::onSessionLayer.
  virtual std::optional<SignalingError> pinLayer(const Principal&, const std::string& sessionId,
                                                 std::optional<int> layer) {
    (void)sessionId, (void)layer;
    return SignalingError{501, "not-supported", "This relay does not offer layers."};
  }
  // A viewer marks the picture of the stream its session watches: the others watching it hear
  // of it through SessionObserver::onPointer. Refused for a session that watches unseen (the
  // mark would show who placed it) and beyond a rate per session.
  virtual std::optional<SignalingError> point(const Principal&, const std::string& sessionId,
                                              const PointerMark& mark) {
    (void)sessionId, (void)mark;
    return SignalingError{501, "not-supported", "This relay does not share pointers."};
  }
  // The consult thread of a stream, for those who may watch it: newest first, messages before
  // `beforeId` (0: from the newest), at most `limit`. Audited. `done` is called exactly once,
  // from any thread (the backend reads its store off the signaling threads).
  virtual void readThread(const Principal&, const std::string& stream, int64_t beforeId,
                          size_t limit,
                          std::function<void(Outcome<std::vector<ThreadMessageInfo>>)> done) {
    (void)stream, (void)beforeId, (void)limit;
    done(SignalingError{501, "not-supported", "This relay keeps no consult threads."});
  }
  // Posts `text` to the stream's thread (stored, audited without its text); those watching the
  // stream hear of it through SessionObserver::onThreadMessage. `done` as for readThread.
  virtual void postToThread(const Principal&, const std::string& stream, const std::string& text,
                            std::function<void(Outcome<ThreadMessageInfo>)> done) {
    (void)stream, (void)text;
    done(SignalingError{501, "not-supported", "This relay keeps no consult threads."});
  }
  // `done` is called exactly once, from any thread (the backend may run slow work, such as
  // password hashing, off the signaling threads).
  virtual void handleApi(ApiRequest request, std::function<void(ApiResponse)> done) = 0;
  // The STUN/TURN servers this principal may use (fast, thread-safe; empty when none are set).
  virtual std::vector<IceServer> iceServers(const Principal&) { return {}; }
  virtual std::string metricsText() = 0;
  virtual bool healthy() = 0;
};

}  // namespace medrelay::signaling
