// DicomFeed's caption through a real textoverlay, and DCMTK's log through ours.
//  - Issue 13: "PS LAX MR & AI" as Series Description lost the caption and logged two Pango
//    lines per frame, and markup in a file could restyle the overlay. The caption is plain text:
//    no Pango complaint, the text is drawn, markup is shown literally (escaped).
//  - DCMTK's own messages come out as one sanitised line of our "dcmtk" logger.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/oflog/oflog.h>

#include <atomic>
#include <random>

#include "common/logger.hpp"
#include "pipelines/dicom/dcmtk_log_bridge.hpp"
#include "pipelines/dicom_feed.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace medrelay::pipelines {
namespace {

std::atomic<int> pangoComplaints{0};

void countPango(const gchar*, GLogLevelFlags, const gchar*, gpointer) {
  ++pangoComplaints;
}

TEST(DicomFeedCaption, SeriesDescriptionIsPlainText) {
  gst_init(nullptr, nullptr);
  EXPECT_EQ(DicomFeed::captionMarkup("PS LAX MR & AI <b>x</b>"),
            "PS LAX MR &amp; AI &lt;b&gt;x&lt;/b&gt;");
  auto folder = std::filesystem::temp_directory_path() /
                ("feed-caption-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(folder);
  testing::DicomImageSpec spec;
  spec.modality = "MR";
  spec.rows = spec.columns = 256;
  spec.left = {0};
  spec.right = {0};  // black: only the caption is bright
  spec.seriesDescription = "PS LAX MR & AI <span size='1'>";
  testing::writeDicomImage(spec, folder / "a.dcm");

  guint handler = g_log_set_handler(
      "Pango", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL), countPango,
      nullptr);
  DicomFeed feed(folder, dicom::SeriesPlaylist::Settings{});
  std::string error;
  ASSERT_TRUE(feed.load(error)) << error;
  GstElement* pipeline = gst_parse_launch(
      "appsrc name=frames is-live=true do-timestamp=true format=time ! videoconvert ! "
      "textoverlay name=overlay halignment=left valignment=top font-desc=\"Sans 12\" ! "
      "videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false",
      nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  feed.start(pipeline);
  int bright = 0;
  for (int i = 0; i < 3; ++i) {
    GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND);
    ASSERT_NE(sample, nullptr);
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    bright = 0;
    for (size_t p = 0; p < map.size; ++p)
      bright += map.data[p] > 128;
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
  }
  feed.stop();
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  g_log_remove_handler("Pango", handler);
  std::filesystem::remove_all(folder);
  EXPECT_EQ(pangoComplaints.load(), 0);
  EXPECT_GT(bright, 100) << "the caption was not drawn";
}

TEST(DcmtkLogBridge, DcmtkMessagesBecomeOneSanitisedLineOfOurs) {
  EXPECT_EQ(dicom::sanitizedDcmtkMessage("bad value 'SMITH^JOHN' in (0010,0010)\nsecond line"),
            "bad value '...' in (0010,0010)");
  EXPECT_EQ(dicom::sanitizedDcmtkMessage(std::string(500, 'x')).size(), 200u);
  dicom::installDcmtkLogBridge();
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(16);
  auto logger = medrelay::logger("dcmtk");
  logger->sinks().push_back(sink);
  const auto before = dicom::dcmtkMessagesLogged();
  OFLogger dcmtk = OFLog::getLogger("dcmtk.dcmnet");
  OFLOG_WARN(dcmtk, "peer said \"SECRET^NAME\" twice");
  OFLOG_INFO(dcmtk, "chatter that stays out");
  logger->sinks().pop_back();
  EXPECT_EQ(dicom::dcmtkMessagesLogged(), before + 1);
  auto lines = sink->last_formatted();
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("dcmtk.dcmnet: peer said \"...\" twice"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace medrelay::pipelines
