// RTP views and writers against literal packets (RFC 3550 §5.1, RFC 8285, RFC 4588).
#include "relay/rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "relay/rtp/rtp_header_writer.hpp"
#include "relay/rtp/sequence_unwrapper.hpp"

namespace medrelay::relay::rtp {
namespace {

// clang-format off
const std::vector<uint8_t> kOneByteExtensions = {
  0x90, 0xE0, 0x12, 0x34,  // V=2 P=0 X=1 CC=0 | M=1 PT=96 | seq 0x1234
  0x00, 0x01, 0xE2, 0x40,  // timestamp 123456
  0xCA, 0xFE, 0xBA, 0xBE,  // SSRC
  0xBE, 0xDE, 0x00, 0x02,  // RFC 8285 one-byte profile, 2 words
  0x10, 0xAA, 0x00, 0x31,  // id 1 len 1: AA | padding 00 | id 3 len 2: ..
  0xBB, 0xCC, 0x00, 0x00,  //   BB CC | padding
  'p', 'a', 'y', 'l', 'o', 'a', 'd',
};
const std::vector<uint8_t> kTwoByteWithPaddingAndCsrc = {
  0xB1, 0x66, 0xFF, 0xFF,  // V=2 P=1 X=1 CC=1 | M=0 PT=102 | seq 65535
  0xFF, 0xFF, 0xFF, 0xFF,  // timestamp
  0x00, 0x00, 0x00, 0x07,  // SSRC 7
  0x00, 0x00, 0x00, 0x09,  // CSRC 9
  0x10, 0x00, 0x00, 0x01,  // two-byte profile 0x1000, 1 word
  0x05, 0x02, 0x11, 0x22,  // id 5 len 2: 11 22
  0xDE, 0xAD,              // payload
  0x00, 0x00, 0x03,        // 3 bytes of padding, the last counts them
};
// clang-format on

TEST(RtpPacket, ParsesHeaderFieldsAndOneByteExtensions) {
  auto packet = RtpPacket::parse(kOneByteExtensions);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->marker());
  EXPECT_EQ(packet->payloadType(), 96);
  EXPECT_EQ(packet->sequenceNumber(), 0x1234);
  EXPECT_EQ(packet->timestamp(), 123456u);
  EXPECT_EQ(packet->ssrc(), 0xCAFEBABEu);
  EXPECT_EQ(packet->csrcCount(), 0);
  EXPECT_EQ(packet->extensionProfile(), 0xBEDE);
  EXPECT_EQ(packet->headerSize(), 24u);
  auto one = packet->headerExtension(1);
  ASSERT_TRUE(one);
  EXPECT_EQ(std::vector<uint8_t>(one->begin(), one->end()), std::vector<uint8_t>{0xAA});
  auto three = packet->headerExtension(3);
  ASSERT_TRUE(three);
  EXPECT_EQ(std::vector<uint8_t>(three->begin(), three->end()), (std::vector<uint8_t>{0xBB, 0xCC}));
  EXPECT_FALSE(packet->headerExtension(2));
  EXPECT_EQ(std::string(packet->payload().begin(), packet->payload().end()), "payload");
}

TEST(RtpPacket, ParsesCsrcTwoByteExtensionAndPadding) {
  auto packet = RtpPacket::parse(kTwoByteWithPaddingAndCsrc);
  ASSERT_TRUE(packet);
  EXPECT_FALSE(packet->marker());
  EXPECT_EQ(packet->payloadType(), 102);
  EXPECT_EQ(packet->csrcCount(), 1);
  EXPECT_EQ(packet->csrc(0), 9u);
  auto five = packet->headerExtension(5);
  ASSERT_TRUE(five);
  EXPECT_EQ(five->size(), 2u);
  EXPECT_EQ(packet->paddingSize(), 3);
  EXPECT_EQ(packet->payload().size(), 2u);
  EXPECT_EQ(packet->payload()[0], 0xDE);
}

TEST(RtpPacket, EveryTruncationIsRejectedOrSafe) {
  for (const auto* bytes : {&kOneByteExtensions, &kTwoByteWithPaddingAndCsrc}) {
    for (size_t size = 0; size < bytes->size(); ++size) {
      auto packet = RtpPacket::parse(std::span<const uint8_t>(bytes->data(), size));
      if (packet) {  // a shorter packet may still be valid; reading it must stay in bounds
        EXPECT_LE(packet->headerSize() + packet->payload().size(), size);
        packet->headerExtension(1);
      }
    }
  }
}

TEST(RtpPacket, RejectsMalformedHeaders) {
  auto bad = kOneByteExtensions;
  bad[0] = 0x50;  // version 1
  EXPECT_FALSE(RtpPacket::parse(bad));
  bad = kOneByteExtensions;
  bad[0] = 0x8F;  // 15 CSRCs do not fit
  EXPECT_FALSE(RtpPacket::parse(bad));
  bad = kOneByteExtensions;
  bad[15] = 0x40;  // extension length past the end
  EXPECT_FALSE(RtpPacket::parse(bad));
  bad = kTwoByteWithPaddingAndCsrc;
  bad.back() = 0;  // padding count 0 is invalid
  EXPECT_FALSE(RtpPacket::parse(bad));
  bad.back() = 200;  // padding larger than the packet
  EXPECT_FALSE(RtpPacket::parse(bad));
}

TEST(RtpHeaderWriter, RewritesInPlaceWithoutTouchingThePayload) {
  auto bytes = kOneByteExtensions;
  setSequenceNumber(bytes, 7);
  setTimestamp(bytes, 0x01020304);
  setSsrc(bytes, 0x11111111);
  setPayloadType(bytes, 100);
  setMarker(bytes, false);
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequenceNumber(), 7);
  EXPECT_EQ(packet->timestamp(), 0x01020304u);
  EXPECT_EQ(packet->ssrc(), 0x11111111u);
  EXPECT_EQ(packet->payloadType(), 100);
  EXPECT_FALSE(packet->marker());
  EXPECT_TRUE(packet->hasExtension());
  EXPECT_EQ(std::string(packet->payload().begin(), packet->payload().end()), "payload");
}

TEST(RtpHeaderWriter, RtxPacketCarriesTheOriginalSequenceNumberFirst) {  // RFC 4588 §4
  auto original = RtpPacket::parse(kTwoByteWithPaddingAndCsrc);
  ASSERT_TRUE(original);
  std::vector<uint8_t> out(64);
  size_t size = writeRtxPacket(out, *original, 97, 0xABCDEF01, 500);
  ASSERT_EQ(size, original->headerSize() + 2 + 2);  // header + OSN + payload, padding dropped
  auto rtx = RtpPacket::parse(std::span<const uint8_t>(out.data(), size));
  ASSERT_TRUE(rtx);
  EXPECT_EQ(rtx->payloadType(), 97);
  EXPECT_EQ(rtx->ssrc(), 0xABCDEF01u);
  EXPECT_EQ(rtx->sequenceNumber(), 500);
  EXPECT_EQ(rtx->paddingSize(), 0);
  EXPECT_EQ(rtx->timestamp(), original->timestamp());
  EXPECT_EQ(rtx->csrc(0), 9u);
  ASSERT_EQ(rtx->payload().size(), 4u);
  EXPECT_EQ(rtx->payload()[0], 0xFF);  // OSN 65535
  EXPECT_EQ(rtx->payload()[1], 0xFF);
  EXPECT_EQ(rtx->payload()[2], 0xDE);
  EXPECT_EQ(writeRtxPacket(std::span<uint8_t>(out.data(), 10), *original, 97, 1, 1), 0u);
}

TEST(RtpHeaderWriter, BuildsAFixedHeader) {
  std::vector<uint8_t> out(12);
  ASSERT_EQ(writeRtpHeader(out, {96, true, 42, 9000, 5}), 12u);
  EXPECT_EQ(out,
            (std::vector<uint8_t>{0x80, 0xE0, 0x00, 0x2A, 0x00, 0x00, 0x23, 0x28, 0, 0, 0, 5}));
  EXPECT_EQ(writeRtpHeader(std::span<uint8_t>(out.data(), 11), {}), 0u);
}

TEST(SequenceUnwrapper, ContinuesAcrossWrapAndToleratesReordering) {
  SequenceUnwrapper unwrapper;
  int64_t first = unwrapper.unwrap(65534);
  EXPECT_EQ(unwrapper.unwrap(65535), first + 1);
  EXPECT_EQ(unwrapper.unwrap(0), first + 2);
  EXPECT_EQ(unwrapper.unwrap(1), first + 3);
  EXPECT_EQ(unwrapper.unwrap(65535), first + 1);  // late packet from before the wrap
  EXPECT_EQ(unwrapper.unwrap(2), first + 4);
}

}  // namespace
}  // namespace medrelay::relay::rtp
