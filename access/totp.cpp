#include "access/totp.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace medrelay::access {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

}  // namespace

std::string totpCode(const std::vector<uint8_t>& key, int64_t step, int digits) {
  std::array<uint8_t, 8> counter{};
  for (int i = 7; i >= 0; --i) {
    counter[static_cast<size_t>(i)] = static_cast<uint8_t>(step & 0xff);
    step >>= 8;
  }
  std::array<uint8_t, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), counter.data(), counter.size(),
       mac.data(), &length);
  // Dynamic truncation (RFC 4226 section 5.3).
  size_t offset = mac[length - 1] & 0x0f;
  uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                    (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                    (static_cast<uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i)
    modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<size_t>(digits) - code.size(), '0') + code;
}

std::optional<int64_t> matchTotp(const std::vector<uint8_t>& key, std::string_view code,
                                 int64_t nowSeconds, int digits) {
  if (code.size() != static_cast<size_t>(digits)) return std::nullopt;
  int64_t now = nowSeconds / kTotpStepSeconds;
  std::optional<int64_t> matched;
  for (int64_t step = now - 1; step <= now + 1; ++step) {
    auto expected = totpCode(key, step, digits);
    if (CRYPTO_memcmp(expected.data(), code.data(), code.size()) == 0 && !matched) matched = step;
  }
  return matched;
}

std::string base32Encode(const std::vector<uint8_t>& bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (uint8_t byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out.push_back(kAlphabet[(buffer >> (bits - 5)) & 0x1f]);
      bits -= 5;
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

std::optional<std::vector<uint8_t>> base32Decode(std::string_view text) {
  std::vector<uint8_t> out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    auto value = kAlphabet.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<uint8_t>((buffer >> (bits - 8)) & 0xff));
      bits -= 8;
    }
  }
  return out;
}

std::string otpauthUri(const std::string& issuer, const std::string& account,
                       const std::vector<uint8_t>& key) {
  // Names are restricted to URI-safe characters by checkName; the issuer is ours.
  return "otpauth://totp/" + issuer + ":" + account + "?secret=" + base32Encode(key) +
         "&issuer=" + issuer + "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace medrelay::access
