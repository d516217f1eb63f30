// What keeps a device signed in: single-use refresh tokens (rotated on every redeem, a reused
// one revokes the device's whole family) and sign-out. Implementations say which threads may
// call.
#pragma once

#include <cstdint>
#include <string>

namespace medrelay::access {

struct RefreshOutcome {
  bool ok = false;
  std::string user, device;
  std::string code;  // "invalid", "expired", "reused" (a rotated token came back: theft)
};

class SignInSessions {
 public:
  virtual ~SignInSessions() = default;

  // Opaque refresh token ("id.secret"); only a hash of the secret is stored.
  virtual std::string issueRefreshToken(const std::string& user, const std::string& device,
                                        int64_t lifetimeSeconds, int64_t now) = 0;
  // Single use: a redeemed token is spent. Presenting a spent token again revokes every
  // refresh token of that device (someone else has a copy).
  virtual RefreshOutcome redeemRefreshToken(const std::string& token, int64_t now) = 0;
  // Ends the device's sign-in: refresh tokens revoked, access tokens issued until now void.
  virtual void signOut(const std::string& actor, const std::string& user, const std::string& device,
                       int64_t now) = 0;
};

}  // namespace medrelay::access
