#include "app/ice_server_directory.hpp"

#include <stdexcept>

#include "access/turn_credentials.hpp"

namespace medrelay::app {

IceServerDirectory::IceServerDirectory(const std::vector<std::string>& uris, std::string turnSecret,
                                       int64_t credentialLifetimeSeconds)
    : turnSecret_(std::move(turnSecret)), lifetimeSeconds_(credentialLifetimeSeconds) {
  for (const auto& uri : uris)
    (uri.rfind("turn", 0) == 0 ? turn_ : stun_).push_back(uri);
  if (!turn_.empty() && turnSecret_.empty()) {
    throw std::invalid_argument(
        "a turn: or turns: --ice-server needs --turn-secret-file (the TURN server's "
        "static-auth-secret)");
  }
}

std::vector<signaling::IceServer> IceServerDirectory::forUser(const std::string& user,
                                                              int64_t nowSeconds) const {
  std::vector<signaling::IceServer> out;
  if (!stun_.empty()) out.push_back({stun_, "", ""});
  if (!turn_.empty()) {
    auto credential = access::mintTurnCredential(turnSecret_, user, nowSeconds, lifetimeSeconds_);
    out.push_back({turn_, credential.username, credential.password});
  }
  return out;
}

}  // namespace medrelay::app
