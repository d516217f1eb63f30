// Burned-in text redaction on sample frames: per sample kind, the boxes text detection finds,
// the words of the planted text OCR still reads after blacking them out, the share of pixels
// blacked out, and the cost of detection per frame (median of RUNS). Frames come from
// GStreamer's videotestsrc with textoverlay writing the text, like the tests.
//   dicom_redaction_bench [RUNS]
#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "pipelines/dicom/frame_redactor.hpp"
#include "pipelines/dicom/text_detector.hpp"

using namespace medrelay::pipelines::dicom;

namespace {

constexpr int kSize = 512;
const std::vector<std::string> kPlanted = {"30", "JAN", "94", "14:22", "48213", "MARY", "HOSPITAL"};

std::vector<uint8_t> frame(const std::string& source, const std::string& top,
                           const std::string& bottom) {
  std::string launch = source + " ! video/x-raw,width=" + std::to_string(kSize) +
                       ",height=" + std::to_string(kSize) + " ! videoconvert";
  if (!top.empty())
    launch += " ! textoverlay text=\"" + top +
              "\" font-desc=\"Sans 11\" valignment=top halignment=left shaded-background=false";
  if (!bottom.empty())
    launch += " ! textoverlay text=\"" + bottom +
              "\" font-desc=\"Sans 10\" valignment=bottom halignment=right";
  launch += " ! videoconvert ! video/x-raw,format=GRAY8 ! appsink name=out";
  GstElement* pipeline = gst_parse_launch(launch.c_str(), nullptr);
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "out");
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<uint8_t> out;
  if (GstSample* sample = gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 20 * GST_SECOND)) {
    GstMapInfo map;
    gst_buffer_map(gst_sample_get_buffer(sample), &map, GST_MAP_READ);
    out.assign(map.data, map.data + map.size);
    gst_buffer_unmap(gst_sample_get_buffer(sample), &map);
    gst_sample_unref(sample);
  }
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(sink);
  gst_object_unref(pipeline);
  return out;
}

size_t survivors(const std::string& text) {
  return static_cast<size_t>(std::count_if(kPlanted.begin(), kPlanted.end(), [&](const auto& w) {
    return text.find(w) != std::string::npos;
  }));
}

}  // namespace

int main(int argc, char** argv) {
  gst_init(nullptr, nullptr);
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 3;
  struct Sample {
    const char* kind;
    std::string source, top, bottom;
  };
  const std::vector<Sample> samples = {
      {"US-like, text on dark", "videotestsrc num-buffers=1 pattern=ball",
       "30 JAN 94  14:22:05  ID:48213", "ST MARY HOSPITAL"},
      {"SC-like, text on gradient", "videotestsrc num-buffers=1 pattern=gradient",
       "ST MARY HOSPITAL 30 JAN 94", "ID:48213 14:22"},
      {"text over fine rings", "videotestsrc num-buffers=1 pattern=circular",
       "ST MARY HOSPITAL 30 JAN 94", "ID:48213 14:22"},
      {"no text, rings", "videotestsrc num-buffers=1 pattern=circular", "", ""},
      {"no text, speckle",
       "videotestsrc num-buffers=1 pattern=snow ! video/x-raw,width=128,height=128 ! videoscale",
       "", ""},
  };
  std::printf(
      "| sample | words planted | read before | boxes | words read after | pixels blacked | detect "
      "ms/frame (median of %d) |\n| --- | --- | --- | --- | --- | --- | --- |\n",
      runs);
  TextDetector detector;
  for (const auto& sample : samples) {
    auto pixels = frame(sample.source, sample.top, sample.bottom);
    if (pixels.size() != static_cast<size_t>(kSize) * kSize) {
      std::printf("| %s | could not make the frame |\n", sample.kind);
      continue;
    }
    GrayView view{pixels.data(), kSize, kSize, kSize};
    const size_t planted = survivors(sample.top + " " + sample.bottom);
    const size_t before = survivors(recogniseText(view));
    std::vector<double> ms;
    std::vector<Box> boxes;
    for (int r = 0; r < runs; ++r) {
      auto start = std::chrono::steady_clock::now();
      boxes = detector.detect(view);
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::sort(ms.begin(), ms.end());
    RenderedFrame rendered;
    rendered.width = rendered.height = kSize;
    rendered.pixels = pixels;
    FrameRedactor::blackOut(rendered, boxes);
    size_t black = 0;
    for (size_t i = 0; i < pixels.size(); ++i)
      black += rendered.pixels[i] != pixels[i];
    const size_t after = survivors(recogniseText({rendered.pixels.data(), kSize, kSize, kSize}));
    std::printf("| %s | %zu | %zu | %zu | %zu | %.2f%% | %.0f |\n", sample.kind, planted, before,
                boxes.size(), after, 100.0 * black / pixels.size(), ms[ms.size() / 2]);
  }
  return 0;
}
