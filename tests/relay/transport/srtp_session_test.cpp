// SrtpSession against published reference packets (libsrtp's srtp_driver validation vectors:
// AES_CM_128_HMAC_SHA1_80 from RFC 3711's default policy, AEAD_AES_128_GCM per RFC 7714),
// plus what a receiver must refuse: a flipped bit, a replay, a short buffer.
#include "relay/transport/srtp_session.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace medrelay::relay::transport {
namespace {

using Bytes = std::vector<uint8_t>;

struct Vector {
  SrtpProfile profile;
  Bytes key, salt;
  Bytes rtp, srtp;    // plaintext and protected RTP (SSRC 0xcafebabe, seq 0x1234)
  Bytes rtcp, srtcp;  // plaintext SR and protected SRTCP (index 1, E bit set)
};

Vector cmSha1Vector() {
  Vector v;
  v.profile = SrtpProfile::AesCm128HmacSha1_80;
  v.key = {0xe1, 0xf9, 0x7a, 0x0d, 0x3e, 0x01, 0x8b, 0xe0,
           0xd6, 0x4f, 0xa3, 0x2c, 0x06, 0xde, 0x41, 0x39};
  v.salt = {0x0e, 0xc6, 0x75, 0xad, 0x49, 0x8a, 0xfe, 0xeb, 0xb6, 0x96, 0x0b, 0x3a, 0xab, 0xe6};
  v.rtp = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab,
           0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
  v.srtp = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba, 0xbe, 0x4e,
            0x55, 0xdc, 0x4c, 0xe7, 0x99, 0x78, 0xd8, 0x8c, 0xa4, 0xd2, 0x15, 0x94, 0x9d,
            0x24, 0x02, 0xb7, 0x8d, 0x6a, 0xcc, 0x99, 0xea, 0x17, 0x9b, 0x8d, 0xbb};
  v.rtcp = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xab, 0xab, 0xab, 0xab,
            0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab, 0xab};
  v.srtcp = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0x71, 0x28, 0x03, 0x5b, 0xe4,
             0x87, 0xb9, 0xbd, 0xbe, 0xf8, 0x90, 0x41, 0xf9, 0x77, 0xa5, 0xa8, 0x80, 0x00,
             0x00, 0x01, 0x99, 0x3e, 0x08, 0xcd, 0x54, 0xd6, 0xc1, 0x23, 0x07, 0x98};
  return v;
}

Vector gcmVector() {
  Vector v;
  v.profile = SrtpProfile::AeadAes128Gcm;
  v.key = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
           0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  v.salt = {0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xab};
  v.rtp = cmSha1Vector().rtp;
  v.srtp = {0x80, 0x0f, 0x12, 0x34, 0xde, 0xca, 0xfb, 0xad, 0xca, 0xfe, 0xba,
            0xbe, 0xc5, 0x00, 0x2e, 0xde, 0x04, 0xcf, 0xdd, 0x2e, 0xb9, 0x11,
            0x59, 0xe0, 0x88, 0x0a, 0xa0, 0x6e, 0xd2, 0x97, 0x68, 0x26, 0xf7,
            0x96, 0xb2, 0x01, 0xdf, 0x31, 0x31, 0xa1, 0x27, 0xe8, 0xa3, 0x92};
  v.rtcp = cmSha1Vector().rtcp;
  v.srtcp = {0x81, 0xc8, 0x00, 0x0b, 0xca, 0xfe, 0xba, 0xbe, 0xc9, 0x8b, 0x8b,
             0x5d, 0xf0, 0x39, 0x2a, 0x55, 0x85, 0x2b, 0x6c, 0x21, 0xac, 0x8e,
             0x70, 0x25, 0xc5, 0x2c, 0x6f, 0xbe, 0xa2, 0xb3, 0xb4, 0x46, 0xea,
             0x31, 0x12, 0x3b, 0xa8, 0x8c, 0xe6, 0x1e, 0x80, 0x00, 0x00, 0x01};
  return v;
}

// The sender holds the vector's key as its local key; the receiver as its remote key.
SrtpKeyingMaterial senderKeys(const Vector& v) {
  SrtpKeyingMaterial k;
  k.profile = v.profile;
  k.localKey = v.key;
  k.localSalt = v.salt;
  k.remoteKey = Bytes(v.key.size(), 0x55);
  k.remoteSalt = Bytes(v.salt.size(), 0x66);
  return k;
}

SrtpKeyingMaterial receiverKeys(const Vector& v) {
  SrtpKeyingMaterial k = senderKeys(v);
  std::swap(k.localKey, k.remoteKey);
  std::swap(k.localSalt, k.remoteSalt);
  return k;
}

class SrtpVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(SrtpVectors, ProtectProducesTheReferencePackets) {
  const Vector& v = GetParam();
  SrtpSession sender(senderKeys(v));

  Bytes buffer = v.rtp;
  buffer.resize(v.rtp.size() + SrtpSession::kMaxTrailer);
  size_t length = v.rtp.size();
  ASSERT_TRUE(sender.protectRtp(buffer, length));
  buffer.resize(length);
  EXPECT_EQ(buffer, v.srtp);

  buffer = v.rtcp;
  buffer.resize(v.rtcp.size() + SrtpSession::kMaxTrailer);
  length = v.rtcp.size();
  ASSERT_TRUE(sender.protectRtcp(buffer, length));
  buffer.resize(length);
  EXPECT_EQ(buffer, v.srtcp);
}

TEST_P(SrtpVectors, UnprotectRecoversThePlaintextOnce) {
  const Vector& v = GetParam();
  SrtpSession receiver(receiverKeys(v));

  Bytes buffer = v.srtp;
  size_t length = buffer.size();
  ASSERT_TRUE(receiver.unprotectRtp(buffer, length));
  buffer.resize(length);
  EXPECT_EQ(buffer, v.rtp);

  buffer = v.srtcp;
  length = buffer.size();
  ASSERT_TRUE(receiver.unprotectRtcp(buffer, length));
  buffer.resize(length);
  EXPECT_EQ(buffer, v.rtcp);

  // The same packets again are replays.
  buffer = v.srtp;
  length = buffer.size();
  EXPECT_FALSE(receiver.unprotectRtp(buffer, length));
  buffer = v.srtcp;
  length = buffer.size();
  EXPECT_FALSE(receiver.unprotectRtcp(buffer, length));
}

TEST_P(SrtpVectors, EveryFlippedBitIsRejected) {
  const Vector& v = GetParam();
  // Flip one bit in the payload, then in the tag: authentication must fail both times.
  for (size_t at : {size_t{13}, v.srtp.size() - 1}) {
    SrtpSession receiver(receiverKeys(v));
    Bytes buffer = v.srtp;
    buffer[at] ^= 0x01;
    size_t length = buffer.size();
    EXPECT_FALSE(receiver.unprotectRtp(buffer, length)) << "byte " << at;
  }
  SrtpSession receiver(receiverKeys(v));
  Bytes buffer = v.srtcp;
  buffer[9] ^= 0x80;
  size_t length = buffer.size();
  EXPECT_FALSE(receiver.unprotectRtcp(buffer, length));
}

TEST_P(SrtpVectors, TooLittleRoomOrTruncationFailsWithoutThrowing) {
  const Vector& v = GetParam();
  SrtpSession sender(senderKeys(v));
  Bytes buffer = v.rtp;  // no room for the tag
  size_t length = buffer.size();
  EXPECT_FALSE(sender.protectRtp(buffer, length));
  length = 0;
  EXPECT_FALSE(sender.protectRtp(buffer, length));

  SrtpSession receiver(receiverKeys(v));
  for (size_t cut : {size_t{1}, size_t{4}, size_t{12}, v.srtp.size() - 1}) {
    Bytes truncated(v.srtp.begin(), v.srtp.begin() + static_cast<long>(cut));
    size_t n = truncated.size();
    EXPECT_FALSE(receiver.unprotectRtp(truncated, n)) << cut << " bytes";
  }
}

INSTANTIATE_TEST_SUITE_P(Published, SrtpVectors, ::testing::Values(cmSha1Vector(), gcmVector()),
                         [](const auto& info) {
                           return info.param.profile == SrtpProfile::AeadAes128Gcm
                                      ? std::string("AeadAes128Gcm")
                                      : std::string("AesCm128HmacSha1_80");
                         });

// An RTP packet: `csrcs` contributing sources, an optional one-byte header extension, and a
// payload of `payload` bytes, with room for the tag.
Bytes rtpPacket(uint32_t ssrc, uint16_t sequence, size_t payload, int csrcs = 0,
                bool extension = false) {
  Bytes p = {static_cast<uint8_t>(0x80 | (extension ? 0x10 : 0) | csrcs),
             96,
             static_cast<uint8_t>(sequence >> 8),
             static_cast<uint8_t>(sequence),
             0,
             1,
             2,
             3,
             static_cast<uint8_t>(ssrc >> 24),
             static_cast<uint8_t>(ssrc >> 16),
             static_cast<uint8_t>(ssrc >> 8),
             static_cast<uint8_t>(ssrc)};
  for (int i = 0; i < csrcs * 4; ++i)
    p.push_back(static_cast<uint8_t>(0x40 + i));
  if (extension) p.insert(p.end(), {0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAA, 0x00, 0x00});
  for (size_t i = 0; i < payload; ++i)
    p.push_back(static_cast<uint8_t>(i * 7 + sequence));
  return p;
}

// Outbound GCM runs on OpenSSL, inbound on libsrtp: what the one protects, the other must take,
// across a sequence-number wrap (rollover counter), a late packet from before the wrap, CSRCs,
// a header extension, several SSRCs and payload sizes.
TEST(SrtpSession, GcmProtectionAgreesWithLibsrtpAcrossRolloverAndHeaders) {
  const Vector v = gcmVector();
  SrtpSession sender(senderKeys(v));
  SrtpSession receiver(receiverKeys(v));
  std::vector<Bytes> sent;
  for (uint16_t s = 65530; s != 6; ++s)
    if (s != 65533) sent.push_back(rtpPacket(0xCAFEBABE, s, 1 + (s % 5) * 300));
  sent.push_back(rtpPacket(0xCAFEBABE, 65533, 1200));  // late: from before the wrap
  sent.push_back(rtpPacket(0x00000001, 7, 160, 2, true));
  sent.push_back(rtpPacket(0x00000001, 8, 0, 0, true));
  sent.push_back(rtpPacket(0xFFFFFFFF, 0, 1200, 15));
  for (const auto& plain : sent) {
    Bytes buffer = plain;
    buffer.resize(plain.size() + SrtpSession::kMaxTrailer);
    size_t length = plain.size();
    ASSERT_TRUE(sender.protectRtp(buffer, length));
    EXPECT_EQ(length, plain.size() + 16);
    ASSERT_TRUE(receiver.unprotectRtp(buffer, length))
        << "libsrtp refused seq " << ((plain[2] << 8) | plain[3]);
    buffer.resize(length);
    EXPECT_EQ(buffer, plain);
  }
  // Rollover state is kept for a few SSRCs and never forgotten: beyond that, packets of new SSRCs
  // are refused rather than risk repeating an IV.
  int accepted = 0;
  for (uint32_t ssrc = 100; ssrc < 120; ++ssrc) {
    Bytes buffer = rtpPacket(ssrc, 1, 10);
    size_t size = buffer.size();
    buffer.resize(size + SrtpSession::kMaxTrailer);
    accepted += sender.protectRtp(buffer, size);
  }
  EXPECT_EQ(accepted, 8 - 3) << "three SSRCs were already in use";
  // Malformed headers are refused, not protected: an extension or CSRCs past the end.
  Bytes truncated = rtpPacket(1, 1, 0, 0, true);
  truncated.resize(14);
  size_t length = truncated.size();
  truncated.resize(64);
  EXPECT_FALSE(sender.protectRtp(truncated, length));
  Bytes csrcs = rtpPacket(1, 2, 0);
  csrcs[0] |= 0x0F;  // 15 CSRCs announced, none present
  length = csrcs.size();
  csrcs.resize(64);
  EXPECT_FALSE(sender.protectRtp(csrcs, length));
}

// Protects a copy of `plain`; nullopt when refused.
std::optional<Bytes> protect(SrtpSession& sender, const Bytes& plain) {
  Bytes buffer = plain;
  buffer.resize(plain.size() + SrtpSession::kMaxTrailer);
  size_t length = plain.size();
  if (!sender.protectRtp(buffer, length)) {
    // Whatever is left in the buffer must not be the other packet's ciphertext: the payload is
    // wiped on refusal.
    for (size_t i = 12; i < plain.size(); ++i)
      if (buffer[i] != plain[i] && buffer[i] != 0) ADD_FAILURE() << "payload left at " << i;
    return std::nullopt;
  }
  buffer.resize(length);
  return buffer;
}

// An SRTP index is never protected twice with different bytes (for GCM that would repeat a
// nonce; for AES-CM a keystream), whatever reaches the session: the same packet again (a resend
// without RTX) is protected to the same bytes, another packet under its sequence number is
// refused, and so is an index older than the guard's window.
class SrtpIndexReuse : public ::testing::TestWithParam<Vector> {};

TEST_P(SrtpIndexReuse, AnIndexIsNeverUsedTwiceWithOtherBytes) {
  SrtpSession sender(senderKeys(GetParam()));
  SrtpSession receiver(receiverKeys(GetParam()));
  const Bytes first = rtpPacket(0xCAFEBABE, 1000, 300);
  Bytes other = first;
  other.back() ^= 0x5A;  // same SSRC and sequence number, one payload byte different

  auto sent = protect(sender, first);
  ASSERT_TRUE(sent);
  auto again = protect(sender, first);
  ASSERT_TRUE(again) << "resending the very same packet is allowed";
  EXPECT_EQ(*again, *sent);
  EXPECT_FALSE(protect(sender, other)) << "other bytes under a used index";
  EXPECT_EQ(sender.indexRefusals(), 1u);

  // Still in order for the receiver: the refused packet never reached it.
  Bytes received = *sent;
  size_t length = received.size();
  ASSERT_TRUE(receiver.unprotectRtp(received, length));

  // The window: an index 511 behind the highest is still judged, 512 behind is refused.
  ASSERT_TRUE(protect(sender, rtpPacket(0xCAFEBABE, 1000 + 511, 50)));
  EXPECT_TRUE(protect(sender, rtpPacket(0xCAFEBABE, 1001, 50))) << "unused and in the window";
  EXPECT_FALSE(protect(sender, rtpPacket(0xCAFEBABE, 999, 50))) << "older than the window";
  // Another SSRC has its own indices.
  EXPECT_TRUE(protect(sender, rtpPacket(0x01020304, 1000, 300)));
  EXPECT_EQ(sender.indexRefusals(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Profiles, SrtpIndexReuse, ::testing::Values(cmSha1Vector(), gcmVector()),
                         [](const auto& info) {
                           return info.param.profile == SrtpProfile::AeadAes128Gcm
                                      ? std::string("AeadAes128Gcm")
                                      : std::string("AesCm128HmacSha1_80");
                         });

TEST(SrtpSession, RejectsKeysOfTheWrongLength) {
  SrtpKeyingMaterial keys = senderKeys(gcmVector());
  keys.localKey.resize(200);
  EXPECT_THROW(SrtpSession{keys}, std::runtime_error);
}

}  // namespace
}  // namespace medrelay::relay::transport
