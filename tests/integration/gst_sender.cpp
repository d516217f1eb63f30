#include "tests/integration/gst_sender.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

#include "tests/support/free_port.hpp"

namespace medrelay::testing {

GstSender::GstSender(const std::string& launch) {
  gst_init(nullptr, nullptr);
  GError* error = nullptr;
  pipeline_ = gst_parse_launch(launch.c_str(), &error);
  if (!pipeline_ || error) {
    std::string message = error ? error->message : "unknown";
    g_clear_error(&error);
    if (pipeline_) gst_object_unref(pipeline_);
    throw std::runtime_error("sender pipeline: " + message);
  }
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    gst_object_unref(pipeline_);
    throw std::runtime_error("sender pipeline did not start");
  }
}

GstSender::~GstSender() {
  gst_element_set_state(pipeline_, GST_STATE_NULL);
  gst_object_unref(pipeline_);
}

int freeUdpPort() {
  return freeLoopbackPort(SOCK_DGRAM);
}

std::string encodedTestPicture(const std::string& codec) {
  std::string raw =
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=30/1 "
      "! videoconvert ! ";
  // Parameter sets before every key frame (config-interval=-1), as cameras send them, so that a
  // receiver joining late can decode.
  if (codec == "h265") {
    return raw +
           "x265enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h265parse "
           "config-interval=-1";
  }
  return raw +
         "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! video/x-h264,profile=" +
         codec + " ! h264parse config-interval=-1";
}

}  // namespace medrelay::testing
