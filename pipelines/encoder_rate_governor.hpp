// Keeps an encoder's real output under a ceiling when its own rate control does not.
//
// libvpx's one-pass CBR overshoots when frames reach it irregularly: with the leaky queue in
// front of the encoder dropping 20-40 % of the frames (a loaded machine), a 300 kbit/s VP8
// encoder of a picture that does not compress sends 410-490 kbit/s, where the same encoder fed
// every frame holds 315. The governor measures what the encoder produced over the last two
// seconds of media time, compares it with the target it was given, and lowers the target by
// the overshoot (as libwebrtc's encoder bitrate adjuster does with its utilization factor); it
// climbs back at most 10 % per half second once the encoder keeps to its target again.
//
// Media time (the buffers' timestamps), not wall time: what a viewer receives per second of
// picture is what counts, and a test can run the encoder faster than real time.
//
// Not thread-safe: one streaming thread calls onEncoded.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace medrelay::pipelines {

class EncoderRateGovernor {
 public:
  explicit EncoderRateGovernor(uint32_t ceilingKbps);

  // One encoded frame at `mediaMs` (its timestamp) of `bytes`. A new target for the encoder when
  // it should change (by 5 % or more), otherwise nothing.
  std::optional<uint32_t> onEncoded(int64_t mediaMs, size_t bytes);

  uint32_t targetKbps() const { return targetKbps_; }

  static constexpr int64_t kBucketMs = 500;
  static constexpr size_t kWindowBuckets = 4;  // two seconds

 private:
  struct Bucket {
    uint64_t bytes = 0;
    uint32_t targetKbps = 0;  // the target in force while it filled
  };
  std::optional<uint32_t> closeBucket();

  uint32_t ceilingKbps_;
  uint32_t targetKbps_;
  std::optional<int64_t> bucketStartMs_;
  Bucket current_;
  std::array<Bucket, kWindowBuckets> window_{};
  size_t closedBuckets_ = 0;  // since the start (or a restart), saturating
  size_t next_ = 0;           // where the next closed bucket goes
};

}  // namespace medrelay::pipelines
