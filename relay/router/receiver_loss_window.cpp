#include "relay/router/receiver_loss_window.hpp"

#include <algorithm>

namespace medrelay::relay::router {

std::optional<uint8_t> ReceiverLossWindow::add(int32_t cumulativeLost, uint32_t extendedHighest,
                                               int64_t nowMs) {
  const auto restart = [&] {
    started_ = true;
    lost_ = cumulativeLost;
    highest_ = extendedHighest;
    atMs_ = nowMs;
  };
  // A receiver that went backwards (it restarted, or the report is stale and reordered) or
  // jumped by more than any real second of video: start again rather than trust the difference.
  const int64_t expected = static_cast<int64_t>(extendedHighest) - highest_;
  if (!started_ || expected < 0 || expected > 100'000) {
    restart();
    return std::nullopt;
  }
  if (nowMs - atMs_ < kMinWindowMs || expected < kMinPackets) return std::nullopt;
  // Cumulative loss can go down (duplicates count as negative loss): none, then.
  const int64_t lost = std::clamp<int64_t>(int64_t{cumulativeLost} - lost_, 0, expected);
  restart();
  return static_cast<uint8_t>(std::min<int64_t>(255, lost * 256 / expected));
}

}  // namespace medrelay::relay::router
