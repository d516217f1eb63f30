#include "relay/transport/srtp_session.hpp"

#include <openssl/crypto.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace medrelay::relay::transport {

namespace {

srtp_t createContext(const SrtpKeyingMaterial& keys, const std::vector<uint8_t>& key,
                     const std::vector<uint8_t>& salt, srtp_ssrc_type_t direction) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  if (keys.profile == SrtpProfile::AeadAes128Gcm) {
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  } else {
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
    srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
  }
  unsigned char master[SRTP_MAX_KEY_LEN];
  if (key.size() + salt.size() > sizeof master) throw std::runtime_error("SRTP key too long");
  std::memcpy(master, key.data(), key.size());
  std::memcpy(master + key.size(), salt.data(), salt.size());
  policy.ssrc.type = direction;
  policy.key = master;
  policy.window_size = 1024;   // survives bursts of reordering on cellular links
  policy.allow_repeat_tx = 1;  // NACK answered without RTX resends the same sequence number
  srtp_t context = nullptr;
  auto status = srtp_create(&context, &policy);
  OPENSSL_cleanse(master, sizeof master);
  if (status != srtp_err_status_ok) throw std::runtime_error("libsrtp rejected the SRTP policy");
  return context;
}

bool run(srtp_err_status_t (*fn)(srtp_t, void*, int*), srtp_t context, std::span<uint8_t> buffer,
         size_t& length, size_t room) {
  if (length == 0 || length + room > buffer.size() || length > 65535) return false;
  int size = static_cast<int>(length);
  if (fn(context, buffer.data(), &size) != srtp_err_status_ok) return false;
  length = static_cast<size_t>(size);
  return true;
}

}  // namespace

void ensureSrtpInitialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (srtp_init() != srtp_err_status_ok) throw std::runtime_error("libsrtp failed to start");
    // Debian's libsrtp2 runs its ciphers on NSS, and each cipher it allocates opens an NSS
    // context and each one it frees closes it: with no other context open, that is a whole NSS
    // start-up and shut-down (module load, OID tables) per SRTP session, about 2 ms of CPU on
    // every viewer's join and the whole cost of the srtp fuzz targets. One context held for the
    // process keeps NSS up, so a session's open and close are bookkeeping. Never freed, on
    // purpose; harmless with an OpenSSL-backed libsrtp.
    SrtpKeyingMaterial idle;
    idle.profile = SrtpProfile::AesCm128HmacSha1_80;
    idle.localKey.assign(16, 0);
    idle.localSalt.assign(14, 0);
    static srtp_t keepBackendUp =
        createContext(idle, idle.localKey, idle.localSalt, ssrc_any_outbound);
    (void)keepBackendUp;
  });
}

SrtpSession::SrtpSession(const SrtpKeyingMaterial& keys) {
  ensureSrtpInitialized();
  outbound_ = createContext(keys, keys.localKey, keys.localSalt, ssrc_any_outbound);
  try {
    inbound_ = createContext(keys, keys.remoteKey, keys.remoteSalt, ssrc_any_inbound);
    if (keys.profile == SrtpProfile::AeadAes128Gcm) {
      gcmSender_ = std::make_unique<SrtpGcmSender>(keys.localKey, keys.localSalt);
    }
  } catch (...) {
    if (inbound_) srtp_dealloc(inbound_);
    srtp_dealloc(outbound_);
    throw;
  }
}

SrtpSession::~SrtpSession() {
  if (outbound_) srtp_dealloc(outbound_);
  if (inbound_) srtp_dealloc(inbound_);
}

bool SrtpSession::protectRtp(std::span<uint8_t> buffer, size_t& length) {
  if (gcmSender_) return length > 0 && gcmSender_->protect(buffer, length);
  // libsrtp lets an index repeat (allow_repeat_tx, for resends of the same packet): the guard
  // makes sure a repeat carries the same bytes, judged by the authentication tag.
  if (length < 12 || length > buffer.size()) return false;
  const uint16_t sequence = static_cast<uint16_t>((buffer[2] << 8) | buffer[3]);
  const uint32_t ssrc = (uint32_t{buffer[8]} << 24) | (uint32_t{buffer[9]} << 16) |
                        (uint32_t{buffer[10]} << 8) | buffer[11];
  const auto reservation = cmGuard_.reserve(ssrc, sequence);
  if (!reservation) return false;
  const size_t plainLength = length;
  if (!run(srtp_protect, outbound_, buffer, length, SRTP_MAX_TAG_LEN)) return false;
  uint64_t tag = 0;
  if (length >= plainLength + sizeof tag)
    std::memcpy(&tag, buffer.data() + plainLength, sizeof tag);
  if (!cmGuard_.commit(*reservation, tag)) {
    std::memset(buffer.data() + 12, 0, length - 12);
    length = plainLength;
    return false;
  }
  return true;
}
bool SrtpSession::protectRtcp(std::span<uint8_t> buffer, size_t& length) {
  return run(srtp_protect_rtcp, outbound_, buffer, length, kMaxTrailer);
}
bool SrtpSession::unprotectRtp(std::span<uint8_t> buffer, size_t& length) {
  return run(srtp_unprotect, inbound_, buffer, length, 0);
}
bool SrtpSession::unprotectRtcp(std::span<uint8_t> buffer, size_t& length) {
  return run(srtp_unprotect_rtcp, inbound_, buffer, length, 0);
}

}  // namespace medrelay::relay::transport
