// TURN credentials for viewers and publishers, minted the way coturn checks them with
// `use-auth-secret` (the "TURN REST API" scheme, draft-uberti-behave-turn-rest): the username
// is "EXPIRY:USER" (EXPIRY in Unix seconds), the password base64(HMAC-SHA1(secret, username)).
// The relay and the TURN server share only the secret; no per-user state on either side, and a
// leaked credential is worth nothing after its expiry. Pure functions; any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace medrelay::access {

struct TurnCredential {
  std::string username;
  std::string password;
  int64_t expiresAt = 0;  // Unix seconds
};

TurnCredential mintTurnCredential(std::string_view secret, std::string_view user,
                                  int64_t nowSeconds, int64_t lifetimeSeconds);

// Standard base64 (RFC 4648 §4, padded), as coturn compares it.
std::string base64Encode(std::string_view bytes);

// The shared secret from FILE (surrounding whitespace dropped). Refused, with a message that
// says why, when the file is missing, empty, or readable by others than its owner and group
// (a secret that any local user can read is not one).
std::string readTurnSecretFile(const std::filesystem::path& file);

}  // namespace medrelay::access
