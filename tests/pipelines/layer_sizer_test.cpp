// Each lower layer of a camera's ladder is half the picture negotiated above it, in the camera's
// own aspect ratio. With size ceilings written as caps ranges, videoscale's passthrough
// preference carried the smallest layer's ceiling up through the tees, and every layer of a
// camera came out 320x180 (the top one included). Runs the real transcoding description with a
// test source in place of the camera and reads the caps each layer's tee negotiated.
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <utility>

#include "pipelines/layer_sizer.hpp"
#include "pipelines/pipeline_description.hpp"

namespace medrelay::pipelines {
namespace {

std::pair<int, int> negotiatedSize(GstElement* pipeline, const char* tee) {
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), tee);
  if (!element) return {-1, -1};
  GstPad* pad = gst_element_get_static_pad(element, "sink");
  GstCaps* caps = gst_pad_get_current_caps(pad);
  int width = 0, height = 0;
  if (caps) {
    const GstStructure* s = gst_caps_get_structure(caps, 0);
    gst_structure_get_int(s, "width", &width);
    gst_structure_get_int(s, "height", &height);
    gst_caps_unref(caps);
  }
  gst_object_unref(pad);
  gst_object_unref(element);
  return {width, height};
}

struct Ladder {
  std::pair<int, int> top, middle, bottom;
};

// A camera of `cameraWidth` x `cameraHeight` through the transcoding path of the description.
Ladder runCamera(int cameraWidth, int cameraHeight) {
  gst_init(nullptr, nullptr);
  IngestOptions options;
  options.source = "rtsp://camera.invalid/stream";
  std::string error;
  auto description = describePipeline(options, RtspMode::Transcode, error);
  EXPECT_TRUE(description) << error;
  if (!description) return {};
  // The camera's decoded picture, in place of rtspsrc ! decodebin.
  const std::string& launch = description->launch;
  const auto decoded = launch.find(" ! videoconvert ! videoscale ! ");
  EXPECT_NE(decoded, std::string::npos) << launch;
  const std::string camera = "videotestsrc is-live=true num-buffers=15 ! video/x-raw,width=" +
                             std::to_string(cameraWidth) +
                             ",height=" + std::to_string(cameraHeight) + ",framerate=30/1";
  GError* parseError = nullptr;
  // Nobody pulls from the appsinks here, and an appsink holds EOS until its buffers are taken.
  const std::string pipelineText = std::regex_replace(
      camera + launch.substr(decoded), std::regex("appsink "), "appsink wait-on-eos=false ");
  GstElement* pipeline = gst_parse_launch(pipelineText.c_str(), &parseError);
  EXPECT_EQ(parseError, nullptr) << (parseError ? parseError->message : "");
  if (parseError) g_error_free(parseError);
  if (!pipeline) return {};
  Ladder ladder;
  {
    auto sizers = LayerSizer::sizeAll(pipeline);
    EXPECT_EQ(sizers.size(), 2u);
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    GstBus* bus = gst_element_get_bus(pipeline);
    GstMessage* end = gst_bus_timed_pop_filtered(
        bus, 120 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
    EXPECT_NE(end, nullptr) << "the pipeline ran to its end";
    if (end) {
      EXPECT_EQ(GST_MESSAGE_TYPE(end), GST_MESSAGE_EOS);
      gst_message_unref(end);
    }
    gst_object_unref(bus);
    ladder = {negotiatedSize(pipeline, "split"), negotiatedSize(pipeline, "split1"),
              negotiatedSize(pipeline, "split2")};
    gst_element_set_state(pipeline, GST_STATE_NULL);
  }
  gst_object_unref(pipeline);
  return ladder;
}

TEST(LayerSizer, EachLayerIsHalfThePictureAboveIt) {
  const Ladder hd = runCamera(1920, 1080);  // scaled to the 1280x720 ceiling first
  EXPECT_EQ(hd.top, std::make_pair(1280, 720));
  EXPECT_EQ(hd.middle, std::make_pair(640, 360));
  EXPECT_EQ(hd.bottom, std::make_pair(320, 180));
}

TEST(LayerSizer, TheCamerasAspectRatioIsKept) {
  const Ladder fourByThree = runCamera(1024, 768);
  EXPECT_EQ(fourByThree.top, std::make_pair(960, 720));
  EXPECT_EQ(fourByThree.middle, std::make_pair(480, 360));
  EXPECT_EQ(fourByThree.bottom, std::make_pair(240, 180));
}

TEST(LayerSizer, HalvesStayEvenAndNeverVanish) {
  EXPECT_EQ(LayerSizer::halfOf(1280, 720), std::make_pair(640, 360));
  EXPECT_EQ(LayerSizer::halfOf(962, 542), std::make_pair(480, 270));  // 481 -> 480
  EXPECT_EQ(LayerSizer::halfOf(20, 20), std::make_pair(16, 16));
}

}  // namespace
}  // namespace medrelay::pipelines
