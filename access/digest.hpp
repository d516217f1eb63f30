// SHA-256 and HMAC-SHA-256 as lower-case hex (OpenSSL): audit chain links and stored
// refresh-token hashes.
#pragma once

#include <string>
#include <string_view>

namespace medrelay::access {

std::string sha256Hex(std::string_view text);
// HMAC-SHA-256 as lower-case hex: the keyed audit chain and its exported head.
std::string hmacSha256Hex(std::string_view key, std::string_view text);

}  // namespace medrelay::access
