// Secret keys kept beside the database, not in it: DATA_DIR/<name>, 32 random bytes, mode 0600,
// made on first start (audit-key for the audit chain, thread-key for consult threads). Whoever
// can read or write medrelay.db alone, or a copy of it, has no key. Back them up with the data
// directory, apart from copies of the database. Plain functions; any thread.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace medrelay::access {

inline constexpr size_t kKeyFileBytes = 32;

// The key, if DATA_DIR/`fileName` exists; throws StoreError("storage") when it is damaged (not
// exactly kKeyFileBytes) or unreadable.
std::optional<std::string> readKeyFile(const std::filesystem::path& dataDir,
                                       std::string_view fileName);
// Creates the key file atomically (two processes starting together agree on one key) and
// returns the key that won.
std::string createKeyFile(const std::filesystem::path& dataDir, std::string_view fileName);

}  // namespace medrelay::access
