#include "app/api_common.hpp"

#include <algorithm>
#include <chrono>

#include "common/clock.hpp"
#include "signaling/static_files.hpp"

namespace medrelay::app::api {

using nlohmann::json;
using signaling::ApiResponse;

ApiResponse reply(int status, const json& body) {
  return {
      status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace), {}};
}

ApiResponse noContent() {
  return {204, "application/json", "", {}};
}

ApiResponse fail(int status, const std::string& code, const std::string& message) {
  return reply(status, {{"code", code}, {"message", message}});
}

ApiResponse fromStoreError(const access::StoreError& e) {
  int status = e.code() == "not-found"   ? 404
               : e.code() == "conflict"  ? 409
               : e.code() == "invalid"   ? 400
               : e.code() == "forbidden" ? 403
                                         : 500;
  if (status == 500) return fail(500, "internal", "The directory could not be updated.");
  return fail(status, e.code(), e.what());
}

std::optional<std::string> field(const json& body, const char* name, size_t max) {
  auto it = body.find(name);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  auto value = it->get<std::string>();
  if (value.empty() || value.size() > max) return std::nullopt;
  return value;
}

std::optional<std::string> percentDecode(const std::string& text, bool plusIsSpace) {
  std::string raw = text;
  if (plusIsSpace) std::replace(raw.begin(), raw.end(), '+', ' ');  // before %2B becomes '+'
  auto decoded = signaling::percentDecode(raw);
  if (!decoded) return std::nullopt;
  for (char c : *decoded) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  }
  return decoded;
}

std::optional<std::vector<std::string>> pathSegments(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) {
      auto decoded = percentDecode(path.substr(start, end - start), false);
      if (!decoded) return std::nullopt;
      parts.push_back(std::move(*decoded));
    }
    start = end + 1;
  }
  return parts;
}

std::string queryValue(const std::string& query, const std::string& name) {
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    auto pair = query.substr(start, end - start);
    auto eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return eq == std::string::npos ? "" : percentDecode(pair.substr(eq + 1), true).value_or("");
    }
    start = end + 1;
  }
  return "";
}

int64_t nowSeconds() {
  return medrelay::wallSeconds();
}

}  // namespace medrelay::app::api
