#include "access/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/hex.hpp"

namespace medrelay::access {

namespace {

std::string hex(const unsigned char* digest, unsigned length) {
  return hexLower({digest, length});
}

}  // namespace

std::string sha256Hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  return hex(digest, length);
}

std::string hmacSha256Hex(std::string_view key, std::string_view text) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &length);
  return hex(mac, length);
}

}  // namespace medrelay::access
