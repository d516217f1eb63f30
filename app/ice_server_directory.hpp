// The STUN/TURN servers the relay tells its clients about (`serve --ice-server`), with a TURN
// credential minted per caller (coturn use-auth-secret, `--turn-secret-file`). Immutable after
// construction: any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class IceServerDirectory {
 public:
  IceServerDirectory() = default;
  // `uris` validated (signaling::validIceServerUri); `turnSecret` non-empty when any is TURN.
  IceServerDirectory(const std::vector<std::string>& uris, std::string turnSecret,
                     int64_t credentialLifetimeSeconds);

  // STUN servers as one entry, TURN servers as one entry with `user`'s credential.
  std::vector<signaling::IceServer> forUser(const std::string& user, int64_t nowSeconds) const;
  bool empty() const { return stun_.empty() && turn_.empty(); }

 private:
  std::vector<std::string> stun_, turn_;
  std::string turnSecret_;
  int64_t lifetimeSeconds_ = 0;
};

}  // namespace medrelay::app
