// The gst-launch description of one ingest pipeline. Pure functions, so the strings can be
// tested without running GStreamer. Every branch ends in an appsink named "vp8", "h264" or
// "opus" (lower layers: "vp8_1", "h264_1"..., see layer_ladder) whose buffers are complete RTP
// packets (kVp8PayloadType, kH264PayloadType, kOpusPayloadType; lower layers follow them). A
// camera's audio, which only shows once the camera answers, is linked at run time: `audioTap` names
// the element whose audio pads feed `audioBranch` (see CameraAudio).
#pragma once

#include <optional>
#include <string>

#include "pipelines/ingest_options.hpp"

namespace medrelay::pipelines {

enum class RtspMode { PassThrough, Transcode };

struct PipelineDescription {
  std::string launch;
  bool vp8 = false;
  bool h264 = false;
  bool opus = false;        // an "opus" appsink is in `launch`, or comes with `audioBranch`
  std::string audioTap;     // element named in `launch` whose audio pads feed `audioBranch`
  std::string audioBranch;  // a bin description: raw audio in, RTP Opus out (appsink "opus")
  std::string feedback;     // rtp:// sources: where key-frame requests go (HOST:PORT), or ""
  // The source listens and its sender comes when it comes (rtp://, sdp://, an SRT listener):
  // waiting for the first packet is not a stall, and restarting would not bring one sooner.
  bool waitsForSender = false;
};

// An srt:// address on which we listen (mode=listener, or no host) rather than call.
bool isSrtListener(const std::string& source);

// Sources whose streams carry audio (or may: a camera's audio shows only when it answers).
bool sourceCarriesAudio(const std::string& source);

// nullopt with `error` set for sources we cannot build (unknown scheme, malformed URI).
std::optional<PipelineDescription> describePipeline(const IngestOptions& options, RtspMode mode,
                                                    std::string& error);

// The caps after videoscale on the transcoding path: pictures larger than options.width x
// options.height are scaled down to fit, keeping their aspect ratio (square pixels, even
// sizes); smaller ones keep their size.
std::string transcodeCeilingCaps(const IngestOptions& options);

// True for an H.264 profile that browsers (Safari/iOS included) decode as we advertise it.
bool browserCompatibleH264Profile(const std::string& profile);

}  // namespace medrelay::pipelines
