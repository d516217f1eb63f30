// The hostile-input suite: one real `medrelay serve` (the ASan build in CI) with the demo, a
// plain rtp:// camera and the DICOM port, a webrtcbin viewer watching the demo the whole time,
// and every input of hostile_inputs.cpp replayed at it (each group is a test of its own, with a
// server of its own). After each group the relay must still run, answer /healthz, keep the
// viewer's picture moving, log at most a few lines for the whole burst (no line per packet), and
// its memory must not have run away.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "tests/hostile/hostile_inputs.hpp"
#include "tests/integration/gst_sender.hpp"
#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/whep_watch.hpp"
#include "tests/support/free_port.hpp"

namespace medrelay::hostile {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace asio = boost::asio;
namespace websocket = beast::websocket;
using namespace std::chrono_literals;
using json = nlohmann::json;
using testing::ServerProcess;

// A UDP socket of our own (a fresh source address:port, never verified by ICE).
struct UdpSocket {
  UdpSocket() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int size = 1 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  }
  ~UdpSocket() { ::close(fd); }
  void sendTo(unsigned short port, const std::string& bytes) const {
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  }
  // The first byte of any datagram that arrives within `wait`, or -1 if none does.
  int firstByteOfReply(std::chrono::milliseconds wait) const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return -1;
    unsigned char buffer[2048];
    return ::recv(fd, buffer, sizeof buffer, 0) > 0 ? buffer[0] : -1;
  }
  int fd;
};

// Raw bytes inside TLS to the public port; returns the response status, 0 if the server closed
// (or reset) without one, -1 if it neither answered nor closed within the deadline.
int sendRawHttps(unsigned short port, const std::string& bytes, std::string* body = nullptr) {
  asio::io_context io;
  asio::ssl::context tls(asio::ssl::context::tls_client);
  tls.set_verify_mode(asio::ssl::verify_none);
  beast::ssl_stream<beast::tcp_stream> stream(io, tls);
  beast::get_lowest_layer(stream).expires_after(40s);
  beast::error_code ec;
  beast::get_lowest_layer(stream).connect(
      asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return 0;
  stream.handshake(asio::ssl::stream_base::client, ec);
  if (ec) return 0;
  asio::write(stream, asio::buffer(bytes), ec);  // the server may close before it has read all
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  http::read(stream, buffer, parser, ec);
  if (ec == beast::error::timeout) return -1;
  if (ec) return 0;
  if (body) *body = parser.get().body();
  return static_cast<int>(parser.get().result_int());
}

// A WebSocket on /ws of the public port.
struct WsClient {
  explicit WsClient(unsigned short port) : tls(asio::ssl::context::tls_client), ws(io, tls) {
    tls.set_verify_mode(asio::ssl::verify_none);
    beast::get_lowest_layer(ws).expires_after(30s);
    beast::get_lowest_layer(ws).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    ws.next_layer().handshake(asio::ssl::stream_base::client);
    beast::get_lowest_layer(ws).expires_never();
    // An idle read ends after 30 s, so a test waiting for a close that never comes fails.
    ws.set_option(websocket::stream_base::timeout{30s, 30s, false});
    ws.handshake("127.0.0.1", "/ws");
  }
  bool send(const std::string& text) {
    beast::error_code ec;
    ws.text(true);
    ws.write(asio::buffer(text), ec);
    return !ec;
  }
  // The next message, or nullopt when the connection closed (closeCode says why).
  std::optional<std::string> read() {
    beast::flat_buffer buffer;
    beast::error_code ec;
    ws.read(buffer, ec);
    if (ec) {
      closeCode = ws.reason().code;
      return std::nullopt;
    }
    return beast::buffers_to_string(buffer.data());
  }
  asio::io_context io;
  asio::ssl::context tls;
  websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws;
  int closeCode = 0;
};

// Plain TCP (the DICOM port). Returns true if the server closed the connection (or answered
// with a refusal PDU and then closed) within `wait`.
bool sendAndAwaitClose(unsigned short port, const std::string& bytes, std::chrono::seconds wait,
                       std::string* reply = nullptr) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    ::close(fd);
    return false;
  }
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  auto end = std::chrono::steady_clock::now() + wait;
  bool closed = false;
  while (!closed && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 500) <= 0) continue;
    char buffer[4096];
    ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      closed = true;
    } else if (reply) {
      reply->append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return closed;
}

// The relay's UDP port for a session, from the host candidate in its answer.
unsigned short candidatePort(const std::string& answer) {
  std::smatch m;
  static const std::regex candidate(
      R"(a=candidate:\S+ 1 (?:udp|UDP) \d+ 127\.0\.0\.1 (\d+) typ host)");
  return std::regex_search(answer, m, candidate) ? static_cast<unsigned short>(std::stoi(m[1])) : 0;
}

double sample(const std::string& metrics, const std::string& name) {
  auto at = metrics.find(name + " ");
  return at == std::string::npos ? -1 : std::stod(metrics.substr(at + name.size() + 1));
}

class Hostile : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    rtpPort_ = testing::freeUdpPort();
    dicomPort_ = medrelay::testing::freeLoopbackPort(SOCK_STREAM);
    server_ = new ServerProcess({"--stream",
                                 "cam=rtp://127.0.0.1:" + std::to_string(rtpPort_) + "?codec=vp8",
                                 "--dicom-listen", "127.0.0.1:" + std::to_string(dicomPort_)});
    watching_ = new testing::Watching(testing::watchStream(*server_, "demo"));
    ASSERT_TRUE(watching_->viewer->waitForFrames(10, 60s))
        << "the viewer never played; decoded " << watching_->viewer->framesDecoded();
    baselineKiB_ = server_->residentKiB();
  }
  static void TearDownTestSuite() {
    delete watching_;
    delete server_;
  }

  void SetUp() override {
    ASSERT_TRUE(server_->running()) << "an earlier input took the relay down";
    logLinesBefore_ = server_->logLineCount();
  }

  // What must hold after every burst: alive, healthy, the viewer still watching, few log lines.
  void expectStillServing(size_t maxLogLines) {
    ASSERT_TRUE(server_->running()) << "the relay exited; its log:\n"
                                    << server_->logText(logLinesBefore_);
    // A burst may have used up this address's new connections for the current second: the
    // server must answer again once that window has passed.
    int health = 0;
    std::string lastError;
    for (int attempt = 0; attempt < 20 && health != 200; ++attempt) {
      try {
        health = testing::httpsRequest("127.0.0.1", server_->port(), "GET", "/healthz", {}).status;
      } catch (const std::exception& e) {
        lastError = e.what();
        std::this_thread::sleep_for(500ms);
      }
    }
    EXPECT_EQ(health, 200) << lastError;
    int before = watching_->viewer->framesDecoded();
    EXPECT_TRUE(watching_->viewer->waitForFrames(before + 10, 60s))
        << "the viewer's picture stopped: " << before << " -> "
        << watching_->viewer->framesDecoded();
    // ASan's quarantine and GStreamer's pools grow some; a leak per input would be far more.
    long rss = server_->residentKiB();
    EXPECT_LT(rss - baselineKiB_, 300 * 1024) << "RSS " << baselineKiB_ << " -> " << rss << " KiB";
    size_t added = server_->logLineCount() - logLinesBefore_;
    EXPECT_LE(added, maxLogLines) << "the burst was logged line by line:\n"
                                  << server_->logText(logLinesBefore_);
  }

  static std::string metrics() {
    return testing::httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {}).body;
  }

  static inline ServerProcess* server_ = nullptr;
  static inline testing::Watching* watching_ = nullptr;
  static inline unsigned short rtpPort_ = 0, dicomPort_ = 0;
  static inline long baselineKiB_ = 0;
  size_t logLinesBefore_ = 0;
};

TEST_F(Hostile, StunAndMediaFromAnUnverifiedAddressAreDroppedSilently) {
  auto port = candidatePort(watching_->answer);
  ASSERT_NE(port, 0) << watching_->answer;
  UdpSocket attacker;
  auto inputs = stunInputs();
  auto media = mediaDatagramsFromAnUnverifiedAddress();
  inputs.insert(inputs.end(), media.begin(), media.end());
  for (int round = 0; round < 50; ++round) {
    for (const auto& input : inputs)
      attacker.sendTo(port, input.bytes);
  }
  // Nothing answers a malformed STUN message or media from an address ICE never checked
  // (RFC 8445 §7.3: a request that fails MESSAGE-INTEGRITY is dropped or answered with 401;
  // never with media or DTLS).
  int reply = attacker.firstByteOfReply(1s);
  EXPECT_TRUE(reply == -1 || reply < 4) << "a non-STUN reply to junk: first byte " << reply;
  expectStillServing(10);
}

TEST_F(Hostile, ADtlsClientHelloFromAnUnverifiedAddressGetsNoDtlsState) {
  auto port = candidatePort(watching_->answer);
  ASSERT_NE(port, 0);
  UdpSocket attacker;
  for (int i = 0; i < 500; ++i)
    attacker.sendTo(port, dtlsClientHello());
  // A HelloVerifyRequest or ServerHello (content type 22) would mean DTLS state (or at least
  // work) for an address ICE never verified.
  auto end = std::chrono::steady_clock::now() + 2s;
  while (std::chrono::steady_clock::now() < end) {
    int reply = attacker.firstByteOfReply(200ms);
    EXPECT_FALSE(reply >= 20 && reply <= 63) << "DTLS answered an unverified address";
  }
  expectStillServing(10);
}

TEST_F(Hostile, MalformedRtpOnACameraPortIsDroppedAndCounted) {
  UdpSocket attacker;
  for (int round = 0; round < 100; ++round) {
    for (const auto& input : rtpInputs())
      attacker.sendTo(rtpPort_, input.bytes);
  }
  // They pass the ingest child packet for packet, and the relay's receiver refuses them.
  std::string text;
  auto end = std::chrono::steady_clock::now() + 30s;
  double dropped = 0;
  while (std::chrono::steady_clock::now() < end) {
    text = metrics();
    dropped = 0;
    for (const char* reason : {"malformed", "truncated", "probation", "late", "duplicate", "jump",
                               "unknown-payload-type"}) {
      auto value = sample(text, std::string("medrelay_source_packets_dropped_total{stream=\"cam\","
                                            "reason=\"") +
                                    reason + "\"}");
      if (value > 0) dropped += value;
    }
    if (dropped > 0) break;
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_GT(dropped, 0) << "no drop counted for the camera:\n" << text;
  expectStillServing(10);
}

// The GCM nonce-reuse attack end to end: a camera's real VP8 goes through a proxy that sends a
// copy of every fifth packet with other payload bytes after the original; the viewer of that
// camera keeps decoding and the relay counts the copies as duplicates.
TEST_F(Hostile, DuplicatesWithOtherBytesOnACameraPortAreDropped) {
  int proxyPort = testing::freeUdpPort();
  UdpSocket proxyIn;
  sockaddr_in bindTo{};
  bindTo.sin_family = AF_INET;
  bindTo.sin_port = htons(static_cast<unsigned short>(proxyPort));
  bindTo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(proxyIn.fd, reinterpret_cast<sockaddr*>(&bindTo), sizeof bindTo), 0);
  testing::GstSender camera(
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=15/1 "
      "! vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 mtu=1200 ! udpsink "
      "host=127.0.0.1 port=" +
      std::to_string(proxyPort));
  std::atomic<bool> stop{false};
  std::atomic<int> forged{0};
  std::thread proxy([&] {
    UdpSocket out;
    char buffer[2048];
    int count = 0;
    while (!stop) {
      pollfd p{proxyIn.fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(proxyIn.fd, buffer, sizeof buffer, 0);
      if (n <= 12) continue;
      std::string packet(buffer, static_cast<size_t>(n));
      out.sendTo(rtpPort_, packet);
      if (++count % 5 == 0) {
        for (size_t i = 14; i < packet.size(); ++i)
          packet[i] = static_cast<char>(packet[i] ^ 0x5A);
        out.sendTo(rtpPort_, packet);
        ++forged;
      }
    }
  });
  auto viewer = testing::watchStream(*server_, "cam", testing::ViewerCodec::Vp8);
  bool played = viewer.viewer->waitForFrames(30, 60s);
  double duplicates = -1;
  auto end = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < end) {
    duplicates = sample(metrics(),
                        "medrelay_source_packets_dropped_total{stream=\"cam\","
                        "reason=\"duplicate\"}");
    if (duplicates > 0) break;
    std::this_thread::sleep_for(500ms);
  }
  stop = true;
  proxy.join();
  EXPECT_TRUE(played) << "decoded " << viewer.viewer->framesDecoded();
  EXPECT_GT(forged.load(), 0);
  EXPECT_GT(duplicates, 0) << "forged copies were not counted as duplicates";
  expectStillServing(20);
}

TEST_F(Hostile, MalformedOffersAreRefusedWithA4xx) {
  auto token = server_->issueToken("demo");
  for (const auto& input : sdpOffers()) {
    auto post = [&] {
      return testing::httpsRequest(
          "127.0.0.1", server_->port(), "POST", "/whep/demo",
          {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}}, input.bytes);
    };
    auto response = post();
    // A refusal at the join limit says nothing about the offer: wait as told and ask again, so
    // every offer is judged on its own (a 429 once hid an offer the relay accepted).
    for (int retry = 0; retry < 5 && response.status == 429; ++retry) {
      std::this_thread::sleep_for(std::chrono::seconds(
          std::clamp(std::atoi(response.headers["retry-after"].c_str()), 1, 10)));
      response = post();
    }
    EXPECT_NE(response.status, 429) << input.name << ": still limited after five waits";
    EXPECT_GE(response.status, 400) << input.name << ": " << response.body;
    EXPECT_LT(response.status, 500) << input.name << ": " << response.body;
  }
  expectStillServing(2 * sdpOffers().size());
}

TEST_F(Hostile, MalformedHttpIsRefusedAndNothingLeaks) {
  for (const auto& input : httpRequests()) {
    std::string body;
    int status = sendRawHttps(server_->port(), input.bytes, &body);
    EXPECT_NE(status, -1) << input.name << ": neither answered nor closed";
    // RFC 9112 §5.2: a server either refuses obs-fold with 400 or reads it as a space.
    bool tolerated = input.name == "http-obsolete-line-folding" && status == 200;
    EXPECT_TRUE(tolerated || status == 0 || (status >= 400 && status < 500))
        << input.name << ": status " << status << " " << body.substr(0, 200);
    EXPECT_EQ(body.find("root:"), std::string::npos) << input.name << " served /etc/passwd";
  }
  expectStillServing(2 * httpRequests().size());
}

TEST_F(Hostile, MalformedWebSocketMessagesGetErrorsNotCrashes) {
  for (bool signedIn : {false, true}) {
    WsClient client(server_->port());
    if (signedIn) {
      ASSERT_TRUE(client.send(
          json{{"type", "login"}, {"id", 0}, {"token", server_->issueToken("demo")}}.dump()));
      auto reply = client.read();
      ASSERT_TRUE(reply) << "login got no answer";
    }
    for (const auto& input : wsMessages()) {
      if (!client.send(input.bytes)) break;
      auto reply = client.read();
      if (!reply) break;  // closed: allowed, as long as the relay survives
      auto parsed = json::parse(*reply, nullptr, false);
      ASSERT_FALSE(parsed.is_discarded()) << input.name << ": reply is not JSON: " << *reply;
      EXPECT_EQ(parsed.value("type", ""), "error") << input.name << ": " << *reply;
    }
  }
  // A message larger than the WS limit ends the connection (with 1009, "message too big", RFC
  // 6455 §7.4.1, when the close frame outruns the reset of the unread rest).
  WsClient big(server_->port());
  big.send("{\"type\":\"ping\",\"id\":\"" + std::string(4 << 20, 'b') + "\"}");
  EXPECT_FALSE(big.read());
  EXPECT_TRUE(big.closeCode == 0 || big.closeCode == 1009) << big.closeCode;
  // A flood of messages is cut as abusive, and a fresh connection is served at once.
  WsClient flood(server_->port());
  int sent = 0;
  while (sent < 5000 && flood.send("{\"type\":\"ping\",\"id\":1}"))
    ++sent;
  std::optional<std::string> last;
  while ((last = flood.read())) {
  }
  EXPECT_NE(flood.closeCode, 0) << "5000 messages were never cut";
  WsClient fresh(server_->port());
  ASSERT_TRUE(fresh.send("{\"type\":\"ping\",\"id\":7}"));
  auto pong = fresh.read();
  ASSERT_TRUE(pong);
  EXPECT_EQ(json::parse(*pong).value("type", ""), "pong");
  expectStillServing(40);
}

TEST_F(Hostile, MalformedDicomPdusAreRefusedAndAnIdlePeerBlocksNoOne) {
  // Every malformed PDU at once, and a peer that connects and sends nothing: while they hang
  // on, a real C-ECHO must still be answered (one idle connection used to block all intake).
  auto inputs = dicomPdus();
  inputs.push_back({"dicom-idle-peer", ""});
  std::vector<std::thread> peers;
  std::vector<int> closed(inputs.size(), 0);
  std::vector<std::string> replies(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    peers.emplace_back(
        [&, i] { closed[i] = sendAndAwaitClose(dicomPort_, inputs[i].bytes, 60s, &replies[i]); });
  }
  std::this_thread::sleep_for(1s);  // let them connect first; the echo must not wait for them
  auto echoStarted = std::chrono::steady_clock::now();
  EXPECT_NO_THROW(testing::runCommand({"/usr/bin/echoscu", "-aet", "HOSTILE", "-aec", "MEDRELAY",
                                       "-to", "60", "127.0.0.1", std::to_string(dicomPort_)}))
      << "C-ECHO failed while malformed peers were connected";
  auto echoSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - echoStarted);
  for (auto& peer : peers)
    peer.join();
  for (size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_TRUE(closed[i]) << inputs[i].name << ": the DICOM port kept the connection";
    // Any answer is a refusal: A-ASSOCIATE-RJ (3) or A-ABORT (7), never an accept (2).
    if (!replies[i].empty()) {
      EXPECT_NE(replies[i][0], '\x02') << inputs[i].name;
    }
  }
  RecordProperty("echo_seconds_with_hostile_peers", std::to_string(echoSeconds.count()));
  EXPECT_GT(sample(metrics(), "medrelay_dicom_associations_total{outcome=\"closed-early\"}"), 0)
      << "connections closed before an association were not counted";
  expectStillServing(6 * inputs.size());
}

TEST_F(Hostile, FloodsOfJoinsAreLimitedAndTheViewerKeepsWatching) {
  auto token = server_->issueToken("demo");
  // One offer for every join: the relay answers each as a session of its own.
  testing::WebrtcbinViewer offerer(testing::ViewerCodec::Vp8);
  const std::string offer = offerer.createOffer();
  std::atomic<int> created{0}, limited{0}, refusedConnections{0}, other{0};
  std::vector<std::thread> joiners;
  for (int t = 0; t < 8; ++t) {
    joiners.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        testing::HttpResponse response;
        try {
          response = testing::httpsRequest(
              "127.0.0.1", server_->port(), "POST", "/whep/demo",
              {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}}, offer);
        } catch (const std::exception&) {
          // The per-address connection rate closes the TCP connection before any HTTP: a limit
          // too (an exception leaving this thread would end the whole test process).
          ++refusedConnections;
          continue;
        }
        if (response.status == 201) {
          ++created;
          try {
            testing::httpsRequest("127.0.0.1", server_->port(), "DELETE",
                                  response.headers["location"],
                                  {{"Authorization", "Bearer " + token}});
          } catch (const std::exception&) {
            ++refusedConnections;  // the session then ends when its consent checks stop
          }
        } else if (response.status == 429 || response.status == 503) {
          ++limited;
          EXPECT_FALSE(response.headers["retry-after"].empty());
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& joiner : joiners)
    joiner.join();
  EXPECT_GT(created.load(), 0);
  EXPECT_EQ(other.load(), 0);
  EXPECT_GT(limited.load() + refusedConnections.load(), 0)
      << "200 joins in a burst were never limited";
  RecordProperty("joins_created", created.load());
  RecordProperty("joins_limited", limited.load());
  RecordProperty("connections_refused", refusedConnections.load());
  expectStillServing(600);  // each accepted join logs its start and end
}

}  // namespace
}  // namespace medrelay::hostile
