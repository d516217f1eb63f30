// What DTLS-SRTP negotiation hands to SRTP: the protection profile and both directions' keys.
#pragma once

#include <cstdint>
#include <vector>

namespace medrelay::relay::transport {

enum class SrtpProfile { AeadAes128Gcm, AesCm128HmacSha1_80 };

struct SrtpKeyingMaterial {
  SrtpProfile profile = SrtpProfile::AeadAes128Gcm;
  std::vector<uint8_t> localKey, localSalt;    // protects what we send
  std::vector<uint8_t> remoteKey, remoteSalt;  // unprotects what we receive
};

}  // namespace medrelay::relay::transport
