// Small pieces every REST handler uses: JSON replies and errors in one shape
// ({"code", "message"}), strict reading of body fields, and URL path/query decoding.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "access/sqlite_database.hpp"
#include "signaling/request_target.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app::api {

signaling::ApiResponse reply(int status, const nlohmann::json& body);
signaling::ApiResponse noContent();
signaling::ApiResponse fail(int status, const std::string& code, const std::string& message);
// not-found -> 404, conflict -> 409, invalid -> 400, forbidden -> 403, else 500.
signaling::ApiResponse fromStoreError(const access::StoreError& e);

// A string member of a JSON body, 1..max bytes; nullopt when absent, not a string or too long.
std::optional<std::string> field(const nlohmann::json& body, const char* name, size_t max);

// Paths and queries are decoded by signaling/request_target.hpp (Boost.URL).
using signaling::decodedPathSegments;
using signaling::queryValue;

int64_t nowSeconds();

}  // namespace medrelay::app::api
