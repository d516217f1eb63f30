// RFC 7983 §7 first-byte ranges and RFC 5761 §4 RTCP packet types, at every boundary.
#include "relay/transport/packet_demux.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace medrelay::relay::transport {
namespace {

PacketKind kindOf(std::vector<uint8_t> bytes) {
  return classifyPacket(bytes);
}

TEST(PacketDemux, FirstByteRangesOfRfc7983) {
  EXPECT_EQ(kindOf({0, 1}), PacketKind::Stun);
  EXPECT_EQ(kindOf({3, 0}), PacketKind::Stun);
  EXPECT_EQ(kindOf({4, 0}), PacketKind::Unknown);  // reserved (ZRTP is 16..19)
  EXPECT_EQ(kindOf({19, 0}), PacketKind::Unknown);
  EXPECT_EQ(kindOf({20, 0}), PacketKind::Dtls);     // change_cipher_spec
  EXPECT_EQ(kindOf({22, 0xfe}), PacketKind::Dtls);  // handshake
  EXPECT_EQ(kindOf({63, 0}), PacketKind::Dtls);
  EXPECT_EQ(kindOf({64, 0}), PacketKind::Unknown);  // TURN channel data: we run no TURN
  EXPECT_EQ(kindOf({127, 0}), PacketKind::Unknown);
  EXPECT_EQ(kindOf({192, 96}), PacketKind::Unknown);
  EXPECT_EQ(kindOf({255, 96}), PacketKind::Unknown);
}

TEST(PacketDemux, RtcpPacketTypesAreTold) {
  EXPECT_EQ(kindOf({0x80, 96}), PacketKind::Rtp);
  EXPECT_EQ(kindOf({0x80, 0x80 | 96}), PacketKind::Rtp);  // marker bit set
  EXPECT_EQ(kindOf({0x80, 191}), PacketKind::Rtp);
  EXPECT_EQ(kindOf({0x80, 192}), PacketKind::Rtcp);  // FIR (RFC 2032), first of the RTCP range
  EXPECT_EQ(kindOf({0x81, 200}), PacketKind::Rtcp);  // SR
  EXPECT_EQ(kindOf({0x81, 205}), PacketKind::Rtcp);  // RTPFB (NACK)
  EXPECT_EQ(kindOf({0x81, 206}), PacketKind::Rtcp);  // PSFB (PLI)
  EXPECT_EQ(kindOf({0x80, 223}), PacketKind::Rtcp);
  EXPECT_EQ(kindOf({0x80, 224}), PacketKind::Rtp);
  EXPECT_EQ(kindOf({191, 200}), PacketKind::Rtcp);
}

TEST(PacketDemux, TooShortIsUnknown) {
  EXPECT_EQ(kindOf({}), PacketKind::Unknown);
  EXPECT_EQ(kindOf({0x80}), PacketKind::Unknown);
  EXPECT_EQ(kindOf({0}), PacketKind::Stun);  // the STUN parser rejects it on its own
}

}  // namespace
}  // namespace medrelay::relay::transport
