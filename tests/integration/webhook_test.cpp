// `serve --webhooks FILE` end to end: a real relay posts signed events to a real HTTPS
// receiver on loopback when the demo camera goes live and when `medrelay admin` (another
// process) shares the stream into a group; the chat app could post both into the group.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "signaling/tls_identity.hpp"
#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;
constexpr auto kDeadline = 120s;  // the demo's first frames on a loaded machine
const std::string kKey = "the-stroke-chat-webhook-key";

class WebhookTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("webhook-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    identity_ = signaling::ensureTlsIdentity(dir_ / "receiver");
    receiver_ = std::make_unique<WebhookReceiver>(identity_.certificate, identity_.privateKey);
    write("chat.key", kKey);
    write("hooks.json",
          nlohmann::json{
              {"endpoints",
               {{{"name", "stroke-chat"},
                 {"url", "https://127.0.0.1:" + std::to_string(receiver_->port()) + "/hooks/T0KEN"},
                 {"secret_file", "chat.key"},
                 {"ca_file", identity_.certificate.string()}}}}}
              .dump());
  }
  void TearDown() override {
    server_.reset();
    receiver_.reset();
    std::filesystem::remove_all(dir_);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    ::chmod((dir_ / name).c_str(), 0600);
  }
  // The first event of this type about this stream, waiting for it.
  std::optional<ReceivedWebhook> awaitEvent(const std::string& type, const std::string& stream) {
    auto end = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < end) {
      for (const auto& got : receiver_->received()) {
        auto body = nlohmann::json::parse(got.body, nullptr, false);
        if (!body.is_discarded() && body["type"] == type && body["data"]["stream"] == stream)
          return got;
      }
      if (server_ && !server_->running()) return std::nullopt;
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }

  std::filesystem::path dir_;
  signaling::TlsIdentityFiles identity_;
  std::unique_ptr<WebhookReceiver> receiver_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(WebhookTest, TheRelayPostsSignedEventsWhenAStreamGoesLiveAndIsShared) {
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"--webhooks", (dir_ / "hooks.json").string()});
  auto live = awaitEvent("stream.live", "demo");
  ASSERT_TRUE(live) << server_->logText();
  EXPECT_TRUE(signatureHolds(*live, kKey));
  EXPECT_EQ(live->target, "/hooks/T0KEN");
  auto body = nlohmann::json::parse(live->body);
  EXPECT_EQ(body["data"]["facility"], "demo");
  EXPECT_EQ(body["data"]["state"], "live");
  EXPECT_TRUE(body["data"]["groups"].is_array());
  EXPECT_FALSE(body["data"].contains("source")) << "a source URI left the relay";
  EXPECT_NE(server_->logText().find("webhook stroke-chat: events to https://127.0.0.1:"),
            std::string::npos);
  EXPECT_EQ(server_->logText().find("T0KEN"), std::string::npos) << "the hook's token was logged";

  server_->admin({"group", "add", "--tenant", "demo", "stroke-team"});
  server_->admin({"stream", "share", "demo", "stroke-team"});
  auto shared = awaitEvent("stream.shared", "demo");
  ASSERT_TRUE(shared) << server_->logText();
  EXPECT_TRUE(signatureHolds(*shared, kKey));
  auto sharedBody = nlohmann::json::parse(shared->body);
  EXPECT_EQ(sharedBody["data"]["group"], "demo/stroke-team");
  EXPECT_EQ(sharedBody["data"]["facility"], "demo");
  EXPECT_EQ(sharedBody["data"]["by"], "admin-cli");

  // Each event once: the live one is not repeated while the demo stays live.
  std::this_thread::sleep_for(3s);
  int lives = 0;
  for (const auto& got : receiver_->received())
    lives += nlohmann::json::parse(got.body)["type"] == "stream.live";
  EXPECT_EQ(lives, 1);
  // The announced set is kept for the next start.
  std::ifstream state(server_->dataDir() / "webhook-streams.json");
  std::string saved((std::istreambuf_iterator<char>(state)), {});
  EXPECT_NE(saved.find("\"demo\""), std::string::npos) << saved;
  // The sender counts a delivery once it has read the answer, just after the receiver recorded it.
  const std::string delivered =
      "medrelay_webhook_events_total{endpoint=\"stroke-chat\",result=\"delivered\"} 2";
  std::string metrics;
  for (auto end = std::chrono::steady_clock::now() + kDeadline;
       std::chrono::steady_clock::now() < end && metrics.find(delivered) == std::string::npos;
       std::this_thread::sleep_for(200ms))
    metrics = httpsRequest("127.0.0.1", server_->metricsPort(), "GET", "/metrics", {}).body;
  EXPECT_NE(metrics.find(delivered), std::string::npos) << metrics;
}

TEST_F(WebhookTest, AWebhooksFileEveryoneCanReadStopsTheStartWithTheReason) {
  ::chmod((dir_ / "hooks.json").c_str(), 0644);
  auto output = runCommand(
      {"/bin/sh", "-c",
       ServerProcess::binary() + " serve --data-dir " + (dir_ / "data").string() + " --webhooks " +
           (dir_ / "hooks.json").string() + " --listen 127.0.0.1:0 2>&1; true"});
  EXPECT_NE(output.find("readable by every local user"), std::string::npos) << output;
}

}  // namespace
}  // namespace medrelay::testing
