// The event as it goes out, and the events the audit chain makes.
#include <gtest/gtest.h>

#include "app/webhook_event.hpp"
#include "app/webhook_feed.hpp"

namespace medrelay::app {
namespace {

TEST(WebhookEventTest, HasARandomIdAndAStableBody) {
  auto a = makeWebhookEvent("stream.live", {{"stream", "demo"}}, 1'800'000'000'123);
  auto b = makeWebhookEvent("stream.live", {{"stream", "demo"}}, 1'800'000'000'123);
  EXPECT_EQ(a.id.size(), 32u);
  EXPECT_NE(a.id, b.id);
  auto body = nlohmann::json::parse(webhookBody(a));
  EXPECT_EQ(body["created_at"], "2027-01-15T08:00:00.123Z");
  EXPECT_EQ(body["type"], "stream.live");
  EXPECT_EQ(body["data"]["stream"], "demo");
  EXPECT_EQ(webhookBody(a), webhookBody(a));
}

TEST(WebhookEventTest, SignsTheTimeAndTheBody) {
  // HMAC-SHA256, key "key", over "1700000000.{}" (computed with `openssl dgst -sha256 -hmac`).
  EXPECT_EQ(webhookSignature("key", 1700000000, "{}"),
            "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c940bd63ae");
  EXPECT_NE(webhookSignature("key", 1700000001, "{}"), webhookSignature("key", 1700000000, "{}"));
  EXPECT_NE(webhookSignature("kez", 1700000000, "{}"), webhookSignature("key", 1700000000, "{}"));
}

access::AuditRecord record(std::string action, nlohmann::json details) {
  access::AuditRecord r;
  r.actor = "user:alice";
  r.action = std::move(action);
  r.target = "stream:ct-sweep";
  r.outcome = "success";
  r.details = std::move(details);
  r.atMs = 1'800'000'000'000;
  return r;
}

TEST(WebhookEventTest, SharesAndUnsharesInTheAuditChainBecomeEvents) {
  auto shared = webhookEventOf(record("stream.share", {{"group", "stroke"}, {"changed", true}}));
  ASSERT_TRUE(shared);
  EXPECT_EQ(shared->type, "stream.shared");
  EXPECT_EQ(shared->data["stream"], "ct-sweep");
  EXPECT_EQ(shared->data["group"], "stroke");
  EXPECT_EQ(shared->data["by"], "user:alice");
  EXPECT_EQ(shared->atMs, 1'800'000'000'000);
  auto unshared = webhookEventOf(record("stream.unshare", {{"group", "stroke"}}));
  ASSERT_TRUE(unshared);
  EXPECT_EQ(unshared->type, "stream.unshared");
  // A share that was there already, other actions, and records without a group make none.
  EXPECT_FALSE(webhookEventOf(record("stream.share", {{"group", "stroke"}, {"changed", false}})));
  EXPECT_FALSE(webhookEventOf(record("subscribe", {{"group", "stroke"}})));
  EXPECT_FALSE(webhookEventOf(record("stream.share", {{"changed", true}})));
  auto other = record("stream.share", {{"group", "stroke"}});
  other.target = "user:bob";
  EXPECT_FALSE(webhookEventOf(other));
}

TEST(WebhookEventTest, AThreadMessageBecomesAnEventWithoutItsText) {
  auto posted = webhookEventOf(record("thread.message", {{"message", 42}, {"bytes", 17}}));
  ASSERT_TRUE(posted);
  EXPECT_EQ(posted->type, "thread.message");
  EXPECT_EQ(posted->data["stream"], "ct-sweep");
  EXPECT_EQ(posted->data["by"], "user:alice");
  EXPECT_EQ(posted->data["message"], 42);
  EXPECT_FALSE(posted->data.contains("bytes"));
  EXPECT_FALSE(posted->data.contains("text"));
  auto refused = record("thread.message", {{"reason", "not-shared"}});
  refused.outcome = "denied";
  EXPECT_FALSE(webhookEventOf(refused)) << "a refused post is no news";
}

}  // namespace
}  // namespace medrelay::app
