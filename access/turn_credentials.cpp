#include "access/turn_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "common/secret_file.hpp"

namespace medrelay::access {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

TurnCredential mintTurnCredential(std::string_view secret, std::string_view user,
                                  int64_t nowSeconds, int64_t lifetimeSeconds) {
  TurnCredential out;
  out.expiresAt = nowSeconds + lifetimeSeconds;
  out.username = std::to_string(out.expiresAt) + ":" + std::string(user);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(out.username.data()), out.username.size(), mac,
       &length);
  out.password = base64Encode(std::string_view(reinterpret_cast<const char*>(mac), length));
  return out;
}

std::string readTurnSecretFile(const std::filesystem::path& file) {
  return readSecretFile(file, "TURN secret file");
}

}  // namespace medrelay::access
