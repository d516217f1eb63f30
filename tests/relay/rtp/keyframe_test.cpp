// Key-frame detection from payload bytes written by hand from RFC 7741 (VP8) and RFC 6184
// (H.264).
#include "relay/rtp/keyframe.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace medrelay::relay::rtp {
namespace {

bool key(Codec codec, std::vector<uint8_t> payload) {
  return isKeyFrameStart(codec, payload);
}

TEST(KeyFrame, Vp8) {
  EXPECT_TRUE(key(Codec::Vp8, {0x10, 0x00}));   // S=1 PID=0, P=0: key frame
  EXPECT_FALSE(key(Codec::Vp8, {0x10, 0x01}));  // P=1: inter frame
  EXPECT_FALSE(key(Codec::Vp8, {0x00, 0x00}));  // S=0: not the start
  EXPECT_FALSE(key(Codec::Vp8, {0x11, 0x00}));  // partition 1
  // X=1 with I=1 (15-bit picture id, M bit set): descriptor is 4 bytes.
  EXPECT_TRUE(key(Codec::Vp8, {0x90, 0x80, 0x81, 0x23, 0x00}));
  EXPECT_FALSE(key(Codec::Vp8, {0x90, 0x80, 0x81, 0x23, 0x01}));
  // X=1 with I (7-bit), L and T/K: 1 + 1 + 1 + 1 + 1 bytes.
  EXPECT_TRUE(key(Codec::Vp8, {0x90, 0xE0, 0x05, 0x07, 0x20, 0x00}));
  EXPECT_FALSE(key(Codec::Vp8, {0x90, 0xE0, 0x05, 0x07}));  // truncated: no payload header
  EXPECT_FALSE(key(Codec::Vp8, {}));
}

TEST(KeyFrame, H264) {
  EXPECT_TRUE(key(Codec::H264, {0x65, 0x88}));   // single NAL, type 5 (IDR)
  EXPECT_TRUE(key(Codec::H264, {0x67, 0x42}));   // single NAL, type 7 (SPS)
  EXPECT_FALSE(key(Codec::H264, {0x41, 0x9A}));  // type 1 (non-IDR slice)
  // STAP-A (24) holding SPS (2 bytes) and PPS (2 bytes).
  EXPECT_TRUE(key(Codec::H264, {0x78, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xCE}));
  EXPECT_FALSE(key(Codec::H264, {0x78, 0x00, 0x02, 0x41, 0x9A}));
  EXPECT_FALSE(key(Codec::H264, {0x78, 0x00, 0x09, 0x67}));  // size past the end
  // FU-A (28): start bit with IDR type; continuation is not a start.
  EXPECT_TRUE(key(Codec::H264, {0x7C, 0x85, 0x00}));
  EXPECT_FALSE(key(Codec::H264, {0x7C, 0x05, 0x00}));
  EXPECT_FALSE(key(Codec::H264, {0x7C, 0x81, 0x00}));
  EXPECT_FALSE(key(Codec::H264, {}));
}

}  // namespace
}  // namespace medrelay::relay::rtp
