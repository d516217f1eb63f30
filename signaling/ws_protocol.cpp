#include "signaling/ws_protocol.hpp"

#include "common/clock.hpp"
#include "signaling/http_common.hpp"
#include "signaling/ice_servers.hpp"

namespace medrelay::signaling {

using json = nlohmann::json;

namespace {

constexpr uint16_t kClosePolicy = 1008;  // RFC 6455 §7.4.1: policy violation

std::optional<std::string> stringField(const json& m, const char* key, size_t maxSize) {
  auto it = m.find(key);
  if (it == m.end() || !it->is_string()) return std::nullopt;
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > maxSize) return std::nullopt;
  return value;
}

json threadMessageJson(const ThreadMessageInfo& m) {
  json out = {{"id", m.id},      {"stream", m.stream},
              {"user", m.user},  {"display_name", m.displayName},
              {"at_ms", m.atMs}, {"text", m.text}};
  if (!m.readable) out["unreadable"] = true;
  return out;
}

// A consult-thread message: at most this many bytes (the store checks the text itself).
constexpr size_t kMaxThreadTextBytes = 2000;

}  // namespace

WsProtocol::WsProtocol(SignalingBackend& backend, ConnectionLimits& connections,
                       const ServerLimits& limits, ServerStats& stats, std::string remoteAddress,
                       Transport& transport)
    : backend_(backend),
      connections_(connections),
      limits_(limits),
      stats_(stats),
      remoteAddress_(std::move(remoteAddress)),
      transport_(transport),
      messages_(limits.webSocketMessagesPerSecond, limits.webSocketMessageBurst) {}

void WsProtocol::send(const json& message) {
  transport_.sendText(message.dump(-1, ' ', false, json::error_handler_t::replace));
}

void WsProtocol::error(const json& id, const std::string& code, const std::string& message,
                       int64_t retryAfterSeconds) {
  if (closing_) return;
  json reply = {{"type", "error"}, {"id", id}, {"code", code}, {"message", message}};
  if (retryAfterSeconds > 0) reply["retry_after"] = retryAfterSeconds;
  send(reply);
  auto now = std::chrono::steady_clock::now();
  errors_.push_back(now);
  while (!errors_.empty() && now - errors_.front() > kErrorWindow)
    errors_.pop_front();
  if (static_cast<int>(errors_.size()) > kMaxErrorsPerWindow) abusive("too many errors");
}

void WsProtocol::abusive(const std::string& why) {
  if (closing_) return;
  closing_ = true;
  ++stats_.webSocketAbusiveClosed;
  transport_.closeWith(kClosePolicy, why);
}

void WsProtocol::onMessage(std::string_view text) {
  if (closing_) return;
  if (!messages_.take(medrelay::steadyMs())) {
    ++stats_.webSocketRateLimited;
    return error(nullptr, "rate-limited", "Too many messages; slow down.", 1);
  }
  // Depth-limited parse: a deeply nested document must not exhaust the stack.
  int depth = 0;
  bool tooDeep = false;
  json message = json::parse(
      text,
      [&](int, json::parse_event_t event, json&) {
        if (event == json::parse_event_t::object_start ||
            event == json::parse_event_t::array_start) {
          if (++depth > 32) tooDeep = true;
        } else if (event == json::parse_event_t::object_end ||
                   event == json::parse_event_t::array_end) {
          --depth;
        }
        return !tooDeep;
      },
      false);
  if (tooDeep) return error(nullptr, "bad-json", "The message is nested too deeply.");
  if (message.is_discarded() || !message.is_object()) {
    return error(nullptr, "bad-json", "The message is not a JSON object.");
  }
  json id = message.contains("id") && (message["id"].is_number() || message["id"].is_string())
                ? message["id"]
                : json(nullptr);
  if (id.is_string() && id.get_ref<const std::string&>().size() > 64) id = nullptr;
  auto type = stringField(message, "type", 32);
  if (!type) return error(id, "bad-request", "The message has no \"type\".");
  if (*type == "ping") return send({{"type", "pong"}, {"id", id}});
  if (*type == "login") return login(id, message);
  static const std::set<std::string, std::less<>> known = {
      "list", "subscribe", "candidate", "unsubscribe", "layer", "point", "thread", "say"};
  if (!known.count(*type)) {
    return error(id, "unknown-type", "Unknown message type \"" + *type + "\".");
  }
  if (!principal_) return error(id, "not-logged-in", "Sign in first (send a login message).");
  if (*type == "list") return list(id);
  if (*type == "subscribe") return subscribe(id, message);
  if (*type == "candidate") return candidate(id, message);
  if (*type == "unsubscribe") return unsubscribe(id, message);
  if (*type == "layer") return layer(id, message);
  if (*type == "point") return point(id, message);
  if (*type == "thread") return thread(id, message);
  if (*type == "say") return say(id, message);
}

void WsProtocol::login(const json& id, const json& message) {
  auto token = stringField(message, "token", 4096);
  if (!token) return error(id, "bad-request", "The login message needs a \"token\" string.");
  auto outcome = backend_.authenticate(*token);
  if (auto* failure = std::get_if<SignalingError>(&outcome)) {
    return error(id, failure->code, failure->message);
  }
  auto presented = std::get<Principal>(outcome);
  presented.remoteAddress = remoteAddress_;
  if (principal_) {
    // One principal per connection: a newer token of the same user and device renews it
    // (sessions then end with the new credential); anyone else needs a connection of their own.
    if (principal_->userId != presented.userId || principal_->deviceId != presented.deviceId) {
      return error(id, "already-signed-in",
                   "This connection is signed in as another user or device; open a new one.");
    }
    backend_.renew(presented);
    principal_ = std::move(presented);
  } else {
    ConnectionLimits::Refusal refusal;
    userAdmission_ = connections_.admitWebSocket(presented.userId, refusal);
    if (!userAdmission_) {
      error(id, "too-many-connections",
            "This user has too many connections open; close one and try again.", 5);
      return abusive("too many connections for this user");
    }
    principal_ = std::move(presented);
  }
  // The STUN/TURN servers with this user's credential: a page behind a firewall that blocks
  // UDP configures its RTCPeerConnection with them and reaches the relay through TURN.
  send({{"type", "login"},
        {"id", id},
        {"ok", true},
        {"user", {{"id", principal_->userId}, {"name", principal_->userName}}},
        {"iceServers", iceServersJson(backend_.iceServers(*principal_))}});
}

void WsProtocol::list(const json& id) {
  json streams = json::array();
  for (const auto& s : backend_.listStreams(*principal_))
    streams.push_back(toJson(s));
  send({{"type", "list"}, {"id", id}, {"streams", streams}});
}

void WsProtocol::subscribe(const json& id, const json& message) {
  auto stream = stringField(message, "stream", 64);
  auto sdp = stringField(message, "sdp", limits_.maxWebSocketMessageBytes);
  if (!stream || !validStreamName(*stream)) {
    return error(id, "bad-request", "\"stream\" must be a stream name (letters, digits, . _ -).");
  }
  if (!sdp) return error(id, "bad-request", "The subscribe message needs an \"sdp\" offer string.");
  SubscribeRequest request;
  if (message.contains("code")) {
    auto given = stringField(message, "code", 16);
    if (!given) return error(id, "bad-request", "\"code\" must be the one-time code string.");
    request.oneTimeCode = *given;
  }
  if (message.contains("unseen")) {
    if (!message["unseen"].is_boolean())
      return error(id, "bad-request", "\"unseen\" must be true or false.");
    request.unseen = message["unseen"].get<bool>();
  }
  if (sessions_.size() + pendingSubscribes_ >= limits_.maxSessionsPerWebSocket) {
    ++stats_.webSocketSessionsRefused;
    return error(id, "too-many-sessions",
                 "This connection has too many streams open; unsubscribe from one first.");
  }
  ++pendingSubscribes_;
  // The connection may be freed before the answer comes (the socket closed meanwhile): then the
  // session it opened is ended here, with copies of what that needs.
  auto answered = [this, id](Outcome<SessionAnswer> outcome) {
    --pendingSubscribes_;
    if (auto* failure = std::get_if<SignalingError>(&outcome)) {
      return error(id, failure->code, failure->message, failure->retryAfterSeconds);
    }
    const auto& answer = std::get<SessionAnswer>(outcome);
    if (closing_ || !principal_) {
      // The connection is closing: nobody will use this session.
      if (principal_) backend_.unsubscribe(*principal_, answer.sessionId);
      return;
    }
    sessions_.insert(answer.sessionId);
    send(
        {{"type", "answer"}, {"id", id}, {"session", answer.sessionId}, {"sdp", answer.answerSdp}});
  };
  backend_.subscribe(*principal_, *stream, *sdp, request, transport_.sessionObserver(),
                     [deliver = onStrand<Outcome<SessionAnswer>>(std::move(answered)),
                      alive = transport_.sessionObserver(), &backend = backend_,
                      principal = *principal_](Outcome<SessionAnswer> outcome) {
                       // The connection was freed before the answer came (so was this protocol
                       // object): end the session it opened, with copies of what that needs.
                       if (alive.expired()) {
                         if (auto* answer = std::get_if<SessionAnswer>(&outcome))
                           backend.unsubscribe(principal, answer->sessionId);
                         return;
                       }
                       deliver(std::move(outcome));
                     });
}

void WsProtocol::candidate(const json& id, const json& message) {
  auto session = stringField(message, "session", 64);
  auto candidateLine = stringField(message, "candidate", 1024);
  auto mid = stringField(message, "mid", 64).value_or("");
  if (!session || !validSessionId(*session) || !candidateLine) {
    return error(id, "bad-request", "A candidate needs \"session\" and \"candidate\" strings.");
  }
  if (!sessions_.count(*session))
    return error(id, "not-found", "There is no such session on this connection.");
  if (auto failure = backend_.addRemoteCandidate(*principal_, *session, mid, *candidateLine)) {
    return error(id, failure->code, failure->message);
  }
}

void WsProtocol::unsubscribe(const json& id, const json& message) {
  auto session = stringField(message, "session", 64);
  if (!session || !validSessionId(*session)) {
    return error(id, "bad-request", "unsubscribe needs a \"session\" string.");
  }
  if (sessions_.erase(*session)) backend_.unsubscribe(*principal_, *session);
  if (!id.is_null() && !(id.is_number() && id.get<double>() == 0)) {
    send({{"type", "unsubscribe"}, {"id", id}, {"ok", true}});
  }
}

// {"type":"layer","session":S,"layer":0|1|2|"auto"}: the viewer pins a layer of its video, or
// lets the relay follow its link again. The layer it then gets comes as a "layer" event.
void WsProtocol::layer(const json& id, const json& message) {
  auto session = stringField(message, "session", 64);
  if (!session || !validSessionId(*session) || !message.contains("layer")) {
    return error(id, "bad-request", "layer needs a \"session\" string and a \"layer\".");
  }
  const json& wanted = message["layer"];
  std::optional<int> layer;
  if (wanted.is_number_integer() && wanted.get<int64_t>() >= 0 && wanted.get<int64_t>() < 8) {
    layer = wanted.get<int>();
  } else if (!(wanted.is_string() && wanted.get_ref<const std::string&>() == "auto")) {
    return error(id, "bad-request",
                 "\"layer\" must be a layer number (0 the largest) or \"auto\".");
  }
  if (!sessions_.count(*session))
    return error(id, "not-found", "There is no such session on this connection.");
  if (auto failure = backend_.pinLayer(*principal_, *session, layer))
    return error(id, failure->code, failure->message);
  if (!id.is_null()) send({{"type", "layer"}, {"id", id}, {"ok", true}});
}

// {"type":"point","session":S,"points":[[x,y],...]}: a mark on the picture of the session's
// stream, in picture coordinates (0..1 from the top-left corner); one point for a tap, up to 64
// for a stroke. The others watching get it as a "pointer" event.
void WsProtocol::point(const json& id, const json& message) {
  auto session = stringField(message, "session", 64);
  auto points = message.find("points");
  if (!session || !validSessionId(*session) || points == message.end() || !points->is_array() ||
      points->empty() || points->size() > PointerMark::kMaxPoints) {
    return error(id, "bad-request",
                 "point needs a \"session\" string and \"points\": 1 to 64 [x, y] pairs.");
  }
  PointerMark mark;
  mark.points.reserve(points->size());
  for (const auto& p : *points) {
    // A JSON number is finite; outside [0, 1] it is off the picture.
    bool inside = p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number() &&
                  p[0].get<double>() >= 0 && p[0].get<double>() <= 1 && p[1].get<double>() >= 0 &&
                  p[1].get<double>() <= 1;
    if (!inside) {
      return error(id, "bad-request",
                   "Each point is [x, y] in picture coordinates, both from 0 to 1.");
    }
    mark.points.emplace_back(p[0].get<float>(), p[1].get<float>());
  }
  if (!sessions_.count(*session))
    return error(id, "not-found", "There is no such session on this connection.");
  if (auto failure = backend_.point(*principal_, *session, mark))
    return error(id, failure->code, failure->message, failure->retryAfterSeconds);
  if (!id.is_null()) send({{"type", "point"}, {"id", id}, {"ok", true}});
}

void WsProtocol::onPointer(const std::string& sessionId, const PointerEvent& event) {
  if (closing_ || !sessions_.count(sessionId)) return;
  json points = json::array();
  for (const auto& [x, y] : event.mark.points)
    points.push_back({x, y});
  send({{"type", "event"},
        {"event", "pointer"},
        {"session", sessionId},
        {"stream", event.stream},
        {"from", {{"user", event.user}, {"display_name", event.displayName}}},
        {"points", std::move(points)},
        {"at_ms", event.atMs}});
}

// {"type":"thread","stream":S,"before":ID,"limit":N}: a page of the stream's consult thread,
// newest first ("before" 0 or absent: from the newest).
void WsProtocol::thread(const json& id, const json& message) {
  auto stream = stringField(message, "stream", 64);
  if (!stream || !validStreamName(*stream))
    return error(id, "bad-request", "thread needs a \"stream\" name.");
  int64_t before = 0;
  size_t limit = 50;
  if (message.contains("before")) {
    if (!message["before"].is_number_integer() || message["before"].get<int64_t>() < 0)
      return error(id, "bad-request", "\"before\" must be a message id.");
    before = message["before"].get<int64_t>();
  }
  if (message.contains("limit")) {
    if (!message["limit"].is_number_integer() || message["limit"].get<int64_t>() < 1 ||
        message["limit"].get<int64_t>() > 100)
      return error(id, "bad-request", "\"limit\" must be from 1 to 100.");
    limit = message["limit"].get<size_t>();
  }
  using Page = Outcome<std::vector<ThreadMessageInfo>>;
  backend_.readThread(*principal_, *stream, before, limit,
                      onStrand<Page>([this, id, stream = *stream](const Page& outcome) {
                        if (closing_) return;
                        if (auto* failure = std::get_if<SignalingError>(&outcome)) {
                          return error(id, failure->code, failure->message,
                                       failure->retryAfterSeconds);
                        }
                        json messages = json::array();
                        for (const auto& m : std::get<std::vector<ThreadMessageInfo>>(outcome))
                          messages.push_back(threadMessageJson(m));
                        send({{"type", "thread"},
                              {"id", id},
                              {"stream", stream},
                              {"messages", std::move(messages)}});
                      }));
}

// {"type":"say","stream":S,"text":T}: posts to the stream's consult thread.
void WsProtocol::say(const json& id, const json& message) {
  auto stream = stringField(message, "stream", 64);
  if (!stream || !validStreamName(*stream))
    return error(id, "bad-request", "say needs a \"stream\" name.");
  auto text = stringField(message, "text", kMaxThreadTextBytes);
  if (!text || text->empty())
    return error(id, "bad-request", "say needs a \"text\" of 1 to 2000 bytes.");
  using Posted = Outcome<ThreadMessageInfo>;
  backend_.postToThread(
      *principal_, *stream, *text, onStrand<Posted>([this, id](const Posted& outcome) {
        if (closing_) return;
        if (auto* failure = std::get_if<SignalingError>(&outcome)) {
          return error(id, failure->code, failure->message, failure->retryAfterSeconds);
        }
        send({{"type", "say"},
              {"id", id},
              {"message", threadMessageJson(std::get<ThreadMessageInfo>(outcome))}});
      }));
}

void WsProtocol::onThreadMessage(const std::string& sessionId, const ThreadMessageInfo& message) {
  if (closing_ || !sessions_.count(sessionId)) return;
  send({{"type", "event"},
        {"event", "thread-message"},
        {"session", sessionId},
        {"message", threadMessageJson(message)}});
}

void WsProtocol::onSessionLayer(const std::string& sessionId, int layer, int layers, bool pinned) {
  if (closing_ || !sessions_.count(sessionId)) return;
  send({{"type", "event"},
        {"event", "layer"},
        {"session", sessionId},
        {"layer", layer},
        {"layers", layers},
        {"pinned", pinned}});
}

void WsProtocol::onSessionEnded(const std::string& sessionId, const std::string& code,
                                const std::string& reason) {
  sessions_.erase(sessionId);
  if (closing_) return;
  send({{"type", "event"},
        {"event", "session-ended"},
        {"session", sessionId},
        {"code", code},
        {"reason", reason}});
}

void WsProtocol::onStreamsChanged() {
  if (principal_ && !closing_) send({{"type", "event"}, {"event", "streams-changed"}});
}

void WsProtocol::onClosed() {
  closing_ = true;
  if (principal_) {
    for (const auto& id : sessions_)
      backend_.unsubscribe(*principal_, id);
  }
  sessions_.clear();
  userAdmission_.reset();
}

}  // namespace medrelay::signaling
