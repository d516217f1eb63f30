// What every HTTP handler of the signaling server shares: the request and response types, error
// replies in the API's one shape ({"code", "message"}), the security and CORS headers, and the
// validation of names that appear in paths. Pure functions; any thread.
#pragma once

#include <boost/beast/http.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace medrelay::signaling {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response jsonError(unsigned version, http::status status, const std::string& code,
                   const std::string& message);
inline Response jsonError(const Request& request, http::status status, const std::string& code,
                          const std::string& message) {
  return jsonError(request.version(), status, code, message);
}
// Adds Retry-After (seconds, at least 1) to a refusal.
void retryAfter(http::fields& response, int64_t seconds);
void securityHeaders(http::fields& response);
// WHIP/WHEP are called from other origins (browser-based encoders and players).
void cors(http::fields& response);

// The token of an "Authorization: Bearer ..." header; "" when there is none.
std::string bearerToken(const Request& request);
// The target's path, without query or fragment.
std::string_view targetPath(std::string_view target);

// Stream names and session ids as they may appear in paths and messages.
bool validStreamName(std::string_view name);  // [A-Za-z0-9._-]{1,64}
bool validSessionId(std::string_view id);     // [A-Za-z0-9_-]{1,64}
// RFC 6455 §4.2.1: Sec-WebSocket-Key is the base64 of 16 bytes (24 characters ending "==").
bool validWebSocketKey(std::string_view key);

}  // namespace medrelay::signaling
