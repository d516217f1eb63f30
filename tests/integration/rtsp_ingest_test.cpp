// An IP camera over RTSP (gst-rtsp-server on loopback) becomes a stream that webrtcbin viewers
// decode: browser-compatible H.264 is passed through (VP8 is encoded beside it), High profile and
// MJPEG are transcoded (within the configured size and bitrate ceiling), and a camera that
// disappears and comes back resumes on the same session by itself.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/rtsp_camera.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"
#include "tests/integration/whep_watch.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;

Watching watch(ServerProcess& server, const std::string& stream) {
  return watchStream(server, stream);
}

TEST(RtspIngest, BaselineCameraIsPassedThroughAndPlays) {
  RtspCamera camera(RtspCamera::baselineH264());
  ServerProcess server({"--no-demo", "--stream", "or1=" + camera.uri()});
  auto w = watch(server, "or1");
  EXPECT_TRUE(w.viewer->waitForFrames(30, 20s)) << "decoded " << w.viewer->framesDecoded();
  // A browser without H.264 (Firefox without OpenH264) gets VP8 encoded from the camera's
  // picture, at the camera's size (under the ceiling).
  auto vp8 = watchStream(server, "or1", ViewerCodec::Vp8);
  EXPECT_TRUE(vp8.viewer->waitForFrames(30, 30s)) << "decoded " << vp8.viewer->framesDecoded();
  EXPECT_NE(vp8.answer.find("VP8/90000"), std::string::npos) << vp8.answer;
  EXPECT_EQ(vp8.viewer->frameSize(), w.viewer->frameSize());
  auto token = server.issueToken("demo");
  auto listed = listedStream(server, "or1", token);
  EXPECT_EQ(listed.value("codecs", nlohmann::json::array()),
            nlohmann::json::parse(R"(["VP8","H264","opus"])"))
      << listed.dump();
}

TEST(RtspIngest, MotionJpegCameraIsTranscodedAndPlaysAtItsOwnSize) {
  RtspCamera camera(RtspCamera::motionJpeg());
  ServerProcess server({"--no-demo", "--stream", "icu4=" + camera.uri()});
  auto w = watch(server, "icu4");
  EXPECT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
  EXPECT_EQ(w.viewer->frameSize(), "320x240") << "below the ceiling: not scaled";
}

TEST(RtspIngest, HighProfileCameraIsTranscodedUnderTheSizeAndBitrateCeiling) {
  // Snow does not compress: the encoder would spend far more than the ceiling if it could.
  RtspCamera camera(RtspCamera::highProfileH264(), 0,
                    "pattern=snow ! video/x-raw,width=640,height=360");
  ServerProcess server({"--no-demo", "--stream", "or7=" + camera.uri(), "--transcode-max-size",
                        "320x240", "--transcode-max-bitrate", "300"});
  auto w = watch(server, "or7");
  ASSERT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
  EXPECT_EQ(w.viewer->frameSize(), "320x180") << "16:9 scaled into 320x240: transcoded";
  // Each top layer keeps under the ceiling: the H.264 Safari and Chrome get, the VP8 for the rest.
  // The rate is read over 15 s of the relay's byte counters, after the start: an encoder that a
  // loaded machine delays sends in bursts, which a short window would take for overshoot (8 s
  // read VP8 at 394 kbit/s once while a build shared the two cores; unloaded it reads ~310).
  auto bytesByCodec = [&] {
    auto metrics = httpsRequest("127.0.0.1", server.metricsPort(), "GET", "/metrics", {}).body;
    std::map<std::string, double> bytes;
    for (const char* codec : {"H264", "VP8"}) {
      const std::string sample = "\nmedrelay_source_encoding_bytes_total{stream=\"or7\",codec=\"" +
                                 std::string(codec) + "\",layer=\"0\"} ";
      auto at = metrics.find(sample);
      EXPECT_NE(at, std::string::npos) << metrics;
      if (at != std::string::npos) bytes[codec] = std::stod(metrics.substr(at + sample.size()));
    }
    return bytes;
  };
  std::this_thread::sleep_for(3s);
  auto before = bytesByCodec();
  // The switch to transcoding happens once, inside the first ingest child: a pending quit of
  // the pass-through attempt once stopped the transcoding run too, and the child restarted.
  auto restarts = httpsRequest("127.0.0.1", server.metricsPort(), "GET", "/metrics", {}).body;
  EXPECT_NE(restarts.find("\nmedrelay_source_restarts_total{stream=\"or7\"} 0\n"),
            std::string::npos)
      << restarts;
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(15s);
  auto after = bytesByCodec();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const char* codec : {"H264", "VP8"}) {
    double kbps = (after[codec] - before[codec]) * 8 / 1000 / seconds;
    std::printf("  %s: %.0f kbit/s over %.1f s (ceiling 300)\n", codec, kbps, seconds);
    EXPECT_GT(kbps, 100) << codec;
    EXPECT_LT(kbps, 300 * 1.3) << codec << ": rate control may overshoot a little, not more";
  }
}

// A 440 Hz tone at half scale peaks near 16000; Opus at 64 kbit/s keeps it well above 8000.
constexpr int kTonePeak = 8000;

TEST(RtspIngest, CameraAudioInAacReachesViewersAsOpusBesideThePassedThroughVideo) {
  RtspCamera camera(RtspCamera::baselineH264(), 0,
                    "pattern=ball ! video/x-raw,width=320,height=240", RtspCamera::aac());
  ServerProcess server({"--no-demo", "--stream", "or8=" + camera.uri()});
  auto w = watchStream(server, "or8", ViewerCodec::H264, true);
  EXPECT_TRUE(w.viewer->waitForFrames(30, 20s)) << "decoded " << w.viewer->framesDecoded();
  EXPECT_TRUE(w.viewer->waitForAudio(50, kTonePeak, 10s))
      << w.viewer->audioBuffersDecoded() << " audio buffers, peak " << w.viewer->audioPeak();
  // A viewer that offers no audio still gets the video alone.
  auto videoOnly = watchStream(server, "or8");
  EXPECT_TRUE(videoOnly.viewer->waitForFrames(30, 20s));
  EXPECT_EQ(videoOnly.viewer->audioBuffersDecoded(), 0);
}

TEST(RtspIngest, MotionJpegCameraWithG711AudioIsTranscodedWithItsAudio) {
  RtspCamera camera(RtspCamera::motionJpeg(), 0, "pattern=ball ! video/x-raw,width=320,height=240",
                    RtspCamera::pcmu());
  ServerProcess server({"--no-demo", "--stream", "icu6=" + camera.uri()});
  auto w = watchStream(server, "icu6", ViewerCodec::H264, true);
  EXPECT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
  EXPECT_TRUE(w.viewer->waitForAudio(50, kTonePeak, 10s))
      << w.viewer->audioBuffersDecoded() << " audio buffers, peak " << w.viewer->audioPeak();
}

TEST(RtspIngest, UnpluggedCameraResumesOnTheSameSession) {
  auto camera = std::make_unique<RtspCamera>(RtspCamera::baselineH264());
  int port = camera->port();
  ServerProcess server({"--no-demo", "--stream", "or2=" + camera->uri()});
  auto w = watch(server, "or2");
  ASSERT_TRUE(w.viewer->waitForFrames(15, 20s));

  camera.reset();  // pull the plug
  std::this_thread::sleep_for(2s);
  int during = w.viewer->framesDecoded();
  camera = std::make_unique<RtspCamera>(RtspCamera::baselineH264(), port);  // plug it back in
  EXPECT_TRUE(w.viewer->waitForFrames(during + 30, 30s))
      << "frames when unplugged " << during << ", now " << w.viewer->framesDecoded();
}

TEST(RtspIngest, UnreachableCameraDoesNotDisturbOtherStreams) {
  // Port 9 on loopback: nothing listens. The demo must keep playing regardless.
  ServerProcess server({"--stream", "broken=rtsp://127.0.0.1:9/cam"});
  auto w = watch(server, "demo");
  EXPECT_TRUE(w.viewer->waitForFrames(30, 20s));
  auto metrics = httpsRequest("127.0.0.1", server.metricsPort(), "GET", "/metrics", {});
  EXPECT_NE(metrics.body.find(R"(medrelay_stream_up{stream="broken"} 0)"), std::string::npos)
      << metrics.body;
  // The API says what is wrong with it, in words.
  auto token = server.issueToken("demo");
  nlohmann::json broken = nlohmann::json::object();
  for (auto end = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < end && broken.value("detail", "").empty();
       std::this_thread::sleep_for(200ms)) {
    auto list = httpsRequest("127.0.0.1", server.port(), "GET", "/api/v1/streams",
                             {{"Authorization", "Bearer " + token}});
    ASSERT_EQ(list.status, 200) << list.body;
    for (const auto& s : nlohmann::json::parse(list.body))
      if (s.at("name") == "broken") broken = s;
  }
  ASSERT_TRUE(broken.contains("name")) << "the broken camera is listed";
  EXPECT_TRUE(broken.value("state", "") == "failed" || broken.value("state", "") == "connecting")
      << broken.dump();
  EXPECT_EQ(broken.value("detail", "").rfind("the source failed", 0), 0u) << broken.dump();
  EXPECT_GE(broken.value("restarts", 0), 1) << broken.dump();
}

}  // namespace
}  // namespace medrelay::testing
