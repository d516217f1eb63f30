// Maps a request path to a file under the web root, refusing anything that could escape it
// (.., encoded dots, NUL, backslashes, symlinks pointing outside). Pure; any thread.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace medrelay::signaling {

// The file to serve for `target` (path plus optional query), or nullopt (404).
std::optional<std::filesystem::path> resolveStaticFile(const std::filesystem::path& webRoot,
                                                       std::string_view target);
std::string_view contentTypeFor(const std::filesystem::path& file);

}  // namespace medrelay::signaling
