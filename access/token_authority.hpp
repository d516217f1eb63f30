// Issues and verifies viewer access tokens: HMAC-SHA256 over a small JSON claim set, keyed by a
// secret kept in the data directory (so `medrelay admin` and `medrelay serve` share it).
// Thread-safe after construction: verify() and issue() only read the key.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace medrelay::access {

struct TokenClaims {
  std::string user;      // user name the token speaks for
  std::string device;    // device (app install) the token is bound to
  std::string tokenId;   // random id, for audit and later revocation lists
  int64_t issuedAt = 0;  // seconds since the Unix epoch
  int64_t expiresAt = 0;
};

struct TokenError {
  std::string code;  // "malformed", "bad-signature", "expired", "not-yet-valid"
  std::string message;
};

class TokenAuthority {
 public:
  // Loads `<dataDir>/token.key`, creating it (32 random bytes, mode 0600) on first use.
  // Throws std::runtime_error when the directory or key cannot be read or written.
  static TokenAuthority openOrCreate(const std::filesystem::path& dataDir);

  explicit TokenAuthority(std::vector<uint8_t> key);

  std::string issue(const TokenClaims& claims) const;
  std::variant<TokenClaims, TokenError> verify(std::string_view token, int64_t nowSeconds) const;

  static constexpr size_t kMaxTokenLength = 2048;

 private:
  std::vector<uint8_t> key_;
};

// Base64url without padding (RFC 4648 §5), used for the token's two parts.
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

// Random bytes from OpenSSL's CSPRNG, hex-encoded (ids, device ids).
std::string randomHex(size_t bytes);

}  // namespace medrelay::access
