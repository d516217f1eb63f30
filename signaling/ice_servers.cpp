#include "signaling/ice_servers.hpp"

#include <nlohmann/json.hpp>

#include <regex>

namespace medrelay::signaling {

namespace {

// RFC 8288 quoted-string: a backslash before '"' and '\'.
std::string quotedString(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

bool isTurn(std::string_view uri) {
  return uri.rfind("turn:", 0) == 0 || uri.rfind("turns:", 0) == 0;
}

}  // namespace

std::vector<std::string> iceServerLinks(const std::vector<IceServer>& servers) {
  std::vector<std::string> links;
  for (const auto& server : servers) {
    for (const auto& url : server.urls) {
      std::string link = "<" + url + ">; rel=\"ice-server\"";
      if (isTurn(url) && !server.username.empty()) {
        link += "; username=" + quotedString(server.username) +
                "; credential=" + quotedString(server.credential) +
                "; credential-type=\"password\"";
      }
      links.push_back(std::move(link));
    }
  }
  return links;
}

nlohmann::json iceServersJson(const std::vector<IceServer>& servers) {
  auto out = nlohmann::json::array();
  for (const auto& server : servers) {
    nlohmann::json entry{{"urls", server.urls}};
    if (!server.username.empty()) {
      entry["username"] = server.username;
      entry["credential"] = server.credential;
    }
    out.push_back(std::move(entry));
  }
  return out;
}

bool validIceServerUri(std::string_view uri) {
  // scheme ":" host [":" port] ["?transport=" udp|tcp] (transport only for TURN). Hosts: a
  // name, IPv4, or a bracketed IPv6 literal.
  static const std::regex pattern(
      R"(((stuns?):([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?)|)"
      R"(((turns?):([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?(\?transport=(udp|tcp))?))");
  if (uri.size() > 256) return false;
  return std::regex_match(uri.begin(), uri.end(), pattern);
}

}  // namespace medrelay::signaling
