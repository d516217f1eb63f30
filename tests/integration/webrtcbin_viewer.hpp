// A WebRTC viewer built from GStreamer's webrtcbin (an independent WebRTC implementation on
// libnice/libsrtp/OpenSSL): makes a receive-only offer (video, and Opus audio if asked), takes
// an answer, decodes what arrives and counts decoded frames and audio buffers. Used by
// integration tests as the "real peer".
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <chrono>
#include <string>

#include "tests/integration/webrtcbin_peer.hpp"

namespace medrelay::testing {

enum class ViewerCodec { Vp8, H264 };

class WebrtcbinViewer final : public WebrtcbinPeer {
 public:
  explicit WebrtcbinViewer(ViewerCodec codec, bool withAudio = false);

  int framesDecoded() const { return frames_.load(); }
  // When the newest frame was decoded (steady clock); epoch if none yet.
  std::chrono::steady_clock::time_point lastFrameTime() const {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(lastFrameNs_.load()));
  }
  // Mean luma (0-255) of the middle of the left and right halves of the newest decoded frame;
  // -1 before the first frame. Lets a test see what the picture shows, not just that it moves.
  int leftLuma() const { return leftLuma_.load(); }
  int rightLuma() const { return rightLuma_.load(); }
  // "WIDTHxHEIGHT" of the newest decoded frame; "" before the first.
  std::string frameSize() const {
    int size = frameSize_.load();
    return size ? std::to_string(size >> 16) + "x" + std::to_string(size & 0xffff) : "";
  }
  // Decoded audio buffers, and the loudest sample heard so far (0-32767).
  int audioBuffersDecoded() const { return audioBuffers_.load(); }
  int audioPeak() const { return audioPeak_.load(); }
  // Waits until at least `buffers` audio buffers were decoded and a sample louder than `peak`
  // was heard; false on timeout.
  bool waitForAudio(int buffers, int peak, std::chrono::milliseconds timeout) const;
  // Waits until at least `count` frames were decoded; false on timeout.
  bool waitForFrames(int count, std::chrono::milliseconds timeout) const;

 private:
  static void onPadAdded(GstElement* webrtc, GstPad* pad, gpointer self);
  static GstPadProbeReturn onDecodedFrame(GstPad*, GstPadProbeInfo*, gpointer self);
  static GstPadProbeReturn onDecodedAudio(GstPad*, GstPadProbeInfo*, gpointer self);

  ViewerCodec codec_;
  std::atomic<int> frames_{0};
  std::atomic<std::chrono::steady_clock::rep> lastFrameNs_{0};
  std::atomic<int> leftLuma_{-1}, rightLuma_{-1};
  std::atomic<int> frameSize_{0};  // width << 16 | height
  std::atomic<int> audioBuffers_{0}, audioPeak_{0};
};

}  // namespace medrelay::testing
