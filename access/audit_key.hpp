// The audit chain's HMAC key: DATA_DIR/audit-key (see key_file.hpp). It lives beside the
// database, not in it, so that whoever can write medrelay.db alone cannot recompute the chain
// after rewriting or cutting it.
#pragma once

#include "access/key_file.hpp"

namespace medrelay::access {

inline constexpr const char* kAuditKeyFile = "audit-key";

// The key, if DATA_DIR/audit-key exists; throws StoreError("storage") when it is damaged.
inline std::optional<std::string> readAuditKey(const std::filesystem::path& dataDir) {
  return readKeyFile(dataDir, kAuditKeyFile);
}
// Creates the key file atomically and returns the key that won.
inline std::string createAuditKey(const std::filesystem::path& dataDir) {
  return createKeyFile(dataDir, kAuditKeyFile);
}

}  // namespace medrelay::access
