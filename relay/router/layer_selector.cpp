#include "relay/router/layer_selector.hpp"

#include <algorithm>
#include <limits>

namespace medrelay::relay::router {

int LayerSelector::choose(const Feedback& f) {
  const int layers = static_cast<int>(f.layerKbps.size());
  if (pinned_ && filled(f, *pinned_)) return *pinned_;

  const bool freshEstimate = f.estimateAtMs > lastEstimateSeenMs_;
  const bool freshReport = f.reportAtMs > lastReportSeenMs_;
  lastEstimateSeenMs_ = std::max(lastEstimateSeenMs_, f.estimateAtMs);
  lastReportSeenMs_ = std::max(lastReportSeenMs_, f.reportAtMs);
  const bool fell = freshEstimate && estimateFell(f);
  if (fell) lastFallMs_ = f.estimateAtMs;
  const bool estimateKnown =
      f.estimateBps > 0 && f.estimateAtMs >= 0 && f.nowMs - f.estimateAtMs < 5000;
  // Loss counts as the link's limit only when the estimate does not show room above the current
  // layer: an estimate well above what we send (it climbs to ~1.5 x what arrives when no queue
  // builds) says the loss is random (a lossy Wi-Fi), which NACK/RTX repairs and a smaller layer
  // would not cure. A full link shows in the estimate, or leaves it at what arrives.
  const bool estimateShowsRoom =
      estimateKnown && filled(f, f.current) &&
      static_cast<double>(f.estimateBps) / 1000 >= kRoom * f.layerKbps[f.current];
  const bool lossCounts = freshReport && !estimateShowsRoom;
  if (lossCounts && f.fractionLost >= kLightLoss) lastLossyReportMs_ = f.reportAtMs;
  if (freshReport)
    heavyLossReports_ = lossCounts && f.fractionLost >= kHeavyLoss ? heavyLossReports_ + 1 : 0;
  const double budgetKbps = estimateKnown ? static_cast<double>(f.estimateBps) / 1000 * kHeadroom
                                          : std::numeric_limits<double>::infinity();

  if (!filled(f, f.current)) {
    // The current layer went idle (a smaller source fills fewer): the best one that fits.
    int lowest = -1;
    for (int layer = 0; layer < layers; ++layer) {
      if (!filled(f, layer)) continue;
      if (f.layerKbps[layer] <= budgetKbps) return layer;
      lowest = layer;
    }
    return lowest >= 0 ? lowest : f.current;
  }

  // A probe that survived: the link carries that layer, so the next step up may come soon.
  if (lastUpMs_ >= 0 && lastChangeMs_ == lastUpMs_ && f.nowMs - lastUpMs_ >= kProbeMs)
    upDelayMs_[static_cast<size_t>(lastUpTo_)] = kFirstUpDelayMs;

  if (f.nowMs - lastSwitchMs_ >= kMinDownIntervalMs) {
    const double estimateKbps = static_cast<double>(f.estimateBps) / 1000;
    if (fell && estimateKnown && f.layerKbps[f.current] > estimateKbps) {
      // The highest lower layer that fits, or the lowest there is.
      int to = -1;
      for (int layer = f.current + 1; layer < layers; ++layer) {
        if (!filled(f, layer)) continue;
        to = layer;
        if (f.layerKbps[layer] <= budgetKbps) break;
      }
      if (to >= 0) return goDown(f, to);
    }
    if (lossCounts && (heavyLossReports_ >= kHeavyLossReports || f.fractionLost >= kSevereLoss)) {
      for (int layer = f.current + 1; layer < layers; ++layer) {
        if (filled(f, layer)) return goDown(f, layer);
      }
    }
  }

  // Up one layer after a quiet spell: no loss worth the name, no estimate that fell, and an
  // estimate (if any) that is not pinned at what we send now.
  int up = f.current - 1;
  while (up >= 0 && !filled(f, up))
    --up;
  if (up >= 0 && (!estimateKnown || estimateShowsRoom)) {
    const int64_t wait = upDelayMs_[static_cast<size_t>(up)];
    const auto quietSince = [&](int64_t atMs) { return atMs < 0 || f.nowMs - atMs >= wait; };
    if (quietSince(lastChangeMs_) && quietSince(lastLossyReportMs_) && quietSince(lastFallMs_))
      return goUp(f, up);
  }
  return f.current;
}

bool LayerSelector::estimateFell(const Feedback& f) {
  const bool fell = peakAtMs_ >= 0 && f.estimateAtMs - peakAtMs_ <= kFallWindowMs &&
                    static_cast<double>(f.estimateBps) < kFall * static_cast<double>(peakBps_);
  // After a fall the estimator's new level is the one to fall from.
  if (fell || f.estimateBps >= peakBps_ || f.estimateAtMs - peakAtMs_ > kFallWindowMs) {
    peakBps_ = f.estimateBps;
    peakAtMs_ = f.estimateAtMs;
  }
  return fell;
}

int LayerSelector::goDown(const Feedback& f, int to) {
  // Taken back soon after a step up: that step was too far for this link, for now.
  if (lastUpMs_ >= 0 && lastChangeMs_ == lastUpMs_ && f.nowMs - lastUpMs_ < kProbeMs)
    upDelayMs_[static_cast<size_t>(lastUpTo_)] =
        std::min(upDelayMs_[static_cast<size_t>(lastUpTo_)] * 2, kLongestUpDelayMs);
  lastChangeMs_ = lastSwitchMs_ = f.nowMs;
  heavyLossReports_ = 0;  // the next layer is judged on its own reports
  return to;
}

int LayerSelector::goUp(const Feedback& f, int to) {
  lastUpMs_ = lastChangeMs_ = lastSwitchMs_ = f.nowMs;
  lastUpTo_ = to;
  return to;
}

}  // namespace medrelay::relay::router
