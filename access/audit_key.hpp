// The audit chain's HMAC key: DATA_DIR/audit-key, 32 random bytes, mode 0600, made on first
// start. It lives beside the database, not in it, so that whoever can write medrelay.db alone
// cannot recompute the chain after rewriting or cutting it. Back it up with the data
// directory, apart from copies of the database.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace medrelay::access {

inline constexpr const char* kAuditKeyFile = "audit-key";

// The key, if DATA_DIR/audit-key exists; throws StoreError("storage") when it is damaged.
std::optional<std::string> readAuditKey(const std::filesystem::path& dataDir);
// Creates the key file atomically (two processes starting together agree on one key) and
// returns the key that won.
std::string createAuditKey(const std::filesystem::path& dataDir);

}  // namespace medrelay::access
