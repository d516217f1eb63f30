// Patient data burned into pixels (issue 13), end to end on what a viewer receives: ultrasound
// and secondary-capture objects whose pixels carry text that GStreamer's textoverlay wrote
// (a date, a time, an ID, an institution) are written by DCMTK, played by DicomFeed into a real
// VP8 encoder, decoded again, and read with the same OCR (Tesseract, English data from Debian):
// no word of the planted text survives, while the same path with redaction allowed off reads it
// (so the OCR can see it). A picture without text is barely touched; a blocked series shows
// nothing until released; fixed masks black out their region.
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <chrono>
#include <random>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/frame_redactor.hpp"
#include "pipelines/dicom/text_detector.hpp"
#include "pipelines/dicom_feed.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace medrelay::pipelines::dicom {
namespace {

using medrelay::testing::DicomImageSpec;

constexpr int kSize = 512;
const std::vector<std::string> kPlanted = {"30", "JAN", "94", "14:22", "48213", "MARY", "HOSPITAL"};

// One frame from videotestsrc `pattern` with `top` written top left and `bottom` bottom right
// by textoverlay, as GRAY8 or RGB.
std::vector<uint8_t> gstFrame(const std::string& pattern, const std::string& top,
                              const std::string& bottom, bool rgb) {
  std::string launch = "videotestsrc num-buffers=1 pattern=" + pattern +
                       " ! video/x-raw,width=" + std::to_string(kSize) +
                       ",height=" + std::to_string(kSize) + " ! videoconvert";
  if (!top.empty())
    launch += " ! textoverlay text=\"" + top +
              "\" font-desc=\"Sans 11\" valignment=top halignment=left shaded-background=false";
  if (!bottom.empty())
    launch += " ! textoverlay text=\"" + bottom +
              "\" font-desc=\"Sans 10\" valignment=bottom halignment=right";
  launch += std::string(" ! videoconvert ! video/x-raw,format=") + (rgb ? "RGB" : "GRAY8") +
            " ! appsink name=out";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(launch.c_str(), &error);
  EXPECT_EQ(error, nullptr) << (error ? error->message : "");
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND);
  std::vector<uint8_t> out;
  if (sample) {
    GstMapInfo map;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    gst_buffer_map(buffer, &map, GST_MAP_READ);
    out.assign(map.data, map.data + map.size);
    gst_buffer_unmap(buffer, &map);
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  EXPECT_EQ(out.size(), static_cast<size_t>(kSize) * kSize * (rgb ? 3 : 1));
  return out;
}

// The words of `planted` that OCR read in `text`.
std::vector<std::string> survivors(const std::string& text) {
  std::vector<std::string> found;
  for (const auto& word : kPlanted)
    if (text.find(word) != std::string::npos) found.push_back(word);
  return found;
}

class RedactionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gst_init(nullptr, nullptr);
    folder = std::filesystem::temp_directory_path() /
             ("redaction-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(folder);
  }
  void TearDown() override { std::filesystem::remove_all(folder); }

  void writeObject(DicomImageSpec spec, std::vector<uint8_t> pixels) {
    spec.rows = spec.columns = kSize;
    spec.pixels = std::move(pixels);
    medrelay::testing::writeDicomImage(spec, folder / "object.dcm");
  }

  // Plays the folder through a VP8 encoder and decoder; returns the first decoded frame (GRAY8).
  std::vector<uint8_t> viewerFrame() {
    DicomFeed feed(folder, SeriesPlaylist::Settings{});
    std::string error;
    EXPECT_TRUE(feed.load(error)) << error;
    GError* gerror = nullptr;
    GstElement* pipeline = gst_parse_launch(
        "appsrc name=frames is-live=true do-timestamp=true format=time ! videoconvert ! "
        "video/x-raw,format=I420 ! vp8enc deadline=1 target-bitrate=4000000 ! vp8dec ! "
        "videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out sync=false",
        &gerror);
    EXPECT_EQ(gerror, nullptr);
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    feed.start(pipeline);
    std::vector<uint8_t> out;
    // A few frames in, so the encoder is past its first key frame's ramp.
    for (int i = 0; i < 3; ++i) {
      GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 30 * GST_SECOND);
      if (!sample) break;
      GstMapInfo map;
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      gst_buffer_map(buffer, &map, GST_MAP_READ);
      out.assign(map.data, map.data + map.size);
      gst_buffer_unmap(buffer, &map);
      gst_sample_unref(sample);
    }
    feed.stop();
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(sink);
    gst_object_unref(pipeline);
    return out;
  }

  std::string viewerText() {
    auto frame = viewerFrame();
    EXPECT_FALSE(frame.empty()) << "no frame reached the viewer side";
    if (frame.empty()) return "";
    // The feed's picture is the object's size (no scaling in this pipeline).
    return recogniseText({frame.data(), kSize, kSize, kSize});
  }

  std::filesystem::path folder;
};

TEST_F(RedactionTest, UltrasoundTextDoesNotReachTheViewer) {
  DicomImageSpec spec;  // US, Burned In Annotation absent: redacted by default
  writeObject(spec, gstFrame("ball", "30 JAN 94  14:22:05  ID:48213", "ST MARY HOSPITAL", false));
  auto text = viewerText();
  EXPECT_TRUE(survivors(text).empty()) << "OCR still reads: " << text;

  // The control: allowed (no detection), the same OCR reads the text through the same path.
  SeriesRedaction allowed;
  allowed.policy = "allow";
  writeSeriesRedaction(folder, allowed);
  auto control = viewerText();
  EXPECT_GE(survivors(control).size(), 4u) << "OCR reads only: " << control;
}

TEST_F(RedactionTest, SecondaryCaptureTextDoesNotReachTheViewer) {
  DicomImageSpec spec;
  spec.modality = "OT";
  spec.sopClass = UID_SecondaryCaptureImageStorage;
  spec.photometric = "RGB";
  spec.burnedIn = "YES";
  writeObject(spec, gstFrame("gradient", "ST MARY HOSPITAL 30 JAN 94", "ID:48213 14:22", true));
  SeriesRedaction redact;
  redact.policy = "redact";
  writeSeriesRedaction(folder, redact);
  auto text = viewerText();
  EXPECT_TRUE(survivors(text).empty()) << "OCR still reads: " << text;
}

TEST_F(RedactionTest, PictureWithoutTextIsBarelyTouched) {
  DicomImageSpec spec;
  writeObject(spec, gstFrame("circular", "", "", false));
  SeriesPlaylist playlist(SeriesPlaylist::Settings{});
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  RenderedFrame original;
  std::string error;
  ASSERT_TRUE(playlist.render(playlist.entries()[0], original, error)) << error;
  RenderedFrame redacted = original;
  FrameRedactor redactor({});
  ASSERT_TRUE(redactor.apply(0, 1, playlist.facts(0), redacted));
  size_t changed = 0;
  for (size_t i = 0; i < original.pixels.size(); ++i)
    changed += original.pixels[i] != redacted.pixels[i];
  EXPECT_LT(static_cast<double>(changed) / original.pixels.size(), 0.01);
  EXPECT_EQ(redactor.stats().objectsScanned.load(), 1u);  // it was looked at
}

TEST_F(RedactionTest, BlockedSeriesPlaysNothingUntilReleased) {
  DicomImageSpec spec;
  writeObject(spec, gstFrame("ball", "ID:48213", "", false));
  SeriesRedaction record;
  record.policy = "block";
  writeSeriesRedaction(folder, record);
  {
    DicomFeed feed(folder, SeriesPlaylist::Settings{});
    std::string error;
    EXPECT_FALSE(feed.load(error));
    EXPECT_NE(error.find("blocked"), std::string::npos) << error;
  }
  record.released = true;
  writeSeriesRedaction(folder, record);
  DicomFeed feed(folder, SeriesPlaylist::Settings{});
  std::string error;
  EXPECT_TRUE(feed.load(error)) << error;
}

TEST_F(RedactionTest, FixedMasksBlackOutTheirRegion) {
  std::string error;
  auto rule = parseMaskRule("modality=US,manufacturer=acme:0,0,100,20;400,480,112,32", error);
  ASSERT_TRUE(rule) << error;
  BurnedInFacts facts;
  facts.modality = "US";
  facts.manufacturer = "ACME";
  EXPECT_TRUE(maskRuleMatches(*rule, facts));
  facts.manufacturer = "OTHER";
  EXPECT_FALSE(maskRuleMatches(*rule, facts));
  EXPECT_FALSE(parseMaskRule("modality=US:0,0,-5,20", error));
  EXPECT_FALSE(parseMaskRule("colour=red:0,0,5,20", error));

  RenderedFrame frame;
  frame.width = frame.height = kSize;
  frame.pixels.assign(static_cast<size_t>(kSize) * kSize, 200);
  SeriesRedaction record;
  record.policy = "allow";
  record.masks = rule->boxes;
  FrameRedactor redactor({});
  redactor.setRecord(record);
  ASSERT_TRUE(redactor.apply(0, 1, facts, frame));
  EXPECT_EQ(frame.pixels[5 * kSize + 50], 0);
  EXPECT_EQ(frame.pixels[500 * kSize + 450], 0);
  EXPECT_EQ(frame.pixels[300 * kSize + 300], 200);
}

TEST(BurnedInPolicy, WhichObjectsMayCarryText) {
  BurnedInFacts facts;
  facts.modality = "US";
  EXPECT_TRUE(mayCarryBurnedInText(facts));
  facts.burnedIn = "NO";
  EXPECT_FALSE(mayCarryBurnedInText(facts));
  facts = {};
  facts.modality = "CT";
  facts.sopClass = UID_CTImageStorage;
  EXPECT_FALSE(mayCarryBurnedInText(facts));
  facts.burnedIn = "YES";
  EXPECT_TRUE(mayCarryBurnedInText(facts));
  facts = {};
  facts.modality = "CT";
  facts.sopClass = UID_SecondaryCaptureImageStorage;
  EXPECT_TRUE(mayCarryBurnedInText(facts));
  facts = {};
  facts.modality = "XA";
  facts.imageType = "DERIVED\\SECONDARY";
  EXPECT_TRUE(mayCarryBurnedInText(facts));
  facts.imageType = "ORIGINAL\\PRIMARY";
  EXPECT_FALSE(mayCarryBurnedInText(facts));
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
