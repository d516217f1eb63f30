#include "app/webhook_event.hpp"

#include <openssl/rand.h>

#include <array>
#include <ctime>
#include <stdexcept>

#include "access/digest.hpp"
#include "common/hex.hpp"

namespace medrelay::app {

namespace {

std::string isoTime(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return std::string(text, length) + millis;
}

}  // namespace

WebhookEvent makeWebhookEvent(std::string type, nlohmann::json data, int64_t atMs) {
  std::array<uint8_t, 16> id{};
  if (RAND_bytes(id.data(), static_cast<int>(id.size())) != 1)
    throw std::runtime_error("no random bytes for a webhook event id");
  return {hexLower(id), std::move(type), atMs, std::move(data)};
}

std::string webhookBody(const WebhookEvent& event) {
  nlohmann::json body = {{"id", event.id},
                         {"type", event.type},
                         {"created_at", isoTime(event.atMs)},
                         {"data", event.data}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string webhookSignature(std::string_view key, int64_t unixSeconds, std::string_view body) {
  auto stamp = std::to_string(unixSeconds);
  std::string signed_text = stamp + "." + std::string(body);
  return "t=" + stamp + ",v1=" + access::hmacSha256Hex(key, signed_text);
}

}  // namespace medrelay::app
