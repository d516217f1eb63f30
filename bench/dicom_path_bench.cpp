// The DICOM path's speed: rendering one frame of a 512x512 cine with DCMTK (native and the
// compressed syntaxes we accept), and the encoders of the real `dicom://` ingest pipeline (VP8 and
// H.264 together, as in production) fed as fast as they take frames. Figures go in
// bench/README.md; ctest runs it briefly (`dicom_path_bench_smoke`) so it keeps working.
#include <benchmark/benchmark.h>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>

#include "pipelines/dicom/series_playlist.hpp"
#include "pipelines/pipeline_description.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace {

using medrelay::pipelines::dicom::RenderedFrame;
using medrelay::pipelines::dicom::SeriesPlaylist;

// A 512x512 8-bit cine of `frames` frames in `syntax`, in a fresh folder.
std::filesystem::path cineFolder(E_TransferSyntax syntax, int frames) {
  auto folder = std::filesystem::temp_directory_path() /
                ("dicom-bench-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(folder);
  medrelay::testing::DicomImageSpec spec;
  spec.rows = spec.columns = 512;
  spec.frames = frames;
  spec.frameStep = 2;
  spec.left = {40};
  spec.right = {180};
  spec.syntax = syntax;
  medrelay::testing::writeDicomImage(spec, folder / "cine.dcm");
  return folder;
}

void renderFrame(benchmark::State& state, E_TransferSyntax syntax) {
  auto folder = cineFolder(syntax, 20);
  SeriesPlaylist playlist(SeriesPlaylist::Settings{});
  playlist.addFolder(folder);
  RenderedFrame frame;
  std::string error;
  size_t index = 0;
  for (auto _ : state) {
    if (!playlist.render(playlist.entries()[index++ % playlist.entries().size()], frame, error)) {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(frame.pixels.data());
  }
  state.counters["fps"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  std::filesystem::remove_all(folder);
}
BENCHMARK_CAPTURE(renderFrame, native, EXS_LittleEndianExplicit)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(renderFrame, jpeg_baseline, EXS_JPEGProcess1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(renderFrame, jpeg_lossless, EXS_JPEGProcess14SV1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(renderFrame, jpeg_ls, EXS_JPEGLSLossless)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(renderFrame, rle, EXS_RLELossless)->Unit(benchmark::kMillisecond);

// Frames through the production dicom:// pipeline (appsrc -> scale -> caption -> VP8 + H.264 ->
// RTP), pushed as fast as the pipeline accepts them; counts frames that came out of both
// encoders (RTP packets with the marker bit).
void encodePipeline(benchmark::State& state) {
  gst_init(nullptr, nullptr);
  medrelay::pipelines::IngestOptions options;
  options.source = "dicom:///bench";
  options.width = options.height = 512;
  options.fps = 30;
  std::string error;
  auto description = medrelay::pipelines::describePipeline(
      options, medrelay::pipelines::RtspMode::Transcode, error);
  // The leaky queues would drop frames the encoders cannot take; a benchmark wants back-pressure.
  std::string launch = description->launch;
  for (std::string leaky = " leaky=downstream"; launch.find(leaky) != std::string::npos;)
    launch.erase(launch.find(leaky), leaky.size());
  GstElement* pipeline = gst_parse_launch(launch.c_str(), nullptr);
  GstElement* source = gst_bin_get_by_name(GST_BIN(pipeline), "frames");
  g_object_set(source, "is-live", FALSE, "do-timestamp", FALSE, "block", TRUE, "max-bytes",
               guint64{4 << 20}, nullptr);
  GstCaps* caps =
      gst_caps_from_string("video/x-raw,format=GRAY8,width=512,height=512,framerate=30/1");
  gst_app_src_set_caps(GST_APP_SRC(source), caps);
  gst_caps_unref(caps);
  std::atomic<int64_t> encoded[2] = {0, 0};
  int index = 0;
  for (const char* name : {"vp8", "h264"}) {
    GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), name);
    g_object_set(sink, "drop", FALSE, "sync", FALSE, nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = [](GstAppSink* s, gpointer counter) -> GstFlowReturn {
      GstSample* sample = gst_app_sink_pull_sample(s);
      GstBuffer* buffer = gst_sample_get_buffer(sample);
      guint8 second = 0;
      if (gst_buffer_extract(buffer, 1, &second, 1) == 1 && (second & 0x80))
        ++*static_cast<std::atomic<int64_t>*>(counter);
      gst_sample_unref(sample);
      return GST_FLOW_OK;
    };
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, &encoded[index++], nullptr);
    gst_object_unref(sink);
  }
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<uint8_t> picture(512 * 512);
  GstClockTime pts = 0;
  const auto start = std::chrono::steady_clock::now();
  int64_t pushed = 0;
  for (auto _ : state) {
    for (size_t i = 0; i < picture.size(); ++i)
      picture[i] = static_cast<uint8_t>((i + static_cast<size_t>(pushed) * 3) & 0xFF);
    GstBuffer* buffer = gst_buffer_new_memdup(picture.data(), picture.size());
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DURATION(buffer) = GST_SECOND / 30;
    pts += GST_SECOND / 30;
    gst_app_src_push_buffer(GST_APP_SRC(source), buffer);
    ++pushed;
  }
  gst_app_src_end_of_stream(GST_APP_SRC(source));
  GstBus* bus = gst_element_get_bus(pipeline);
  GstMessage* done = gst_bus_timed_pop_filtered(
      bus, 60 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!done || GST_MESSAGE_TYPE(done) == GST_MESSAGE_ERROR || encoded[0] == 0 || encoded[1] == 0)
    state.SkipWithError("the pipeline did not encode every frame");
  if (done) gst_message_unref(done);
  gst_object_unref(bus);
  state.counters["vp8_frames"] = static_cast<double>(encoded[0]);
  state.counters["h264_frames"] = static_cast<double>(encoded[1]);
  state.counters["fps_both_encoders"] =
      static_cast<double>(std::min(encoded[0], encoded[1])) / seconds;
  gst_element_set_state(pipeline, GST_STATE_NULL);
  gst_object_unref(source);
  gst_object_unref(pipeline);
}
BENCHMARK(encodePipeline)->Iterations(300)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
