#include "access/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <vector>

#include "access/token_authority.hpp"
#include "common/logger.hpp"

namespace medrelay::access {

namespace {

constexpr int kLog2N = 15;  // N = 32768, r = 8: 32 MiB of memory per hash
constexpr const char* kInsecureCostVariable = "MEDRELAY_INSECURE_SCRYPT_LOG2N";

// The cost of new hashes. Tests that sign in many times set MEDRELAY_INSECURE_SCRYPT_LOG2N
// (10..14) to lower it; honoured with a loud warning on every process that does, never lower
// than 10, never above the production cost. Stored hashes keep the cost they were made with.
int costLog2N() {
  static const int log2n = [] {
    const char* text = std::getenv(kInsecureCostVariable);
    if (text == nullptr || *text == '\0') return kLog2N;
    int value = std::atoi(text);
    if (value < 10 || value >= kLog2N) {
      std::fprintf(stderr, "medrelay: %s=%s ignored (10..%d); scrypt keeps N = 2^%d\n",
                   kInsecureCostVariable, text, kLog2N - 1, kLog2N);
      return kLog2N;
    }
    std::fprintf(stderr,
                 "medrelay: WARNING: %s=%d: password hashes are WEAKENED (scrypt N = 2^%d instead "
                 "of 2^%d). For tests only; never set this in production.\n",
                 kInsecureCostVariable, value, value, kLog2N);
    medrelay::logger("access")->warn(
        "{}={}: password hashes are WEAKENED (scrypt N = 2^{}); for tests only",
        kInsecureCostVariable, value, value);
    return value;
  }();
  return log2n;
}
constexpr int kR = 8;
constexpr int kP = 1;
constexpr size_t kKeyBytes = 32;
constexpr uint64_t kMaxMemory = 256ull * 1024 * 1024;

bool derive(std::string_view secret, const std::string& salt, int log2n, int r, int p,
            std::string& key) {
  if (log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 16) return false;
  key.assign(kKeyBytes, '\0');
  return EVP_PBE_scrypt(secret.data(), secret.size(),
                        reinterpret_cast<const unsigned char*>(salt.data()), salt.size(),
                        uint64_t{1} << log2n, static_cast<uint64_t>(r), static_cast<uint64_t>(p),
                        kMaxMemory, reinterpret_cast<unsigned char*>(key.data()), key.size()) == 1;
}

std::vector<std::string> split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.emplace_back(text.substr(start, at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

}  // namespace

std::string hashSecret(std::string_view secret) {
  std::string salt(16, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    throw std::runtime_error("no randomness for a salt");
  }
  std::string key;
  const int log2n = costLog2N();
  if (!derive(secret, salt, log2n, kR, kP, key)) throw std::runtime_error("scrypt failed");
  return "scrypt$" + std::to_string(log2n) + "$" + std::to_string(kR) + "$" + std::to_string(kP) +
         "$" + base64UrlEncode(salt) + "$" + base64UrlEncode(key);
}

bool verifySecret(std::string_view secret, std::string_view stored) {
  auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  int log2n = 0, r = 0, p = 0;
  try {
    log2n = std::stoi(parts[1]);
    r = std::stoi(parts[2]);
    p = std::stoi(parts[3]);
  } catch (...) {
    return false;
  }
  auto salt = base64UrlDecode(parts[4]);
  auto expected = base64UrlDecode(parts[5]);
  std::string key;
  if (!salt || !expected || expected->size() != kKeyBytes ||
      !derive(secret, *salt, log2n, r, p, key)) {
    return false;
  }
  return CRYPTO_memcmp(key.data(), expected->data(), kKeyBytes) == 0;
}

}  // namespace medrelay::access
