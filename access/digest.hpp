// SHA-256 as lower-case hex (OpenSSL): audit chain links and stored refresh-token hashes.
#pragma once

#include <string>
#include <string_view>

namespace medrelay::access {

std::string sha256Hex(std::string_view text);

}  // namespace medrelay::access
