#include "pipelines/camera_audio.hpp"

#include <cstring>

#include "common/logger.hpp"

namespace medrelay::pipelines {

namespace {

auto log() {
  static auto logger = medrelay::logger("ingest");
  return logger;
}

// "JPEG" for RTP caps (their encoding name), else the media type ("video/x-h265").
std::string shortDescription(const GstCaps* caps) {
  if (gst_caps_is_empty(caps)) return "";
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* encoding = gst_structure_get_string(s, "encoding-name");
  return encoding ? std::string("RTP ") + encoding : gst_structure_get_name(s);
}

}  // namespace

CameraAudio::Track CameraAudio::classify(const GstCaps* caps) {
  if (!caps || gst_caps_is_empty(caps) || gst_caps_is_any(caps)) return Track::Unknown;
  const GstStructure* s = gst_caps_get_structure(caps, 0);
  const char* name = gst_structure_get_name(s);
  if (std::strcmp(name, "application/x-rtp") == 0) {
    const char* media = gst_structure_get_string(s, "media");
    const char* encoding = gst_structure_get_string(s, "encoding-name");
    if (!media) return Track::Unknown;
    if (std::strcmp(media, "audio") == 0) return Track::Audio;
    if (std::strcmp(media, "video") != 0) return Track::Unknown;
    return encoding && g_ascii_strcasecmp(encoding, "H264") == 0 ? Track::PassableVideo
                                                                 : Track::OtherVideo;
  }
  if (g_str_has_prefix(name, "audio/")) return Track::Audio;
  if (std::strcmp(name, "video/x-h264") == 0) return Track::PassableVideo;
  if (g_str_has_prefix(name, "video/") || g_str_has_prefix(name, "image/")) {
    return Track::OtherVideo;
  }
  return Track::Unknown;
}

CameraAudio::CameraAudio(GstElement* pipeline, GstElement* tap, std::string branch,
                         bool passThrough, std::string label, Callbacks callbacks)
    : pipeline_(pipeline),
      tap_(tap),
      branch_(std::move(branch)),
      passThrough_(passThrough),
      label_(std::move(label)),
      callbacks_(std::move(callbacks)) {
  handler_ = g_signal_connect(tap_, "pad-added", G_CALLBACK(&CameraAudio::onPadAdded), this);
}

CameraAudio::~CameraAudio() {
  if (handler_) g_signal_handler_disconnect(tap_, handler_);
}

void CameraAudio::onPadAdded(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<CameraAudio*>(data);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  Track track = classify(caps);
  std::string description = caps ? shortDescription(caps) : "";
  if (caps) gst_caps_unref(caps);
  if (track == Track::Audio && !self->claimed_.exchange(true)) {
    self->linkAudio(pad);
  } else if (track == Track::OtherVideo && self->passThrough_) {
    if (self->callbacks_.onVideoNeedsTranscoding)
      self->callbacks_.onVideoNeedsTranscoding(description);
  }
}

void CameraAudio::linkAudio(GstPad* pad) {
  // queue ! decodebin, linked to the Opus branch once decodebin knows the codec.
  GstElement* queue = gst_element_factory_make("queue", nullptr);
  GstElement* decoder = gst_element_factory_make("decodebin", nullptr);
  if (!queue || !decoder) {
    log()->warn("{}: camera audio not taken: queue or decodebin missing", label_);
    if (queue) gst_object_unref(queue);
    if (decoder) gst_object_unref(decoder);
    return;
  }
  // A slow encoder drops old audio rather than holding up the camera's other tracks.
  g_object_set(queue, "max-size-time", G_GUINT64_CONSTANT(200000000), "max-size-buffers", 0u,
               "max-size-bytes", 0u, "leaky", 2 /* downstream */, nullptr);
  g_signal_connect(decoder, "pad-added", G_CALLBACK(&CameraAudio::onDecodedPad), this);
  gst_bin_add_many(GST_BIN(pipeline_), queue, decoder, nullptr);
  GstPad* queueSink = gst_element_get_static_pad(queue, "sink");
  GstPadLinkReturn result = gst_pad_link(pad, queueSink);
  gst_object_unref(queueSink);
  if (result != GST_PAD_LINK_OK || !gst_element_link(queue, decoder)) {
    log()->warn("{}: camera audio not taken: the track does not link ({})", label_,
                gst_pad_link_get_name(result));
    return;  // the elements stay idle in the pipeline; video is unaffected
  }
  gst_element_sync_state_with_parent(decoder);
  gst_element_sync_state_with_parent(queue);
}

void CameraAudio::onDecodedPad(GstElement*, GstPad* pad, gpointer data) {
  static_cast<CameraAudio*>(data)->linkDecoded(pad);
}

void CameraAudio::linkDecoded(GstPad* pad) {
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  bool raw = caps && !gst_caps_is_empty(caps) &&
             g_str_has_prefix(gst_structure_get_name(gst_caps_get_structure(caps, 0)), "audio/");
  if (caps) gst_caps_unref(caps);
  if (!raw || encoder_) return;
  GError* error = nullptr;
  GstElement* bin = gst_parse_bin_from_description(branch_.c_str(), TRUE, &error);
  if (!bin || error) {
    // A camera whose audio we cannot take still shows its video.
    log()->warn("{}: camera audio not taken: {}", label_, error ? error->message : "no branch");
    if (error) g_error_free(error);
    if (bin) gst_object_unref(bin);
    return;
  }
  if (GstElement* sink = gst_bin_get_by_name(GST_BIN(bin), "opus")) {
    if (callbacks_.onAudioSink) callbacks_.onAudioSink(GST_APP_SINK(sink));
    gst_object_unref(sink);
  }
  gst_bin_add(GST_BIN(pipeline_), bin);
  encoder_ = bin;
  GstPad* sinkPad = gst_element_get_static_pad(bin, "sink");
  GstPadLinkReturn result = gst_pad_link(pad, sinkPad);
  gst_object_unref(sinkPad);
  if (result != GST_PAD_LINK_OK) {
    log()->warn("{}: camera audio not taken: decoded audio does not link ({})", label_,
                gst_pad_link_get_name(result));
    return;
  }
  gst_element_sync_state_with_parent(bin);
  linked_ = true;
  log()->info("{}: camera audio is encoded to Opus", label_);
}

}  // namespace medrelay::pipelines
