// One HTTPS connection: the TLS handshake, then requests one after another (keep-alive), each
// read within limits (header size: 431, body size: 413, a request that trickles in: 408, an idle
// connection: closed), routed through the listener's route table, answered, and logged (refusals
// once per burst, with method and path). /ws upgrades the connection to a WebSocketSession.
// Lives on its connection's strand; handlers that answer later (the backend's callbacks, from
// any thread) come back to the strand through respond().
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signaling/connection_limits.hpp"
#include "signaling/http_common.hpp"
#include "signaling/listener.hpp"
#include "signaling/route_table.hpp"
#include "signaling/server_context.hpp"

namespace medrelay::signaling {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ServerContext& context, ListenerRole role,
              std::string address, Admission admission);

  void run();

  // Thread-safe: sends `response` to `request` on this connection's strand.
  void respond(const Request& request, Response response);
  const std::string& address() const { return address_; }
  ServerContext& context() { return context_; }

  using Handler = void (HttpSession::*)(Request&& request, const std::vector<std::string>& params);

 private:
  static const RouteTable<Handler>& routesFor(ListenerRole role);
  void onHandshake(boost::beast::error_code ec);
  void doRead();
  void onRead(boost::beast::error_code ec, std::size_t);
  void onDeadline(boost::beast::error_code ec);
  void route(Request&& request);

  // Route handlers.
  void health(Request&& request, const std::vector<std::string>&);
  void metrics(Request&& request, const std::vector<std::string>&);
  void whep(Request&& request, const std::vector<std::string>& params);
  void whip(Request&& request, const std::vector<std::string>& params);
  void api(Request&& request, const std::vector<std::string>&);
  void staticFile(Request&& request, const std::vector<std::string>&);

  // Sends a response (string or file body); `keepAlive` false closes after it.
  template <class Body>
  void send(const Request& request, http::response<Body>&& response, bool keepAlive = true);
  // Answers a request that could not be read (no method/path known) and closes.
  void refuseUnread(http::status status, const std::string& code, const std::string& message,
                    bool drain);
  void logRequest(std::string_view method, std::string_view target, unsigned status,
                  std::chrono::milliseconds elapsed);
  void drainThenClose(size_t budget);
  void close();
  void closeNow();

  boost::beast::ssl_stream<boost::beast::tcp_stream> stream_;
  ServerContext& context_;
  ListenerRole role_;
  std::string address_;
  Admission admission_;
  boost::beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  boost::asio::steady_timer deadline_;
  bool idleWait_ = false;  // the deadline is the idle keep-alive one (nothing received yet)
  bool reading_ = false;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace medrelay::signaling
