// The share of packets a viewer lost over about a second, from the cumulative figures of its
// receiver reports (RFC 3550 §6.4.1: cumulative number lost, extended highest sequence number).
// The report's own "fraction lost" covers only the packets since the receiver's previous report,
// and a browser that NACKs sends reports many times a second: a report over 3 packets with one
// lost says 33 % on a link that loses 5 %. Counting over a window of at least kMinWindowMs and
// kMinPackets gives the link's loss. Pure; owned by the viewer's Consumer (its worker thread).
#pragma once

#include <cstdint>
#include <optional>

namespace medrelay::relay::router {

class ReceiverLossWindow {
 public:
  static constexpr int64_t kMinWindowMs = 1000;
  static constexpr uint32_t kMinPackets = 30;

  // One receiver report block for the viewer's SSRC. Returns the loss (of 256) over the window
  // that this report closes, or nullopt while the window is still open.
  std::optional<uint8_t> add(int32_t cumulativeLost, uint32_t extendedHighest, int64_t nowMs);

 private:
  bool started_ = false;
  int32_t lost_ = 0;      // at the window's start
  uint32_t highest_ = 0;  // likewise
  int64_t atMs_ = 0;
};

}  // namespace medrelay::relay::router
