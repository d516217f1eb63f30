#include "app/api_common.hpp"

#include <algorithm>
#include <chrono>

#include "common/clock.hpp"

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

int64_t nowSeconds() {
  return medrelay::wallSeconds();
}

}  // namespace medrelay::app::api
