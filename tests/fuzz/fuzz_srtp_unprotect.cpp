// SRTP/SRTCP unprotect (relay/transport/srtp_session over libsrtp) with a fixed key: what any
// host that can reach the relay's ICE port may send once DTLS is up. The first input byte picks
// the profile (AES-GCM or AES-CM/HMAC-SHA1) and RTP or RTCP; the rest is the packet, copied into
// a buffer as PeerConnection does. A packet that unprotects must come out no longer than it went
// in and still parse as what it claimed to be.
#include <cstring>
#include <vector>

#include "relay/rtp/rtcp_header.hpp"
#include "relay/rtp/rtp_packet.hpp"
#include "relay/transport/srtp_session.hpp"

using namespace medrelay::relay::transport;

namespace {

SrtpKeyingMaterial keys(SrtpProfile profile, bool swapped) {
  SrtpKeyingMaterial k;
  k.profile = profile;
  const size_t saltLength = profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
  std::vector<uint8_t> a(16, 0x11), b(16, 0x22), sa(saltLength, 0x33), sb(saltLength, 0x44);
  k.localKey = swapped ? b : a;
  k.localSalt = swapped ? sb : sa;
  k.remoteKey = swapped ? a : b;
  k.remoteSalt = swapped ? sa : sb;
  return k;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 1500) return 0;
  ensureSrtpInitialized();
  const bool gcm = data[0] & 1, rtcp = data[0] & 2;
  // A fresh session each time: libsrtp's replay window would make runs depend on earlier inputs.
  SrtpSession session(
      keys(gcm ? SrtpProfile::AeadAes128Gcm : SrtpProfile::AesCm128HmacSha1_80, false));
  std::vector<uint8_t> buffer(1500 + SrtpSession::kMaxTrailer);
  size_t length = size - 1;
  std::memcpy(buffer.data(), data + 1, length);
  const size_t before = length;
  bool ok = rtcp ? session.unprotectRtcp(buffer, length) : session.unprotectRtp(buffer, length);
  if (!ok) return 0;
  if (length > before) __builtin_trap();
  std::span<const uint8_t> clear(buffer.data(), length);
  if (!rtcp && !medrelay::relay::rtp::RtpPacket::parse(clear)) return 0;
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  // Packets protected by the peer (the swapped keys) under each profile: they unprotect, so the
  // fuzzer starts past the authentication check and can explore what follows it.
  ensureSrtpInitialized();
  std::vector<std::vector<uint8_t>> seeds;
  for (uint8_t mode = 0; mode < 4; ++mode) {
    const bool gcm = mode & 1, rtcp = mode & 2;
    SrtpSession peer(
        keys(gcm ? SrtpProfile::AeadAes128Gcm : SrtpProfile::AesCm128HmacSha1_80, true));
    std::vector<uint8_t> buffer(256);
    std::vector<uint8_t> packet =
        rtcp ? std::vector<uint8_t>{0x81, 0xC9, 0,    7,    0,    0,    0, 1, 0x0A, 0x0B, 0x0C,
                                    0x0D, 0x40, 0xFF, 0xFF, 0xFE, 0,    1, 0, 0x10, 0,    0,
                                    0,    0x20, 0x12, 0x34, 0x56, 0x78, 0, 1, 0,    0}
             : std::vector<uint8_t>{0x90, 0x60, 0x12, 0x34, 0,    1,    0xE2, 0x40, 0xCA, 0xFE,
                                    0xBA, 0xBE, 0xBE, 0xDE, 0,    1,    0x10, 0xAA, 0,    0,
                                    0x90, 0xE0, 0x05, 0x07, 0x20, 0x00, 1,    2,    3,    4};
    std::memcpy(buffer.data(), packet.data(), packet.size());
    size_t length = packet.size();
    bool ok = rtcp ? peer.protectRtcp(buffer, length) : peer.protectRtp(buffer, length);
    if (!ok) continue;
    std::vector<uint8_t> seed{mode};
    seed.insert(seed.end(), buffer.begin(), buffer.begin() + length);
    seeds.push_back(std::move(seed));
  }
  return seeds;
}
