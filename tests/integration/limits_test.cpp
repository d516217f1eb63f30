// What one client may make the signaling server spend, tried against a real `medrelay serve`:
// a 1 MiB header gets 431 (it was a TCP reset), a request trickled in gets 408 (it was closed
// without an answer), connections over the per-address limit are closed at once while a fresh
// one still gets /healthz, WebSockets per user and subscribes per second are limited with a
// clear error, and /metrics answers only on its own loopback port.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

namespace medrelay::testing {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using json = nlohmann::json;

struct TlsConnection {
  explicit TlsConnection(unsigned short port)
      : tls(asio::ssl::context::tls_client), stream(io, tls) {
    tls.set_verify_mode(asio::ssl::verify_none);
    beast::get_lowest_layer(stream).expires_after(30s);
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    stream.handshake(asio::ssl::stream_base::client);
  }
  // The status of the response the server sends, or 0 if the connection ended without one.
  int readStatus() {
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    beast::error_code ec;
    http::read(stream, buffer, response, ec);
    return ec ? 0 : static_cast<int>(response.result_int());
  }
  asio::io_context io;
  asio::ssl::context tls;
  beast::ssl_stream<beast::tcp_stream> stream;
};

class Limits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--request-timeout", "3", "--max-connections-per-address", "20"});
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static std::string metrics() {
    return httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {}).body;
  }
  static ServerProcess* server_;
};

ServerProcess* Limits::server_ = nullptr;

TEST_F(Limits, AHugeHeaderGets431) {
  TlsConnection c(server_->port());
  std::string request =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n";
  beast::error_code ec;
  asio::write(c.stream, asio::buffer(request), ec);  // the server may stop reading midway
  EXPECT_EQ(c.readStatus(), 431);
}

TEST_F(Limits, ARequestThatTricklesInGets408) {
  TlsConnection c(server_->port());
  asio::write(c.stream, asio::buffer(std::string("GET /healthz HTTP/1.1\r\nHo")));
  // Then nothing more: the 3 s request deadline answers.
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(c.readStatus(), 408);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 25s) << "answered, not left hanging";
}

TEST_F(Limits, ConnectionsOverThePerAddressLimitAreClosedAndOthersStillServed) {
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> held;
  asio::io_context io;
  int closedAtOnce = 0;
  for (int i = 0; i < 30; ++i) {
    auto socket = std::make_unique<asio::ip::tcp::socket>(io);
    socket->connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    held.push_back(std::move(socket));
  }
  // The server closes what it refused: a read sees the end at once; admitted ones stay open
  // (waiting for a TLS ClientHello that never comes).
  for (auto& socket : held) {
    socket->non_blocking(true);
  }
  std::this_thread::sleep_for(1s);
  for (auto& socket : held) {
    char byte;
    beast::error_code ec;
    socket->read_some(asio::buffer(&byte, 1), ec);
    if (ec == asio::error::eof || ec == asio::error::connection_reset) ++closedAtOnce;
  }
  EXPECT_EQ(closedAtOnce, 10) << "20 admitted, 10 refused";
  held.clear();
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(httpsRequest("127.0.0.1", server_->port(), "GET", "/healthz", {}).status, 200);
  EXPECT_NE(metrics().find("medrelay_connections_refused_total{limit=\"per-address\"} "),
            std::string::npos);
}

TEST_F(Limits, MetricsAreServedOnlyOnTheirOwnPort) {
  EXPECT_EQ(httpsRequest("127.0.0.1", server_->port(), "GET", "/metrics", {}).status, 404);
  auto scraped = httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {});
  EXPECT_EQ(scraped.status, 200);
  EXPECT_NE(scraped.body.find("medrelay_connections_open "), std::string::npos);
  EXPECT_NE(scraped.body.find("medrelay_viewers{stream=\"demo\"}"), std::string::npos);
  // The metrics port serves nothing else.
  EXPECT_EQ(httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/", {}).status, 404);
}

TEST_F(Limits, WebSocketsPerUserAreLimited) {
  auto token = server_->issueToken("demo");
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  using Ws = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;
  std::vector<std::unique_ptr<Ws>> sockets;
  std::string lastCode;
  bool refusedAndClosed = false;
  for (int i = 0; i < 9; ++i) {  // the default limit is 8
    auto ws = std::make_unique<Ws>(io, tls);
    beast::get_lowest_layer(*ws).expires_after(20s);
    beast::get_lowest_layer(*ws).connect({asio::ip::make_address("127.0.0.1"), server_->port()});
    ws->next_layer().handshake(asio::ssl::stream_base::client);
    beast::get_lowest_layer(*ws).expires_never();
    ws->handshake("127.0.0.1", "/ws");
    ws->write(asio::buffer(json{{"type", "login"}, {"id", 1}, {"token", token}}.dump()));
    beast::flat_buffer buffer;
    ws->read(buffer);
    auto reply = json::parse(beast::buffers_to_string(buffer.data()));
    if (reply["type"] == "error") {
      lastCode = reply["code"];
      buffer.consume(buffer.size());
      beast::error_code ec;
      ws->read(buffer, ec);
      refusedAndClosed = ec == websocket::error::closed;
      EXPECT_EQ(ws->reason().code, 1008);
    }
    sockets.push_back(std::move(ws));
  }
  EXPECT_EQ(lastCode, "too-many-connections");
  EXPECT_TRUE(refusedAndClosed);
}

TEST_F(Limits, SubscribesPerSecondPerUserAreLimited) {
  auto token = server_->issueToken("demo");
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto offer = viewer.createOffer();
  // Fifteen at once (the burst is ten a user).
  std::mutex mutex;
  int created = 0, limited = 0;
  std::vector<std::string> locations;
  std::string retryAfter;
  std::vector<std::thread> clients;
  for (int i = 0; i < 15; ++i) {
    clients.emplace_back([&] {
      HttpResponse response;
      try {
        response = httpsRequest(
            "127.0.0.1", server_->port(), "POST", "/whep/demo",
            {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}}, offer);
      } catch (const std::exception&) {
        return;
      }
      std::lock_guard lock(mutex);
      if (response.status == 201) {
        ++created;
        locations.push_back(response.headers["location"]);
      } else if (response.status == 429) {
        ++limited;
        retryAfter = response.headers["retry-after"];
      }
    });
  }
  for (auto& client : clients)
    client.join();
  EXPECT_GE(created, 10) << "the burst";
  EXPECT_GT(limited, 0);
  EXPECT_FALSE(retryAfter.empty()) << "a refusal says when to try again";
  for (const auto& location : locations) {
    httpsRequest("127.0.0.1", server_->port(), "DELETE", location,
                 {{"Authorization", "Bearer " + token}});
  }
}

}  // namespace
}  // namespace medrelay::testing
