// Cameras that are not RTSP, each simulated by a GStreamer sender on loopback, become streams
// that a webrtcbin viewer decodes: SRT with the relay calling the camera and with the camera
// calling the relay (both encrypted with a passphrase; a wrong passphrase gets no video), an
// H.265 camera over SRT (pass-through impossible, so transcoded), and RTP over UDP described by
// an SDP file. SRT cameras with a microphone (AAC in the MPEG-TS) are heard as Opus. An SRT camera
// that disappears and comes back resumes on the same session.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/integration/gst_sender.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/whep_watch.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;

constexpr char kPassphrase[] = "or-camera-secret-1";

// MPEG-TS in 7-packet (1316-byte) messages, as SRT encoders send it; with `audio`, a 440 Hz
// tone in AAC beside the picture.
std::string srtCamera(const std::string& codec, const std::string& uri, bool audio = false) {
  std::string microphone = audio ? " audiotestsrc is-live=true freq=440 volume=0.5 ! audioconvert "
                                   "! avenc_aac ! aacparse ! mux."
                                 : "";
  return encodedTestPicture(codec) + " ! mux." + microphone +
         " mpegtsmux name=mux alignment=7 ! srtsink uri=\"" + uri + "\" wait-for-connection=false";
}

std::string srtUri(int port, const std::string& mode, const std::string& passphrase) {
  return "srt://127.0.0.1:" + std::to_string(port) + "?mode=" + mode + "&passphrase=" + passphrase +
         "&latency=120";
}

// The viewer decodes the camera's tone (Opus made from its AAC): a half-scale tone peaks near
// 16000.
void expectTone(const WebrtcbinViewer& viewer) {
  EXPECT_TRUE(viewer.waitForAudio(50, 8000, 10s))
      << viewer.audioBuffersDecoded() << " audio buffers, peak " << viewer.audioPeak();
}

TEST(CameraSources, SrtCameraListeningIsCalledByTheRelayWithItsAudio) {
  int port = freeUdpPort();
  GstSender camera(srtCamera("constrained-baseline", srtUri(port, "listener", kPassphrase), true));
  ServerProcess server({"--no-demo", "--stream", "or4=" + srtUri(port, "caller", kPassphrase)});
  auto w = watchStream(server, "or4", ViewerCodec::H264, true);
  EXPECT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
  expectTone(*w.viewer);
}

TEST(CameraSources, SrtCameraCallsTheRelayAndResumesAfterUnplugging) {
  int port = freeUdpPort();
  ServerProcess server({"--no-demo", "--stream", "or5=" + srtUri(port, "listener", kPassphrase)});
  auto camera = std::make_unique<GstSender>(
      srtCamera("constrained-baseline", srtUri(port, "caller", kPassphrase)));
  auto w = watchStream(server, "or5");
  ASSERT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();

  camera.reset();  // pull the plug
  std::this_thread::sleep_for(2s);
  int during = w.viewer->framesDecoded();
  camera = std::make_unique<GstSender>(
      srtCamera("constrained-baseline", srtUri(port, "caller", kPassphrase)));
  EXPECT_TRUE(w.viewer->waitForFrames(during + 30, 40s))
      << "frames when unplugged " << during << ", now " << w.viewer->framesDecoded();
}

// An SRT listener nobody calls yet is "connecting, waiting for media" to viewers and in the
// directory, steadily: not live (it said live at 0 fps), and not restarted as stalled every few
// seconds (a restart cannot make a caller come). Then the camera calls and it is live.
TEST(CameraSources, AnSrtListenerWithoutCallerWaitsAndSaysSo) {
  int port = freeUdpPort();
  ServerProcess server({"--no-demo", "--source-stall-seconds", "1", "--stream",
                        "or7=" + srtUri(port, "listener", kPassphrase)});
  auto token = server.issueToken("demo");
  std::set<std::string> states, directoryStates;
  nlohmann::json stream;
  // Four times as long as a source that never sent may wait before it is called stalled.
  for (auto end = std::chrono::steady_clock::now() + 8s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(250ms)) {
    stream = listedStream(server, "or7", token);
    states.insert(stream.value("state", ""));
    for (const auto& s : nlohmann::json::parse(server.admin({"stream", "list", "--json"})))
      if (s.at("name") == "or7") directoryStates.insert(s.at("state").get<std::string>());
  }
  EXPECT_EQ(states, std::set<std::string>{"connecting"}) << stream.dump();
  EXPECT_EQ(stream.value("detail", ""), "waiting for media") << stream.dump();
  EXPECT_EQ(stream.value("restarts", -1), 0) << stream.dump();
  EXPECT_FALSE(directoryStates.count("live") || directoryStates.count("stalled"))
      << "the directory said " << nlohmann::json(directoryStates).dump();

  GstSender camera(srtCamera("constrained-baseline", srtUri(port, "caller", kPassphrase)));
  for (auto end = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < end && stream.value("state", "") != "live";
       std::this_thread::sleep_for(250ms))
    stream = listedStream(server, "or7", token);
  EXPECT_EQ(stream.value("state", ""), "live") << stream.dump();
  EXPECT_EQ(stream.value("detail", ""), "") << stream.dump();
}

// A camera an administrator adds to the directory while the relay runs is started without a
// restart (only --stream cameras were) and plays once shared.
TEST(CameraSources, ACameraAddedToTheDirectoryStartsAndPlays) {
  int port = freeUdpPort();
  GstSender camera(srtCamera("constrained-baseline", srtUri(port, "listener", kPassphrase)));
  ServerProcess server({"--no-demo"});
  server.admin({"stream", "add", "--tenant", "demo", "--kind", "camera", "--source",
                srtUri(port, "caller", kPassphrase), "or8"});
  server.admin({"stream", "share", "or8", "demo/demo"});
  auto w = watchStream(server, "or8");
  EXPECT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
}

// Removed from the directory, that camera stops on the running relay: its viewer is cut, its
// ingest child ends and the name is free for a camera added again.
TEST(CameraSources, ACameraRemovedFromTheDirectoryStopsAndCanComeBack) {
  int port = freeUdpPort();
  GstSender camera(srtCamera("constrained-baseline", srtUri(port, "listener", kPassphrase)));
  ServerProcess server({"--no-demo"});
  auto add = [&] {
    server.admin({"stream", "add", "--tenant", "demo", "--kind", "camera", "--source",
                  srtUri(port, "caller", kPassphrase), "or9"});
    server.admin({"stream", "share", "or9", "demo/demo"});
  };
  add();
  {
    auto w = watchStream(server, "or9");
    ASSERT_TRUE(w.viewer->waitForFrames(30, 60s)) << "decoded " << w.viewer->framesDecoded();
    ASSERT_EQ(server.childPids().size(), 1u);
    server.admin({"stream", "remove", "or9", "--reason", "camera moved to OR 3"});
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (!server.childPids().empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(100ms);
    EXPECT_TRUE(server.childPids().empty()) << "the removed camera's ingest child still runs";
    auto frames = w.viewer->framesDecoded();
    std::this_thread::sleep_for(3s);
    EXPECT_LE(w.viewer->framesDecoded(), frames + 5) << "the removed camera still plays";
  }
  EXPECT_NE(server.logText().find("or9 left the directory: stopped"), std::string::npos);
  EXPECT_NE(server.admin({"audit", "export", "--stream", "or9"}).find("camera moved to OR 3"),
            std::string::npos);

  add();
  auto again = watchStream(server, "or9");
  EXPECT_TRUE(again.viewer->waitForFrames(30, 60s)) << "decoded " << again.viewer->framesDecoded();
  EXPECT_TRUE(server.running());
}

TEST(CameraSources, SrtWithTheWrongPassphraseGetsNoVideo) {
  int port = freeUdpPort();
  GstSender camera(srtCamera("constrained-baseline", srtUri(port, "listener", kPassphrase)));
  ServerProcess server(
      {"--no-demo", "--stream", "or6=" + srtUri(port, "caller", "not-the-passphrase")});
  auto w = watchStream(server, "or6");
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(w.viewer->framesDecoded(), 0);
}

TEST(CameraSources, H265OverSrtIsTranscodedAndPlaysWithItsAudio) {
  int port = freeUdpPort();
  GstSender camera(srtCamera("h265", srtUri(port, "listener", kPassphrase), true));
  ServerProcess server({"--no-demo", "--stream", "cath1=" + srtUri(port, "caller", kPassphrase)});
  auto w = watchStream(server, "cath1", ViewerCodec::H264, true);
  EXPECT_TRUE(w.viewer->waitForFrames(30, 40s)) << "decoded " << w.viewer->framesDecoded();
  expectTone(*w.viewer);
}

TEST(CameraSources, TestSourceWithAudioTicks) {
  ServerProcess server({"--no-demo", "--stream", "ticks=test://?audio=1"});
  auto w = watchStream(server, "ticks", ViewerCodec::Vp8, true);
  EXPECT_TRUE(w.viewer->waitForFrames(30, 20s)) << "decoded " << w.viewer->framesDecoded();
  expectTone(*w.viewer);  // a tick every second at 0.4 of full scale
}

TEST(CameraSources, RtpDescribedByAnSdpFilePlays) {
  int port = freeUdpPort();
  auto sdp = std::filesystem::temp_directory_path() / ("camera-" + std::to_string(port) + ".sdp");
  std::ofstream(sdp) << "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=ICU bed 5\r\nc=IN IP4 127.0.0.1\r\n"
                        "t=0 0\r\nm=video "
                     << port
                     << " RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                        "a=fmtp:96 packetization-mode=1\r\n";
  ServerProcess server({"--no-demo", "--stream", "icu5=sdp://" + sdp.string()});
  GstSender camera(encodedTestPicture("constrained-baseline") +
                   " ! rtph264pay pt=96 config-interval=-1 ! udpsink host=127.0.0.1 port=" +
                   std::to_string(port));
  auto w = watchStream(server, "icu5");
  EXPECT_TRUE(w.viewer->waitForFrames(30, 30s)) << "decoded " << w.viewer->framesDecoded();
  std::filesystem::remove(sdp);
}

}  // namespace
}  // namespace medrelay::testing
