#include "signaling/request_target.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_path.hpp>
#include <boost/url/parse_query.hpp>

#include <algorithm>

namespace medrelay::signaling {

namespace {

bool hasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

std::optional<std::vector<std::string>> decodedPathSegments(std::string_view path) {
  auto segments = boost::urls::parse_path(path);
  if (!segments) return std::nullopt;
  std::vector<std::string> out;
  for (auto segment : *segments) {
    std::string decoded = segment.decode();
    if (hasControlCharacter(decoded)) return std::nullopt;
    if (!decoded.empty()) out.push_back(std::move(decoded));
  }
  return out;
}

std::optional<std::string> decodedPath(std::string_view path) {
  // parse_path checks every escape; the decoded text of the whole path is then one string.
  auto segments = boost::urls::parse_path(path);
  if (!segments) return std::nullopt;
  std::string decoded = boost::urls::pct_string_view(segments->buffer()).decode();
  if (hasControlCharacter(decoded)) return std::nullopt;
  return decoded;
}

std::string queryValue(std::string_view query, std::string_view name) {
  // Boost.URL 1.81's parse_query reads its argument up to a NUL (strlen, seen under ASan with
  // a view into a request's target): hand it a terminated copy, never a view.
  const std::string terminated(query);
  auto params = boost::urls::parse_query(terminated);
  if (!params) return "";
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  for (auto param : *params) {
    if (param.key.decode(form) != name) continue;
    if (!param.has_value) return "";
    std::string value = param.value.decode(form);
    return hasControlCharacter(value) ? "" : value;
  }
  return "";
}

}  // namespace medrelay::signaling
