#include "tests/integration/webrtcbin_viewer.hpp"

#include <gst/video/video.h>

#define GST_USE_UNSTABLE_API
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>

namespace medrelay::testing {

WebrtcbinViewer::WebrtcbinViewer(ViewerCodec codec, bool withAudio)
    : WebrtcbinPeer("viewer"), codec_(codec) {
  g_signal_connect(webrtc_, "pad-added", G_CALLBACK(&WebrtcbinViewer::onPadAdded), this);

  const char* caps = codec == ViewerCodec::Vp8
                         ? "application/x-rtp,media=video,encoding-name=VP8,payload=96,"
                           "clock-rate=90000"
                         : "application/x-rtp,media=video,encoding-name=H264,payload=102,"
                           "clock-rate=90000,packetization-mode=(string)1,"
                           "profile-level-id=(string)42e01f";
  GstCaps* recvCaps = gst_caps_from_string(caps);
  GstWebRTCRTPTransceiver* transceiver = nullptr;
  g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                        recvCaps, &transceiver);
  gst_caps_unref(recvCaps);
  if (transceiver) gst_object_unref(transceiver);
  if (withAudio) {
    GstCaps* opus = gst_caps_from_string(
        "application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000");
    GstWebRTCRTPTransceiver* audio = nullptr;
    g_signal_emit_by_name(webrtc_, "add-transceiver", GST_WEBRTC_RTP_TRANSCEIVER_DIRECTION_RECVONLY,
                          opus, &audio);
    gst_caps_unref(opus);
    if (audio) gst_object_unref(audio);
  }
  if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    throw std::runtime_error("viewer pipeline did not start");
  }
}

bool WebrtcbinViewer::waitForFrames(int count, std::chrono::milliseconds timeout) const {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (frames_.load() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return frames_.load() >= count;
}

bool WebrtcbinViewer::waitForAudio(int buffers, int peak, std::chrono::milliseconds timeout) const {
  auto heard = [&] { return audioBuffers_.load() >= buffers && audioPeak_.load() > peak; };
  for (auto end = std::chrono::steady_clock::now() + timeout;
       !heard() && std::chrono::steady_clock::now() < end;)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return heard();
}

void WebrtcbinViewer::onPadAdded(GstElement*, GstPad* pad, gpointer data) {
  auto* self = static_cast<WebrtcbinViewer*>(data);
  if (GST_PAD_DIRECTION(pad) != GST_PAD_SRC) return;
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const char* media = caps && !gst_caps_is_empty(caps)
                          ? gst_structure_get_string(gst_caps_get_structure(caps, 0), "media")
                          : nullptr;
  bool audio = media && std::string(media) == "audio";
  if (caps) gst_caps_unref(caps);
  const char* description =
      audio ? "rtpopusdepay ! opusdec name=decoder ! audioconvert ! "
              "audio/x-raw,format=S16LE,layout=interleaved ! identity name=decoded ! "
              "fakesink sync=false"
      : self->codec_ == ViewerCodec::Vp8
          ? "rtpvp8depay ! vp8dec name=decoder ! fakesink sync=false"
          : "rtph264depay ! h264parse ! avdec_h264 name=decoder ! fakesink sync=false";
  GError* error = nullptr;
  GstElement* branch = gst_parse_bin_from_description(description, TRUE, &error);
  if (!branch) {
    g_clear_error(&error);
    return;
  }
  gst_bin_add(GST_BIN(self->pipeline_), branch);
  GstElement* decoder = gst_bin_get_by_name(GST_BIN(branch), audio ? "decoded" : "decoder");
  GstPad* decoded = gst_element_get_static_pad(decoder, "src");
  gst_pad_add_probe(decoded, GST_PAD_PROBE_TYPE_BUFFER,
                    audio ? &WebrtcbinViewer::onDecodedAudio : &WebrtcbinViewer::onDecodedFrame,
                    self, nullptr);
  gst_object_unref(decoded);
  gst_object_unref(decoder);
  gst_element_sync_state_with_parent(branch);
  GstPad* sink = gst_element_get_static_pad(branch, "sink");
  gst_pad_link(pad, sink);
  gst_object_unref(sink);
}

GstPadProbeReturn WebrtcbinViewer::onDecodedAudio(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<WebrtcbinViewer*>(data);
  GstMapInfo map;
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
    const auto* samples = reinterpret_cast<const int16_t*>(map.data);
    int peak = self->audioPeak_.load();
    for (size_t i = 0; i < map.size / 2; ++i)
      peak = std::max(peak, std::abs(static_cast<int>(samples[i])));
    self->audioPeak_ = peak;
    gst_buffer_unmap(buffer, &map);
  }
  self->audioBuffers_++;
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn WebrtcbinViewer::onDecodedFrame(GstPad* pad, GstPadProbeInfo* info,
                                                  gpointer data) {
  auto* self = static_cast<WebrtcbinViewer*>(data);
  // Both decoders give planar YUV: the first plane is luma.
  GstCaps* caps = gst_pad_get_current_caps(pad);
  GstVideoInfo video;
  GstVideoFrame frame;
  if (caps && gst_video_info_from_caps(&video, caps) &&
      gst_video_frame_map(&frame, &video, GST_PAD_PROBE_INFO_BUFFER(info), GST_MAP_READ)) {
    const auto* luma = static_cast<const uint8_t*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
    const int stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
    const int width = GST_VIDEO_FRAME_WIDTH(&frame), height = GST_VIDEO_FRAME_HEIGHT(&frame);
    auto mean = [&](int fromX, int toX) {
      long sum = 0, count = 0;
      for (int y = height / 4; y < 3 * height / 4; y += 2)
        for (int x = fromX; x < toX; x += 2, ++count)
          sum += luma[y * stride + x];
      return count ? static_cast<int>(sum / count) : -1;
    };
    self->leftLuma_ = mean(width / 8, 3 * width / 8);
    self->rightLuma_ = mean(5 * width / 8, 7 * width / 8);
    self->frameSize_ = (width << 16) | height;
    gst_video_frame_unmap(&frame);
  }
  if (caps) gst_caps_unref(caps);
  self->lastFrameNs_ = std::chrono::steady_clock::now().time_since_epoch().count();
  self->frames_++;
  return GST_PAD_PROBE_OK;
}

}  // namespace medrelay::testing
