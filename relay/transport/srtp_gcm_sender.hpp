// Outbound SRTP with AEAD_AES_128_GCM (RFC 7714) on OpenSSL's EVP AES-GCM: the per-viewer cost of
// the packet path. Debian's libsrtp2 does AES-GCM through NSS's PKCS#11 soft token (a context and
// a lock per packet: 18 % of the relay's CPU at 200 viewers); this keeps one EVP context per
// session and only sets the IV per packet. RTCP, inbound and AES_CM_HMAC_SHA1 stay on libsrtp.
// Session keys come from the master key and salt with the SRTP KDF (RFC 3711 §4.3, AES-CM PRF;
// the 96-bit salt zero-padded to 112 bits, as libsrtp does). Rollover counters are kept per SSRC
// (RFC 3711 §3.3.1), so retransmissions of older sequence numbers get the right index.
// One thread (the worker); no allocation per packet.
#pragma once

#include <openssl/evp.h>

#include <array>
#include <cstdint>
#include <span>
#include <vector>

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
  // tag; false (nothing changed) for a malformed header or too little room.
  bool protect(std::span<uint8_t> buffer, size_t& length);

 private:
  // The packet's 48-bit index (ROC << 16 | SEQ) for its SSRC, updating that SSRC's state;
  // kNoIndex once more SSRCs than we keep state for have been seen.
  static constexpr uint64_t kNoIndex = ~uint64_t{0};
  uint64_t packetIndex(uint32_t ssrc, uint16_t sequence);

  EVP_CIPHER_CTX* context_ = nullptr;
  std::array<uint8_t, 12> sessionSalt_{};
  struct SourceState {
    uint32_t ssrc = 0;
    uint32_t roc = 0;
    uint16_t highest = 0;
    bool used = false;
  };
  std::array<SourceState, 8> sources_{};  // video, its RTX, audio: a few SSRCs per viewer
  size_t used_ = 0;
};

}  // namespace medrelay::relay::transport
