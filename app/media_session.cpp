#include "app/media_session.hpp"

namespace medrelay::app {

int refusalStatus(const std::string& code) {
  if (code == "not-found") return 404;
  if (code == "unknown-user" || code == "unknown-device" || code == "user-inactive" ||
      code == "device-revoked") {
    return 401;
  }
  return 403;
}

access::AccessDecision reviewAccess(const signaling::Principal& principal, int64_t nowSeconds,
                                    bool directoryChanged, access::Authorizer& authorizer,
                                    const std::function<access::AccessDecision()>& mayContinue) {
  if (principal.expiresAt != 0 && nowSeconds >= principal.expiresAt) {
    return {false, "token-expired", "Your sign-in has expired."};
  }
  if (!directoryChanged) return {true, "", ""};
  auto decision =
      authorizer.checkCredential(principal.userName, principal.deviceId, principal.issuedAt);
  if (!decision.allowed) return decision;
  return mayContinue();
}

}  // namespace medrelay::app
