// What DTLS-SRTP negotiation hands to SRTP: the protection profile and both directions' keys.
// The key bytes are wiped when the material goes away (copies included): SRTP keeps its own
// expanded keys, and nothing else needs these once the sessions are made.
#pragma once

#include <openssl/crypto.h>

#include <cstdint>
#include <vector>

namespace medrelay::relay::transport {

enum class SrtpProfile { AeadAes128Gcm, AesCm128HmacSha1_80 };

struct SrtpKeyingMaterial {
  SrtpProfile profile = SrtpProfile::AeadAes128Gcm;
  std::vector<uint8_t> localKey, localSalt;    // protects what we send
  std::vector<uint8_t> remoteKey, remoteSalt;  // unprotects what we receive

  SrtpKeyingMaterial() = default;
  SrtpKeyingMaterial(const SrtpKeyingMaterial&) = default;
  SrtpKeyingMaterial& operator=(const SrtpKeyingMaterial&) = default;
  ~SrtpKeyingMaterial() {
    for (auto* bytes : {&localKey, &localSalt, &remoteKey, &remoteSalt})
      if (!bytes->empty()) OPENSSL_cleanse(bytes->data(), bytes->size());
  }
};

}  // namespace medrelay::relay::transport
