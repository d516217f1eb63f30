// What CameraAudio makes of a camera's tracks, from the caps its demuxers give their pads:
// RTP caps (rtspsrc, sdpdemux) and elementary-stream caps (tsdemux, decodebin).
#include "pipelines/camera_audio.hpp"

#include <gtest/gtest.h>

namespace medrelay::pipelines {
namespace {

CameraAudio::Track classify(const char* caps) {
  gst_init(nullptr, nullptr);
  GstCaps* parsed = gst_caps_from_string(caps);
  auto track = CameraAudio::classify(parsed);
  if (parsed) gst_caps_unref(parsed);
  return track;
}

TEST(CameraAudio, RtpTracksByMediaAndEncoding) {
  using T = CameraAudio::Track;
  EXPECT_EQ(classify("application/x-rtp,media=audio,encoding-name=MPEG4-GENERIC,clock-rate=44100"),
            T::Audio);
  EXPECT_EQ(classify("application/x-rtp,media=audio,encoding-name=PCMU,clock-rate=8000"), T::Audio);
  EXPECT_EQ(classify("application/x-rtp,media=video,encoding-name=H264,clock-rate=90000"),
            T::PassableVideo);
  EXPECT_EQ(classify("application/x-rtp,media=video,encoding-name=h264,clock-rate=90000"),
            T::PassableVideo);
  EXPECT_EQ(classify("application/x-rtp,media=video,encoding-name=JPEG,clock-rate=90000"),
            T::OtherVideo);
  EXPECT_EQ(classify("application/x-rtp,media=video,encoding-name=H265,clock-rate=90000"),
            T::OtherVideo);
  EXPECT_EQ(classify("application/x-rtp,media=application,encoding-name=VND.ONVIF.METADATA"),
            T::Unknown);
  EXPECT_EQ(classify("application/x-rtp,encoding-name=H264"), T::Unknown) << "no media field";
}

TEST(CameraAudio, ElementaryStreamsByMediaType) {
  using T = CameraAudio::Track;
  EXPECT_EQ(classify("audio/mpeg,mpegversion=4"), T::Audio);
  EXPECT_EQ(classify("audio/x-raw,format=S16LE,rate=48000,channels=2"), T::Audio);
  EXPECT_EQ(classify("video/x-h264,stream-format=byte-stream"), T::PassableVideo);
  EXPECT_EQ(classify("video/x-h265"), T::OtherVideo);
  EXPECT_EQ(classify("image/jpeg"), T::OtherVideo);
  EXPECT_EQ(classify("video/x-raw,format=I420"), T::OtherVideo);
  EXPECT_EQ(classify("meta/x-klv"), T::Unknown);
  EXPECT_EQ(CameraAudio::classify(nullptr), T::Unknown);
}

}  // namespace
}  // namespace medrelay::pipelines
