#include "access/token_authority.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/hex.hpp"

namespace medrelay::access {

namespace {

constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kKeyBytes = 32;

std::array<uint8_t, 32> hmacSha256(const std::vector<uint8_t>& key, std::string_view data) {
  std::array<uint8_t, 32> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac.data(), &length);
  return mac;
}

std::vector<uint8_t> readKey(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> key((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (key.size() != kKeyBytes) {
    throw std::runtime_error("token key " + path.string() + " is damaged (expected " +
                             std::to_string(kKeyBytes) + " bytes)");
  }
  return key;
}

// Creates the key atomically so two processes starting together agree on one key.
std::vector<uint8_t> createKey(const std::filesystem::path& path) {
  std::vector<uint8_t> key(kKeyBytes);
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    throw std::runtime_error("cannot generate a token key: no entropy");
  }
  auto temp = path;
  temp += ".tmp" + std::to_string(::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + temp.string());
  bool ok =
      ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size()) && ::fsync(fd) == 0;
  ::close(fd);
  // link() fails if another process created the key first: then theirs wins.
  if (!ok || (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST)) {
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot create " + path.string());
  }
  ::unlink(temp.c_str());
  return readKey(path);
}

}  // namespace

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    auto index = kAlphabet.find(c);
    if (index == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(index);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero padding of a canonical encoding (and never a whole sextet).
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string randomHex(size_t bytes) {
  std::vector<uint8_t> raw(bytes);
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("no entropy for a random id");
  }
  return hexLower(raw);
}

TokenAuthority TokenAuthority::openOrCreate(const std::filesystem::path& dataDir) {
  std::error_code ec;
  std::filesystem::create_directories(dataDir, ec);
  if (ec) throw std::runtime_error("cannot create data directory " + dataDir.string());
  auto path = dataDir / "token.key";
  return TokenAuthority(std::filesystem::exists(path) ? readKey(path) : createKey(path));
}

TokenAuthority::TokenAuthority(std::vector<uint8_t> key) : key_(std::move(key)) {
  if (key_.size() < 16) throw std::invalid_argument("token key too short");
}

std::string TokenAuthority::issue(const TokenClaims& claims) const {
  nlohmann::json body = {{"sub", claims.user},      {"dev", claims.device},
                         {"jti", claims.tokenId},   {"iat", claims.issuedAt},
                         {"exp", claims.expiresAt}, {"v", 1}};
  std::string payload = base64UrlEncode(body.dump());
  auto mac = hmacSha256(key_, payload);
  return payload + "." +
         base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::variant<TokenClaims, TokenError> TokenAuthority::verify(std::string_view token,
                                                             int64_t nowSeconds) const {
  auto malformed = TokenError{"malformed", "The access token is not a MedRelay token."};
  if (token.empty() || token.size() > kMaxTokenLength) return malformed;
  auto dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    return malformed;
  }
  std::string_view payload = token.substr(0, dot);
  auto signature = base64UrlDecode(token.substr(dot + 1));
  if (!signature || signature->size() != 32) return malformed;
  auto expected = hmacSha256(key_, payload);
  // Constant time: the comparison must not leak how many leading bytes matched.
  if (CRYPTO_memcmp(expected.data(), signature->data(), expected.size()) != 0) {
    return TokenError{"bad-signature", "The access token was not issued by this server."};
  }
  auto json = base64UrlDecode(payload);
  if (!json) return malformed;
  auto body = nlohmann::json::parse(*json, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("sub") || !body["sub"].is_string() ||
      !body.contains("dev") || !body["dev"].is_string() || !body.contains("exp") ||
      !body["exp"].is_number_integer() || !body.contains("iat") ||
      !body["iat"].is_number_integer()) {
    return malformed;
  }
  TokenClaims claims;
  claims.user = body["sub"].get<std::string>();
  claims.device = body["dev"].get<std::string>();
  claims.tokenId = body.value("jti", "");
  claims.issuedAt = body["iat"].get<int64_t>();
  claims.expiresAt = body["exp"].get<int64_t>();
  if (claims.user.empty()) return malformed;
  if (nowSeconds >= claims.expiresAt) {
    return TokenError{"expired", "The access token has expired; sign in again."};
  }
  // Allow a minute of clock skew between the issuing and verifying process.
  if (claims.issuedAt > nowSeconds + 60) {
    return TokenError{"not-yet-valid", "The access token is not valid yet."};
  }
  return claims;
}

}  // namespace medrelay::access
