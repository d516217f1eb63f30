// The parts of a request target (RFC 9112 origin-form: an absolute path and an optional query)
// that handlers read, parsed and percent-decoded by Boost.URL: security-relevant parsing stays
// in a library with its own tests and fuzzing. Everything here refuses what no honest client
// sends (a broken escape, a decoded control character) rather than guessing. Pure; any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medrelay::signaling {

// "/api/v1/admin/groups/demo%2Fteam" -> {"api", "v1", "admin", "groups", "demo/team"} (empty
// segments are dropped); nullopt when the path is not an RFC 3986 path or a segment decodes to
// a control character.
std::optional<std::vector<std::string>> decodedPathSegments(std::string_view path);

// The whole path decoded ("/console/a%20b.js" -> "/console/a b.js"); nullopt as above.
std::optional<std::string> decodedPath(std::string_view path);

// The decoded value of the first `name` in a query string ("a=1&b=x+y%21" gives "x y!" for b,
// form encoding); "" when absent, valueless, or malformed.
std::string queryValue(std::string_view query, std::string_view name);

}  // namespace medrelay::signaling
