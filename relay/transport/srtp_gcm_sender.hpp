// Outbound SRTP with AEAD_AES_128_GCM (RFC 7714) on OpenSSL's EVP AES-GCM: the per-viewer cost of
// the packet path. Debian's libsrtp2 does AES-GCM through NSS's PKCS#11 soft token (a context and
// a lock per packet: 18 % of the relay's CPU at 200 viewers); this keeps one EVP context per
// session and only sets the IV per packet. RTCP, inbound and AES_CM_HMAC_SHA1 stay on libsrtp.
// Session keys come from the master key and salt with the SRTP KDF (RFC 3711 §4.3, AES-CM PRF;
// the 96-bit salt zero-padded to 112 bits, as libsrtp does). Rollover counters are kept per SSRC
// (RFC 3711 §3.3.1), so retransmissions of older sequence numbers get the right index, and an
// index is never used twice with other bytes (SrtpIndexGuard).
// One thread (the worker); no allocation per packet.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <span>

#include "relay/transport/srtp_index_guard.hpp"

namespace medrelay::relay::transport {

class SrtpGcmSender {
 public:
  static constexpr size_t kTagLength = 16;

  // `masterKey` 16 bytes, `masterSalt` 12 bytes; throws std::runtime_error otherwise.
  SrtpGcmSender(std::span<const uint8_t> masterKey, std::span<const uint8_t> masterSalt);
  ~SrtpGcmSender();
  SrtpGcmSender(const SrtpGcmSender&) = delete;
  SrtpGcmSender& operator=(const SrtpGcmSender&) = delete;

  // Protects the RTP packet in the first `length` bytes of `buffer` in place and appends the
  // tag; false for a malformed header, too little room, or an index the guard refuses (too old,
  // too many SSRCs, or already used with other bytes: then the buffer's payload is wiped, since
  // it holds what must never be sent).
  bool protect(std::span<uint8_t> buffer, size_t& length);

  const SrtpIndexGuard& guard() const { return guard_; }

 private:
  EVP_CIPHER_CTX* context_ = nullptr;
  std::array<uint8_t, 12> sessionSalt_{};
  SrtpIndexGuard guard_;
};

}  // namespace medrelay::relay::transport
