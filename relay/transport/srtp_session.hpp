// SRTP/SRTCP protection for one peer (RFC 3711, RFC 7714) over libsrtp2: one outbound context
// with our key, one inbound with the peer's; outbound RTP with AEAD_AES_128_GCM (the packet
// path) goes through SrtpGcmSender on OpenSSL instead. In place, no allocation; one thread (the
// worker).
#pragma once

#include <srtp2/srtp.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "relay/transport/srtp_gcm_sender.hpp"
#include "relay/transport/srtp_keying.hpp"

namespace medrelay::relay::transport {

// Initialises libsrtp once per process (thread-safe).
void ensureSrtpInitialized();

class SrtpSession {
 public:
  // Bytes protection may append: the longest auth tag (GCM: 16) plus the SRTCP index (4).
  // SRTP_MAX_TRAILER_LEN also counts a 128-byte MKI, which we never negotiate.
  static constexpr size_t kMaxTrailer = SRTP_MAX_TAG_LEN + 4;

  // Throws std::runtime_error if libsrtp rejects the keys (a programming error).
  explicit SrtpSession(const SrtpKeyingMaterial& keys);
  ~SrtpSession();
  SrtpSession(const SrtpSession&) = delete;
  SrtpSession& operator=(const SrtpSession&) = delete;

  // `buffer` holds the packet in its first `length` bytes and has room for the trailer;
  // `length` becomes the protected/unprotected size. False on any failure (never throws).
  bool protectRtp(std::span<uint8_t> buffer, size_t& length);
  bool protectRtcp(std::span<uint8_t> buffer, size_t& length);
  bool unprotectRtp(std::span<uint8_t> buffer, size_t& length);
  bool unprotectRtcp(std::span<uint8_t> buffer, size_t& length);

  // Outbound RTP packets refused because their index was too old or already used with other
  // bytes (see SrtpIndexGuard): each is a defect upstream, never expected in operation.
  uint64_t indexRefusals() const {
    return gcmSender_ ? gcmSender_->guard().refused() : cmGuard_.refused();
  }

 private:
  srtp_t outbound_ = nullptr;
  srtp_t inbound_ = nullptr;
  std::unique_ptr<SrtpGcmSender> gcmSender_;  // outbound RTP under AEAD_AES_128_GCM
  SrtpIndexGuard cmGuard_;                    // outbound RTP under AES_CM (libsrtp)
};

}  // namespace medrelay::relay::transport
