#include "pipelines/pipeline_description.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

namespace medrelay::pipelines {
namespace {

// The description is one gst_parse_launch builds (every element exists, links parse).
void expectGStreamerAccepts(const std::string& launch) {
  gst_init(nullptr, nullptr);
  GError* parseError = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &parseError);
  EXPECT_EQ(parseError, nullptr) << (parseError ? parseError->message : "") << "\n" << launch;
  if (parseError) g_error_free(parseError);
  if (pipeline) gst_object_unref(pipeline);
}

TEST(PipelineDescription, TestSourceBuildsBothEncodingsThatGStreamerAccepts) {
  IngestOptions options;
  options.source = "test://";
  std::string error;
  auto description = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(description) << error;
  EXPECT_TRUE(description->vp8);
  EXPECT_TRUE(description->h264);
  EXPECT_NE(description->launch.find("name=vp8"), std::string::npos);
  EXPECT_NE(description->launch.find("profile=constrained-baseline"), std::string::npos);
  expectGStreamerAccepts(description->launch);
}

TEST(PipelineDescription, DicomSourceFeedsAnAppsrcAtTheGivenSize) {
  IngestOptions options;
  options.source = "dicom:///var/lib/medrelay/dicom/dicom-us-0123456789";
  options.width = 512;
  options.height = 384;
  std::string error;
  auto description = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(description) << error;
  EXPECT_TRUE(description->vp8 && description->h264);
  for (const char* part : {"appsrc name=frames", "textoverlay name=overlay", "width=512",
                           "height=384", "name=vp8", "name=h264"}) {
    EXPECT_NE(description->launch.find(part), std::string::npos) << part;
  }
  expectGStreamerAccepts(description->launch);
}

TEST(PipelineDescription, SrtAndSdpCamerasPassThroughOrTranscode) {
  IngestOptions options;
  std::string error;
  for (const std::string source :
       {"srt://10.1.2.3:7001?mode=caller&passphrase=secret123456&latency=200",
        "srt://:7002?mode=listener", "sdp:///etc/medrelay/icu5.sdp"}) {
    options.source = source;
    for (auto mode : {RtspMode::PassThrough, RtspMode::Transcode}) {
      auto description = describePipeline(options, mode, error);
      ASSERT_TRUE(description) << source << ": " << error;
      EXPECT_TRUE(description->h264);
      EXPECT_EQ(description->launch.find("x264enc") != std::string::npos,
                mode == RtspMode::Transcode)
          << description->launch;
      expectGStreamerAccepts(description->launch);
    }
  }
  for (const std::string bad : {"srt://host\" ! fakesink", "sdp://relative/file.sdp",
                                "sdp:///a b.sdp", "ftp://camera/stream"}) {
    options.source = bad;
    EXPECT_FALSE(describePipeline(options, RtspMode::PassThrough, error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(PipelineDescription, RawRtpIsForwardedAsItIs) {
  IngestOptions options;
  options.source = "rtp://127.0.0.1:5006?codec=vp8";
  std::string error;
  auto description = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(description) << error;
  EXPECT_TRUE(description->vp8);
  EXPECT_FALSE(description->h264);
  EXPECT_EQ(description->launch.find("depay"), std::string::npos) << "no re-packetizing";
  expectGStreamerAccepts(description->launch);
  for (const std::string bad :
       {"rtp://127.0.0.1:5006", "rtp://host:1?codec=vp9", "rtp://1.2.3.4:5?codec=vp8 ! fakesink"}) {
    options.source = bad;
    EXPECT_FALSE(describePipeline(options, RtspMode::PassThrough, error)) << bad;
  }
}

TEST(PipelineDescription, CodecSelectionAndRtspModes) {
  IngestOptions options;
  options.source = "test://";
  options.codecs = {"h264"};
  std::string error;
  auto h264Only = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(h264Only);
  EXPECT_FALSE(h264Only->vp8);
  options.source = "rtsp://user:pass@camera.local:554/stream1";
  auto pass = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->launch.find("x264enc"), std::string::npos) << "pass-through does not re-encode";
  auto transcode = describePipeline(options, RtspMode::Transcode, error);
  ASSERT_TRUE(transcode);
  EXPECT_NE(transcode->launch.find("x264enc"), std::string::npos);
}

TEST(PipelineDescription, RefusesUnknownOrMalformedSources) {
  IngestOptions options;
  std::string error;
  for (const char* source :
       {"file:///etc/passwd", "http://x", "", "rtsp://bad host\" ! fakesink"}) {
    options.source = source;
    EXPECT_FALSE(describePipeline(options, RtspMode::PassThrough, error)) << source;
    EXPECT_FALSE(error.empty());
  }
}

TEST(PipelineDescription, OnlyBaselineProfilesPassThrough) {
  EXPECT_TRUE(browserCompatibleH264Profile("constrained-baseline"));
  EXPECT_TRUE(browserCompatibleH264Profile("baseline"));
  EXPECT_FALSE(browserCompatibleH264Profile("high"));
  EXPECT_FALSE(browserCompatibleH264Profile("main"));
}

}  // namespace
}  // namespace medrelay::pipelines
