// What we read from a remote SDP offer and what we decide from it. Plain values; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "relay/rtp/codec.hpp"

namespace medrelay::relay::webrtc {

struct SdpError {
  std::string code;  // "sdp-parse", "no-video", "no-common-codec", "no-rtcp-mux", ...
  std::string message;
};

// A value or an SdpError (std::expected is C++23).
template <class T>
using SdpResult = std::variant<T, SdpError>;

struct OfferedCodec {
  uint8_t payloadType = 0;
  std::string name;  // as written in a=rtpmap ("VP8", "H264", "rtx", ...)
  uint32_t clockRate = 0;
  std::string fmtp;                       // parameters after the payload type, "" if none
  std::vector<std::string> rtcpFeedback;  // "nack", "nack pli", "ccm fir", "goog-remb", ...
  std::optional<uint8_t> rtxPayloadType;  // the rtx payload whose apt= names this one
};

struct OfferedMedia {
  std::string kind;  // "video", "audio", "application"
  std::string mid;
  uint16_t port = 0;
  std::string protocol;
  std::vector<std::string> formats;  // as in the m-line
  std::string direction = "sendrecv";
  std::vector<OfferedCodec> codecs;  // in the offer's preference order, rtx excluded
  bool rtcpMux = false;
  bool rtcpRsize = false;
  bool bundleOnly = false;  // a=bundle-only: port 0 in an offer, yet wanted (RFC 8843 §6)
  bool rejected() const { return port == 0 && !bundleOnly; }
};

// The transport half of a description (ICE credentials, DTLS fingerprint and role, candidates):
// all a PeerConnection needs, whatever the media.
struct TransportDescription {
  std::string iceUfrag, icePwd;
  std::string fingerprintAlgorithm, fingerprint;  // "sha-256", "AB:CD:..."
  std::string setup;                              // actpass, active, passive
  std::vector<std::string> candidates;            // "candidate:..." values
  bool endOfCandidates = false;
};

struct RemoteDescription : TransportDescription {
  std::vector<OfferedMedia> media;
  std::vector<std::string> bundleMids;
};

// An encoding a stream can deliver.
struct StreamEncoding {
  rtp::Codec codec;
  // The source's own encoding (a camera's H.264 passed through): chosen whenever the offer can
  // take it, ahead of the offer's preference order (RFC 3264 lets the answerer pick).
  bool preferred = false;
};

struct CodecChoice {
  size_t mediaIndex = 0;
  std::string mid;
  StreamEncoding encoding{rtp::Codec::Vp8};
  uint8_t payloadType = 0;
  std::optional<uint8_t> rtxPayloadType;
  std::string fmtp;
  bool nack = false, pli = false, fir = false, remb = false;
};

// One section of the offer that our answer accepts, with what we send in it (a viewer's
// answer names its SSRCs and track; a publisher's answer sends nothing).
struct AcceptedSection {
  CodecChoice choice;
  uint32_t ssrc = 0, rtxSsrc = 0;
  std::string trackId;
};

struct AnswerParams {
  enum class Role { Viewer, Publisher };
  std::string iceUfrag, icePwd, fingerprintSha256;
  std::vector<std::string> candidates;
  bool gatheringDone = true;
  std::string cname, streamId;
  Role role = Role::Viewer;
};

}  // namespace medrelay::relay::webrtc
