#include "app/stream_metrics.hpp"

#include <algorithm>
#include <array>
#include <map>

#include "common/prometheus_text.hpp"

namespace medrelay::app {

namespace {

struct Row {
  std::string name, state;
  relay::router::RoomFigures figures;
  SourceHealth health;
  std::vector<relay::router::IngestEncoding> encodings;
  std::array<uint64_t, kViewerEndCount> viewerEnds{};
};

}  // namespace

std::string streamMetricsText(const std::vector<std::shared_ptr<Stream>>& streams) {
  std::map<std::string, Row> rows;
  for (const auto& stream : streams) {
    std::array<uint64_t, kViewerEndCount> ends{};
    for (size_t i = 0; i < kViewerEndCount; ++i)
      ends[i] = stream->viewerEnds().count(static_cast<ViewerEnd>(i));
    rows[stream->name()] = {stream->name(),
                            std::string(streamStateName(stream->state())),
                            stream->room().figures(),
                            stream->health(),
                            stream->room().encodings(),
                            ends};
  }
  PrometheusText out;
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    out.family(name, type, help);
    for (const auto& [key, row] : rows)
      out.sample(name, {{"stream", row.name}}, value(row));
  };
  using R = const Row&;
  each("medrelay_viewers", "gauge", "Viewers currently watching the stream.",
       [](R r) { return r.figures.viewers; });
  each("medrelay_packets_in_total", "counter", "RTP packets received from the source.",
       [](R r) { return r.figures.packetsIn; });
  each("medrelay_bytes_in_total", "counter", "RTP bytes received from the source.",
       [](R r) { return r.figures.bytesIn; });
  each("medrelay_packets_out_total", "counter", "RTP packets sent to viewers.",
       [](R r) { return r.figures.sent.packetsOut; });
  each("medrelay_bytes_out_total", "counter", "RTP bytes sent to viewers.",
       [](R r) { return r.figures.sent.bytesOut; });
  each("medrelay_nacks_total", "counter", "Generic NACKs received from viewers.",
       [](R r) { return r.figures.sent.nacks; });
  each("medrelay_retransmissions_total", "counter", "Packets resent to viewers.",
       [](R r) { return r.figures.sent.retransmitted; });
  each("medrelay_retransmissions_refused_total", "counter",
       "Resends refused: asked again within a round trip, or beyond the viewer's credit.",
       [](R r) { return r.figures.sent.retransmitsRefused; });
  each("medrelay_viewer_keyframe_requests_total", "counter", "PLI/FIR received from viewers.",
       [](R r) { return r.figures.sent.keyFrameRequests; });
  each("medrelay_viewer_keyframe_requests_throttled_total", "counter",
       "Viewers' key-frame requests not passed on (more than one a second per viewer).",
       [](R r) { return r.figures.sent.keyFrameRequestsThrottled; });
  out.family("medrelay_viewer_layer_switches_total", "counter",
             "Viewers moved to another layer of the stream (the link carried less, or more).");
  for (const auto& [key, r] : rows) {
    out.sample("medrelay_viewer_layer_switches_total", {{"stream", r.name}, {"direction", "down"}},
               r.figures.sent.layerSwitchesDown);
    out.sample("medrelay_viewer_layer_switches_total", {{"stream", r.name}, {"direction", "up"}},
               r.figures.sent.layerSwitchesUp);
  }
  out.family("medrelay_viewers_by_layer", "gauge",
             "Viewers watching each layer of the stream's video (0: the largest).");
  for (const auto& [key, r] : rows) {
    for (size_t layer = 0; layer < relay::router::kMaxLayers; ++layer)
      out.sample("medrelay_viewers_by_layer",
                 {{"stream", r.name}, {"layer", std::to_string(layer)}},
                 r.figures.sent.onLayer[layer]);
  }
  each("medrelay_source_keyframe_requests_total", "counter",
       "Key-frame requests sent to the source (merged and throttled).",
       [](R r) { return r.figures.keyFrameRequestsUpstream; });
  each("medrelay_frames_in_total", "counter", "Video frames received from the source.",
       [](R r) { return r.figures.framesIn; });
  each("medrelay_source_restarts_total", "counter",
       "Times the source's ingest process was restarted.",
       [](R r) { return uint64_t{r.health.restarts}; });
  out.family("medrelay_source_packets_dropped_total", "counter",
             "Packets from the source not forwarded, by reason: malformed, duplicate (a sequence "
             "number seen before), late (older than the reordering window), jump (unconfirmed), "
             "probation (first packet of an unconfirmed SSRC), truncated (larger than a packet "
             "buffer), unknown-payload-type.");
  for (const auto& [key, r] : rows) {
    const auto& f = r.figures;
    for (auto [reason, value] : {std::pair{"malformed", f.malformed},
                                 {"duplicate", f.duplicates},
                                 {"late", f.late},
                                 {"jump", f.jumps},
                                 {"probation", f.probation},
                                 {"truncated", f.truncated},
                                 {"unknown-payload-type", f.unknownPayloadType}}) {
      out.sample("medrelay_source_packets_dropped_total", {{"stream", r.name}, {"reason", reason}},
                 value);
    }
  }
  out.family("medrelay_viewer_packets_refused_total", "counter",
             "Packets to or from viewers refused, by reason: before-run (a late packet that "
             "would reuse an output sequence number), srtp-index (SRTP refused an index used "
             "before), rate-limited (from a viewer over its limits, dropped unread).");
  for (const auto& [key, r] : rows) {
    const auto& s = r.figures.sent;
    for (auto [reason, value] : {std::pair{"before-run", s.droppedBeforeRun},
                                 {"srtp-index", s.srtpIndexRefusals},
                                 {"rate-limited", s.datagramsRateLimited}}) {
      out.sample("medrelay_viewer_packets_refused_total", {{"stream", r.name}, {"reason", reason}},
                 value);
    }
  }
  out.family("medrelay_viewer_sessions_ended_total", "counter",
             "Viewer sessions that ended, by reason: left, closed, ice-failed (no media path, "
             "or consent lost), dtls-failed, timeout, access-revoked, token-expired, "
             "server-shutdown, other.");
  for (const auto& [key, r] : rows) {
    for (size_t i = 0; i < kViewerEndCount; ++i) {
      out.sample(
          "medrelay_viewer_sessions_ended_total",
          {{"stream", r.name}, {"reason", std::string(viewerEndName(static_cast<ViewerEnd>(i)))}},
          static_cast<double>(r.viewerEnds[i]));
    }
  }
  out.family("medrelay_source_bitrate_bps", "gauge",
             "The source's media rate over the last two seconds (all encodings).");
  for (const auto& [key, r] : rows)
    out.sample("medrelay_source_bitrate_bps", {{"stream", r.name}}, r.health.bitrateKbps * 1000.0);
  // One sample per stream and encoding, i.e. codec and layer (`videoOnly`: not for audio).
  auto eachEncoding = [&](std::string_view name, std::string_view type, std::string_view help,
                          bool videoOnly, auto value) {
    out.family(name, type, help);
    for (const auto& [key, r] : rows) {
      for (const auto& encoding : r.encodings) {
        if (videoOnly && relay::rtp::isAudio(encoding.codec)) continue;
        const size_t layer = std::min<size_t>(encoding.layer, relay::router::kMaxLayers - 1);
        out.sample(name,
                   {{"stream", r.name},
                    {"codec", std::string(relay::rtp::codecName(encoding.codec))},
                    {"layer", std::to_string(layer)}},
                   value(r.figures, static_cast<size_t>(encoding.codec), layer));
      }
    }
  };
  using F = const relay::router::RoomFigures&;
  eachEncoding("medrelay_source_encoding_bitrate_bps", "gauge",
               "The media rate of each of the source's encodings over the last two seconds.", false,
               [](F f, size_t c, size_t l) { return f.bitrateKbpsByEncoding[c][l] * 1000.0; });
  eachEncoding("medrelay_source_encoding_bytes_total", "counter",
               "RTP bytes received in each of the source's encodings.", false,
               [](F f, size_t c, size_t l) { return f.bytesInByEncoding[c][l]; });
  eachEncoding("medrelay_source_encoding_frames_total", "counter",
               "Video frames received in each of the source's video encodings (an encoder that "
               "falls behind shows here first).",
               true, [](F f, size_t c, size_t l) { return f.framesInByEncoding[c][l]; });
  out.family("medrelay_source_fps", "gauge", "The source's frame rate over the last two seconds.");
  for (const auto& [key, r] : rows)
    out.sample("medrelay_source_fps", {{"stream", r.name}}, r.health.framesPerSecond);
  out.family("medrelay_stream_up", "gauge", "1 when the stream's source is live.");
  for (const auto& [key, r] : rows)
    out.sample("medrelay_stream_up", {{"stream", r.name}}, uint64_t{r.state == "live"});
  // So that an alert on medrelay_stream_up == 0 can leave out what nobody watches on purpose.
  out.family("medrelay_stream_standby", "gauge",
             "1 when the stream's on-demand source is off because nobody watches it.");
  for (const auto& [key, r] : rows)
    out.sample("medrelay_stream_standby", {{"stream", r.name}}, uint64_t{r.state == "standby"});
  return out.text();
}

}  // namespace medrelay::app
