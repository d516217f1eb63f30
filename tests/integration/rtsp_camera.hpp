// A simulated IP camera: gst-rtsp-server serving a live test pattern on 127.0.0.1 at
// rtsp://127.0.0.1:PORT/cam, running its own GLib main loop thread. Destroying it is pulling
// the camera's plug: client connections close and the port stops answering.
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include <string>
#include <thread>

namespace medrelay::testing {

class RtspCamera {
 public:
  // `encoder` is the GStreamer fragment after the raw video caps, ending in a payloader named
  // pay0. Port 0: the kernel picks one. `picture`: videotestsrc properties and raw caps.
  // `audio`: "" for a camera without microphone, else the fragment after a 440 Hz tone's raw
  // audio, ending in a payloader named pay1 (see aac(), pcmu()).
  RtspCamera(const std::string& encoder, int port = 0,
             const std::string& picture = "pattern=ball ! video/x-raw,width=320,height=240",
             const std::string& audio = "");
  ~RtspCamera();
  RtspCamera(const RtspCamera&) = delete;
  RtspCamera& operator=(const RtspCamera&) = delete;

  int port() const { return port_; }
  std::string uri() const { return "rtsp://127.0.0.1:" + std::to_string(port_) + "/cam"; }

  static std::string baselineH264();     // what Safari and every browser play: passed through
  static std::string highProfileH264();  // what some cameras send: the relay transcodes it
  static std::string motionJpeg();       // older and cheaper cameras: transcoded as well
  static std::string aac();              // the usual IP camera microphone (RFC 3640)
  static std::string pcmu();             // G.711 mu-law, as cheaper cameras send

 private:
  GMainContext* context_ = nullptr;
  GMainLoop* loop_ = nullptr;
  GstRTSPServer* server_ = nullptr;
  GSocket* socket_ = nullptr;
  GSource* listen_ = nullptr;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace medrelay::testing
