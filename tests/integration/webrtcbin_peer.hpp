// What the test peers built on GStreamer's webrtcbin (an independent WebRTC implementation on
// libnice/libsrtp/OpenSSL) share: a pipeline holding a webrtcbin restricted to loopback, a
// non-trickle offer (ICE gathering finished), and applying the relay's answer.
#pragma once

#include <gst/gst.h>

#include <chrono>
#include <string>

namespace medrelay::testing {

class WebrtcbinPeer {
 public:
  virtual ~WebrtcbinPeer();
  WebrtcbinPeer(const WebrtcbinPeer&) = delete;
  WebrtcbinPeer& operator=(const WebrtcbinPeer&) = delete;

  // Creates the offer and waits for ICE gathering to finish (so the offer carries candidates,
  // as a non-trickle WHEP/WHIP client sends it). Returns the SDP text.
  std::string createOffer(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  bool setAnswer(const std::string& sdp);

 protected:
  explicit WebrtcbinPeer(const char* name);  // pipeline_ with webrtc_ in it, not yet playing

  GstElement* pipeline_ = nullptr;
  GstElement* webrtc_ = nullptr;
};

}  // namespace medrelay::testing
