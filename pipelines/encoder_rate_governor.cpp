#include "pipelines/encoder_rate_governor.hpp"

#include <algorithm>
#include <cmath>

namespace medrelay::pipelines {

namespace {
// A quarter of the ceiling at the lowest: an encoder that far off has another problem, and a
// picture at a tenth of its rate helps no one.
constexpr double kLowestShare = 0.25;
constexpr double kClimbPerBucket = 1.10;
constexpr double kChangeWorthApplying = 0.05;
}  // namespace

EncoderRateGovernor::EncoderRateGovernor(uint32_t ceilingKbps)
    : ceilingKbps_(std::max<uint32_t>(ceilingKbps, 1)), targetKbps_(ceilingKbps_) {
  current_.targetKbps = targetKbps_;
}

std::optional<uint32_t> EncoderRateGovernor::onEncoded(int64_t mediaMs, size_t bytes) {
  if (!bucketStartMs_) bucketStartMs_ = mediaMs;
  std::optional<uint32_t> change;
  if (mediaMs < *bucketStartMs_) {
    // Time went backwards (a new segment, a restarted source): start measuring again.
    bucketStartMs_ = mediaMs;
    current_ = Bucket{0, targetKbps_};
    closedBuckets_ = 0;
  }
  // A gap of several buckets (a stalled source) closes one bucket with what it had and starts
  // afresh at this frame; the empty span in between is not the encoder's doing.
  if (mediaMs - *bucketStartMs_ >= kBucketMs) {
    const bool gap = mediaMs - *bucketStartMs_ >= 2 * kBucketMs;
    change = closeBucket();
    bucketStartMs_ = gap ? mediaMs : *bucketStartMs_ + kBucketMs;
  }
  current_.bytes += bytes;
  return change;
}

std::optional<uint32_t> EncoderRateGovernor::closeBucket() {
  window_[next_] = current_;
  next_ = (next_ + 1) % kWindowBuckets;
  closedBuckets_ = std::min(closedBuckets_ + 1, kWindowBuckets + 1);
  current_ = Bucket{0, targetKbps_};
  // The first bucket holds the start's key frame, which the encoder's initial buffer pays for:
  // judge only full windows after it.
  if (closedBuckets_ <= kWindowBuckets) return std::nullopt;

  double sentKbits = 0, allowedKbits = 0;
  for (const auto& bucket : window_) {
    sentKbits += static_cast<double>(bucket.bytes) * 8 / 1000;
    allowedKbits += static_cast<double>(bucket.targetKbps) * kBucketMs / 1000;
  }
  const double utilization = allowedKbits > 0 ? sentKbits / allowedKbits : 1.0;
  double wanted = ceilingKbps_ / std::max(utilization, 1.0);
  wanted = std::min(wanted, targetKbps_ * kClimbPerBucket);  // down at once, up slowly
  wanted = std::clamp(wanted, ceilingKbps_ * kLowestShare, static_cast<double>(ceilingKbps_));
  const auto next = static_cast<uint32_t>(std::lround(wanted));
  const double change = std::abs(static_cast<double>(next) - targetKbps_) / targetKbps_;
  // Back at the ceiling always counts, however small the step: it is where the encoder belongs.
  if (change < kChangeWorthApplying && !(next == ceilingKbps_ && targetKbps_ != ceilingKbps_))
    return std::nullopt;
  targetKbps_ = next;
  current_.targetKbps = targetKbps_;
  return targetKbps_;
}

}  // namespace medrelay::pipelines
