// The webhook sender against a real HTTPS receiver on loopback: what arrives is signed so the
// receiver can check it, failures are retried with the same event, refusals are not, order is
// kept, an unverifiable server gets nothing, and a receiver that never answers holds up
// neither send() nor shutdown.
#include "app/webhook_sender.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "signaling/tls_identity.hpp"
#include "tests/support/webhook_receiver.hpp"

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;
using testing::signatureHolds;
using testing::WebhookReceiver;

constexpr auto kDeadline = 60s;  // a loaded machine; the waits end as soon as it arrives
const std::string kKey = "a-webhook-key-of-enough-length";

class WebhookSenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("webhook-sender-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    identity_ = signaling::ensureTlsIdentity(dir_);
    receiver_ = std::make_unique<WebhookReceiver>(identity_.certificate, identity_.privateKey);
  }
  void TearDown() override {
    receiver_.reset();
    std::filesystem::remove_all(dir_);
  }

  WebhookEndpoint endpoint(const std::string& name = "chat", bool trustReceiver = true) {
    WebhookEndpoint e;
    e.name = name;
    e.url = parseWebhookUrl("https://127.0.0.1:" + std::to_string(receiver_->port()) + "/hooks/" +
                            name + "/T0KEN?room=stroke");
    e.secret = kKey;
    if (trustReceiver) e.caFile = identity_.certificate;
    return e;
  }
  static WebhookSender::Policy fastPolicy() {
    WebhookSender::Policy p;
    p.firstRetry = 50ms;
    p.maxRetry = 200ms;
    p.maxAttempts = 4;
    p.stopGrace = 200ms;
    return p;
  }
  static WebhookEvent event(const std::string& type = "stream.live",
                            const std::string& stream = "ct-sweep") {
    return makeWebhookEvent(type, {{"stream", stream}}, 1'800'000'000'000);
  }
  template <class Condition>
  static bool eventually(Condition condition) {
    auto end = std::chrono::steady_clock::now() + kDeadline;
    while (std::chrono::steady_clock::now() < end) {
      if (condition()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return condition();
  }

  std::filesystem::path dir_;
  signaling::TlsIdentityFiles identity_;
  std::unique_ptr<WebhookReceiver> receiver_;
};

TEST_F(WebhookSenderTest, DeliversASignedEventTheReceiverCanCheck) {
  WebhookSender sender({endpoint()}, fastPolicy());
  auto sent = event();
  sender.send(sent);
  ASSERT_TRUE(receiver_->waitFor(1, kDeadline));
  auto got = receiver_->received().at(0);
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/hooks/chat/T0KEN?room=stroke");
  EXPECT_EQ(got.header("content-type"), "application/json");
  EXPECT_EQ(got.header("x-medrelay-event"), "stream.live");
  EXPECT_EQ(got.header("x-medrelay-delivery"), sent.id);
  EXPECT_TRUE(signatureHolds(got, kKey)) << got.header("x-medrelay-signature");
  EXPECT_FALSE(signatureHolds(got, kKey + "x"));
  auto body = nlohmann::json::parse(got.body);
  EXPECT_EQ(body["id"], sent.id);
  EXPECT_EQ(body["type"], "stream.live");
  EXPECT_EQ(body["data"]["stream"], "ct-sweep");
  EXPECT_EQ(body["created_at"], "2027-01-15T08:00:00.000Z");
  EXPECT_TRUE(eventually([&] { return sender.counts("chat").delivered == 1; }));
  EXPECT_EQ(sender.counts("chat").queued, 0u);
  auto metrics = sender.metricsText();
  EXPECT_NE(metrics.find("medrelay_webhook_events_total{endpoint=\"chat\",result=\"delivered\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("T0KEN"), std::string::npos) << "the URL's token is in /metrics";
}

TEST_F(WebhookSenderTest, RetriesFailuresWithTheSameEventAndGivesUpOnARefusal) {
  receiver_->script({503, 500});
  WebhookSender sender({endpoint()}, fastPolicy());
  sender.send(event());
  ASSERT_TRUE(receiver_->waitFor(3, kDeadline));
  ASSERT_TRUE(eventually([&] { return sender.counts("chat").delivered == 1; }));
  auto got = receiver_->received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].body, got[2].body);
  EXPECT_EQ(got[0].header("x-medrelay-delivery"), got[2].header("x-medrelay-delivery"));
  EXPECT_TRUE(signatureHolds(got[2], kKey));
  EXPECT_EQ(sender.counts("chat").retried, 2u);

  receiver_->script({400});
  sender.send(event("stream.down"));
  ASSERT_TRUE(eventually([&] { return sender.counts("chat").failed == 1; }));
  std::this_thread::sleep_for(500ms);  // ten retry intervals: none may come
  EXPECT_EQ(receiver_->received().size(), 4u);
  EXPECT_EQ(sender.counts("chat").retried, 2u);
}

TEST_F(WebhookSenderTest, GivesUpAfterTheLastAttemptAndGoesOnWithTheNext) {
  receiver_->script({503, 503, 503, 503});
  WebhookSender sender({endpoint()}, fastPolicy());
  sender.send(event("stream.live", "first"));
  sender.send(event("stream.live", "second"));
  ASSERT_TRUE(eventually([&] { return sender.counts("chat").delivered == 1; }));
  auto c = sender.counts("chat");
  EXPECT_EQ(c.failed, 1u);
  EXPECT_EQ(c.retried, 3u);
  auto got = receiver_->received();
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(nlohmann::json::parse(got[3].body)["data"]["stream"], "first");
  EXPECT_EQ(nlohmann::json::parse(got[4].body)["data"]["stream"], "second");
}

TEST_F(WebhookSenderTest, KeepsEachEndpointsOrderAndSendsOnlyTheEventsItWants) {
  auto onlyShares = endpoint("shares");
  onlyShares.events = {"stream.shared"};
  receiver_->script({503});
  WebhookSender sender({endpoint(), onlyShares}, fastPolicy());
  for (int i = 0; i < 5; ++i)
    sender.send(event("stream.live", "s" + std::to_string(i)));
  sender.send(event("stream.shared", "s5"));
  ASSERT_TRUE(eventually([&] {
    return sender.counts("chat").delivered == 6 && sender.counts("shares").delivered == 1;
  }));
  std::map<std::string, std::vector<std::string>> byEndpoint;  // streams, retries folded
  for (const auto& got : receiver_->received()) {
    auto& streams = byEndpoint[got.target.substr(0, got.target.find("/T0KEN"))];
    auto stream = nlohmann::json::parse(got.body)["data"]["stream"].get<std::string>();
    if (streams.empty() || streams.back() != stream) streams.push_back(stream);
  }
  EXPECT_EQ(byEndpoint["/hooks/chat"],
            (std::vector<std::string>{"s0", "s1", "s2", "s3", "s4", "s5"}));
  EXPECT_EQ(byEndpoint["/hooks/shares"], (std::vector<std::string>{"s5"}));
}

TEST_F(WebhookSenderTest, SendsNothingToAServerItCannotVerify) {
  WebhookSender sender({endpoint("chat", /*trustReceiver=*/false)}, fastPolicy());
  sender.send(event());
  ASSERT_TRUE(eventually([&] { return sender.counts("chat").failed == 1; }));
  EXPECT_TRUE(receiver_->received().empty()) << "the event went to an unverified server";
  EXPECT_EQ(sender.counts("chat").retried, 3u);
}

TEST_F(WebhookSenderTest, AReceiverThatNeverAnswersHoldsUpNeitherSendNorShutdown) {
  receiver_->script({0, 0, 0, 0, 0});
  auto policy = fastPolicy();
  policy.timeout = 3s;  // ample for TLS on a loaded machine: the receiver's silence ends it
  policy.maxAttempts = 1;
  policy.queueLimit = 2;
  auto streamsReceived = [&] {
    std::set<std::string> streams;
    for (const auto& got : receiver_->received())
      streams.insert(nlohmann::json::parse(got.body)["data"]["stream"].get<std::string>());
    return streams;
  };
  {
    WebhookSender sender({endpoint()}, policy);
    sender.send(event("stream.live", "a"));
    ASSERT_TRUE(receiver_->waitFor(1, kDeadline));  // a is in flight, unanswered
    for (const auto* name : {"b", "c", "d", "e"})
      sender.send(event("stream.live", name));  // returns at once; the queue keeps d and e
    auto c = sender.counts("chat");
    EXPECT_EQ(c.dropped, 2u);
    EXPECT_EQ(c.queued, 3u);  // d, e and a in flight
    ASSERT_TRUE(eventually([&] { return streamsReceived().count("d") > 0; }));
    EXPECT_EQ(sender.counts("chat").failed, 1u);  // a, after its timeout
  }  // destroyed while d hangs: returns after the grace
  auto streams = streamsReceived();
  EXPECT_EQ(streams.count("b") + streams.count("c"), 0u) << "a dropped event was sent";
  EXPECT_EQ(streams.count("a"), 1u);
}

}  // namespace
}  // namespace medrelay::app
