#include "signaling/server.hpp"

#include <poll.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <array>
#include <chrono>
#include <deque>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "common/logger.hpp"
#include "signaling/static_files.hpp"
#include "signaling/tls_identity.hpp"

namespace medrelay::signaling {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using json = nlohmann::json;

namespace {

auto log() {
  static auto logger = medrelay::logger("signaling");
  return logger;
}

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr auto kHttpTimeout = std::chrono::seconds(30);
constexpr size_t kMaxWsMessage = 64 * 1024;
constexpr int kMaxErrorsPerWindow = 20;
constexpr auto kErrorWindow = std::chrono::seconds(10);

bool validName(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9._-]{1,64}");
  return std::regex_match(name, pattern);
}

bool validSessionId(const std::string& id) {
  static const std::regex pattern("[A-Za-z0-9_-]{1,64}");
  return std::regex_match(id, pattern);
}

void securityHeaders(Response& res) {
  res.set(http::field::server, "MedRelay");
  res.set(http::field::strict_transport_security, "max-age=31536000");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'self'; connect-src 'self' wss: https:; img-src 'self' data:; "
          "media-src 'self' blob:; style-src 'self'; frame-ancestors 'none'");
}

Response jsonError(const Request& req, http::status status, const std::string& code,
                   const std::string& message) {
  Response res{status, req.version()};
  res.set(http::field::content_type, "application/json");
  res.body() = json{{"code", code}, {"message", message}}.dump();
  return res;
}

std::string bearerToken(const Request& req) {
  auto header = req[http::field::authorization];
  std::string_view value(header.data(), header.size());
  if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
    return std::string(value.substr(7));
  }
  return "";
}

void cors(Response& res) {
  res.set(http::field::access_control_allow_origin, "*");
  res.set(http::field::access_control_allow_methods, "POST, PATCH, DELETE, OPTIONS");
  res.set(http::field::access_control_allow_headers,
          "Authorization, Content-Type, If-Match, X-One-Time-Code");
  res.set(http::field::access_control_expose_headers, "Location, ETag, Link");
}

}  // namespace

class SignalingServer::Impl {
 public:
  Impl(ServerConfig config, SignalingBackend& backend)
      : config(std::move(config)), backend(backend), tls(ssl::context::tls_server) {}

  ServerConfig config;
  SignalingBackend& backend;
  net::io_context io;
  ssl::context tls;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::mutex socketsMutex;
  std::set<std::weak_ptr<class WsSession>, std::owner_less<std::weak_ptr<class WsSession>>> sockets;
};

// ---------------------------------------------------------------------------------------------
// WebSocket session: the JSON app protocol.

class WsSession : public std::enable_shared_from_this<WsSession>, public SessionObserver {
 public:
  WsSession(beast::ssl_stream<beast::tcp_stream>&& stream, SignalingServer::Impl& server)
      : ws_(std::move(stream)), server_(server) {}

  void run(Request request) {
    ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
    ws_.read_message_max(kMaxWsMessage);
    ws_.async_accept(request, beast::bind_front_handler(&WsSession::onAccept, shared_from_this()));
  }

  void onSessionEnded(const std::string& sessionId, const std::string& code,
                      const std::string& reason) override {
    net::post(ws_.get_executor(), [self = shared_from_this(), sessionId, code, reason] {
      self->sessions_.erase(sessionId);
      self->send({{"type", "event"},
                  {"event", "session-ended"},
                  {"session", sessionId},
                  {"code", code},
                  {"reason", reason}});
    });
  }

  void notifyStreamsChanged() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      if (self->principal_) self->send({{"type", "event"}, {"event", "streams-changed"}});
    });
  }

 private:
  void onAccept(beast::error_code ec) {
    if (ec) return;
    {
      std::lock_guard lock(server_.socketsMutex);
      server_.sockets.insert(weak_from_this());
    }
    doRead();
  }

  void doRead() {
    ws_.async_read(buffer_, beast::bind_front_handler(&WsSession::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec) {
      closed();
      return;
    }
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    handle(text);
    if (!closing_) doRead();
  }

  void closed() {
    if (principal_) {
      for (const auto& id : sessions_)
        server_.backend.unsubscribe(*principal_, id);
    }
    sessions_.clear();
    std::lock_guard lock(server_.socketsMutex);
    server_.sockets.erase(weak_from_this());
  }

  void send(json message) {
    queue_.push_back(message.dump());
    if (queue_.size() == 1) doWrite();
  }

  void doWrite() {
    ws_.text(true);
    ws_.async_write(net::buffer(queue_.front()),
                    beast::bind_front_handler(&WsSession::onWrite, shared_from_this()));
  }

  void onWrite(beast::error_code ec, std::size_t) {
    if (ec) return;
    queue_.pop_front();
    if (!queue_.empty()) doWrite();
  }

  void error(const json& id, const std::string& code, const std::string& message) {
    send({{"type", "error"}, {"id", id}, {"code", code}, {"message", message}});
    auto now = std::chrono::steady_clock::now();
    errors_.push_back(now);
    while (!errors_.empty() && now - errors_.front() > kErrorWindow)
      errors_.pop_front();
    if (static_cast<int>(errors_.size()) > kMaxErrorsPerWindow) {
      // Abusive: too many bad messages. Close with a policy violation.
      closing_ = true;
      ws_.async_close(
          websocket::close_reason(websocket::close_code::policy_error, "too many errors"),
          [self = shared_from_this()](beast::error_code) { self->closed(); });
    }
  }

  static std::optional<std::string> stringField(const json& m, const char* key, size_t maxSize) {
    auto it = m.find(key);
    if (it == m.end() || !it->is_string()) return std::nullopt;
    auto value = it->get<std::string>();
    if (value.size() > maxSize) return std::nullopt;
    return value;
  }

  void handle(const std::string& text) {
    json message = json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object()) {
      return error(nullptr, "bad-json", "The message is not a JSON object.");
    }
    json id = message.contains("id") && (message["id"].is_number() || message["id"].is_string())
                  ? message["id"]
                  : json(nullptr);
    auto type = stringField(message, "type", 32);
    if (!type) return error(id, "bad-request", "The message has no \"type\".");
    if (*type == "ping") return send({{"type", "pong"}, {"id", id}});
    if (*type == "login") return login(id, message);
    static const std::set<std::string> known = {"list", "subscribe", "candidate", "unsubscribe"};
    if (!known.count(*type))
      return error(id, "unknown-type", "Unknown message type \"" + *type + "\".");
    if (!principal_) return error(id, "not-logged-in", "Sign in first (send a login message).");
    if (*type == "list") return list(id);
    if (*type == "subscribe") return subscribe(id, message);
    if (*type == "candidate") return candidate(id, message);
    if (*type == "unsubscribe") return unsubscribe(id, message);
  }

  void login(const json& id, const json& message) {
    auto token = stringField(message, "token", 4096);
    if (!token) return error(id, "bad-request", "The login message needs a \"token\" string.");
    auto outcome = server_.backend.authenticate(*token);
    if (auto* failure = std::get_if<SignalingError>(&outcome)) {
      return error(id, failure->code, failure->message);
    }
    auto renewed = std::get<Principal>(outcome);
    if (principal_ && principal_->userName == renewed.userName &&
        principal_->deviceId == renewed.deviceId) {
      server_.backend.renew(renewed);
    }
    principal_ = std::move(renewed);
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) principal_->remoteAddress = peer.address().to_string();
    send({{"type", "login"},
          {"id", id},
          {"ok", true},
          {"user", {{"id", principal_->userId}, {"name", principal_->userName}}}});
  }

  void list(const json& id) {
    json streams = json::array();
    for (const auto& s : server_.backend.listStreams(*principal_)) {
      streams.push_back(toJson(s));
    }
    send({{"type", "list"}, {"id", id}, {"streams", streams}});
  }

  void subscribe(const json& id, const json& message) {
    auto stream = stringField(message, "stream", 64);
    auto sdp = stringField(message, "sdp", kMaxWsMessage);
    if (!stream || !validName(*stream)) {
      return error(id, "bad-request", "\"stream\" must be a stream name (letters, digits, . _ -).");
    }
    if (!sdp)
      return error(id, "bad-request", "The subscribe message needs an \"sdp\" offer string.");
    std::string code;
    if (message.contains("code")) {
      auto given = stringField(message, "code", 16);
      if (!given) return error(id, "bad-request", "\"code\" must be the one-time code string.");
      code = *given;
    }
    std::weak_ptr<SessionObserver> observer =
        std::static_pointer_cast<SessionObserver>(shared_from_this());
    server_.backend.subscribe(
        *principal_, *stream, *sdp, code, observer,
        [self = shared_from_this(), id](Outcome<SubscribeAnswer> outcome) {
          net::post(self->ws_.get_executor(), [self, id, outcome = std::move(outcome)] {
            if (auto* failure = std::get_if<SignalingError>(&outcome)) {
              return self->error(id, failure->code, failure->message);
            }
            const auto& answer = std::get<SubscribeAnswer>(outcome);
            self->sessions_.insert(answer.sessionId);
            self->send({{"type", "answer"},
                        {"id", id},
                        {"session", answer.sessionId},
                        {"sdp", answer.answerSdp}});
          });
        });
  }

  void candidate(const json& id, const json& message) {
    auto session = stringField(message, "session", 64);
    auto candidateLine = stringField(message, "candidate", 1024);
    auto mid = message.contains("mid") && message["mid"].is_string()
                   ? message["mid"].get<std::string>()
                   : "";
    if (!session || !validSessionId(*session) || !candidateLine) {
      return error(id, "bad-request", "A candidate needs \"session\" and \"candidate\" strings.");
    }
    if (!sessions_.count(*session))
      return error(id, "not-found", "There is no such session on this connection.");
    if (auto failure =
            server_.backend.addRemoteCandidate(*principal_, *session, mid, *candidateLine)) {
      return error(id, failure->code, failure->message);
    }
  }

  void unsubscribe(const json& id, const json& message) {
    auto session = stringField(message, "session", 64);
    if (!session || !validSessionId(*session)) {
      return error(id, "bad-request", "unsubscribe needs a \"session\" string.");
    }
    if (sessions_.erase(*session)) server_.backend.unsubscribe(*principal_, *session);
    if (!id.is_null() && !(id.is_number() && id.get<double>() == 0)) {
      send({{"type", "unsubscribe"}, {"id", id}, {"ok", true}});
    }
  }

  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws_;
  SignalingServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::deque<std::string> queue_;
  std::optional<Principal> principal_;
  std::set<std::string> sessions_;
  std::deque<std::chrono::steady_clock::time_point> errors_;
  bool closing_ = false;
};

// ---------------------------------------------------------------------------------------------
// HTTP session: static files, health, metrics, WHEP; upgrades /ws to a WsSession.

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, SignalingServer::Impl& server)
      : stream_(std::move(socket), server.tls), server_(server) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::onRun, shared_from_this()));
  }

 private:
  void onRun() {
    beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
    stream_.async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&HttpSession::onHandshake, shared_from_this()));
  }

  void onHandshake(beast::error_code ec) {
    if (!ec) doRead();
  }

  void doRead() {
    parser_.emplace();
    parser_->body_limit(server_.config.maxBodyBytes);
    parser_->header_limit(16 * 1024);
    beast::get_lowest_layer(stream_).expires_after(kHttpTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
  }

  void onRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::body_limit) {
      Request stub;
      stub.version(11);
      started_ = std::chrono::steady_clock::now();
      drainBeforeClose_ = true;  // the client is still sending the body it announced
      return reply(stub,
                   jsonError(stub, http::status::payload_too_large, "too-large",
                             "The request body is too large."),
                   false);
    }
    if (ec) return close();
    Request request = parser_->release();
    started_ = std::chrono::steady_clock::now();
    if (websocket::is_upgrade(request)) {
      if (request.target() != "/ws") {
        return reply(request,
                     jsonError(request, http::status::not_found, "not-found", "No WebSocket here."),
                     false);
      }
      beast::get_lowest_layer(stream_).expires_never();
      log()->info("GET /ws 101");
      std::make_shared<WsSession>(std::move(stream_), server_)->run(std::move(request));
      return;
    }
    route(std::move(request));
  }

  void route(Request request) {
    std::string target(request.target());
    std::string path = target.substr(0, target.find('?'));
    auto method = request.method();
    if (path == "/healthz" && (method == http::verb::get || method == http::verb::head)) {
      bool ok = server_.backend.healthy();
      Response res{ok ? http::status::ok : http::status::service_unavailable, request.version()};
      res.set(http::field::content_type, "application/json");
      res.body() = ok ? R"({"status":"ok"})" : R"({"status":"unavailable"})";
      return reply(request, std::move(res));
    }
    if (path == "/metrics" && method == http::verb::get) {
      Response res{http::status::ok, request.version()};
      res.set(http::field::content_type, "text/plain; version=0.0.4");
      res.body() = server_.backend.metricsText();
      return reply(request, std::move(res));
    }
    if (path.rfind("/whep/", 0) == 0) {
      return mediaResource(std::move(request), path.substr(6), Endpoint::Whep);
    }
    if (path.rfind("/whip/", 0) == 0) {
      return mediaResource(std::move(request), path.substr(6), Endpoint::Whip);
    }
    if (path.rfind("/api/v1/", 0) == 0) return api(std::move(request), path, target);
    if (method == http::verb::get || method == http::verb::head) return staticFile(request);
    reply(request, jsonError(request, http::status::method_not_allowed, "method-not-allowed",
                             "This method is not allowed here."));
  }

  void api(Request request, const std::string& path, const std::string& target) {
    ApiRequest call;
    call.method = std::string(request.method_string());
    call.path = path;
    auto question = target.find('?');
    if (question != std::string::npos) call.query = target.substr(question + 1);
    call.bearerToken = bearerToken(request);
    auto type = request[http::field::content_type];
    call.contentType = std::string(type.data(), type.size());
    call.body = request.body();
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) call.remoteAddress = peer.address().to_string();
    // The session stays alive until the answer (the callback holds it), so the descriptor is
    // this connection's; poll() from a pool thread only looks, it changes nothing.
    call.clientGone = [fd = beast::get_lowest_layer(stream_).socket().native_handle()] {
      pollfd p{fd, POLLRDHUP, 0};
      return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
    };
    server_.backend.handleApi(
        std::move(call), [self = shared_from_this(), request](ApiResponse answer) {
          net::post(self->stream_.get_executor(), [self, request, answer = std::move(answer)] {
            Response res{static_cast<http::status>(answer.status), request.version()};
            if (!answer.body.empty()) res.set(http::field::content_type, answer.contentType);
            for (const auto& [name, value] : answer.headers)
              res.set(name, value);
            res.set(http::field::cache_control, "no-store");
            res.body() = answer.body;
            self->reply(request, std::move(res));
          });
        });
  }

  void preflight(const Request& request) {
    Response res{http::status::no_content, request.version()};
    cors(res);
    res.set("Accept-Post", "application/sdp");
    reply(request, std::move(res));
  }

  std::optional<Principal> authenticate(const Request& request) {
    auto token = bearerToken(request);
    if (token.empty()) {
      auto res = jsonError(request, http::status::unauthorized, "unauthorized",
                           "A bearer token is required.");
      res.set(http::field::www_authenticate, "Bearer");
      cors(res);
      reply(request, std::move(res));
      return std::nullopt;
    }
    auto outcome = server_.backend.authenticate(token);
    if (auto* failure = std::get_if<SignalingError>(&outcome)) {
      auto res = jsonError(request, static_cast<http::status>(failure->httpStatus), failure->code,
                           failure->message);
      res.set(http::field::www_authenticate, "Bearer error=\"invalid_token\"");
      cors(res);
      reply(request, std::move(res));
      return std::nullopt;
    }
    auto principal = std::get<Principal>(outcome);
    beast::error_code ec;
    auto peer = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    if (!ec) principal.remoteAddress = peer.address().to_string();
    return principal;
  }

  // rest: "{stream}" or "{stream}/sessions/{id}"
  // WHEP (watch) and WHIP (publish) share their HTTP shape: POST an offer to /{kind}/{stream},
  // 201 with the answer and a session resource, PATCH for trickle ICE, DELETE to end.
  enum class Endpoint { Whep, Whip };

  void mediaResource(Request request, const std::string& rest, Endpoint endpoint) {
    const std::string kind = endpoint == Endpoint::Whep ? "WHEP" : "WHIP";
    const std::string prefix = endpoint == Endpoint::Whep ? "/whep/" : "/whip/";
    if (request.method() == http::verb::options) return preflight(request);
    auto slash = rest.find('/');
    std::string stream = rest.substr(0, slash);
    std::string session;
    if (slash != std::string::npos) {
      auto tail = rest.substr(slash + 1);
      if (tail.rfind("sessions/", 0) != 0) {
        return reply(request,
                     jsonError(request, http::status::not_found, "not-found", "No such resource."));
      }
      session = tail.substr(9);
      if (!validSessionId(session)) {
        return reply(request,
                     jsonError(request, http::status::not_found, "not-found", "No such session."));
      }
    }
    if (!validName(stream)) {
      return reply(request,
                   jsonError(request, http::status::not_found, "not-found", "No such stream."));
    }
    auto principal = authenticate(request);
    if (!principal) return;

    if (session.empty() && request.method() == http::verb::post) {
      auto type = request[http::field::content_type];
      if (std::string_view(type.data(), type.size()).rfind("application/sdp", 0) != 0) {
        return reply(request, jsonError(request, http::status::unsupported_media_type,
                                        "unsupported-media-type",
                                        kind + " offers must be sent as application/sdp."));
      }
      auto version = request.version();
      auto keepAlive = request.keep_alive();
      auto answered = [self = shared_from_this(), stream, version, keepAlive, request,
                       prefix](Outcome<SubscribeAnswer> outcome) {
        net::post(self->stream_.get_executor(), [self, stream, version, keepAlive, request, prefix,
                                                 outcome = std::move(outcome)] {
          if (auto* failure = std::get_if<SignalingError>(&outcome)) {
            auto res = jsonError(request, static_cast<http::status>(failure->httpStatus),
                                 failure->code, failure->message);
            cors(res);
            return self->reply(request, std::move(res));
          }
          const auto& answer = std::get<SubscribeAnswer>(outcome);
          Response res{http::status::created, version};
          res.set(http::field::content_type, "application/sdp");
          res.set(http::field::location, prefix + stream + "/sessions/" + answer.sessionId);
          res.set(http::field::etag, "\"" + answer.sessionId + "\"");
          cors(res);
          res.keep_alive(keepAlive);
          res.body() = answer.answerSdp;
          self->reply(request, std::move(res));
        });
      };
      if (endpoint == Endpoint::Whip) {
        server_.backend.publish(*principal, stream, request.body(), std::move(answered));
      } else {
        // Streams that ask for a one-time code take it from this header (WHEP has no field).
        auto code = request["X-One-Time-Code"];
        server_.backend.subscribe(*principal, stream, request.body(),
                                  std::string(code.substr(0, 16)), {}, std::move(answered));
      }
      return;
    }
    if (!session.empty() && request.method() == http::verb::patch) {
      auto type = request[http::field::content_type];
      if (std::string_view(type.data(), type.size()).rfind("application/trickle-ice-sdpfrag", 0) !=
          0) {
        return reply(request, jsonError(request, http::status::unsupported_media_type,
                                        "unsupported-media-type",
                                        "PATCH bodies must be application/trickle-ice-sdpfrag."));
      }
      if (auto failure = server_.backend.patchSession(*principal, session, request.body())) {
        return reply(request, jsonError(request, static_cast<http::status>(failure->httpStatus),
                                        failure->code, failure->message));
      }
      Response res{http::status::no_content, request.version()};
      cors(res);
      return reply(request, std::move(res));
    }
    if (!session.empty() && request.method() == http::verb::delete_) {
      bool ended = endpoint == Endpoint::Whip ? server_.backend.unpublish(*principal, session)
                                              : server_.backend.unsubscribe(*principal, session);
      if (!ended) {
        return reply(request, jsonError(request, http::status::not_found, "not-found",
                                        "There is no such session (it may have ended)."));
      }
      Response res{http::status::ok, request.version()};
      cors(res);
      return reply(request, std::move(res));
    }
    reply(request, jsonError(request, http::status::method_not_allowed, "method-not-allowed",
                             "This method is not allowed on this " + kind + " resource."));
  }

  void staticFile(const Request& request) {
    std::string target(request.target());
    auto path = target.substr(0, target.find_first_of("?#"));
    // "/console" names a folder: send the browser to "/console/" so relative links resolve.
    if (path.size() > 1 && path.back() != '/' &&
        resolveStaticFile(server_.config.webRoot, path + "/")) {
      Response res{http::status::moved_permanently, request.version()};
      res.set(http::field::location, path + "/" + target.substr(path.size()));
      return reply(request, std::move(res));
    }
    auto file = resolveStaticFile(server_.config.webRoot, target);
    std::string body;
    if (file) {
      std::ifstream in(*file, std::ios::binary);
      body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    if (!file || body.size() > 16 * 1024 * 1024) {
      return reply(request, jsonError(request, http::status::not_found, "not-found", "Not found."));
    }
    Response res{http::status::ok, request.version()};
    res.set(http::field::content_type, contentTypeFor(*file));
    res.set(http::field::cache_control, "no-cache");
    if (request.method() == http::verb::head) {
      res.content_length(body.size());
    } else {
      res.body() = std::move(body);
    }
    reply(request, std::move(res));
  }

  void reply(const Request& request, Response response, bool keepAlive = true) {
    securityHeaders(response);
    response.keep_alive(keepAlive && request.keep_alive());
    if (request.method() != http::verb::head) response.prepare_payload();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started_);
    std::string target(request.target());
    log()->info("{} {} {} {} ms", std::string(request.method_string()),
                target.substr(0, target.find('?')), response.result_int(), ms.count());
    auto shared = std::make_shared<Response>(std::move(response));
    http::async_write(
        stream_, *shared, [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
          if (ec) return;
          if (!shared->keep_alive()) {
            return self->drainBeforeClose_ ? self->drainThenClose(kMaxDrainBytes) : self->close();
          }
          self->doRead();
        });
  }

  // Reads and drops what the client still sends (up to `budget` bytes, for at most 2 s) before
  // closing: closing with unread data makes the kernel reset the connection, and the client
  // would lose the error reply it has not read yet.
  void drainThenClose(size_t budget) {
    auto scratch = std::make_shared<std::array<char, 16 * 1024>>();
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
    stream_.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch, budget](
                                                       beast::error_code ec, std::size_t n) {
      if (ec || n >= budget) return self->close();
      self->drainThenClose(budget - n);
    });
  }

  void close() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  beast::ssl_stream<beast::tcp_stream> stream_;
  SignalingServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::chrono::steady_clock::time_point started_;
  bool drainBeforeClose_ = false;
  static constexpr size_t kMaxDrainBytes = 1024 * 1024;
};

// ---------------------------------------------------------------------------------------------

namespace {

void accept(SignalingServer::Impl& server) {
  server.acceptor->async_accept(net::make_strand(server.io),
                                [&server](beast::error_code ec, tcp::socket socket) {
                                  if (!ec)
                                    std::make_shared<HttpSession>(std::move(socket), server)->run();
                                  if (server.acceptor->is_open()) accept(server);
                                });
}

}  // namespace

SignalingServer::SignalingServer(ServerConfig config, SignalingBackend& backend)
    : impl_(std::make_unique<Impl>(std::move(config), backend)) {}

SignalingServer::~SignalingServer() {
  stop();
}

void SignalingServer::start() {
  auto identity = ensureTlsIdentity(impl_->config.dataDir);
  auto& tls = impl_->tls;
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(tls.native_handle(),
                      SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(tls.native_handle(),
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305");
  tls.use_certificate_chain_file(identity.certificate.string());
  tls.use_private_key_file(identity.privateKey.string(), ssl::context::pem);

  beast::error_code ec;
  auto address = net::ip::make_address(impl_->config.listenAddress, ec);
  if (ec)
    throw std::runtime_error("--listen: " + impl_->config.listenAddress + " is not an IP address");
  tcp::endpoint endpoint(address, impl_->config.port);
  impl_->acceptor = std::make_unique<tcp::acceptor>(impl_->io);
  impl_->acceptor->open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor->bind(endpoint, ec);
  if (!ec) impl_->acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->config.listenAddress + ":" +
                             std::to_string(impl_->config.port) + ": " + ec.message());
  }
  accept(*impl_);
  for (int i = 0; i < std::max(1, impl_->config.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->io.run(); });
  }
}

uint16_t SignalingServer::port() const {
  return impl_->acceptor ? impl_->acceptor->local_endpoint().port() : 0;
}

void SignalingServer::stop() {
  if (impl_->threads.empty()) return;
  net::post(impl_->io, [this] {
    beast::error_code ignored;
    if (impl_->acceptor) impl_->acceptor->close(ignored);
  });
  impl_->io.stop();
  for (auto& thread : impl_->threads)
    thread.join();
  impl_->threads.clear();
}

void SignalingServer::notifyStreamsChanged() {
  std::lock_guard lock(impl_->socketsMutex);
  for (auto& weak : impl_->sockets) {
    if (auto socket = weak.lock()) socket->notifyStreamsChanged();
  }
}

}  // namespace medrelay::signaling
