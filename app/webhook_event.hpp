// One event the relay tells the hospital's systems about (a stream went live, was shared into
// a group), as it is sent: a JSON body that stays the same across retries (its id lets the
// receiver drop a repeat) and a signature made per attempt. Events carry names only (stream,
// facility, group, actor), never a source URI, a state detail or anything from an image.
// Values; thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace medrelay::app {

struct WebhookEvent {
  std::string id;    // 32 hex digits, random
  std::string type;  // one of kWebhookEventTypes
  int64_t atMs = 0;  // when it happened (Unix ms)
  nlohmann::json data = nlohmann::json::object();
};

WebhookEvent makeWebhookEvent(std::string type, nlohmann::json data, int64_t atMs);

// {"id":..., "type":..., "created_at":"2026-12-07T10:00:00.000Z", "data":{...}}
std::string webhookBody(const WebhookEvent& event);

// The X-MedRelay-Signature header: "t=UNIX_SECONDS,v1=HEX", v1 being HMAC-SHA256 with the
// endpoint's key over "UNIX_SECONDS.BODY". The receiver recomputes it and refuses a time far
// from its clock, so a captured request cannot be replayed later.
std::string webhookSignature(std::string_view key, int64_t unixSeconds, std::string_view body);

}  // namespace medrelay::app
