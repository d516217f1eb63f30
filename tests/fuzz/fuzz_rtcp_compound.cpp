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

using namespace medrelay::relay::rtp;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  volatile uint64_t sink = 0;
  forEachRtcpPacket(std::span<const uint8_t>(data, size),
                    [&](const RtcpHeader&, std::span<const uint8_t> p) {
                      if (auto sr = SenderReport::parse(p)) {
                        sink = sink + sr->fields().ntpTimestamp;
                        for (size_t i = 0; i < sr->reportBlockCount(); ++i)
                          sink = sink + sr->reportBlock(i).fields().jitter;
                      }
                      if (auto rr = ReceiverReport::parse(p)) {
                        for (size_t i = 0; i < rr->reportBlockCount(); ++i)
                          sink = sink + rr->reportBlock(i).fields().lastSr;
                      }
                      if (auto nack = GenericNack::parse(p))
                        nack->forEachLost([&](uint16_t s) { sink = sink + s; });
                      if (auto pli = parsePli(p)) sink = sink + pli->mediaSsrc;
                      if (auto fir = Fir::parse(p)) {
                        for (size_t i = 0; i < fir->entryCount(); ++i)
                          sink = sink + fir->entrySsrc(i);
                      }
                      if (auto remb = Remb::parse(p)) {
                        for (size_t i = 0; i < remb->ssrcCount(); ++i)
                          sink = sink + remb->ssrc(i);
                      }
                      if (auto cname = readSdesCname(p)) sink = sink + cname->size();
                      int byes = byeSsrcCount(p);
                      for (int i = 0; i < byes; ++i)
                        sink = sink + byeSsrcAt(p, i);
                    });
  (void)sink;
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  return {{0x81, 0xC9, 0,    7,    0,    0, 0, 1, 0x0A, 0x0B, 0x0C, 0x0D, 0x40, 0xFF, 0xFF,
           0xFE, 0,    1,    0,    0x10, 0, 0, 0, 0x20, 0x12, 0x34, 0x56, 0x78, 0,    1,
           0,    0,    0x81, 0xCE, 0,    2, 0, 0, 0,    1,    0,    0,    0,    2},
          {0x81, 0xCD, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0x64, 0, 5},
          {0x8F, 0xCE, 0, 5, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 1, 0x0A, 0, 1, 0, 0, 0, 2},
          {0x80, 0xC8, 0, 6, 0x11, 0x22, 0x33, 0x44, 0xE9, 0x4F, 0x3A, 0x10, 0x80, 0,
           0,    0,    0, 1, 0x5F, 0x90, 0,    0,    0,    0x64, 0,    1,    0x86, 0xA0,
           0x81, 0xCA, 0, 3, 0,    0,    0,    1,    1,    3,    'a',  'b',  'c',  0}};
}
