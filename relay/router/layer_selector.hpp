// Which layer of a stream one viewer should get, from what its receiver tells us: the receiver's
// estimate of what its link carries (REMB), the loss in its receiver reports, and each layer's
// own rate. Down at once when the link shows it cannot carry the current layer (an estimate that
// fell below it, or heavy loss while the estimate shows no room); up one layer at a time, only
// after a quiet spell, and more slowly to a layer each time a step up to it had to be taken back
// (so a link at its limit does not flap between two). A pinned layer (the viewer's own choice)
// overrides all of it while that layer is filled. Pure and single-threaded: the viewer's worker
// calls choose() a few times a second.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace medrelay::relay::router {

// Layers of one codec a stream can carry (a ladder of sizes: 0 is the largest).
constexpr size_t kMaxLayers = 3;

class LayerSelector {
 public:
  struct Feedback {
    int64_t nowMs = 0;
    // Each layer's media rate, top (largest) first; 0: not filled, never chosen.
    std::span<const uint32_t> layerKbps;
    int current = 0;            // the layer the viewer gets now
    uint64_t estimateBps = 0;   // the receiver's latest REMB, 0 if it sends none
    int64_t estimateAtMs = -1;  // when that arrived
    // Of 256, over the latest window of receiver reports (ReceiverLossWindow, about a second).
    uint8_t fractionLost = 0;
    int64_t reportAtMs = -1;  // when that window closed
  };

  // A step up taken back within kProbeMs: then the next step up to that same layer waits twice
  // as long (a link that carries 360p but not 720p keeps stepping 180p -> 360p at once, and
  // tries 720p more and more rarely); one that held brings that layer's short wait back.
  static constexpr int64_t kFirstUpDelayMs = 4000;
  static constexpr int64_t kLongestUpDelayMs = 16000;
  static constexpr int64_t kProbeMs = 4000;
  // libwebrtc's receive-side estimate climbs for seconds (~8 %/s) after a start or a step up,
  // capped near 1.5 x what arrives, and is lowered only when it sees queues build (then to 0.85 x
  // what arrives). So an estimate below the layer means nothing while it climbs; one that fell
  // (by kFall of its peak over the last kFallWindowMs) means the link is full.
  static constexpr double kFall = 0.95;
  static constexpr int64_t kFallWindowMs = 2000;
  static constexpr int64_t kMinDownIntervalMs = 1000;
  static constexpr uint8_t kHeavyLoss = 26;  // ~10 %: NACKs can no longer hide it
  static constexpr uint8_t kLightLoss = 5;   // ~2 %: room to step up
  // Heavy loss in this many windows in a row (about a second each): one report may be a burst.
  // Loss this severe (~20 %) moves at once.
  static constexpr int kHeavyLossReports = 2;
  static constexpr uint8_t kSevereLoss = 51;
  // A layer is chosen when it needs at most this share of the estimate (the rest: RTX, audio,
  // headers, and the estimate's own error), and kept while the estimate is at least its rate:
  // the gap between the two is the hysteresis that keeps a viewer from flapping.
  static constexpr double kHeadroom = 0.85;
  // An estimate at least this many times the current layer's rate shows room: a step up may be
  // tried, and loss is taken as random rather than as the link's limit.
  static constexpr double kRoom = 1.2;

  explicit LayerSelector(int64_t startMs) : lastChangeMs_(startMs) {}

  void pin(std::optional<int> layer) { pinned_ = layer; }
  std::optional<int> pinned() const { return pinned_; }
  // How long a quiet spell must last before a step up to `layer`.
  int64_t upDelayMs(int layer) const { return upDelayMs_[static_cast<size_t>(layer)]; }

  // The layer to get now: `current`, or the one to switch to.
  int choose(const Feedback& feedback);

 private:
  static bool filled(const Feedback& f, int layer) {
    return layer >= 0 && static_cast<size_t>(layer) < f.layerKbps.size() && f.layerKbps[layer] > 0;
  }
  int goDown(const Feedback& f, int to);
  int goUp(const Feedback& f, int to);
  // Whether a fresh estimate fell below the recent peak; keeps the peak.
  bool estimateFell(const Feedback& f);

  std::optional<int> pinned_;
  int64_t lastChangeMs_;               // the last switch, or the start: ups wait from here
  int64_t lastSwitchMs_ = -1'000'000;  // the last switch: downs are spaced from here
  int64_t lastUpMs_ = -1;
  int lastUpTo_ = 0;  // the layer the last step up went to
  std::array<int64_t, kMaxLayers> upDelayMs_{kFirstUpDelayMs, kFirstUpDelayMs, kFirstUpDelayMs};
  int64_t lastEstimateSeenMs_ = -1, lastReportSeenMs_ = -1;
  int64_t lastLossyReportMs_ = -1;  // the last report whose loss forbade stepping up
  int heavyLossReports_ = 0;        // heavy-loss reports in a row that counted
  int64_t lastFallMs_ = -1;         // the last estimate that fell: no step up soon after
  uint64_t peakBps_ = 0;            // the highest estimate over the last kFallWindowMs
  int64_t peakAtMs_ = -1;
};

}  // namespace medrelay::relay::router
