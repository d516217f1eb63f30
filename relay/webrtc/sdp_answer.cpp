#include "relay/webrtc/sdp_answer.hpp"

#include <openssl/rand.h>

#include "relay/webrtc/sdp_message.hpp"

namespace medrelay::relay::webrtc {

namespace {

struct SdpMediaDeleter {
  void operator()(GstSDPMedia* media) const { gst_sdp_media_free(media); }
};
using SdpMediaPtr = std::unique_ptr<GstSDPMedia, SdpMediaDeleter>;

SdpMediaPtr newMedia(const OfferedMedia& offered) {
  GstSDPMedia* media = nullptr;
  gst_sdp_media_new(&media);
  gst_sdp_media_set_media(media, offered.kind.c_str());
  gst_sdp_media_set_proto(media, offered.protocol.c_str());
  gst_sdp_media_add_connection(media, "IN", "IP4", "0.0.0.0", 0, 0);
  return SdpMediaPtr(media);
}

void attribute(GstSDPMedia* media, const char* key, const std::string& value = "") {
  gst_sdp_media_add_attribute(media, key, value.empty() ? nullptr : value.c_str());
}

}  // namespace

SdpResult<std::string> buildAnswer(const RemoteDescription& offer, const CodecChoice& choice,
                                   const AnswerParams& params) {
  if (choice.mediaIndex >= offer.media.size()) {
    return SdpError{"internal", "The codec choice does not belong to this offer."};
  }
  GstSDPMessage* raw = nullptr;
  gst_sdp_message_new(&raw);
  SdpMessagePtr message(raw);
  uint64_t sessionId = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&sessionId), sizeof sessionId);
  auto id = std::to_string(sessionId >> 2);  // positive 62-bit, as JSEP suggests
  gst_sdp_message_set_version(raw, "0");
  gst_sdp_message_set_origin(raw, "-", id.c_str(), "2", "IN", "IP4", "127.0.0.1");
  gst_sdp_message_set_session_name(raw, "-");
  gst_sdp_message_add_time(raw, "0", "0", nullptr);
  gst_sdp_message_add_attribute(raw, "group", ("BUNDLE " + choice.mid).c_str());
  gst_sdp_message_add_attribute(raw, "msid-semantic", (" WMS " + params.streamId).c_str());

  // RFC 5763 §5: the answerer to actpass picks; passive lets the client start DTLS at once.
  std::string setup = offer.setup == "passive" ? "active" : "passive";
  std::string direction = params.role == AnswerParams::Role::Viewer ? "sendonly" : "recvonly";

  for (size_t i = 0; i < offer.media.size(); ++i) {
    const auto& offered = offer.media[i];
    auto media = newMedia(offered);
    if (i != choice.mediaIndex) {
      // Rejected: port 0, keep the mid and one format so the answer stays well formed.
      gst_sdp_media_set_port_info(media.get(), 0, 1);
      gst_sdp_media_add_format(media.get(),
                               offered.formats.empty() ? "0" : offered.formats.front().c_str());
      if (!offered.mid.empty()) attribute(media.get(), "mid", offered.mid);
      attribute(media.get(), "inactive");
      gst_sdp_message_add_media(raw, media.get());
      continue;
    }
    auto pt = std::to_string(choice.payloadType);
    gst_sdp_media_set_port_info(media.get(), 9, 1);
    gst_sdp_media_add_format(media.get(), pt.c_str());
    std::string rtxPt;
    if (choice.rtxPayloadType && params.rtxSsrc != 0) {
      rtxPt = std::to_string(*choice.rtxPayloadType);
      gst_sdp_media_add_format(media.get(), rtxPt.c_str());
    }
    attribute(media.get(), "rtcp", "9 IN IP4 0.0.0.0");
    attribute(media.get(), "ice-ufrag", params.iceUfrag);
    attribute(media.get(), "ice-pwd", params.icePwd);
    attribute(media.get(), "ice-options", "trickle");
    attribute(media.get(), "fingerprint", "sha-256 " + params.fingerprintSha256);
    attribute(media.get(), "setup", setup);
    attribute(media.get(), "mid", choice.mid);
    attribute(media.get(), direction.c_str());
    attribute(media.get(), "rtcp-mux");
    if (offered.rtcpRsize) attribute(media.get(), "rtcp-rsize");
    attribute(media.get(), "rtpmap",
              pt + " " + std::string(rtp::codecName(choice.encoding.codec)) + "/90000");
    if (choice.nack) attribute(media.get(), "rtcp-fb", pt + " nack");
    if (choice.pli) attribute(media.get(), "rtcp-fb", pt + " nack pli");
    if (choice.fir) attribute(media.get(), "rtcp-fb", pt + " ccm fir");
    if (choice.remb) attribute(media.get(), "rtcp-fb", pt + " goog-remb");
    if (!choice.fmtp.empty()) attribute(media.get(), "fmtp", pt + " " + choice.fmtp);
    if (!rtxPt.empty()) {
      attribute(media.get(), "rtpmap", rtxPt + " rtx/90000");
      attribute(media.get(), "fmtp", rtxPt + " apt=" + pt);
    }
    if (params.role == AnswerParams::Role::Viewer) {
      auto ssrc = std::to_string(params.ssrc);
      attribute(media.get(), "msid", params.streamId + " " + params.trackId);
      if (!rtxPt.empty()) {
        attribute(media.get(), "ssrc-group", "FID " + ssrc + " " + std::to_string(params.rtxSsrc));
      }
      attribute(media.get(), "ssrc", ssrc + " cname:" + params.cname);
      attribute(media.get(), "ssrc", ssrc + " msid:" + params.streamId + " " + params.trackId);
      if (!rtxPt.empty()) {
        auto rtx = std::to_string(params.rtxSsrc);
        attribute(media.get(), "ssrc", rtx + " cname:" + params.cname);
        attribute(media.get(), "ssrc", rtx + " msid:" + params.streamId + " " + params.trackId);
      }
    }
    for (const auto& candidate : params.candidates) {
      attribute(media.get(), "candidate",
                candidate.rfind("candidate:", 0) == 0 ? candidate.substr(10) : candidate);
    }
    if (params.gatheringDone) attribute(media.get(), "end-of-candidates");
    gst_sdp_message_add_media(raw, media.get());
  }
  gchar* text = gst_sdp_message_as_text(raw);
  std::string answer(text);
  g_free(text);
  return answer;
}

}  // namespace medrelay::relay::webrtc
