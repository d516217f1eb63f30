// A camera's tracks show only once it answers, as pads of its demuxing element (rtspsrc,
// sdpdemux, tsdemux or decodebin). CameraAudio watches those pads: the first audio track, whatever
// its codec (AAC, G.711, Opus...), goes through a queue and a decodebin into an Opus branch built
// from a bin description (raw audio in); a video track that the pass-through
// chain cannot take (MJPEG, H.265, ...) is reported at once, so the run can switch to
// transcoding rather than wait for a stall. Pads arrive on streaming threads.
#pragma once

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <atomic>
#include <functional>
#include <string>

namespace medrelay::pipelines {

class CameraAudio {
 public:
  struct Callbacks {
    // The branch's "opus" appsink, before any data reaches it: set its callbacks here.
    std::function<void(GstAppSink*)> onAudioSink;
    // A video track the pass-through chain cannot take ("RTP JPEG", "video/x-h265").
    std::function<void(const std::string& caps)> onVideoNeedsTranscoding;
  };

  // `tap`: the demuxing element in `pipeline`. `passThrough`: the pipeline forwards H.264 as it
  // is, so other video must be reported. Neither pointer is owned; both outlive this object.
  // `label` names the stream in log lines.
  CameraAudio(GstElement* pipeline, GstElement* tap, std::string branch, bool passThrough,
              std::string label, Callbacks callbacks);
  ~CameraAudio();
  CameraAudio(const CameraAudio&) = delete;
  CameraAudio& operator=(const CameraAudio&) = delete;

  bool linked() const { return linked_.load(); }

  // Exposed for tests: what a pad's caps say. RTP caps carry media= and encoding-name=.
  enum class Track { Audio, PassableVideo, OtherVideo, Unknown };
  static Track classify(const GstCaps* caps);

 private:
  static void onPadAdded(GstElement* tap, GstPad* pad, gpointer self);
  static void onDecodedPad(GstElement* decoder, GstPad* pad, gpointer self);
  void linkAudio(GstPad* pad);
  void linkDecoded(GstPad* pad);

  GstElement* pipeline_;
  GstElement* tap_;
  std::string branch_;
  bool passThrough_;
  std::string label_;
  Callbacks callbacks_;
  gulong handler_ = 0;
  GstElement* encoder_ = nullptr;  // the Opus bin, once an audio track is decoding
  std::atomic<bool> linked_{false};
  std::atomic<bool> claimed_{false};  // one audio track only
};

}  // namespace medrelay::pipelines
