// A simulated camera sending on its own: any gst-launch description run as a live pipeline
// (an SRT encoder, an RTP sender described by an SDP file, ...). Destroying it pulls the plug.
#pragma once

#include <gst/gst.h>

#include <string>

namespace medrelay::testing {

class GstSender {
 public:
  explicit GstSender(const std::string& launch);  // throws if GStreamer refuses the description
  ~GstSender();
  GstSender(const GstSender&) = delete;
  GstSender& operator=(const GstSender&) = delete;

 private:
  GstElement* pipeline_ = nullptr;
};

// A UDP port nothing on 127.0.0.1 uses right now (the kernel's pick).
int freeUdpPort();
// A live test picture encoded to H.264 (`profile` "constrained-baseline" or "high") or H.265,
// as a gst-launch fragment ending in an encoded stream.
std::string encodedTestPicture(const std::string& codec);

}  // namespace medrelay::testing
