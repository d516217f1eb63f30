#include "relay/webrtc/sdp_offer.hpp"

#include <charconv>

#include "common/utf8.hpp"
#include "relay/webrtc/sdp_message.hpp"
#include "relay/webrtc/sdp_validation.hpp"

namespace medrelay::relay::webrtc {

namespace {

std::string valueOr(const gchar* value) {
  return value ? value : "";
}

std::optional<uint8_t> parsePayloadType(std::string_view text) {
  unsigned value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 127) return std::nullopt;
  return static_cast<uint8_t>(value);
}

// Splits "96 VP8/90000" at the first space into ("96", "VP8/90000").
std::pair<std::string_view, std::string_view> splitFirst(std::string_view text) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  return {text.substr(0, space), text.substr(space + 1)};
}

OfferedMedia readMedia(const GstSDPMedia* media) {
  OfferedMedia out;
  out.kind = valueOr(gst_sdp_media_get_media(media));
  out.port = static_cast<uint16_t>(gst_sdp_media_get_port(media));
  out.protocol = valueOr(gst_sdp_media_get_proto(media));
  for (guint i = 0; i < gst_sdp_media_formats_len(media); ++i) {
    out.formats.push_back(valueOr(gst_sdp_media_get_format(media, i)));
  }
  std::vector<OfferedCodec> all;
  for (const auto& format : out.formats) {
    if (auto pt = parsePayloadType(format)) all.push_back(OfferedCodec{*pt, "", 0, "", {}, {}});
  }
  auto codecFor = [&](std::string_view ptText) -> OfferedCodec* {
    auto pt = parsePayloadType(ptText);
    if (!pt) return nullptr;
    for (auto& codec : all) {
      if (codec.payloadType == *pt) return &codec;
    }
    return nullptr;
  };
  std::vector<std::pair<uint8_t, uint8_t>> rtxApt;  // (rtx pt, apt)
  for (guint i = 0; i < gst_sdp_media_attributes_len(media); ++i) {
    const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(media, i);
    std::string key = valueOr(attribute->key);
    std::string value = valueOr(attribute->value);
    if (key == "mid")
      out.mid = value;
    else if (key == "sendrecv" || key == "sendonly" || key == "recvonly" || key == "inactive")
      out.direction = key;
    else if (key == "rtcp-mux")
      out.rtcpMux = true;
    else if (key == "rtcp-rsize")
      out.rtcpRsize = true;
    else if (key == "bundle-only")
      out.bundleOnly = true;
    else if (key == "rtpmap") {
      auto [pt, encoding] = splitFirst(value);
      if (auto* codec = codecFor(pt)) {
        auto slash = encoding.find('/');
        codec->name = std::string(encoding.substr(0, slash));
        if (slash != std::string_view::npos) {
          auto rate = encoding.substr(slash + 1);
          rate = rate.substr(0, rate.find('/'));
          std::from_chars(rate.data(), rate.data() + rate.size(), codec->clockRate);
        }
      }
    } else if (key == "fmtp") {
      auto [pt, parameters] = splitFirst(value);
      if (auto* codec = codecFor(pt)) codec->fmtp = std::string(parameters);
    } else if (key == "rtcp-fb") {
      auto [pt, feedback] = splitFirst(value);
      if (pt == "*") {
        for (auto& codec : all)
          codec.rtcpFeedback.emplace_back(feedback);
      } else if (auto* codec = codecFor(pt)) {
        codec->rtcpFeedback.emplace_back(feedback);
      }
    }
  }
  for (auto& codec : all) {
    if (codec.name == "rtx" || codec.name == "RTX") {
      auto at = codec.fmtp.find("apt=");
      if (at == std::string::npos) continue;
      auto text = std::string_view(codec.fmtp).substr(at + 4);
      text = text.substr(0, text.find_first_of(";, "));
      if (auto apt = parsePayloadType(text)) rtxApt.emplace_back(codec.payloadType, *apt);
    }
  }
  for (auto& codec : all) {
    if (codec.name == "rtx" || codec.name == "RTX" || codec.name.empty()) continue;
    for (auto [rtx, apt] : rtxApt) {
      if (apt == codec.payloadType) codec.rtxPayloadType = rtx;
    }
    out.codecs.push_back(codec);
  }
  return out;
}

// Reads ICE/DTLS attributes at session level, then lets the first bundled m-line override.
void readTransport(RemoteDescription& out, const GstSDPMessage* message, const GstSDPMedia* media) {
  auto take = [&](const char* key, std::string& field) {
    const gchar* value = media ? gst_sdp_media_get_attribute_val(media, key)
                               : gst_sdp_message_get_attribute_val(message, key);
    if (value) field = value;
  };
  take("ice-ufrag", out.iceUfrag);
  take("ice-pwd", out.icePwd);
  take("setup", out.setup);
  std::string fingerprint;
  take("fingerprint", fingerprint);
  if (!fingerprint.empty()) {
    auto [algorithm, value] = splitFirst(fingerprint);
    out.fingerprintAlgorithm = std::string(algorithm);
    out.fingerprint = std::string(value);
  }
}

}  // namespace

SdpResult<RemoteDescription> parseOffer(std::string_view sdp) {
  if (sdp.size() > kMaxSdpBytes)
    return SdpError{"sdp-too-large", "The offer is larger than 64 KiB."};
  if (sdp.rfind("v=0", 0) != 0)
    return SdpError{"sdp-parse", "The offer is not SDP (it must start with v=0)."};
  // RFC 8866 §5: SDP text is UTF-8; bytes that are not would reach logs and answers as they are.
  if (!validUtf8(sdp)) return SdpError{"sdp-parse", "The offer is not valid UTF-8."};
  auto message = parseSdpText(sdp);
  if (!message || gst_sdp_message_medias_len(message.get()) == 0) {
    return SdpError{"sdp-parse", "The offer could not be parsed as SDP with media."};
  }
  RemoteDescription out;
  readTransport(out, message.get(), nullptr);
  if (const gchar* group = gst_sdp_message_get_attribute_val(message.get(), "group")) {
    std::string_view text(group);
    if (text.rfind("BUNDLE", 0) == 0) {
      text.remove_prefix(6);
      while (!text.empty()) {
        auto start = text.find_first_not_of(' ');
        if (start == std::string_view::npos) break;
        text.remove_prefix(start);
        auto end = text.find(' ');
        out.bundleMids.emplace_back(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end);
      }
    }
  }
  for (guint i = 0; i < gst_sdp_message_medias_len(message.get()); ++i) {
    const GstSDPMedia* media = gst_sdp_message_get_media(message.get(), i);
    // RFC 8866 §5.14: a port is 0-65535 (GStreamer reads any decimal; a cast would wrap it).
    if (gst_sdp_media_get_port(media) > 65535) {
      return SdpError{"bad-media-port", "An m= line of the offer has a port beyond 65535."};
    }
    out.media.push_back(readMedia(media));
    if (out.media.back().rejected()) continue;
    bool firstLive = true;
    for (size_t j = 0; j + 1 < out.media.size(); ++j)
      firstLive &= out.media[j].rejected();
    if (firstLive) {
      // The first live m-line carries the transport of the bundle (and its candidates).
      readTransport(out, message.get(), media);
      for (guint k = 0; k < gst_sdp_media_attributes_len(media); ++k) {
        const GstSDPAttribute* attribute = gst_sdp_media_get_attribute(media, k);
        std::string key = valueOr(attribute->key);
        if (key == "candidate" && attribute->value)
          out.candidates.push_back(std::string("candidate:") + attribute->value);
        if (key == "end-of-candidates") out.endOfCandidates = true;
      }
    }
  }
  // RFC 9143 §7.3: every mid a BUNDLE group names is an m= line of the offer.
  for (const auto& mid : out.bundleMids) {
    bool present = false;
    for (const auto& m : out.media)
      present = present || m.mid == mid;
    if (!present) {
      return SdpError{"bad-bundle", "The offer's BUNDLE group names a mid it does not have."};
    }
  }
  if (out.iceUfrag.empty() || out.icePwd.empty()) {
    return SdpError{"no-ice-credentials", "The offer has no ICE username fragment or password."};
  }
  if (out.fingerprint.empty()) {
    return SdpError{"no-fingerprint", "The offer has no DTLS certificate fingerprint."};
  }
  if (!validIceUfrag(out.iceUfrag) || !validIcePwd(out.icePwd)) {
    return SdpError{"bad-ice-credentials",
                    "The offer's ICE username fragment or password is malformed (RFC 8839)."};
  }
  if (!validFingerprint(out.fingerprintAlgorithm, out.fingerprint)) {
    return SdpError{"bad-fingerprint",
                    "The offer's DTLS fingerprint is malformed or uses a hash other than SHA-1 "
                    "or SHA-2."};
  }
  if (out.candidates.size() > kMaxRemoteCandidates) {
    return SdpError{"too-many-candidates", "The offer carries too many ICE candidates."};
  }
  for (const auto& candidate : out.candidates) {
    if (!validCandidate(candidate)) {
      return SdpError{"bad-candidate", "An a=candidate line of the offer is malformed."};
    }
  }
  // RFC 5763 §5 requires offerers to send actpass; be lenient with clients that omit it.
  if (out.setup.empty()) out.setup = "actpass";
  if (out.setup != "actpass" && out.setup != "active" && out.setup != "passive") {
    return SdpError{"unsupported-setup", "The offer's a=setup value is not supported."};
  }
  return out;
}

}  // namespace medrelay::relay::webrtc
