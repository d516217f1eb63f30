#include "relay/webrtc/sdp_fragment.hpp"

#include "relay/webrtc/sdp_message.hpp"
#include "relay/webrtc/sdp_validation.hpp"

namespace medrelay::relay::webrtc {

namespace {

void collect(SdpFragment& out, const char* key, const char* value) {
  std::string_view k = key ? key : "";
  if (k == "ice-ufrag" && value)
    out.iceUfrag = value;
  else if (k == "ice-pwd" && value)
    out.icePwd = value;
  else if (k == "candidate" && value)
    out.candidates.push_back(std::string("candidate:") + value);
  else if (k == "end-of-candidates")
    out.endOfCandidates = true;
}

}  // namespace

SdpResult<SdpFragment> parseSdpFragment(std::string_view body) {
  if (body.size() > kMaxSdpBytes)
    return SdpError{"sdp-too-large", "The fragment is larger than 64 KiB."};
  // A fragment has no v=/o=/s= lines; GStreamer's line parser accepts it as it is.
  auto message = parseSdpText(body);
  if (!message) return SdpError{"sdp-parse", "The trickle ICE fragment could not be parsed."};
  SdpFragment out;
  for (guint i = 0; i < gst_sdp_message_attributes_len(message.get()); ++i) {
    const GstSDPAttribute* a = gst_sdp_message_get_attribute(message.get(), i);
    collect(out, a->key, a->value);
  }
  for (guint m = 0; m < gst_sdp_message_medias_len(message.get()); ++m) {
    const GstSDPMedia* media = gst_sdp_message_get_media(message.get(), m);
    for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
      const GstSDPAttribute* a = gst_sdp_media_get_attribute(media, i);
      collect(out, a->key, a->value);
    }
  }
  if (out.candidates.empty() && !out.endOfCandidates && out.iceUfrag.empty()) {
    return SdpError{"sdp-parse", "The fragment carries no ICE candidates."};
  }
  if (out.candidates.size() > kMaxRemoteCandidates) {
    return SdpError{"too-many-candidates", "The fragment carries too many ICE candidates."};
  }
  for (const auto& candidate : out.candidates) {
    if (!validCandidate(candidate)) {
      return SdpError{"bad-candidate", "An a=candidate line of the fragment is malformed."};
    }
  }
  if ((!out.iceUfrag.empty() && !validIceUfrag(out.iceUfrag)) ||
      (!out.icePwd.empty() && !validIcePwd(out.icePwd))) {
    return SdpError{"bad-ice-credentials", "The fragment's ICE username or password is malformed."};
  }
  return out;
}

}  // namespace medrelay::relay::webrtc
