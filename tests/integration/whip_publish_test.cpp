// WHIP through a real `medrelay serve`: a GStreamer webrtcbin publisher POSTs a sendonly offer
// to /whip/{stream} (201, Location, answer), its video reaches a webrtcbin viewer over WHEP
// (checked by the picture's grey level, which only this publisher sends), DELETE ends it.
// Publishing needs the "publish" permission and a share, and only streams declared for WHIP
// take publishers; revoking the permission stops a running publisher.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_publisher.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"
#include "tests/integration/whep_watch.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class WhipPublish : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess({"--stream", "ward3=whip://"});  // the demo camera stays
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static HttpResponse post(const std::string& target, const std::string& sdp,
                           const std::string& token) {
    return httpsRequest("127.0.0.1", server_->port(), "POST", target,
                        {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}},
                        sdp);
  }

  // Publishes into `stream`; the response (201 and a Location when accepted).
  static HttpResponse publish(WebrtcbinPublisher& publisher, const std::string& stream,
                              const std::string& token) {
    auto response = post("/whip/" + stream, publisher.createOffer(), token);
    if (response.status == 201) {
      EXPECT_TRUE(publisher.setAnswer(response.body)) << response.body;
    }
    return response;
  }

  static std::string streamState(const std::string& name) {
    for (const auto& s : nlohmann::json::parse(server_->admin({"stream", "list", "--json"})))
      if (s.at("name") == name) return s.at("state");
    return "";
  }

  static ServerProcess* server_;
};

ServerProcess* WhipPublish::server_ = nullptr;

// Before anyone publishes, a WHIP stream is down, for "no publisher", in the viewer API and
// in the directory alike (it said "connecting" to viewers and "offline" to the CLI).
TEST_F(WhipPublish, AStreamNobodyPublishesIsDownEverywhere) {
  auto stream = listedStream(*server_, "ward3", server_->issueToken("demo"));
  EXPECT_EQ(stream.value("state", ""), "down") << stream.dump();
  EXPECT_EQ(stream.value("detail", ""), "no publisher") << stream.dump();
  EXPECT_EQ(streamState("ward3"), "down");
}

void expectPublishedVideoPlays(ServerProcess& server, ViewerCodec codec, int luma) {
  server.admin({"user", "permission", "grant", "demo", "publish"});
  auto token = server.issueToken("demo");
  WebrtcbinPublisher publisher(codec, luma);
  auto published =
      httpsRequest("127.0.0.1", server.port(), "POST", "/whip/ward3",
                   {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}},
                   publisher.createOffer());
  ASSERT_EQ(published.status, 201) << published.body;
  EXPECT_EQ(published.headers["content-type"].rfind("application/sdp", 0), 0u);
  auto location = published.headers["location"];
  ASSERT_EQ(location.rfind("/whip/ward3/sessions/", 0), 0u) << location;
  EXPECT_NE(published.body.find("a=recvonly"), std::string::npos) << published.body;
  ASSERT_TRUE(publisher.setAnswer(published.body));

  WebrtcbinViewer viewer(codec);
  auto watched =
      httpsRequest("127.0.0.1", server.port(), "POST", "/whep/ward3",
                   {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}},
                   viewer.createOffer());
  ASSERT_EQ(watched.status, 201) << watched.body;
  ASSERT_TRUE(viewer.setAnswer(watched.body));
  ASSERT_TRUE(viewer.waitForFrames(30, 20s)) << viewer.framesDecoded();
  EXPECT_NEAR(viewer.leftLuma(), luma, 12);  // the publisher's picture, not the demo's
  EXPECT_NEAR(viewer.rightLuma(), luma, 12);
  // The stream says it is live, with the publisher's frame rate (sampled every 2 s).
  nlohmann::json stream;
  for (auto end = Clock::now() + 20s; Clock::now() < end; std::this_thread::sleep_for(200ms)) {
    stream = listedStream(server, "ward3", token);
    if (stream.value("fps", 0.0) > 0) break;
  }
  EXPECT_EQ(stream.value("state", ""), "live") << stream.dump();
  EXPECT_GT(stream.value("fps", 0.0), 0) << stream.dump();

  auto ended = httpsRequest("127.0.0.1", server.port(), "DELETE", location,
                            {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(ended.status, 200);
  // No publisher, no frames: the viewer's picture stops.
  int before = viewer.framesDecoded();
  std::this_thread::sleep_for(1s);
  int after = viewer.framesDecoded();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(viewer.framesDecoded(), after)
      << "frames kept coming after DELETE (" << before << " -> " << after << ")";
}

TEST_F(WhipPublish, Vp8PublisherReachesAViewer) {
  expectPublishedVideoPlays(*server_, ViewerCodec::Vp8, 200);
}

TEST_F(WhipPublish, H264PublisherReachesAViewer) {
  expectPublishedVideoPlays(*server_, ViewerCodec::H264, 60);
}

TEST_F(WhipPublish, PublishingNeedsPermissionAWhipStreamAndAValidToken) {
  server_->admin({"user", "add", "--tenant", "demo", "nurse"});
  server_->admin({"group", "member", "add", "demo/demo", "nurse"});
  auto nurse = server_->issueToken("nurse");
  WebrtcbinPublisher publisher(ViewerCodec::Vp8, 128);
  auto offer = publisher.createOffer();
  EXPECT_EQ(post("/whip/ward3", offer, nurse).status, 403) << "no publish permission";
  server_->admin({"user", "permission", "grant", "nurse", "publish"});
  EXPECT_EQ(post("/whip/demo", offer, nurse).status, 409) << "the demo camera has its own source";
  EXPECT_EQ(post("/whip/nowhere", offer, nurse).status, 404);
  EXPECT_EQ(post("/whip/ward3", offer, "not-a-token").status, 401);
  EXPECT_EQ(post("/whip/ward3", "v=0\r\ngarbage", nurse).status, 400);
}

TEST_F(WhipPublish, RevokingThePermissionStopsARunningPublisher) {
  server_->admin({"user", "add", "--tenant", "demo", "paramedic"});
  server_->admin({"group", "member", "add", "demo/demo", "paramedic"});
  server_->admin({"user", "permission", "grant", "paramedic", "publish"});
  auto token = server_->issueToken("paramedic");
  WebrtcbinPublisher publisher(ViewerCodec::Vp8, 100);
  ASSERT_EQ(publish(publisher, "ward3", token).status, 201);
  std::string state;
  for (auto end = Clock::now() + 10s; state != "live" && Clock::now() < end;
       std::this_thread::sleep_for(50ms))
    state = streamState("ward3");
  EXPECT_EQ(state, "live");
  server_->admin({"user", "permission", "revoke", "paramedic", "publish"});
  for (auto end = Clock::now() + 5s; state == "live" && Clock::now() < end;
       std::this_thread::sleep_for(50ms))
    state = streamState("ward3");
  EXPECT_EQ(state, "down") << "the publisher was not stopped";
  // Audit records are written by the server's audit writer, a moment after the event: wait
  // for the last one (generous deadline), then check.
  std::string audit;
  for (auto end = Clock::now() + 20s;
       audit.find("\"outcome\":\"revoked\"") == std::string::npos && Clock::now() < end;
       std::this_thread::sleep_for(50ms))
    audit = server_->admin({"audit", "export", "--user", "paramedic"});
  EXPECT_NE(audit.find("\"action\":\"publish\""), std::string::npos) << audit;
  EXPECT_NE(audit.find("\"outcome\":\"revoked\""), std::string::npos) << audit;
}

// A stream an administrator registers with a whip:// source while the relay runs takes a
// publisher without a restart.
TEST_F(WhipPublish, AStreamRegisteredWhileRunningTakesAPublisher) {
  server_->admin(
      {"stream", "add", "--tenant", "demo", "--kind", "camera", "--source", "whip://", "handheld"});
  server_->admin({"stream", "share", "handheld", "demo/demo"});
  server_->admin({"user", "permission", "grant", "demo", "publish"});
  WebrtcbinPublisher publisher(ViewerCodec::Vp8, 180);
  auto response = publish(publisher, "handheld", server_->issueToken("demo"));
  ASSERT_EQ(response.status, 201) << response.body;
  std::string state;
  for (auto end = Clock::now() + 10s; state != "live" && Clock::now() < end;
       std::this_thread::sleep_for(50ms))
    state = streamState("handheld");
  EXPECT_EQ(state, "live");
}

}  // namespace
}  // namespace medrelay::testing
