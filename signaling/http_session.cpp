#include "signaling/http_session.hpp"

#include <poll.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/websocket.hpp>

#include <array>

#include "common/clock.hpp"
#include "common/logger.hpp"
#include "signaling/media_resource.hpp"
#include "signaling/route_table.hpp"
#include "signaling/static_file_handler.hpp"
#include "signaling/websocket_session.hpp"

namespace medrelay::signaling {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
namespace websocket = beast::websocket;

namespace {

auto log() {
  static auto logger = medrelay::logger("signaling");
  return logger;
}

constexpr size_t kMaxDrainBytes = 1024 * 1024;

std::string allowHeader(const std::set<http::verb>& methods) {
  std::string out;
  for (auto method : methods) {
    if (!out.empty()) out += ", ";
    out += std::string(http::to_string(method));
  }
  return out;
}

}  // namespace

const RouteTable<HttpSession::Handler>& HttpSession::routesFor(ListenerRole role) {
  using V = http::verb;
  using Routes = RouteTable<Handler>;
  static const Routes publicRoutes = [] {
    Routes r;
    r.add({V::get, V::head}, "/healthz", &HttpSession::health);
    for (const char* pattern : {"/whep/{stream}", "/whep/{stream}/sessions/{session}"})
      r.add({V::post, V::patch, V::delete_, V::options}, pattern, &HttpSession::whep);
    for (const char* pattern : {"/whip/{stream}", "/whip/{stream}/sessions/{session}"})
      r.add({V::post, V::patch, V::delete_, V::options}, pattern, &HttpSession::whip);
    r.add({V::get, V::head, V::post, V::put, V::patch, V::delete_}, "/api/v1/*", &HttpSession::api);
    r.add({V::get, V::head}, "/*", &HttpSession::staticFile);
    return r;
  }();
  static const Routes metricsRoutes = [] {
    Routes r;
    r.add({V::get, V::head}, "/healthz", &HttpSession::health);
    r.add({V::get}, "/metrics", &HttpSession::metrics);
    return r;
  }();
  return role == ListenerRole::Public ? publicRoutes : metricsRoutes;
}

HttpSession::HttpSession(net::ip::tcp::socket&& socket, ServerContext& context, ListenerRole role,
                         std::string address, Admission admission)
    : stream_(std::move(socket), context.tls),
      context_(context),
      role_(role),
      address_(std::move(address)),
      admission_(std::move(admission)),
      deadline_(stream_.get_executor()) {}

void HttpSession::run() {
  net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
    beast::get_lowest_layer(self->stream_)
        .expires_after(self->context_.config.limits.handshakeTimeout);
    self->stream_.async_handshake(
        ssl::stream_base::server,
        beast::bind_front_handler(&HttpSession::onHandshake, self->shared_from_this()));
  });
}

void HttpSession::onHandshake(beast::error_code ec) {
  if (ec) {
    ++context_.stats.handshakeFailures;
    return;
  }
  doRead();
}

void HttpSession::doRead() {
  const auto& limits = context_.config.limits;
  parser_.emplace();
  parser_->body_limit(limits.maxBodyBytes);
  parser_->header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));
  // The socket's own expiry is the backstop; our deadline answers 408 to a request that started
  // but does not finish, and closes an idle keep-alive connection quietly.
  beast::get_lowest_layer(stream_).expires_after(limits.idleTimeout + limits.requestTimeout +
                                                 std::chrono::seconds(5));
  idleWait_ = true;
  deadline_.expires_after(limits.requestTimeout);
  deadline_.async_wait(beast::bind_front_handler(&HttpSession::onDeadline, shared_from_this()));
  reading_ = true;
  http::async_read(stream_, buffer_, *parser_,
                   beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
}

void HttpSession::onDeadline(beast::error_code ec) {
  if (ec || !reading_) return;  // cancelled: the request arrived
  const auto& limits = context_.config.limits;
  const bool started = buffer_.size() > 0 || (parser_ && parser_->got_some());
  if (started) {
    ++context_.stats.requestTimeouts;
    reading_ = false;
    refuseUnread(http::status::request_timeout, "request-timeout",
                 "The request did not arrive in time.", false);
    return;
  }
  if (idleWait_ && limits.idleTimeout > limits.requestTimeout) {
    // Nothing yet: an idle keep-alive connection may wait out the rest of the idle time.
    idleWait_ = false;
    deadline_.expires_after(limits.idleTimeout - limits.requestTimeout);
    deadline_.async_wait(beast::bind_front_handler(&HttpSession::onDeadline, shared_from_this()));
    return;
  }
  reading_ = false;
  closeNow();
}

void HttpSession::onRead(beast::error_code ec, std::size_t) {
  if (!reading_) return;  // the deadline already answered
  reading_ = false;
  deadline_.cancel();
  if (ec == http::error::body_limit) {
    ++context_.stats.bodyTooLarge;
    // The client is still sending the body it announced: read it away before closing.
    return refuseUnread(http::status::payload_too_large, "too-large",
                        "The request body is too large.", true);
  }
  if (ec == http::error::header_limit) {
    ++context_.stats.headerTooLarge;
    // Read away what the client still sends, or closing resets the connection before it can
    // read the answer.
    return refuseUnread(http::status::request_header_fields_too_large, "header-too-large",
                        "The request's header is too large.", true);
  }
  if (ec == http::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == beast::error::timeout || ec == ssl::error::stream_truncated || ec == net::error::eof ||
      ec == net::error::connection_reset) {
    return closeNow();
  }
  if (ec) {
    ++context_.stats.badRequests;
    return refuseUnread(http::status::bad_request, "bad-request",
                        "The request is not valid HTTP/1.1.", false);
  }
  Request request = parser_->release();
  started_ = std::chrono::steady_clock::now();
  if (websocket::is_upgrade(request)) {
    if (role_ != ListenerRole::Public || targetPath(request.target()) != "/ws") {
      return send(request,
                  jsonError(request, http::status::not_found, "not-found", "No WebSocket here."),
                  false);
    }
    if (!validWebSocketKey(request[http::field::sec_websocket_key])) {
      ++context_.stats.badRequests;
      return send(request,
                  jsonError(request, http::status::bad_request, "bad-request",
                            "Sec-WebSocket-Key must be the base64 of 16 bytes (RFC 6455)."),
                  false);
    }
    beast::get_lowest_layer(stream_).expires_never();
    logRequest("GET", "/ws", 101, std::chrono::milliseconds(0));
    std::make_shared<WebSocketSession>(std::move(stream_), context_, address_,
                                       std::move(admission_))
        ->run(std::move(request));
    return;
  }
  route(std::move(request));
}

void HttpSession::route(Request&& request) {
  const auto& routes = routesFor(role_);
  std::string path(targetPath(request.target()));
  auto match = routes.find(request.method(), path);
  if (match.handler) return (this->*(*match.handler))(std::move(request), match.params);
  if (match.pathKnown) {
    auto res = jsonError(request, http::status::method_not_allowed, "method-not-allowed",
                         "This method is not allowed here.");
    res.set(http::field::allow, allowHeader(match.allowed));
    return send(request, std::move(res));
  }
  send(request, jsonError(request, http::status::not_found, "not-found", "Not found."));
}

void HttpSession::health(Request&& request, const std::vector<std::string>&) {
  bool ok = context_.backend.healthy();
  Response res{ok ? http::status::ok : http::status::service_unavailable, request.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-store");
  res.body() = ok ? R"({"status":"ok"})" : R"({"status":"unavailable"})";
  send(request, std::move(res));
}

void HttpSession::metrics(Request&& request, const std::vector<std::string>&) {
  Response res{http::status::ok, request.version()};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.set(http::field::cache_control, "no-store");
  res.body() = context_.backend.metricsText() + serverMetricsText(context_);
  send(request, std::move(res));
}

void HttpSession::whep(Request&& request, const std::vector<std::string>& params) {
  handleMediaResource(shared_from_this(), std::move(request), MediaEndpoint::Whep, params);
}

void HttpSession::whip(Request&& request, const std::vector<std::string>& params) {
  handleMediaResource(shared_from_this(), std::move(request), MediaEndpoint::Whip, params);
}

void HttpSession::api(Request&& request, const std::vector<std::string>&) {
  ApiRequest call;
  call.method = std::string(request.method_string());
  std::string target(request.target());
  call.path = std::string(targetPath(target));
  auto question = target.find('?');
  if (question != std::string::npos) call.query = target.substr(question + 1);
  call.bearerToken = bearerToken(request);
  auto type = request[http::field::content_type];
  call.contentType = std::string(type.data(), type.size());
  call.body = request.body();
  call.remoteAddress = address_;
  // The session reads nothing more until it answers (the callback holds it), so the descriptor
  // stays this connection's; poll() from a pool thread only looks, it changes nothing.
  call.clientGone = [fd = beast::get_lowest_layer(stream_).socket().native_handle()] {
    pollfd p{fd, POLLRDHUP, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL));
  };
  auto head = std::make_shared<Request>();
  head->method(request.method());
  head->target(request.target());
  head->version(request.version());
  head->keep_alive(request.keep_alive());
  context_.backend.handleApi(
      std::move(call), [self = shared_from_this(), head](ApiResponse answer) {
        Response res{static_cast<http::status>(answer.status), head->version()};
        if (!answer.body.empty()) res.set(http::field::content_type, answer.contentType);
        for (const auto& [name, value] : answer.headers)
          res.set(name, value);
        res.set(http::field::cache_control, "no-store");
        res.body() = std::move(answer.body);
        self->respond(*head, std::move(res));
      });
}

void HttpSession::staticFile(Request&& request, const std::vector<std::string>&) {
  auto outcome = staticFileResponse(context_.config.webRoot, request);
  if (auto* redirect = std::get_if<Response>(&outcome)) return send(request, std::move(*redirect));
  send(request, std::move(std::get<http::response<http::file_body>>(outcome)));
}

void HttpSession::respond(const Request& request, Response response) {
  auto head = std::make_shared<Request>();
  head->method(request.method());
  head->target(request.target());
  head->version(request.version());
  head->keep_alive(request.keep_alive());
  net::post(stream_.get_executor(),
            [self = shared_from_this(), head, response = std::move(response)]() mutable {
              self->send(*head, std::move(response));
            });
}

template <class Body>
void HttpSession::send(const Request& request, http::response<Body>&& response, bool keepAlive) {
  securityHeaders(response);
  response.keep_alive(keepAlive && request.keep_alive());
  if (request.method() != http::verb::head) {
    response.prepare_payload();
  }
  logRequest(request.method_string(), request.target(), response.result_int(),
             std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - started_));
  auto shared = std::make_shared<http::response<Body>>(std::move(response));
  beast::get_lowest_layer(stream_).expires_after(context_.config.limits.requestTimeout);
  http::async_write(stream_, *shared,
                    [self = shared_from_this(), shared](beast::error_code ec, std::size_t) {
                      if (ec) return self->closeNow();
                      if (!shared->keep_alive()) return self->close();
                      self->doRead();
                    });
}

void HttpSession::refuseUnread(http::status status, const std::string& code,
                               const std::string& message, bool drain) {
  Response res = jsonError(11, status, code, message);
  securityHeaders(res);
  res.keep_alive(false);
  res.prepare_payload();
  uint64_t suppressed = 0;
  if (context_.requestRefusals.shouldLog(medrelay::steadyMs(), suppressed)) {
    // The method and path when the header was read (a body too large), else what is known.
    std::string what = "a request";
    if (parser_ && parser_->is_header_done()) {
      what = std::string(parser_->get().method_string()) + " " +
             std::string(targetPath(parser_->get().target()).substr(0, 200));
    }
    log()->warn("refused {} from {}: {} {}; {} more refusals since the last report", what, address_,
                res.result_int(), code, suppressed);
  }
  auto shared = std::make_shared<Response>(std::move(res));
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
  http::async_write(stream_, *shared,
                    [self = shared_from_this(), shared, drain](beast::error_code ec, std::size_t) {
                      if (ec) return self->closeNow();
                      if (drain) return self->drainThenClose(kMaxDrainBytes);
                      self->closeNow();
                    });
}

void HttpSession::logRequest(std::string_view method, std::string_view target, unsigned status,
                             std::chrono::milliseconds elapsed) {
  auto path = targetPath(target);
  if (status >= 400) {
    uint64_t suppressed = 0;
    if (context_.requestRefusals.shouldLog(medrelay::steadyMs(), suppressed)) {
      log()->info("{} {} {} {} ms from {}; {} more refusals since the last report", method,
                  path.substr(0, 200), status, elapsed.count(), address_, suppressed);
    }
    return;
  }
  if (role_ == ListenerRole::Metrics) {
    // A scraper polls every few seconds for ever: its successes are not news.
    log()->debug("{} {} {} {} ms", method, path.substr(0, 200), status, elapsed.count());
    return;
  }
  uint64_t suppressed = 0;
  if (context_.accessLog.shouldLog(medrelay::steadyMs(), suppressed) ||
      log()->should_log(spdlog::level::debug)) {
    log()->info("{} {} {} {} ms{}", method, path.substr(0, 200), status, elapsed.count(),
                suppressed ? " (" + std::to_string(suppressed) + " requests not logged)" : "");
  }
}

// Reads and drops what the client still sends (up to `budget` bytes, for at most 2 s) before
// closing: closing with unread data makes the kernel reset the connection, and the client
// would lose the error reply it has not read yet.
void HttpSession::drainThenClose(size_t budget) {
  auto scratch = std::make_shared<std::array<char, 16 * 1024>>();
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(2));
  stream_.async_read_some(net::buffer(*scratch), [self = shared_from_this(), scratch, budget](
                                                     beast::error_code ec, std::size_t n) {
    if (ec || n >= budget) return self->close();
    self->drainThenClose(budget - n);
  });
}

void HttpSession::close() {
  beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
  stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->closeNow(); });
}

void HttpSession::closeNow() {
  deadline_.cancel();
  beast::error_code ignored;
  beast::get_lowest_layer(stream_).socket().shutdown(net::ip::tcp::socket::shutdown_both, ignored);
  beast::get_lowest_layer(stream_).close();
}

}  // namespace medrelay::signaling
