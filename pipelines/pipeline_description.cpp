#include "pipelines/pipeline_description.hpp"

#include <algorithm>
#include <regex>

#include "pipelines/layer_ladder.hpp"

namespace medrelay::pipelines {

namespace {

bool wants(const IngestOptions& o, const std::string& codec) {
  return o.codecs.empty() || std::find(o.codecs.begin(), o.codecs.end(), codec) != o.codecs.end();
}

// gst-launch quoting for a property value.
std::string launchQuoted(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

// A bounded queue that drops old frames rather than building latency behind a slow encoder.
constexpr char kLeakyQueue[] =
    "queue max-size-buffers=2 max-size-bytes=0 max-size-time=0 leaky=downstream";
constexpr char kAppSink[] = "appsink sync=false max-buffers=256 drop=true";

// Rate control as libwebrtc sets libvpx for real time: a 1 s client buffer, 15 % overshoot at
// most, and frames dropped when the buffer runs low (the defaults, 6 s, 100 % and never, let a
// picture that does not compress run far over the rate for seconds). Lower layers are small
// enough for one thread each.
std::string vp8Branch(const IngestOptions& o, const Layer& layer) {
  return std::string(kLeakyQueue) +
         " ! vp8enc deadline=1 cpu-used=8 end-usage=cbr target-bitrate=" +
         std::to_string(layer.bitrateKbps * 1000) +
         " buffer-size=1000 buffer-initial-size=500 buffer-optimal-size=600 overshoot=15"
         " dropframe-threshold=30"
         " keyframe-max-dist=" +
         std::to_string(o.fps * o.keyFrameIntervalSeconds) +
         " lag-in-frames=0 error-resilient=partitions threads=" + (layer.index == 0 ? "2" : "1") +
         " ! rtpvp8pay pt=" + std::to_string(vp8LayerPayloadType(layer.index)) +
         " mtu=1200 picture-id-mode=15-bit ! " + kAppSink +
         " name=" + layerSinkName("vp8", layer.index);
}

std::string h264Encoder(const IngestOptions& o, const Layer& layer) {
  return "x264enc tune=zerolatency speed-preset=ultrafast bitrate=" +
         std::to_string(layer.bitrateKbps) +
         " key-int-max=" + std::to_string(o.fps * o.keyFrameIntervalSeconds) +
         (layer.index == 0 ? "" : " threads=1") + " ! video/x-h264,profile=constrained-baseline";
}

// h264parse puts SPS/PPS in front of every IDR (a viewer may join at any key frame); the
// payloader inserts none of its own (config-interval=0), so they go out once per key frame.
std::string h264Payloader(int layer) {
  return "h264parse config-interval=-1 ! rtph264pay pt=" +
         std::to_string(h264LayerPayloadType(layer)) +
         " mtu=1200 config-interval=0 aggregate-mode=zero-latency ! " + kAppSink +
         " name=" + layerSinkName("h264", layer);
}

std::string ceilingCaps(int width, int height) {
  // Ranges with a step of 2: videoscale keeps the aspect ratio within them, and the sizes stay
  // even, which the encoder requires.
  return "video/x-raw,format=I420,width=[16," + std::to_string(width) + ",2],height=[16," +
         std::to_string(height) + ",2],pixel-aspect-ratio=1/1";
}

// The encoders of every layer, fed from the decoded picture's tee named "split". Each lower
// layer is scaled once from the one above (one scaler per layer, shared by its codecs) into a
// tee of its own, "split1", "split2". `h264PassedThrough`: the top H.264 layer is the camera's
// own, so only the lower H.264 layers are encoded.
std::string encoderBranches(const IngestOptions& o, bool vp8, bool h264, bool h264PassedThrough) {
  std::string branches;
  std::string above = "split";
  for (const Layer& layer : layerLadder(o)) {
    std::string tee = "split";
    if (layer.index > 0) {
      tee += std::to_string(layer.index);
      // The size is left open here and set at run time to half the picture above
      // (LayerSizer: a ceiling in caps would climb up the tees and shrink every layer).
      branches += " " + above + ". ! " + kLeakyQueue + " ! videoscale ! capsfilter name=layer" +
                  std::to_string(layer.index) +
                  "_size caps=" + launchQuoted("video/x-raw,format=I420,pixel-aspect-ratio=1/1") +
                  " ! tee name=" + tee;
    }
    if (vp8) branches += " " + tee + ". ! " + vp8Branch(o, layer);
    if (h264 && !(h264PassedThrough && layer.index == 0))
      branches += " " + tee + ". ! " + kLeakyQueue + " ! " + h264Encoder(o, layer) + " ! " +
                  h264Payloader(layer.index);
    above = tee;
  }
  return branches;
}

std::string encoderBranches(const IngestOptions& o, PipelineDescription& out) {
  out.vp8 = wants(o, "vp8");
  out.h264 = wants(o, "h264");
  return encoderBranches(o, out.vp8, out.h264, false);
}

// Raw audio in, RTP Opus out: 48 kHz stereo (RFC 7587 §7), 20 ms frames, in-band FEC so that a
// lost packet is recovered from the next on a lossy link.
std::string opusBranch() {
  return "audioconvert ! audioresample ! audio/x-raw,rate=48000,channels=2 ! opusenc "
         "bitrate=64000 frame-size=20 inband-fec=true packet-loss-percentage=10 ! rtpopuspay pt=" +
         std::to_string(kOpusPayloadType) + " mtu=1200 ! " + kAppSink + " name=opus";
}

}  // namespace

std::string transcodeCeilingCaps(const IngestOptions& o) {
  return ceilingCaps(o.width, o.height);
}

bool sourceCarriesAudio(const std::string& source) {
  for (const char* scheme : {"rtsp://", "rtsps://", "srt://", "sdp://"}) {
    if (source.rfind(scheme, 0) == 0) return true;
  }
  return source.rfind("test://", 0) == 0 && source.find("audio=1") != std::string::npos;
}

bool browserCompatibleH264Profile(const std::string& profile) {
  return profile == "constrained-baseline" || profile == "baseline";
}

bool isSrtListener(const std::string& source) {
  if (source.rfind("srt://", 0) != 0) return false;
  auto query = source.find('?');
  if (query != std::string::npos) {
    // The mode parameter itself, not "mode=" inside another one's value (a passphrase, say).
    for (size_t at = query; at != std::string::npos; at = source.find('&', at + 1)) {
      if (source.compare(at + 1, 5, "mode=") != 0) continue;
      auto end = source.find('&', at + 1);
      return source.substr(at + 6, end == std::string::npos ? end : end - at - 6) == "listener";
    }
  }
  auto host = source.substr(6, source.find_first_of(":/?", 6) - 6);
  return host.empty();  // srtsrc listens when no host is given
}

std::optional<PipelineDescription> describePipeline(const IngestOptions& o, RtspMode mode,
                                                    std::string& error) {
  PipelineDescription out;
  if (o.source.rfind("test://", 0) == 0) {
    std::string raw =
        "videotestsrc is-live=true pattern=smpte horizontal-speed=3 ! video/x-raw,width=" +
        std::to_string(o.width) + ",height=" + std::to_string(o.height) +
        ",framerate=" + std::to_string(o.fps) +
        "/1 ! clockoverlay time-format=\"%H:%M:%S\" halignment=right valignment=top "
        "shaded-background=true font-desc=\"Sans 28\" ! textoverlay text=\"MedRelay demo\" "
        "halignment=left valignment=bottom shaded-background=true font-desc=\"Sans 20\" ! "
        "videoconvert ! video/x-raw,format=I420 ! tee name=split";
    out.launch = raw;
    out.launch += encoderBranches(o, out);
    if (sourceCarriesAudio(o.source)) {
      // A tick every second: audible proof that audio flows, and easy on the ears.
      out.opus = true;
      out.launch += " audiotestsrc is-live=true wave=ticks volume=0.4 ! " + opusBranch();
    }
    return out;
  }
  if (o.source.rfind("dicom://", 0) == 0) {
    // Frames rendered from DICOM objects (DicomFeed) enter through the appsrc; the caption is
    // set per frame on the textoverlay.
    out.launch = "appsrc name=frames is-live=true do-timestamp=true format=time ! " +
                 std::string(kLeakyQueue) +
                 " ! videoconvert ! videoscale add-borders=true ! video/x-raw,width=" +
                 std::to_string(o.width) + ",height=" + std::to_string(o.height) +
                 ",pixel-aspect-ratio=1/1 ! textoverlay name=overlay halignment=left "
                 "valignment=top shaded-background=true font-desc=\"Sans 12\" ! videoconvert ! "
                 "video/x-raw,format=I420 ! tee name=split";
    out.launch += encoderBranches(o, out);
    return out;
  }
  if (o.source.rfind("rtp://", 0) == 0) {
    // rtp://HOST:PORT?codec=vp8|h264[&feedback=HOST:PORT]: RTP already in the relay's payload
    // types (VP8 96, H.264 102) forwarded packet for packet, header extensions and payload
    // untouched. For sources that packetize for WebRTC themselves, and for the benchmark's
    // synthetic stream; key-frame requests go to `feedback` as RTCP PLI.
    static const std::regex uri(
        R"(rtp://([0-9.]+):(\d{1,5})\?codec=(vp8|h264)(?:&feedback=([0-9.]+:\d{1,5}))?)");
    std::smatch m;
    if (!std::regex_match(o.source, m, uri)) {
      error = "expected rtp://HOST:PORT?codec=vp8 or ?codec=h264, optionally &feedback=HOST:PORT";
      return std::nullopt;
    }
    out.feedback = m[4].str();
    out.waitsForSender = true;
    bool vp8 = m[3] == "vp8";
    out.vp8 = vp8;
    out.h264 = !vp8;
    out.launch = "udpsrc address=" + m[1].str() + " port=" + m[2].str() +
                 " buffer-size=4194304 caps=\"application/x-rtp,media=video,clock-rate=90000,"
                 "encoding-name=" +
                 (vp8 ? "VP8" : "H264") +
                 ",payload=" + std::to_string(vp8 ? kVp8PayloadType : kH264PayloadType) + "\" ! " +
                 kAppSink + " name=" + (vp8 ? "vp8" : "h264");
    return out;
  }
  // Cameras whose H.264 we may pass through: RTSP, SRT (MPEG-TS), RTP described by an SDP file.
  std::string source, passThroughHead;
  if (o.source.rfind("rtsp://", 0) == 0 || o.source.rfind("rtsps://", 0) == 0) {
    static const std::regex uri(R"(rtsps?://[^\s"\\]+)");
    if (!std::regex_match(o.source, uri)) {
      error = "the RTSP address is malformed";
      return std::nullopt;
    }
    source = "rtspsrc name=demux location=" + launchQuoted(o.source) +
             " latency=100 drop-on-latency=true tcp-timeout=5000000 timeout=5000000";
    passThroughHead = "rtph264depay";
  } else if (o.source.rfind("srt://", 0) == 0) {
    // srt://HOST:PORT?mode=caller|listener&passphrase=...&latency=MS, as srtsrc takes it.
    static const std::regex uri(R"(srt://[^\s"\\]+)");
    if (!std::regex_match(o.source, uri)) {
      error = "the SRT address is malformed";
      return std::nullopt;
    }
    source = "srtsrc uri=" + launchQuoted(o.source) + " wait-for-connection=false";
    passThroughHead = "tsdemux name=demux";
    out.waitsForSender = isSrtListener(o.source);
  } else if (o.source.rfind("sdp://", 0) == 0) {
    // sdp:///path/to/camera.sdp: RTP over UDP as the file describes it.
    auto path = o.source.substr(6);
    static const std::regex file(R"(/[^\s"\\]+)");
    if (!std::regex_match(path, file)) {
      error = "expected sdp:///absolute/path/to/file.sdp";
      return std::nullopt;
    }
    source = "filesrc location=" + launchQuoted(path) +
             " ! sdpdemux name=demux latency=100 timeout=5000000";
    passThroughHead = "rtph264depay";
    out.waitsForSender = true;  // RTP over UDP to us
  } else {
    error = "unsupported source scheme (expected test://, rtsp://, srt://, sdp:// or dicom://)";
    return std::nullopt;
  }
  out.opus = true;
  out.audioTap = "demux";
  out.audioBranch = opusBranch();
  bool rtpSource = passThroughHead == "rtph264depay";
  // Decoded pictures within the ceiling, into the tee the encoders read ("split").
  std::string scaledToSplit =
      " ! videoconvert ! videoscale ! " + transcodeCeilingCaps(o) + " ! tee name=split";
  if (mode == RtspMode::PassThrough) {
    // The camera's H.264 goes out as it came; browsers without H.264 (Firefox without
    // OpenH264) get VP8 encoded from the decoded picture. The queue before the decoder is not
    // leaky: dropping coded frames would break every picture up to the next key frame.
    // The lower layers (both codecs) are encoded from the decoded picture too.
    out.h264 = wants(o, "h264");
    out.vp8 = wants(o, "vp8");
    out.launch = source + " ! " + passThroughHead + " ! h264parse name=parse ! tee name=coded";
    if (out.h264) out.launch += " coded. ! queue ! " + h264Payloader(0);
    std::string encoded = encoderBranches(o, out.vp8, out.h264, true);
    if (!encoded.empty()) out.launch += " coded. ! queue ! decodebin" + scaledToSplit + encoded;
  } else {
    // RTP sources expose one pad per track: only video goes to this decodebin (audio is
    // linked to the audio branch). MPEG-TS goes whole into decodebin, the tap for its audio.
    std::string head = rtpSource ? source + " ! application/x-rtp,media=video ! decodebin"
                                 : source + " ! decodebin name=demux";
    out.launch = head + scaledToSplit + encoderBranches(o, out);
  }
  if (!out.h264 && !out.vp8) {
    error = "no video encoding wanted (--codec vp8 and/or h264)";
    return std::nullopt;
  }
  return out;
}

}  // namespace medrelay::pipelines
