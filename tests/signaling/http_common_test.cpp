// The small checks every request goes through: a WebSocket upgrade whose key is not the base64
// of 16 bytes was switched to 101 (found by the hostile-input suite; RFC 6455 §4.2.1 says 400),
// names and ids of URLs.
#include "signaling/http_common.hpp"

#include <gtest/gtest.h>

namespace medrelay::signaling {
namespace {

TEST(HttpCommon, AWebSocketKeyIsTheBase64Of16Bytes) {
  EXPECT_TRUE(validWebSocketKey("dGhlIHNhbXBsZSBub25jZQ=="));  // RFC 6455 §1.3's sample
  EXPECT_FALSE(validWebSocketKey("!!"));
  EXPECT_FALSE(validWebSocketKey(""));
  EXPECT_FALSE(validWebSocketKey("dGhlIHNhbXBsZSBub25jZQ"));        // no padding
  EXPECT_FALSE(validWebSocketKey("dGhlIHNhbXBsZSBub25jZQ=a"));      // padding misplaced
  EXPECT_FALSE(validWebSocketKey("dGhlIHNhbXBsZSBub25j*Q=="));      // not base64
  EXPECT_FALSE(validWebSocketKey("dGhlIHNhbXBsZSBub25jZQdGhl=="));  // more than 16 bytes
}

TEST(HttpCommon, StreamNamesAndSessionIds) {
  EXPECT_TRUE(validStreamName("or-4.cam_2"));
  EXPECT_FALSE(validStreamName("../etc"));
  EXPECT_FALSE(validStreamName(std::string(65, 'a')));
  EXPECT_TRUE(validSessionId("a1_B-"));
  EXPECT_FALSE(validSessionId("a/b"));
}

}  // namespace
}  // namespace medrelay::signaling
