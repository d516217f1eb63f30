#include "pipelines/pipeline_description.hpp"

#include <gst/gst.h>
#include <gtest/gtest.h>

#include "pipelines/layer_ladder.hpp"

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
      // The top H.264 layer is encoded only when transcoding; the lower ones always are.
      EXPECT_EQ(description->launch.find("x264enc tune=zerolatency speed-preset=ultrafast "
                                         "bitrate=2000 ") != std::string::npos,
                mode == RtspMode::Transcode)
          << description->launch;
      EXPECT_NE(description->launch.find("name=h264_1"), std::string::npos);
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

// Runs one picture of `input` caps through the transcoding path's scaler and encoder; returns
// the size the encoder got ("" if the pipeline failed).
std::string transcodedSize(const std::string& input, const IngestOptions& options) {
  gst_init(nullptr, nullptr);
  std::string launch = "videotestsrc num-buffers=2 ! " + input + " ! videoconvert ! videoscale ! " +
                       transcodeCeilingCaps(options) +
                       " ! x264enc speed-preset=ultrafast name=encoder ! fakesink";
  GstElement* pipeline = gst_parse_launch(launch.c_str(), nullptr);
  if (!pipeline) return "";
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* end = gst_bus_timed_pop_filtered(
      bus, 10 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string size;
  if (end && GST_MESSAGE_TYPE(end) == GST_MESSAGE_EOS) {
    GstElement* encoder = gst_bin_get_by_name(GST_BIN(pipeline), "encoder");
    GstPad* pad = gst_element_get_static_pad(encoder, "sink");
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
      int width = 0, height = 0;
      GstStructure* s = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(s, "width", &width);
      gst_structure_get_int(s, "height", &height);
      size = std::to_string(width) + "x" + std::to_string(height);
      gst_caps_unref(caps);
    }
    gst_object_unref(pad);
    gst_object_unref(encoder);
  }
  if (end) gst_message_unref(end);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(pipeline);
  return size;
}

TEST(PipelineDescription, TranscodedCamerasAreScaledDownIntoTheCeilingKeepingTheirShape) {
  IngestOptions options;
  options.width = 1280;
  options.height = 720;
  options.bitrateKbps = 750;
  options.source = "rtsp://camera.local/stream1";
  std::string error;
  auto transcode = describePipeline(options, RtspMode::Transcode, error);
  ASSERT_TRUE(transcode) << error;
  EXPECT_NE(transcode->launch.find("bitrate=750 "), std::string::npos) << transcode->launch;
  EXPECT_NE(transcode->launch.find(transcodeCeilingCaps(options)), std::string::npos);

  EXPECT_EQ(transcodedSize("video/x-raw,width=1920,height=1080", options), "1280x720");
  EXPECT_EQ(transcodedSize("video/x-raw,width=3840,height=2160", options), "1280x720");
  // A phone held upright: height bounds it, width follows, rounded to even.
  EXPECT_EQ(transcodedSize("video/x-raw,width=1080,height=1920", options), "404x720");
  // Anamorphic PAL (16:15 pixels) comes out with square pixels.
  EXPECT_EQ(transcodedSize("video/x-raw,width=720,height=576,pixel-aspect-ratio=16/15", options),
            "768x576");
  // Smaller pictures are not blown up.
  EXPECT_EQ(transcodedSize("video/x-raw,width=640,height=480", options), "640x480");
  options.width = 320;
  options.height = 240;
  EXPECT_EQ(transcodedSize("video/x-raw,width=1920,height=1080", options), "320x180");
}

TEST(PipelineDescription, AudioComesFromCamerasAndOnRequestFromTheTestSource) {
  for (const char* source : {"rtsp://cam/1", "rtsps://cam/1", "srt://:7001?mode=listener",
                             "sdp:///etc/cam.sdp", "test://?audio=1"}) {
    EXPECT_TRUE(sourceCarriesAudio(source)) << source;
  }
  for (const char* source :
       {"test://", "dicom:///var/lib/x", "rtp://127.0.0.1:5004?codec=vp8", "whip://", ""}) {
    EXPECT_FALSE(sourceCarriesAudio(source)) << source;
  }
  IngestOptions options;
  options.source = "test://?audio=1";
  std::string error;
  auto test = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(test) << error;
  EXPECT_TRUE(test->opus);
  EXPECT_TRUE(test->audioTap.empty()) << "its audio is in the description itself";
  EXPECT_NE(test->launch.find("name=opus"), std::string::npos);
  expectGStreamerAccepts(test->launch);

  // Cameras: video in the description, audio through the tap, for each source and mode.
  for (const std::string source :
       {"rtsp://cam/1", "srt://:7002?mode=listener", "sdp:///etc/medrelay/icu5.sdp"}) {
    options.source = source;
    for (auto mode : {RtspMode::PassThrough, RtspMode::Transcode}) {
      auto camera = describePipeline(options, mode, error);
      ASSERT_TRUE(camera) << error;
      EXPECT_TRUE(camera->opus);
      EXPECT_EQ(camera->audioTap, "demux");
      EXPECT_NE(camera->launch.find("name=demux"), std::string::npos) << camera->launch;
      EXPECT_EQ(camera->launch.find("name=opus"), std::string::npos);
      expectGStreamerAccepts(camera->launch);
      expectGStreamerAccepts(camera->audioBranch);
      EXPECT_NE(camera->audioBranch.find("opusenc"), std::string::npos);
    }
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
  EXPECT_TRUE(description->feedback.empty());
  options.source = "rtp://127.0.0.1:5006?codec=vp8&feedback=127.0.0.1:5008";
  auto withFeedback = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(withFeedback) << error;
  EXPECT_EQ(withFeedback->feedback, "127.0.0.1:5008");
  for (const std::string bad :
       {"rtp://127.0.0.1:5006", "rtp://host:1?codec=vp9", "rtp://1.2.3.4:5?codec=vp8 ! fakesink",
        "rtp://1.2.3.4:5?codec=vp8&feedback=source.local:5008",
        "rtp://1.2.3.4:5?codec=vp8&feedback=1.2.3.4"}) {
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
  options.layers = 1;
  auto pass = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->launch.find("x264enc"), std::string::npos) << "pass-through does not re-encode";
  options.layers = 3;
  auto layered = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(layered);
  EXPECT_EQ(layered->launch.find("bitrate=2000 "), std::string::npos) << "the top is the camera's";
  EXPECT_NE(layered->launch.find("x264enc tune=zerolatency speed-preset=ultrafast bitrate=600 "),
            std::string::npos)
      << "the lower layers are encoded beside it";
  auto transcode = describePipeline(options, RtspMode::Transcode, error);
  ASSERT_TRUE(transcode);
  EXPECT_NE(transcode->launch.find("x264enc"), std::string::npos);
}

TEST(PipelineDescription, CamerasCarryVp8BesideTheirH264InBothModes) {
  // Browsers without H.264 (Firefox without OpenH264) must be able to watch every camera.
  IngestOptions options;
  std::string error;
  for (const std::string source :
       {"rtsp://camera.local/stream1", "srt://10.1.2.3:7001", "sdp:///etc/medrelay/icu5.sdp"}) {
    options.source = source;
    options.codecs.clear();
    for (auto mode : {RtspMode::PassThrough, RtspMode::Transcode}) {
      auto description = describePipeline(options, mode, error);
      ASSERT_TRUE(description) << source << ": " << error;
      EXPECT_TRUE(description->vp8 && description->h264) << source;
      EXPECT_NE(description->launch.find("vp8enc"), std::string::npos) << description->launch;
      EXPECT_NE(description->launch.find("name=vp8"), std::string::npos);
      EXPECT_NE(description->launch.find("name=h264"), std::string::npos);
      // VP8 is encoded within the ceiling, whatever the camera sends.
      EXPECT_NE(description->launch.find(transcodeCeilingCaps(options)), std::string::npos);
      expectGStreamerAccepts(description->launch);
    }
    // The relay may be told to spare the CPU: H.264 alone, passed through, in one layer,
    // encodes nothing.
    options.codecs = {"h264"};
    options.layers = 1;
    auto h264Only = describePipeline(options, RtspMode::PassThrough, error);
    ASSERT_TRUE(h264Only) << error;
    EXPECT_FALSE(h264Only->vp8);
    EXPECT_EQ(h264Only->launch.find("enc "), std::string::npos) << h264Only->launch;
    EXPECT_EQ(h264Only->launch.find("decodebin"), std::string::npos) << h264Only->launch;
    options.codecs = {"av1"};
    EXPECT_FALSE(describePipeline(options, RtspMode::PassThrough, error));
    options.layers = 3;
  }
}

TEST(PipelineDescription, TheLadderHalvesThePictureAndStopsAtSmallSizes) {
  IngestOptions options;  // 1280x720 at 2000 kbit/s
  auto ladder = layerLadder(options);
  ASSERT_EQ(ladder.size(), 3u);
  EXPECT_EQ(ladder[0].maxWidth, 1280);
  EXPECT_EQ(ladder[0].bitrateKbps, 2000);
  EXPECT_EQ(ladder[1].maxWidth, 640);
  EXPECT_EQ(ladder[1].maxHeight, 360);
  EXPECT_EQ(ladder[1].bitrateKbps, 600);
  EXPECT_EQ(ladder[2].maxWidth, 320);
  EXPECT_EQ(ladder[2].maxHeight, 180);
  EXPECT_EQ(ladder[2].bitrateKbps, 200);
  options.layers = 1;
  EXPECT_EQ(layerLadder(options).size(), 1u);
  options.layers = 3;
  options.width = 320;  // a small camera ceiling: 160x120, and no 80x60
  options.height = 240;
  options.bitrateKbps = 300;
  ladder = layerLadder(options);
  ASSERT_EQ(ladder.size(), 2u);
  EXPECT_EQ(ladder[1].maxHeight, 120);
  EXPECT_EQ(ladder[1].bitrateKbps, 90);
  options.width = 513;  // odd sizes halve to even ones (the encoders want them)
  options.height = 511;
  ladder = layerLadder(options);
  ASSERT_EQ(ladder.size(), 3u);
  EXPECT_EQ(ladder[1].maxWidth, 256);
  EXPECT_EQ(ladder[1].maxHeight, 254);
  EXPECT_EQ(ladder[2].maxWidth, 128);
  EXPECT_EQ(ladder[2].bitrateKbps, 60) << "never below the lowest useful rate";

  EXPECT_EQ(vp8LayerPayloadType(0), kVp8PayloadType);
  EXPECT_EQ(h264LayerPayloadType(2), kH264PayloadType + 2);
  EXPECT_EQ(layerSinkName("vp8", 0), "vp8");
  EXPECT_EQ(layerSinkName("h264", 1), "h264_1");
  EXPECT_EQ(allVideoSinkNames().size(), 2u * kMaxLayers);
}

TEST(PipelineDescription, EveryLayerHasItsEncodersAndSinksFromOneScalerEach) {
  IngestOptions options;
  options.source = "test://";
  std::string error;
  auto description = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(description) << error;
  const auto& launch = description->launch;
  for (const char* part :
       {"name=vp8 ", "name=vp8_1", "name=vp8_2", "name=h264 ", "name=h264_1", "name=h264_2",
        "rtpvp8pay pt=97 ", "rtpvp8pay pt=98 ", "rtph264pay pt=103 ", "rtph264pay pt=104 ",
        "target-bitrate=600000 ", "target-bitrate=200000 ", "tee name=split1", "tee name=split2",
        "capsfilter name=layer1_size", "capsfilter name=layer2_size"}) {
    EXPECT_NE(launch.find(part), std::string::npos) << part << "\n" << launch;
  }
  // One scaler per lower layer, each from the layer above (shared by both codecs).
  size_t scalers = 0;
  for (size_t at = launch.find("videoscale"); at != std::string::npos;
       at = launch.find("videoscale", at + 1))
    ++scalers;
  EXPECT_EQ(scalers, 2u);
  EXPECT_NE(launch.find("split1. ! queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 "
                        "leaky=downstream ! videoscale"),
            std::string::npos);
  expectGStreamerAccepts(launch);
  options.layers = 1;
  auto single = describePipeline(options, RtspMode::PassThrough, error);
  ASSERT_TRUE(single);
  EXPECT_EQ(single->launch.find("name=vp8_1"), std::string::npos);
  EXPECT_EQ(single->launch.find("videoscale"), std::string::npos);
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

// Listening sources wait for their sender as long as it takes; pulled ones stall without media.
TEST(PipelineDescription, ListeningSourcesWaitForTheirSender) {
  EXPECT_TRUE(isSrtListener("srt://:7001"));
  EXPECT_TRUE(isSrtListener("srt://0.0.0.0:7001?mode=listener&latency=120"));
  EXPECT_TRUE(isSrtListener("srt://:7001?latency=120"));
  EXPECT_FALSE(isSrtListener("srt://cam.example:7001"));
  EXPECT_FALSE(isSrtListener("srt://cam.example:7001?mode=caller"));
  EXPECT_FALSE(isSrtListener("srt://cam.example:7001?passphrase=xmode=listener&mode=caller"));
  EXPECT_FALSE(isSrtListener("srt://cam.example:7001?mode=listenerish"));
  EXPECT_TRUE(isSrtListener("srt://0.0.0.0:7001?passphrase=abcdefghij&mode=listener"));
  EXPECT_FALSE(isSrtListener("rtsp://cam/"));
  auto waits = [](const std::string& source) {
    IngestOptions options;
    options.source = source;
    std::string error;
    auto description = describePipeline(options, RtspMode::PassThrough, error);
    EXPECT_TRUE(description) << source << ": " << error;
    return description && description->waitsForSender;
  };
  EXPECT_TRUE(waits("rtp://127.0.0.1:5004?codec=vp8"));
  EXPECT_TRUE(waits("sdp:///etc/medrelay/cam.sdp"));
  EXPECT_TRUE(waits("srt://:7001?mode=listener"));
  EXPECT_FALSE(waits("srt://cam.example:7001"));
  EXPECT_FALSE(waits("rtsp://cam.example/stream"));
  EXPECT_FALSE(waits("test://"));
}

}  // namespace
}  // namespace medrelay::pipelines
