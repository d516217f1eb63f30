// Differential check of the project's own AEAD_AES_128_GCM sender (relay/transport/
// srtp_gcm_sender, on OpenSSL) against libsrtp's: the same packets protected by both with the
// same master key must give the same bytes (RFC 7714: key derivation, IV from SSRC and index,
// AAD over the header and its extensions, rollover counters per SSRC). The input is a sequence
// of RTP packets (fuzz_input.hpp), as a source and its retransmissions would send them; what
// libsrtp's receiver makes of ours must be the packet we started from.
#include <srtp2/srtp.h>

#include <cstring>
#include <vector>

#include "relay/transport/srtp_gcm_sender.hpp"
#include "relay/transport/srtp_session.hpp"
#include "tests/fuzz/fuzz_input.hpp"

using namespace medrelay::relay::transport;

namespace {

const std::vector<uint8_t> kKey(16, 0x5A), kSalt(12, 0xC3);

srtp_t libsrtpContext(srtp_ssrc_type_t direction) {
  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
  srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
  unsigned char master[28];
  std::memcpy(master, kKey.data(), 16);
  std::memcpy(master + 16, kSalt.data(), 12);
  policy.ssrc.type = direction;
  policy.key = master;
  policy.window_size = 1024;
  policy.allow_repeat_tx = 1;
  srtp_t context = nullptr;
  if (srtp_create(&context, &policy) != srtp_err_status_ok) __builtin_trap();
  return context;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ensureSrtpInitialized();
  SrtpGcmSender ours(kKey, kSalt);
  srtp_t reference = libsrtpContext(ssrc_any_outbound);
  srtp_t receiver = libsrtpContext(ssrc_any_inbound);
  bool diverged = false;
  medrelay::fuzz::forEachChunk(
      std::span<const uint8_t>(data, size), 32, [&](std::span<const uint8_t> packet) {
        if (packet.size() > 1400) return;
        std::vector<uint8_t> a(packet.size() + 64), b(packet.size() + 64);
        std::memcpy(a.data(), packet.data(), packet.size());
        std::memcpy(b.data(), packet.data(), packet.size());
        size_t lengthA = packet.size();
        int lengthB = static_cast<int>(packet.size());
        const bool okA = ours.protect(a, lengthA);
        const bool okB = srtp_protect(reference, b.data(), &lengthB) == srtp_err_status_ok;
        if (diverged) return;
        if (okA != okB) {
          // Ours refuses more than libsrtp (malformed headers, indices older than its guard's
          // window, reuse with other bytes); from then on the two track other rollover
          // counters and are not comparable. What ours takes, libsrtp must take too.
          if (okA) __builtin_trap();
          diverged = true;
          return;
        }
        if (!okA) return;
        if (lengthA > a.size()) __builtin_trap();
        if (lengthA != static_cast<size_t>(lengthB) ||
            std::memcmp(a.data(), b.data(), lengthA) != 0)
          __builtin_trap();  // same packet, same key, same index: other bytes
        int clear = static_cast<int>(lengthA);
        if (srtp_unprotect(receiver, a.data(), &clear) == srtp_err_status_ok &&
            (static_cast<size_t>(clear) != packet.size() ||
             std::memcmp(a.data(), packet.data(), packet.size()) != 0))
          __builtin_trap();
      });
  srtp_dealloc(reference);
  srtp_dealloc(receiver);
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  auto rtp = [](uint16_t seq, uint32_t ssrc, bool extension) {
    std::vector<uint8_t> p{static_cast<uint8_t>(extension ? 0x90 : 0x80),
                           0x60,
                           static_cast<uint8_t>(seq >> 8),
                           static_cast<uint8_t>(seq),
                           0,
                           0,
                           0x10,
                           0,
                           static_cast<uint8_t>(ssrc >> 24),
                           static_cast<uint8_t>(ssrc >> 16),
                           static_cast<uint8_t>(ssrc >> 8),
                           static_cast<uint8_t>(ssrc)};
    if (extension) p.insert(p.end(), {0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0});
    p.insert(p.end(), {0x90, 0xE0, 0x05, 0x07, 0x20, 0x00, 'v', 'p', '8'});
    return p;
  };
  using medrelay::fuzz::joinChunks;
  return {joinChunks({rtp(1, 0x1234, false), rtp(2, 0x1234, true), rtp(3, 0x1234, false)}),
          // Across the rollover, then a retransmission from before it.
          joinChunks({rtp(65534, 7, false), rtp(65535, 7, false), rtp(0, 7, true),
                      rtp(65535, 7, false), rtp(1, 7, false)}),
          // Two SSRCs (RTX beside the media stream), one CSRC.
          joinChunks({rtp(10, 1, false),
                      rtp(500, 2, false),
                      rtp(11, 1, true),
                      {0x81, 0x60, 0, 12, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 9, 1, 2, 3}})};
}
