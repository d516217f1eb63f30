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

// Writes one accepted section's attributes: transport, codec, feedback and (viewer) sources.
void writeAccepted(GstSDPMedia* media, const OfferedMedia& offered, const AcceptedSection& section,
                   const AnswerParams& params, const std::string& setup,
                   const std::string& direction) {
  const auto& choice = section.choice;
  auto pt = std::to_string(choice.payloadType);
  gst_sdp_media_set_port_info(media, 9, 1);
  gst_sdp_media_add_format(media, pt.c_str());
  std::string rtxPt;
  if (choice.rtxPayloadType && section.rtxSsrc != 0) {
    rtxPt = std::to_string(*choice.rtxPayloadType);
    gst_sdp_media_add_format(media, rtxPt.c_str());
  }
  attribute(media, "rtcp", "9 IN IP4 0.0.0.0");
  attribute(media, "ice-ufrag", params.iceUfrag);
  attribute(media, "ice-pwd", params.icePwd);
  attribute(media, "ice-options", "trickle");
  attribute(media, "fingerprint", "sha-256 " + params.fingerprintSha256);
  attribute(media, "setup", setup);
  attribute(media, "mid", choice.mid);
  attribute(media, direction.c_str());
  attribute(media, "rtcp-mux");
  if (offered.rtcpRsize) attribute(media, "rtcp-rsize");
  attribute(media, "rtpmap", pt + " " + std::string(rtp::rtpmapEncoding(choice.encoding.codec)));
  if (choice.nack) attribute(media, "rtcp-fb", pt + " nack");
  if (choice.pli) attribute(media, "rtcp-fb", pt + " nack pli");
  if (choice.fir) attribute(media, "rtcp-fb", pt + " ccm fir");
  if (choice.remb) attribute(media, "rtcp-fb", pt + " goog-remb");
  if (!choice.fmtp.empty()) attribute(media, "fmtp", pt + " " + choice.fmtp);
  if (!rtxPt.empty()) {
    attribute(media, "rtpmap", rtxPt + " rtx/90000");
    attribute(media, "fmtp", rtxPt + " apt=" + pt);
  }
  if (params.role == AnswerParams::Role::Viewer) {
    auto ssrc = std::to_string(section.ssrc);
    auto msid = params.streamId + " " + section.trackId;
    attribute(media, "msid", msid);
    if (!rtxPt.empty()) {
      attribute(media, "ssrc-group", "FID " + ssrc + " " + std::to_string(section.rtxSsrc));
    }
    attribute(media, "ssrc", ssrc + " cname:" + params.cname);
    attribute(media, "ssrc", ssrc + " msid:" + msid);
    if (!rtxPt.empty()) {
      auto rtx = std::to_string(section.rtxSsrc);
      attribute(media, "ssrc", rtx + " cname:" + params.cname);
      attribute(media, "ssrc", rtx + " msid:" + msid);
    }
  }
  for (const auto& candidate : params.candidates) {
    attribute(media, "candidate",
              candidate.rfind("candidate:", 0) == 0 ? candidate.substr(10) : candidate);
  }
  if (params.gatheringDone) attribute(media, "end-of-candidates");
}

}  // namespace

SdpResult<std::string> buildAnswer(const RemoteDescription& offer,
                                   std::span<const AcceptedSection> accepted,
                                   const AnswerParams& params) {
  if (accepted.empty()) return SdpError{"internal", "The answer accepts no section."};
  for (const auto& section : accepted) {
    if (section.choice.mediaIndex >= offer.media.size()) {
      return SdpError{"internal", "The codec choice does not belong to this offer."};
    }
  }
  auto acceptedAt = [&](size_t index) -> const AcceptedSection* {
    for (const auto& section : accepted)
      if (section.choice.mediaIndex == index) return &section;
    return nullptr;
  };
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
  std::string bundle = "BUNDLE";
  for (size_t i = 0; i < offer.media.size(); ++i)
    if (const auto* section = acceptedAt(i)) bundle += " " + section->choice.mid;
  gst_sdp_message_add_attribute(raw, "group", bundle.c_str());
  gst_sdp_message_add_attribute(raw, "msid-semantic", (" WMS " + params.streamId).c_str());

  // RFC 5763 §5: the answerer to actpass picks; passive lets the client start DTLS at once.
  std::string setup = offer.setup == "passive" ? "active" : "passive";
  std::string direction = params.role == AnswerParams::Role::Viewer ? "sendonly" : "recvonly";

  for (size_t i = 0; i < offer.media.size(); ++i) {
    const auto& offered = offer.media[i];
    auto media = newMedia(offered);
    if (const auto* section = acceptedAt(i)) {
      writeAccepted(media.get(), offered, *section, params, setup, direction);
    } else {
      // Rejected: port 0, keep the mid and one format so the answer stays well formed.
      gst_sdp_media_set_port_info(media.get(), 0, 1);
      gst_sdp_media_add_format(media.get(),
                               offered.formats.empty() ? "0" : offered.formats.front().c_str());
      if (!offered.mid.empty()) attribute(media.get(), "mid", offered.mid);
      attribute(media.get(), "inactive");
    }
    gst_sdp_message_add_media(raw, media.get());
  }
  gchar* text = gst_sdp_message_as_text(raw);
  std::string answer(text);
  g_free(text);
  return answer;
}

}  // namespace medrelay::relay::webrtc
