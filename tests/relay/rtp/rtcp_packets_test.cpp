// RTCP views and builders: mediasoup-style round trips from literal bytes (RFC 3550 §6.4-6.6,
// RFC 4585 §6.2.1/§6.3.1, RFC 5104 §4.3.1, draft-alvestrand-rmcat-remb).
#include <gtest/gtest.h>

#include <vector>

#include "relay/rtp/rtcp_bye.hpp"
#include "relay/rtp/rtcp_fir.hpp"
#include "relay/rtp/rtcp_header.hpp"
#include "relay/rtp/rtcp_nack.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtcp_receiver_report.hpp"
#include "relay/rtp/rtcp_remb.hpp"
#include "relay/rtp/rtcp_sdes.hpp"
#include "relay/rtp/rtcp_sender_report.hpp"

namespace medrelay::relay::rtp {
namespace {

using Bytes = std::vector<uint8_t>;

// clang-format off
const Bytes kSenderReport = {
  0x80, 0xC8, 0x00, 0x06,  // V=2 P=0 RC=0 | PT=200 (SR) | length 6 (28 bytes)
  0x11, 0x22, 0x33, 0x44,  // sender SSRC
  0xE9, 0x4F, 0x3A, 0x10,  // NTP seconds
  0x80, 0x00, 0x00, 0x00,  // NTP fraction (0.5 s)
  0x00, 0x01, 0x5F, 0x90,  // RTP timestamp 90000
  0x00, 0x00, 0x00, 0x64,  // packet count 100
  0x00, 0x01, 0x86, 0xA0,  // octet count 100000
};
const Bytes kReceiverReport = {
  0x81, 0xC9, 0x00, 0x07,  // V=2 RC=1 | PT=201 (RR) | length 7 (32 bytes)
  0x00, 0x00, 0x00, 0x01,  // sender SSRC
  0x0A, 0x0B, 0x0C, 0x0D,  // report block: source SSRC
  0x40, 0xFF, 0xFF, 0xFE,  //   fraction lost 64/256 | cumulative lost -2 (24-bit signed)
  0x00, 0x01, 0x00, 0x10,  //   highest sequence (cycles 1, seq 16)
  0x00, 0x00, 0x00, 0x20,  //   jitter 32
  0x12, 0x34, 0x56, 0x78,  //   LSR
  0x00, 0x01, 0x00, 0x00,  //   DLSR 1 s
};
const Bytes kNack = {
  0x81, 0xCD, 0x00, 0x03,  // V=2 FMT=1 | PT=205 (RTPFB) | length 3
  0x00, 0x00, 0x00, 0x01,  // sender SSRC
  0x00, 0x00, 0x00, 0x02,  // media SSRC
  0x00, 0x64, 0x00, 0x05,  // PID 100, BLP 0b101: 101 and 103 lost too
};
const Bytes kPli = {
  0x81, 0xCE, 0x00, 0x02,  // V=2 FMT=1 | PT=206 (PSFB) | length 2
  0x00, 0x00, 0x00, 0x01,  // sender SSRC
  0x00, 0x00, 0x00, 0x02,  // media SSRC
};
const Bytes kFir = {
  0x84, 0xCE, 0x00, 0x04,  // V=2 FMT=4 | PT=206 | length 4
  0x00, 0x00, 0x00, 0x01,  // sender SSRC
  0x00, 0x00, 0x00, 0x00,  // media SSRC: 0 for FIR
  0x00, 0x00, 0x00, 0x02,  // FCI: SSRC
  0x07, 0x00, 0x00, 0x00,  //   command sequence 7, reserved
};
const Bytes kRemb = {
  0x8F, 0xCE, 0x00, 0x05,  // V=2 FMT=15 | PT=206 | length 5
  0x00, 0x00, 0x00, 0x01,  // sender SSRC
  0x00, 0x00, 0x00, 0x00,  // media SSRC 0
  'R',  'E',  'M',  'B',   // identifier
  0x01, 0x0A, 0x00, 0x01,  // 1 SSRC | exp 2, mantissa 0x20001 -> 0x20001 << 2 = 524292
  0x00, 0x00, 0x00, 0x02,  // SSRC
};
// clang-format on

TEST(RtcpSenderReport, RoundTrip) {
  auto sr = SenderReport::parse(kSenderReport);
  ASSERT_TRUE(sr);
  auto f = sr->fields();
  EXPECT_EQ(f.senderSsrc, 0x11223344u);
  EXPECT_EQ(f.ntpTimestamp, 0xE94F3A1080000000ull);
  EXPECT_EQ(f.rtpTimestamp, 90000u);
  EXPECT_EQ(f.packetCount, 100u);
  EXPECT_EQ(f.octetCount, 100000u);
  EXPECT_EQ(sr->reportBlockCount(), 0u);
  Bytes out(28);
  ASSERT_EQ(writeSenderReport(out, f), 28u);
  EXPECT_EQ(out, kSenderReport);
  EXPECT_EQ(writeSenderReport(std::span<uint8_t>(out.data(), 27), f), 0u);
}

TEST(RtcpReceiverReport, RoundTripWithSignedCumulativeLoss) {
  auto rr = ReceiverReport::parse(kReceiverReport);
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->senderSsrc(), 1u);
  ASSERT_EQ(rr->reportBlockCount(), 1u);
  auto b = rr->reportBlock(0).fields();
  EXPECT_EQ(b.ssrc, 0x0A0B0C0Du);
  EXPECT_EQ(b.fractionLost, 64);
  EXPECT_EQ(b.cumulativeLost, -2);
  EXPECT_EQ(b.highestSequence, 0x00010010u);
  EXPECT_EQ(b.jitter, 32u);
  EXPECT_EQ(b.lastSr, 0x12345678u);
  EXPECT_EQ(b.delaySinceLastSr, 0x00010000u);
  Bytes out(32);
  ASSERT_EQ(writeReceiverReport(out, 1, std::span<const ReportBlockFields>(&b, 1)), 32u);
  EXPECT_EQ(out, kReceiverReport);
  auto truncated = kReceiverReport;
  truncated[3] = 0x03;  // claims 16 bytes: too short for its report block
  EXPECT_FALSE(ReceiverReport::parse(truncated));
}

TEST(RtcpNack, ParsesLostSequencesAndRebuildsTheSameBytes) {
  auto nack = GenericNack::parse(kNack);
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->senderSsrc(), 1u);
  EXPECT_EQ(nack->mediaSsrc(), 2u);
  std::vector<uint16_t> lost;
  nack->forEachLost([&](uint16_t s) { lost.push_back(s); });
  EXPECT_EQ(lost, (std::vector<uint16_t>{100, 101, 103}));
  Bytes out(64);
  size_t size = writeGenericNack(out, 1, 2, lost);
  out.resize(size);
  EXPECT_EQ(out, kNack);
}

TEST(RtcpNack, BuilderSplitsItemsAcrossWrapAround) {
  std::vector<uint16_t> lost = {65534, 65535, 0, 20};
  Bytes out(64);
  size_t size = writeGenericNack(out, 1, 2, lost);
  ASSERT_EQ(size, 20u);  // two items: 65534 (+65535, 0) and 20
  auto nack = GenericNack::parse(std::span<const uint8_t>(out.data(), size));
  ASSERT_TRUE(nack);
  std::vector<uint16_t> parsed;
  nack->forEachLost([&](uint16_t s) { parsed.push_back(s); });
  EXPECT_EQ(parsed, lost);
}

TEST(RtcpPli, RoundTrip) {
  auto pli = parsePli(kPli);
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->senderSsrc, 1u);
  EXPECT_EQ(pli->mediaSsrc, 2u);
  Bytes out(12);
  ASSERT_EQ(writePli(out, 1, 2), 12u);
  EXPECT_EQ(out, kPli);
  EXPECT_FALSE(parsePli(kNack));  // other FMT/PT
}

TEST(RtcpFir, RoundTrip) {
  auto fir = Fir::parse(kFir);
  ASSERT_TRUE(fir);
  ASSERT_EQ(fir->entryCount(), 1u);
  EXPECT_EQ(fir->entrySsrc(0), 2u);
  EXPECT_EQ(fir->entrySequence(0), 7);
  Bytes out(20);
  ASSERT_EQ(writeFir(out, 1, 2, 7), 20u);
  EXPECT_EQ(out, kFir);
}

TEST(RtcpRemb, RoundTrip) {
  auto remb = Remb::parse(kRemb);
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->bitrate(), 0x20001ull << 2);
  ASSERT_EQ(remb->ssrcCount(), 1u);
  EXPECT_EQ(remb->ssrc(0), 2u);
  Bytes out(24);
  uint32_t ssrc = 2;
  ASSERT_EQ(writeRemb(out, 1, 0x20001ull << 2, std::span<const uint32_t>(&ssrc, 1)), 24u);
  EXPECT_EQ(out, kRemb);
}

TEST(RtcpSdesAndBye, BuildAndRead) {
  Bytes out(64);
  size_t size = writeSdesCname(out, 0x01020304, "medrelay-demo");
  ASSERT_EQ(size % 4, 0u);
  auto cname = readSdesCname(std::span<const uint8_t>(out.data(), size));
  ASSERT_TRUE(cname);
  EXPECT_EQ(*cname, "medrelay-demo");
  Bytes bye(8);
  ASSERT_EQ(writeBye(bye, 9), 8u);
  ASSERT_EQ(byeSsrcCount(bye), 1);
  EXPECT_EQ(byeSsrcAt(bye, 0), 9u);
}

TEST(RtcpCompound, VisitsEveryPacketAndStopsAtMalformed) {
  Bytes compound = kReceiverReport;
  compound.insert(compound.end(), kPli.begin(), kPli.end());
  compound.insert(compound.end(), kNack.begin(), kNack.end());
  std::vector<uint8_t> types;
  EXPECT_TRUE(forEachRtcpPacket(compound, [&](const RtcpHeader& h, std::span<const uint8_t> p) {
    types.push_back(h.packetType);
    EXPECT_EQ(p.size(), h.size);
  }));
  EXPECT_EQ(types, (std::vector<uint8_t>{kRtcpRr, kRtcpPsfb, kRtcpRtpfb}));
  compound.push_back(0x80);  // a trailing byte that cannot be a header
  EXPECT_FALSE(forEachRtcpPacket(compound, [](const RtcpHeader&, std::span<const uint8_t>) {}));
  Bytes lying = kPli;
  lying[3] = 0x09;  // length beyond the buffer
  int visited = 0;
  EXPECT_FALSE(
      forEachRtcpPacket(lying, [&](const RtcpHeader&, std::span<const uint8_t>) { ++visited; }));
  EXPECT_EQ(visited, 0);
}

TEST(RtcpCompound, TruncationsOfEveryTypeNeverReadOutOfBounds) {
  for (const Bytes* packet : {&kSenderReport, &kReceiverReport, &kNack, &kPli, &kFir, &kRemb}) {
    for (size_t size = 0; size <= packet->size(); ++size) {
      std::span<const uint8_t> part(packet->data(), size);
      forEachRtcpPacket(part, [](const RtcpHeader&, std::span<const uint8_t> p) {
        if (auto sr = SenderReport::parse(p)) sr->fields();
        if (auto rr = ReceiverReport::parse(p)) {
          for (size_t i = 0; i < rr->reportBlockCount(); ++i)
            rr->reportBlock(i).fields();
        }
        if (auto n = GenericNack::parse(p)) n->forEachLost([](uint16_t) {});
        if (auto f = Fir::parse(p)) f->entrySsrc(0);
        if (auto r = Remb::parse(p)) r->bitrate();
        readSdesCname(p);
        byeSsrcCount(p);
      });
    }
  }
}

}  // namespace
}  // namespace medrelay::relay::rtp
