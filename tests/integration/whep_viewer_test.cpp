// End to end through a real `medrelay serve`: the demo ingest child encodes, the relay fans
// out, and GStreamer's webrtcbin — an independent WebRTC stack — subscribes over WHEP
// (RFC 9725 style: POST offer, 201 + Location + answer, DELETE) and decodes frames.
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;

class WhepViewer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new ServerProcess(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  HttpResponse post(const std::string& target, const std::string& sdp, const std::string& token) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/sdp"}};
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return httpsRequest("127.0.0.1", server_->port(), "POST", target, headers, sdp);
  }

  HttpResponse del(const std::string& location, const std::string& token) {
    return httpsRequest("127.0.0.1", server_->port(), "DELETE", location,
                        {{"Authorization", "Bearer " + token}});
  }

  static ServerProcess* server_;
};

ServerProcess* WhepViewer::server_ = nullptr;

void expectViewerPlays(ServerProcess& server, ViewerCodec codec) {
  auto token = server.issueToken("demo");
  WebrtcbinViewer viewer(codec);
  auto offer = viewer.createOffer();
  auto response = httpsRequest(
      "127.0.0.1", server.port(), "POST", "/whep/demo",
      {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}}, offer);
  ASSERT_EQ(response.status, 201) << response.body;
  EXPECT_EQ(response.headers["content-type"].rfind("application/sdp", 0), 0u);
  ASSERT_FALSE(response.headers["location"].empty());
  ASSERT_TRUE(viewer.setAnswer(response.body)) << response.body;
  EXPECT_TRUE(viewer.waitForFrames(30, 20s)) << "frames decoded: " << viewer.framesDecoded();

  auto location = response.headers["location"];
  auto deleted = httpsRequest("127.0.0.1", server.port(), "DELETE", location,
                              {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(deleted.status, 200);
}

TEST_F(WhepViewer, Vp8ViewerDecodesTheDemo) {
  expectViewerPlays(*server_, ViewerCodec::Vp8);
}

TEST_F(WhepViewer, H264ViewerDecodesTheDemo) {
  expectViewerPlays(*server_, ViewerCodec::H264);
}

TEST_F(WhepViewer, NoTokenMeans401AndNoMedia) {
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto offer = viewer.createOffer();
  auto missing = post("/whep/demo", offer, "");
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.headers["www-authenticate"].find("Bearer"), std::string::npos);
  // A well-formed token signed by another data directory's key.
  auto otherDir = server_->dataDir().string() + "-other";
  for (auto args : {std::vector<std::string>{"tenant", "add", "demo"},
                    std::vector<std::string>{"user", "add", "--tenant", "demo", "demo"}}) {
    args.insert(args.begin(), {ServerProcess::binary(), "admin", "--data-dir", otherDir});
    runCommand(args);
  }
  auto foreignToken = runCommand({ServerProcess::binary(), "admin", "--data-dir", otherDir, "token",
                                  "issue", "--user", "demo"});
  std::filesystem::remove_all(otherDir);
  foreignToken.erase(foreignToken.find_last_not_of("\r\n") + 1);
  auto foreign = post("/whep/demo", offer, foreignToken);
  EXPECT_EQ(foreign.status, 401);
  auto garbage = post("/whep/demo", offer, "not-a-token");
  EXPECT_EQ(garbage.status, 401);
  // Nothing was answered, so nothing may arrive.
  EXPECT_FALSE(viewer.waitForFrames(1, 2s));
}

TEST_F(WhepViewer, UnknownStreamIs404) {
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto response = post("/whep/no-such-stream", viewer.createOffer(), server_->issueToken("demo"));
  EXPECT_EQ(response.status, 404);
}

TEST_F(WhepViewer, GarbageOfferIs400) {
  auto response = post("/whep/demo", "v=0\r\nthis is not sdp", server_->issueToken("demo"));
  EXPECT_EQ(response.status, 400);
}

std::string sdpAttribute(const std::string& sdp, const std::string& name) {
  auto at = sdp.find("a=" + name + ":");
  if (at == std::string::npos) return "";
  at += name.size() + 3;
  return sdp.substr(at, sdp.find_first_of("\r\n", at) - at);
}

// RFC 9725 §4.3: trickle for the session's own ICE credentials is taken (204); If-Match naming
// another entity is 412; other credentials ask for an ICE restart, refused with 422 (the relay
// does not restart ICE; the client starts a new session); a body of another type is 415.
TEST_F(WhepViewer, PatchFollowsRfc9725) {
  auto token = server_->issueToken("demo");
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto offer = viewer.createOffer();
  auto created = post("/whep/demo", offer, token);
  ASSERT_EQ(created.status, 201) << created.body;
  auto location = created.headers["location"];
  auto etag = created.headers["etag"];
  ASSERT_FALSE(etag.empty());
  auto patch = [&](const std::string& body, std::map<std::string, std::string> headers) {
    headers.emplace("Authorization", "Bearer " + token);
    headers.emplace("Content-Type", "application/trickle-ice-sdpfrag");
    return httpsRequest("127.0.0.1", server_->port(), "PATCH", location, headers, body);
  };
  auto ice = "a=ice-ufrag:" + sdpAttribute(offer, "ice-ufrag") +
             "\r\na=ice-pwd:" + sdpAttribute(offer, "ice-pwd") + "\r\n";
  auto trickle = ice + "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:" + sdpAttribute(offer, "mid") +
                 "\r\na=candidate:1 1 udp 2130706431 127.0.0.1 9 typ host\r\n";
  EXPECT_EQ(patch(trickle, {{"If-Match", "\"someone-else\""}}).status, 412);
  EXPECT_EQ(patch(trickle, {{"If-Match", etag}}).status, 204);
  EXPECT_EQ(patch(trickle, {}).status, 204);
  auto restart = patch(
      "a=ice-ufrag:newU\r\na=ice-pwd:anewpasswordforarestart1\r\nm=video 9 UDP/TLS/RTP/SAVPF "
      "96\r\na=mid:0\r\n",
      {{"If-Match", "*"}});
  EXPECT_EQ(restart.status, 422) << restart.body;
  EXPECT_NE(restart.body.find("ice-restart-unsupported"), std::string::npos) << restart.body;
  EXPECT_EQ(patch(trickle, {{"Content-Type", "application/sdp"}}).status, 415);
  EXPECT_EQ(del(location, token).status, 200);
}

TEST_F(WhepViewer, KilledIngestResumesWithoutResignaling) {
  auto token = server_->issueToken("demo");
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto response = post("/whep/demo", viewer.createOffer(), token);
  ASSERT_EQ(response.status, 201);
  ASSERT_TRUE(viewer.setAnswer(response.body));
  ASSERT_TRUE(viewer.waitForFrames(15, 20s));

  auto children = server_->childPids();
  ASSERT_FALSE(children.empty()) << "the demo ingest should run as a child process";
  for (pid_t child : children)
    ::kill(child, SIGKILL);
  int before = viewer.framesDecoded();
  // Same session, no new offer: the supervisor restarts the ingest and frames flow again.
  EXPECT_TRUE(viewer.waitForFrames(before + 30, 15s))
      << "frames before kill " << before << ", now " << viewer.framesDecoded();
  EXPECT_FALSE(server_->childPids().empty());
  del(response.headers["location"], token);

  // The source's figures tell the story: one restart with its reason, and media flowing again
  // at the demo's rate (30 fps).
  nlohmann::json demo;
  for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(200ms)) {
    auto list = httpsRequest("127.0.0.1", server_->port(), "GET", "/api/v1/streams",
                             {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(list.status, 200);
    for (const auto& s : nlohmann::json::parse(list.body))
      if (s.at("name") == "demo") demo = s;
    // The 2 s rate window may still straddle the restart: wait for a full window after it.
    if (demo.value("restarts", 0) >= 1 && demo.value("fps", 0.0) >= 27) break;
  }
  EXPECT_GE(demo.value("restarts", 0), 1) << demo.dump();
  // The demo runs at 30 fps; a loaded CI machine may encode a little slower, never stop.
  EXPECT_GT(demo.value("fps", 0.0), 15) << demo.dump();
  EXPECT_LT(demo.value("fps", 0.0), 36) << demo.dump();
  EXPECT_GT(demo.value("bitrate_kbps", 0), 200) << demo.dump();
  auto metrics = httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {}).body;
  EXPECT_NE(metrics.find("medrelay_source_restarts_total{stream=\"demo\"} "), std::string::npos);
}

// The value of one Prometheus sample, e.g. `medrelay_viewers{stream="demo"}`; -1 if absent.
double metricValue(const std::string& text, const std::string& sample) {
  auto at = text.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + sample.size() + 2));
}

TEST_F(WhepViewer, MetricsCountViewersAndNeverGoBackwards) {
  auto scrape = [&] {
    auto metrics = httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {});
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.headers["content-type"].rfind("text/plain", 0), 0u);
    return metrics.body;
  };
  const std::string viewers = R"(medrelay_viewers{stream="demo"})";
  const std::string packetsOut = R"(medrelay_packets_out_total{stream="demo"})";
  const std::string packetsIn = R"(medrelay_packets_in_total{stream="demo"})";
  EXPECT_EQ(metricValue(scrape(), viewers), 0);

  auto token = server_->issueToken("demo");
  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto response = post("/whep/demo", viewer.createOffer(), token);
  ASSERT_EQ(response.status, 201);
  ASSERT_TRUE(viewer.setAnswer(response.body));
  ASSERT_TRUE(viewer.waitForFrames(15, 20s));
  // The figures are a snapshot each stream's worker publishes every two seconds.
  auto scrapeUntil = [&](auto accept) {
    std::string text;
    for (auto end = std::chrono::steady_clock::now() + 15s; std::chrono::steady_clock::now() < end;
         std::this_thread::sleep_for(100ms)) {
      text = scrape();
      if (accept(text)) break;
    }
    return text;
  };
  auto watching = scrapeUntil([&](const std::string& t) {
    return metricValue(t, viewers) == 1 && metricValue(t, packetsOut) > 15;
  });
  EXPECT_EQ(metricValue(watching, viewers), 1);
  double sent = metricValue(watching, packetsOut);
  EXPECT_GT(sent, 15);
  EXPECT_GE(metricValue(watching, packetsIn), sent);

  del(response.headers["location"], token);
  auto after = scrapeUntil([&](const std::string& t) { return metricValue(t, viewers) == 0; });
  EXPECT_EQ(metricValue(after, viewers), 0);
  // The departed viewer's packets stay counted: a counter never decreases.
  EXPECT_GE(metricValue(after, packetsOut), sent);

  auto health = httpsRequest("127.0.0.1", server_->port(), "GET", "/healthz", {});
  EXPECT_EQ(health.status, 200);
}

}  // namespace
}  // namespace medrelay::testing
