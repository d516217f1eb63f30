#include "pipelines/ingest_main.hpp"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>
#include <sys/socket.h>

#include <dcmtk/oflog/oflog.h>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <span>

#include "common/clock.hpp"
#include "common/logger.hpp"
#include "pipelines/camera_audio.hpp"
#include "pipelines/dicom/dcmtk_log_bridge.hpp"
#include "pipelines/dicom_feed.hpp"
#include "pipelines/encoder_rate_keeper.hpp"
#include "pipelines/ingest_handoff.hpp"
#include "pipelines/key_frame_request.hpp"
#include "pipelines/layer_ladder.hpp"
#include "pipelines/layer_sizer.hpp"
#include "pipelines/pipeline_description.hpp"
#include "pipelines/rtp_feedback.hpp"
#include "relay/rtp/rtcp_fir.hpp"
#include "relay/rtp/rtcp_header.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::pipelines {

namespace {

auto log() {
  static auto logger = medrelay::logger("ingest");
  return logger;
}

constexpr char kDicomScheme[] = "dicom://";

// One run of one pipeline. Streaming threads write packets; the main loop thread handles the
// bus, key-frame requests from the relay and the stall watchdog.
class IngestRun {
 public:
  IngestRun(const IngestOptions& options, RtspMode mode, DicomFeed* feed)
      : options_(options), mode_(mode), feed_(feed) {}

  enum class Outcome { Exit, SwitchToTranscode };

  Outcome run(int& exitCode) {
    std::string error;
    auto description = describePipeline(options_, mode_, error);
    if (!description) {
      log()->error("{}: {}", options_.streamName, error);
      exitCode = kIngestBadSource;
      return Outcome::Exit;
    }
    GError* parseError = nullptr;
    pipeline_ = gst_parse_launch(description->launch.c_str(), &parseError);
    if (!pipeline_ || parseError) {
      log()->error("{}: cannot build the pipeline: {}", options_.streamName,
                   parseError ? parseError->message : "unknown error");
      if (parseError) g_error_free(parseError);
      if (pipeline_) gst_object_unref(pipeline_);
      exitCode = kIngestPipelineFailed;
      return Outcome::Exit;
    }
    auto rateKeepers = EncoderRateKeeper::keepAll(pipeline_);
    auto layerSizers = LayerSizer::sizeAll(pipeline_);
    for (const std::string& name : allVideoSinkNames()) {  // at most kVideoSinks
      if (GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), name.c_str())) {
        GstAppSinkCallbacks callbacks{};
        callbacks.new_sample = &IngestRun::onVideoSample;
        gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
        sinks_.push_back(sink);
      }
    }
    if (GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline_), "opus")) {
      takeAudioSink(GST_APP_SINK(sink));
      gst_object_unref(sink);
    }
    waitsForSender_ = description->waitsForSender;
    if (!description->feedback.empty()) {
      feedback_ = RtpFeedback::open(description->feedback, error);
      if (!feedback_)
        log()->warn("{}: key frames cannot be requested: {}", options_.streamName, error);
    }
    if (mode_ == RtspMode::PassThrough) watchH264Profile();
    std::unique_ptr<CameraAudio> cameraAudio;
    if (!description->audioTap.empty()) cameraAudio = watchCameraTracks(*description);

    loop_ = g_main_loop_new(nullptr, FALSE);
    GstBus* bus = gst_element_get_bus(pipeline_);
    gst_bus_add_watch(bus, &IngestRun::onBusMessage, this);
    gst_object_unref(bus);
    GIOChannel* channel = g_io_channel_unix_new(options_.socketFd);
    guint controlWatch =
        g_io_add_watch(channel, static_cast<GIOCondition>(G_IO_IN | G_IO_HUP | G_IO_ERR),
                       &IngestRun::onControl, this);
    g_io_channel_unref(channel);
    guint watchdog = g_timeout_add(500, &IngestRun::onWatchdog, this);
    startedMs_ = medrelay::steadyMs();

    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
      finish(kIngestPipelineFailed, "the pipeline did not start");
    } else {
      if (feed_) feed_->start(pipeline_);
      g_main_loop_run(loop_);
    }
    if (feed_) feed_->stop();
    g_source_remove(watchdog);
    g_source_remove(controlWatch);
    gst_element_set_state(pipeline_, GST_STATE_NULL);  // no streaming thread runs after this
    bus = gst_element_get_bus(pipeline_);
    gst_bus_remove_watch(bus);
    gst_object_unref(bus);
    // A quit that a streaming thread scheduled may still be pending on the default context:
    // run it now, while this run is alive, or it would stop the next run (the transcoding
    // retry), which lives at the same address. Bounded: nothing here may spin on a source.
    for (int i = 0; i < 100 && g_main_context_iteration(nullptr, FALSE); ++i) {
    }
    cameraAudio.reset();
    rateKeepers.clear();
    layerSizers.clear();
    for (GstElement* sink : sinks_)
      gst_object_unref(sink);
    gst_object_unref(pipeline_);
    g_main_loop_unref(loop_);
    exitCode = exitCode_;
    return switchToTranscode_ ? Outcome::SwitchToTranscode : Outcome::Exit;
  }

 private:
  // Audio neither counts against stalls nor takes key-frame requests: a camera whose picture
  // stopped is stalled even if its microphone still works.
  void takeAudioSink(GstAppSink* sink) {
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = &IngestRun::onAudioSample;
    gst_app_sink_set_callbacks(sink, &callbacks, this, nullptr);
  }

  std::unique_ptr<CameraAudio> watchCameraTracks(const PipelineDescription& description) {
    GstElement* tap = gst_bin_get_by_name(GST_BIN(pipeline_), description.audioTap.c_str());
    if (!tap) return nullptr;
    CameraAudio::Callbacks callbacks;
    callbacks.onAudioSink = [this](GstAppSink* sink) { takeAudioSink(sink); };
    callbacks.onVideoNeedsTranscoding = [this](const std::string& caps) {
      if (switchToTranscode_.exchange(true)) return;
      log()->info("{}: cannot pass the camera's video through ({}); transcoding",
                  options_.streamName, caps);
      quitSoon();
    };
    auto watcher = std::make_unique<CameraAudio>(pipeline_, tap, description.audioBranch,
                                                 mode_ == RtspMode::PassThrough,
                                                 options_.streamName, std::move(callbacks));
    gst_object_unref(tap);  // the pipeline keeps it
    return watcher;
  }

  // From a streaming thread: leave the main loop from the main loop's own thread.
  void quitSoon() {
    if (quitScheduled_.exchange(true)) return;
    g_idle_add(
        [](gpointer p) -> gboolean {
          g_main_loop_quit(static_cast<IngestRun*>(p)->loop_);
          return G_SOURCE_REMOVE;
        },
        this);
  }

  static GstFlowReturn onVideoSample(GstAppSink* sink, gpointer data) {
    return static_cast<IngestRun*>(data)->sendSample(sink, true);
  }
  static GstFlowReturn onAudioSample(GstAppSink* sink, gpointer data) {
    return static_cast<IngestRun*>(data)->sendSample(sink, false);
  }

  GstFlowReturn sendSample(GstAppSink* sink, bool video) {
    GstSample* sample = gst_app_sink_pull_sample(sink);
    if (!sample) return GST_FLOW_OK;
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    GstMapInfo map;
    if (buffer && gst_buffer_map(buffer, &map, GST_MAP_READ)) {
      ssize_t sent = ::send(options_.socketFd, map.data, map.size, MSG_DONTWAIT | MSG_NOSIGNAL);
      const auto packet =
          video
              ? medrelay::relay::rtp::RtpPacket::parse(std::span<const uint8_t>(map.data, map.size))
              : std::nullopt;
      if (packet) {
        const uint32_t ssrc = packet->ssrc();
        if (feedback_) feedback_->noteSsrc(ssrc);
        for (size_t i = 0; i < sinks_.size(); ++i) {
          if (GST_ELEMENT(sink) == sinks_[i]) sinkSsrc_[i].store(ssrc, std::memory_order_relaxed);
        }
      }
      if (sent >= 0) {
        if (video) lastPacketMs_.store(medrelay::steadyMs());
      } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
        ++dropped_;  // the relay is behind: drop rather than stall the camera
      } else {
        relayGone_.store(true);
      }
      gst_buffer_unmap(buffer, &map);
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
  }

  static gboolean onBusMessage(GstBus*, GstMessage* message, gpointer data) {
    auto* self = static_cast<IngestRun*>(data);
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_ERROR: {
        GError* error = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        std::string what =
            std::string(GST_OBJECT_NAME(message->src)) + ": " + (error ? error->message : "error");
        bool notLinked = debug && std::strstr(debug, "not-linked");
        if (error) g_error_free(error);
        g_free(debug);
        if (self->passThroughCapable_ && self->mode_ == RtspMode::PassThrough &&
            self->lastPacketMs_.load() == 0 && notLinked) {
          // Media arrived in a format the pass-through chain cannot take (H.265, MJPEG,
          // MPEG-2...): decode and encode it instead.
          log()->info("{}: cannot pass the camera's video through ({}); transcoding",
                      self->options_.streamName, what);
          self->switchToTranscode_ = true;
          g_main_loop_quit(self->loop_);
          break;
        }
        self->finish(kIngestStreamError, what);
        break;
      }
      case GST_MESSAGE_EOS:
        self->finish(kIngestEnded, "the source ended");
        break;
      default:
        break;
    }
    return G_SOURCE_CONTINUE;
  }

  // RTCP PLI or FIR (in any compound) from the relay: ask the encoder or camera for a key
  // frame. Anything else is ignored.
  static gboolean onControl(GIOChannel*, GIOCondition condition, gpointer data) {
    auto* self = static_cast<IngestRun*>(data);
    if (condition & (G_IO_HUP | G_IO_ERR)) {
      self->finish(kIngestRelayGone, "the relay closed the ingest socket");
      return G_SOURCE_REMOVE;
    }
    uint8_t buffer[1500];
    ssize_t size = ::recv(self->options_.socketFd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (size == 0) {
      self->finish(kIngestRelayGone, "the relay closed the ingest socket");
      return G_SOURCE_REMOVE;
    }
    if (size <= 0) return G_SOURCE_CONTINUE;
    namespace rtp = medrelay::relay::rtp;
    rtp::forEachRtcpPacket(std::span<const uint8_t>(buffer, static_cast<size_t>(size)),
                           [&](const rtp::RtcpHeader& header, std::span<const uint8_t> packet) {
                             if (header.packetType != rtp::kRtcpPsfb) return;
                             // PLI names the picture's SSRC in its header, FIR in each FCI
                             // entry (RFC 4585 §6.3.1, RFC 5104 §4.3.1).
                             if (auto pli = rtp::parsePli(packet)) {
                               self->requestKeyFrame(pli->mediaSsrc);
                             } else if (auto fir = rtp::Fir::parse(packet)) {
                               for (size_t i = 0; i < fir->entryCount(); ++i)
                                 self->requestKeyFrame(fir->entrySsrc(i));
                             }
                           });
    return G_SOURCE_CONTINUE;
  }

  // Only the encoding whose SSRC the request names gets a key frame: a VP8 viewer's PLI must
  // not make the H.264 encoder spend a key frame too (on a thin link, that is the picture's
  // budget for a second). A request for an SSRC no sink sent yet goes to every encoding.
  void requestKeyFrame(uint32_t mediaSsrc) {
    int64_t now = medrelay::steadyMs();
    auto names = [&](size_t sink) {
      const uint32_t ssrc = sinkSsrc_[sink].load(std::memory_order_relaxed);
      return ssrc != 0 && ssrc == mediaSsrc;
    };
    bool named = false;
    for (size_t i = 0; i < sinks_.size(); ++i)
      named |= names(i);
    if (feedback_ && now - lastFeedbackRequestMs_ >= 250) {
      lastFeedbackRequestMs_ = now;
      feedback_->requestKeyFrame();  // a raw RTP source encodes for itself
    }
    for (size_t i = 0; i < sinks_.size(); ++i) {
      if (named && !names(i)) continue;
      if (now - lastKeyFrameRequestMs_[i] < 250) continue;  // the relay already merges; be safe
      lastKeyFrameRequestMs_[i] = now;
      log()->debug("{}: key frame of SSRC {:#010x} requested by the relay", options_.streamName,
                   mediaSsrc);
      GstPad* pad = gst_element_get_static_pad(sinks_[i], "sink");
      // Travels upstream through the payloader to the encoder (or, for a pass-through camera,
      // to rtspsrc's RTP session, which turns it into RTCP PLI/FIR toward the camera).
      gst_pad_push_event(pad, newKeyFrameRequest());
      gst_object_unref(pad);
    }
  }

  static gboolean onWatchdog(gpointer data) {
    auto* self = static_cast<IngestRun*>(data);
    int64_t now = medrelay::steadyMs();
    if (self->relayGone_.load()) {
      self->finish(kIngestRelayGone, "the relay closed the ingest socket");
    } else if (self->lastPacketMs_.load() == 0) {
      if (!self->waitsForSender_ && now - self->startedMs_ > 2000LL * self->options_.stallSeconds) {
        self->finish(kIngestStalled, "no media from the source");
      }
    } else if (now - self->lastPacketMs_.load() > 1000LL * self->options_.stallSeconds) {
      self->finish(kIngestStalled, "the source stopped sending media");
    }
    return G_SOURCE_CONTINUE;
  }

  // Pass-through only when the camera's H.264 profile is one browsers take as we advertise it.
  void watchH264Profile() {
    GstElement* parse = gst_bin_get_by_name(GST_BIN(pipeline_), "parse");
    if (!parse) return;
    passThroughCapable_ = true;
    GstPad* pad = gst_element_get_static_pad(parse, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &IngestRun::onParsedCaps, this,
                      nullptr);
    gst_object_unref(pad);
    gst_object_unref(parse);
  }

  static GstPadProbeReturn onParsedCaps(GstPad*, GstPadProbeInfo* info, gpointer data) {
    GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
    if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
    GstCaps* caps = nullptr;
    gst_event_parse_caps(event, &caps);
    const GstStructure* s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
    const gchar* profile = s ? gst_structure_get_string(s, "profile") : nullptr;
    if (profile && !browserCompatibleH264Profile(profile)) {
      auto* self = static_cast<IngestRun*>(data);
      // Every caps event of the stream comes here; say it and switch once.
      if (self->switchToTranscode_.exchange(true)) return GST_PAD_PROBE_DROP;
      log()->info("{}: camera sends H.264 {}; transcoding to constrained baseline",
                  self->options_.streamName, profile);
      self->quitSoon();
      return GST_PAD_PROBE_DROP;
    }
    return GST_PAD_PROBE_OK;
  }

  void finish(int code, const std::string& reason) {
    if (exitCode_ == kIngestOk && !switchToTranscode_) {
      exitCode_ = code;
      log()->warn("{}: {} (exit {})", options_.streamName, reason, code);
    }
    g_main_loop_quit(loop_);
  }

  const IngestOptions& options_;
  RtspMode mode_;
  DicomFeed* feed_;  // frames for dicom:// sources, else null
  GstElement* pipeline_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::vector<GstElement*> sinks_;
  std::unique_ptr<RtpFeedback> feedback_;  // rtp:// sources with a feedback address
  std::atomic<int64_t> lastPacketMs_{0};
  bool waitsForSender_ = false;  // main-loop thread: set before it runs
  std::atomic<bool> relayGone_{false};
  std::atomic<uint64_t> dropped_{0};
  int64_t startedMs_ = 0;
  // Per entry of sinks_ (one per codec and layer): the SSRC its packets carry (streaming
  // threads write, the main loop reads) and when it was last asked for a key frame (main loop).
  static constexpr size_t kVideoSinks = 2 * kMaxLayers;
  std::array<std::atomic<uint32_t>, kVideoSinks> sinkSsrc_{};
  std::array<int64_t, kVideoSinks> lastKeyFrameRequestMs_{};
  int64_t lastFeedbackRequestMs_ = 0;
  int exitCode_ = kIngestOk;
  std::atomic<bool> switchToTranscode_{false};
  std::atomic<bool> quitScheduled_{false};  // quitSoon() schedules one idle quit per run
  bool passThroughCapable_ = false;         // the pipeline has a pass-through parser
};

}  // namespace

int runIngest(const IngestOptions& given) {
  setLogLevel(given.logLevel);
  IngestOptions options = given;
  if (options.source.empty()) {
    // From the supervisor, over the ingest socket: never on our command line.
    auto handoff = receiveHandoff(options.socketFd, std::chrono::seconds(10));
    if (!handoff) {
      log()->error("{}: no source handed over on the ingest socket", options.streamName);
      return kIngestRelayGone;
    }
    options.source = std::move(handoff->source);
  }
  gst_init(nullptr, nullptr);
  IngestOptions effective = options;
  std::unique_ptr<DicomFeed> feed;
  if (options.source.rfind(kDicomScheme, 0) == 0) {
    dicom::installDcmtkLogBridge();  // DCMTK's warnings as our log lines, its chatter not at all
    dicom::SeriesPlaylist::Settings settings;
    settings.ctWindow = dicom::parseCtWindow(options.ctWindow).value_or(settings.ctWindow);
    settings.sliceDuration = std::chrono::milliseconds(options.sliceMilliseconds);
    feed = std::make_unique<DicomFeed>(options.source.substr(std::strlen(kDicomScheme)), settings);
    std::string error;
    if (!feed->load(error)) {
      log()->error("{}: {}", options.streamName, error);
      // Objects that do not decode are the source failing, not its address.
      return feed->failure() == DicomFeed::LoadFailure::Undecodable ? kIngestStreamError
                                                                    : kIngestBadSource;
    }
    std::tie(effective.width, effective.height) = feed->outputSize(options.width, options.height);
    effective.fps = feed->nominalFps();
  }
  RtspMode mode = RtspMode::PassThrough;
  int exitCode = kIngestOk;
  for (;;) {
    IngestRun run(effective, mode, feed.get());
    if (run.run(exitCode) == IngestRun::Outcome::SwitchToTranscode &&
        mode == RtspMode::PassThrough) {
      mode = RtspMode::Transcode;
      continue;
    }
    break;
  }
  return exitCode == kIngestOk ? kIngestEnded : exitCode;
}

}  // namespace medrelay::pipelines
