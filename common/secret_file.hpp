// Reads a small file that holds a secret (a TURN key, a webhook's signing key, a list of URLs
// with tokens in them). Refused, with a message that says why, when the file is missing, not a
// regular file, larger than `maxBytes`, empty, or readable by every local user (a secret that
// any local user can read is not one). Pure function; thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace medrelay {

// The file's content without surrounding whitespace. `what` names it in errors ("TURN secret
// file"). Throws std::runtime_error.
std::string readSecretFile(const std::filesystem::path& file, std::string_view what,
                           size_t maxBytes = 4096);

}  // namespace medrelay
