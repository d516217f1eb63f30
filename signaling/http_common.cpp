#include "signaling/http_common.hpp"

#include <cctype>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace medrelay::signaling {

namespace {

bool allOf(std::string_view text, size_t max, bool allowDot) {
  if (text.empty() || text.size() > max) return false;
  return std::all_of(text.begin(), text.end(), [allowDot](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || (allowDot && c == '.');
  });
}

}  // namespace

Response jsonError(unsigned version, http::status status, const std::string& code,
                   const std::string& message) {
  Response res{status, version};
  res.set(http::field::content_type, "application/json");
  res.body() = nlohmann::json{{"code", code}, {"message", message}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  return res;
}

void retryAfter(http::fields& response, int64_t seconds) {
  response.set(http::field::retry_after, std::to_string(std::max<int64_t>(1, seconds)));
}

void securityHeaders(http::fields& res) {
  res.set(http::field::server, "MedRelay");
  res.set(http::field::strict_transport_security, "max-age=31536000");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
  res.set("Content-Security-Policy",
          "default-src 'self'; connect-src 'self' wss: https:; img-src 'self' data:; "
          "media-src 'self' blob:; style-src 'self'; frame-ancestors 'none'");
}

void cors(http::fields& res) {
  res.set(http::field::access_control_allow_origin, "*");
  res.set(http::field::access_control_allow_methods, "POST, PATCH, DELETE, OPTIONS");
  res.set(http::field::access_control_allow_headers,
          "Authorization, Content-Type, If-Match, X-One-Time-Code");
  res.set(http::field::access_control_expose_headers, "Location, ETag, Link");
}

std::string bearerToken(const Request& req) {
  auto header = req[http::field::authorization];
  std::string_view value(header.data(), header.size());
  if (value.size() > 7 && (value.substr(0, 7) == "Bearer " || value.substr(0, 7) == "bearer ")) {
    return std::string(value.substr(7));
  }
  return "";
}

std::string_view targetPath(std::string_view target) {
  return target.substr(0, target.find_first_of("?#"));
}

bool validStreamName(std::string_view name) {
  return allOf(name, 64, true);
}

bool validSessionId(std::string_view id) {
  return allOf(id, 64, false);
}

bool validWebSocketKey(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (char c : key.substr(0, 22)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/') return false;
  }
  return true;
}

}  // namespace medrelay::signaling
