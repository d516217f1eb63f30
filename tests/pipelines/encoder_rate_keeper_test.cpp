// The encoders we run stay under the bitrate ceiling when frames reach them irregularly: libvpx
// fed with 30 % of the frames dropped before it sent 410-490 kbit/s for a 300 ceiling (CI saw
// VP8 at 412-453 on a loaded machine). The governor's arithmetic first, then the real VP8 branch
// of the ingest pipeline with frames dropped in front of it.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "pipelines/encoder_rate_governor.hpp"
#include "pipelines/encoder_rate_keeper.hpp"
#include "pipelines/pipeline_description.hpp"

namespace medrelay::pipelines {
namespace {

// Feeds `seconds` of 30 fps frames sized so that the encoder sends `ratio` times its target.
// Returns the last target the governor asked for (or the current one).
uint32_t encodeAtRatio(EncoderRateGovernor& governor, int64_t& mediaMs, double ratio, int seconds) {
  for (int frame = 0; frame < seconds * 30; ++frame) {
    const double bytes = governor.targetKbps() * ratio * 1000 / 8 / 30;
    governor.onEncoded(mediaMs, static_cast<size_t>(bytes));
    mediaMs += 33;
  }
  return governor.targetKbps();
}

TEST(EncoderRateGovernor, AnEncoderThatKeepsToItsTargetIsLeftAlone) {
  EncoderRateGovernor governor(300);
  int64_t mediaMs = 0;
  for (int frame = 0; frame < 300; ++frame) {
    EXPECT_FALSE(governor.onEncoded(mediaMs, 300 * 1000 / 8 / 30)) << "frame " << frame;
    mediaMs += 33;
  }
  EXPECT_EQ(governor.targetKbps(), 300u);
}

TEST(EncoderRateGovernor, AnOvershootLowersTheTargetByItsSizeAndHoldsThere) {
  EncoderRateGovernor governor(300);
  int64_t mediaMs = 0;
  // 1.5 times whatever it is told: the target settles where the output meets the ceiling.
  uint32_t target = encodeAtRatio(governor, mediaMs, 1.5, 10);
  EXPECT_NEAR(target, 200, 12);
  EXPECT_NEAR(encodeAtRatio(governor, mediaMs, 1.5, 10), target, 12) << "it stays put";
}

TEST(EncoderRateGovernor, ItClimbsBackSlowlyOnceTheEncoderKeepsToItsTarget) {
  EncoderRateGovernor governor(300);
  int64_t mediaMs = 0;
  encodeAtRatio(governor, mediaMs, 2.0, 6);
  const uint32_t low = governor.targetKbps();
  ASSERT_LT(low, 170u);
  // One second later (two buckets) it may have climbed by about 21 %, not to the ceiling.
  encodeAtRatio(governor, mediaMs, 1.0, 1);
  EXPECT_LE(governor.targetKbps(), low * 1.22);
  encodeAtRatio(governor, mediaMs, 1.0, 10);
  EXPECT_EQ(governor.targetKbps(), 300u) << "back at the ceiling";
}

TEST(EncoderRateGovernor, NeverBelowAQuarterOfTheCeiling) {
  EncoderRateGovernor governor(400);
  int64_t mediaMs = 0;
  EXPECT_EQ(encodeAtRatio(governor, mediaMs, 50.0, 10), 100u);
}

TEST(EncoderRateGovernor, TheStartAndAStallAreNotTakenForOvershoot) {
  EncoderRateGovernor governor(300);
  // A key frame of 40 KB at the start: the window is not full yet, nothing changes.
  EXPECT_FALSE(governor.onEncoded(0, 40000));
  int64_t mediaMs = 33;
  for (; mediaMs < 1900; mediaMs += 33)
    EXPECT_FALSE(governor.onEncoded(mediaMs, 1250));
  // Ten seconds without frames, then frames at the target: no change either.
  mediaMs += 10000;
  for (int frame = 0; frame < 300; ++frame, mediaMs += 33)
    governor.onEncoded(mediaMs, 1250);
  EXPECT_GE(governor.targetKbps(), 285u);
}

TEST(EncoderRateGovernor, TimeGoingBackwardsStartsTheMeasurementAfresh) {
  EncoderRateGovernor governor(300);
  int64_t mediaMs = 100000;
  encodeAtRatio(governor, mediaMs, 1.0, 3);
  // A restarted source counts from zero again: its first frames are not one huge bucket.
  mediaMs = 0;
  EXPECT_EQ(encodeAtRatio(governor, mediaMs, 1.0, 5), 300u);
}

// The ingest pipeline's own VP8 branch, fed snow (which does not compress) with 30 % of the
// frames dropped in front of it, as the leaky queue does on a loaded machine.
TEST(EncoderRateKeeper, TheVp8BranchStaysUnderTheCeilingWhenFramesAreDropped) {
  gst_init(nullptr, nullptr);
  IngestOptions options;
  options.source = "test://";
  options.codecs = {"vp8"};
  options.width = 320;
  options.height = 180;
  options.bitrateKbps = 300;
  options.layers = 1;  // the one VP8 encoder under test (every layer's encoder gets a keeper)
  std::string error;
  auto description = describePipeline(options, RtspMode::Transcode, error);
  ASSERT_TRUE(description) << error;
  std::string launch = description->launch;
  auto replace = [&](const std::string& from, const std::string& to) {
    auto at = launch.find(from);
    ASSERT_NE(at, std::string::npos) << from << " not in " << launch;
    launch.replace(at, from.size(), to);
  };
  replace("pattern=smpte horizontal-speed=3", "pattern=snow");
  replace("tee name=split", "identity drop-probability=0.3 ! tee name=split");
  GError* parseError = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &parseError);
  ASSERT_EQ(parseError, nullptr) << parseError->message;
  auto keepers = EncoderRateKeeper::keepAll(pipeline);
  ASSERT_EQ(keepers.size(), 1u) << "the VP8 encoder";
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "vp8");
  ASSERT_NE(sink, nullptr);
  ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);

  // Ten seconds of media by the RTP clock; the rate is read over its last six. Bounded by the
  // wall clock too: a loaded machine encodes late, and the check holds for what did arrive.
  constexpr uint32_t kClock = 90000;
  uint64_t bytesMeasured = 0;
  uint32_t first = 0, last = 0;
  bool started = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 5 * GST_SECOND);
    if (!sample) break;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      if (map.size >= 12) {
        const uint32_t timestamp = (uint32_t{map.data[4]} << 24) | (uint32_t{map.data[5]} << 16) |
                                   (uint32_t{map.data[6]} << 8) | map.data[7];
        if (!started) first = timestamp, started = true;
        last = timestamp;
        if (last - first >= 4 * kClock) bytesMeasured += map.size;
      }
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    if (started && last - first >= 10 * kClock) break;
  }
  const uint32_t applied = keepers.front()->appliedKbps();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  keepers.clear();
  gst_object_unref(sink);
  gst_object_unref(pipeline);

  ASSERT_GE(last - first, 8 * kClock) << "too little video to judge";
  const double seconds = static_cast<double>(last - first - 4 * kClock) / kClock;
  const double kbps = static_cast<double>(bytesMeasured) * 8 / 1000 / seconds;
  std::printf("  VP8: %.0f kbit/s over %.1f s of media, encoder told %u kbit/s\n", kbps, seconds,
              applied);
  EXPECT_LT(kbps, 300 * 1.15);
  EXPECT_GT(kbps, 150) << "held down, not starved";
  EXPECT_LT(applied, 300u) << "the encoder overshot on its own; the keeper lowered its target";
}

}  // namespace
}  // namespace medrelay::pipelines
