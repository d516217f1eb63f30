#include "tests/integration/webrtcbin_publisher.hpp"

#define GST_USE_UNSTABLE_API
#include <gst/webrtc/webrtc.h>

#include <stdexcept>
#include <string>

namespace medrelay::testing {

WebrtcbinPublisher::WebrtcbinPublisher(ViewerCodec codec, int luma) : WebrtcbinPeer("publisher") {
  // An opaque grey in ARGB: R = G = B gives luma equal to the level (BT.601, limited range).
  int level = (luma - 16) * 255 / 219;
  char color[16];
  std::snprintf(color, sizeof color, "0xFF%02X%02X%02X", level, level, level);
  std::string source =
      "videotestsrc is-live=true pattern=solid-color foreground-color=" + std::string(color) +
      " ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! ";
  source += codec == ViewerCodec::Vp8
                ? "vp8enc deadline=1 keyframe-max-dist=30 ! rtpvp8pay pt=96 ! capsfilter caps="
                  "\"application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000\""
                : "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! "
                  "video/x-h264,profile=constrained-baseline ! "
                  "rtph264pay pt=102 "
                  "config-interval=-1 ! capsfilter caps=\"application/x-rtp,media=video,"
                  "encoding-name=H264,payload=102,clock-rate=90000,packetization-mode=(string)1\"";
  GError* error = nullptr;
  GstElement* branch = gst_parse_bin_from_description(source.c_str(), TRUE, &error);
  if (!branch) {
    std::string message = error ? error->message : "unknown";
    g_clear_error(&error);
    throw std::runtime_error("publisher source: " + message);
  }
  gst_bin_add(GST_BIN(pipeline_), branch);
  if (!gst_element_link_pads(branch, "src", webrtc_, "sink_%u")) {
    throw std::runtime_error("cannot link the source to webrtcbin");
  }
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_, "get-transceiver", 0, &transceiver);
  if (transceiver) {
    g_object_set(transceiver, "direction", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_SENDONLY, nullptr);
    gst_object_unref(transceiver);
  }
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw std::runtime_error("publisher pipeline did not start");
  }
}

}  // namespace medrelay::testing
