// The viewer page, the console and other files under the web root, for GET and HEAD: the file
// is opened and its size checked before anything is read (Beast's file_body streams it), a
// folder without its trailing slash is redirected, everything else is 404.
// Pure apart from the file system; any thread.
#pragma once

#include <boost/beast/http/file_body.hpp>

#include <filesystem>
#include <variant>

#include "signaling/http_common.hpp"

namespace medrelay::signaling {

// Files larger than this are not served (the web root holds pages and scripts).
constexpr uint64_t kMaxStaticFileBytes = 16 * 1024 * 1024;

// A redirect or a 404 (string body), or the file.
std::variant<Response, http::response<http::file_body>> staticFileResponse(
    const std::filesystem::path& webRoot, const Request& request);

}  // namespace medrelay::signaling
