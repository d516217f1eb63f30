#include "relay/webrtc/codec_match.hpp"

#include <algorithm>
#include <cctype>

namespace medrelay::relay::webrtc {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::optional<uint32_t> profileLevelId(const OfferedCodec& codec) {
  auto text = fmtpParameter(codec.fmtp, "profile-level-id");
  if (text.empty()) text = "42000a";  // RFC 6184 §8.1 default: baseline level 1
  if (text.size() != 6) return std::nullopt;
  uint32_t value = 0;
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 16 + static_cast<uint32_t>(std::isdigit(static_cast<unsigned char>(c))
                                                   ? c - '0'
                                                   : std::tolower(c) - 'a' + 10);
  }
  return value;
}

bool has(const OfferedCodec& codec, std::string_view feedback) {
  return std::any_of(codec.rtcpFeedback.begin(), codec.rtcpFeedback.end(),
                     [&](const std::string& f) { return f == feedback; });
}

// A viewer's section must receive media, a publisher's must send it.
bool directionFits(const OfferedMedia& media, AnswerParams::Role role) {
  const char* wanted = role == AnswerParams::Role::Viewer ? "recvonly" : "sendonly";
  return media.direction == wanted || media.direction == "sendrecv";
}

}  // namespace

std::string fmtpParameter(const std::string& fmtp, const std::string& name) {
  size_t at = 0;
  while (at < fmtp.size()) {
    auto end = fmtp.find(';', at);
    if (end == std::string::npos) end = fmtp.size();
    auto part = std::string_view(fmtp).substr(at, end - at);
    while (!part.empty() && part.front() == ' ')
      part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && equalsIgnoreCase(part.substr(0, eq), name)) {
      return std::string(part.substr(eq + 1));
    }
    at = end + 1;
  }
  return "";
}

bool h264PayloadUsable(const OfferedCodec& codec) {
  if (!equalsIgnoreCase(codec.name, "H264") || codec.clockRate != 90000) return false;
  if (fmtpParameter(codec.fmtp, "packetization-mode") != "1") return false;
  auto profile = profileLevelId(codec);
  if (!profile) return false;
  uint8_t profileIdc = static_cast<uint8_t>(*profile >> 16);
  // Baseline (66), Main (77), Extended (88), High (100): each decodes constrained baseline.
  return profileIdc == 66 || profileIdc == 77 || profileIdc == 88 || profileIdc == 100;
}

bool h264ConstrainedBaseline(const OfferedCodec& codec) {
  auto profile = profileLevelId(codec);
  if (!profile) return false;
  uint8_t profileIdc = static_cast<uint8_t>(*profile >> 16);
  uint8_t constraints = static_cast<uint8_t>(*profile >> 8);
  return (profileIdc == 66 || profileIdc == 77 || profileIdc == 88) && (constraints & 0x40);
}

SdpResult<CodecChoice> chooseVideoCodec(const RemoteDescription& offer,
                                        std::span<const StreamEncoding> available,
                                        AnswerParams::Role role) {
  const OfferedMedia* video = nullptr;
  size_t index = 0;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const auto& media = offer.media[i];
    if (media.kind == "video" && !media.rejected()) {
      video = &media;
      index = i;
      break;
    }
  }
  if (!video) return SdpError{"no-video", "The offer has no video section to receive the stream."};
  if (!directionFits(*video, role)) {
    return SdpError{"bad-direction", role == AnswerParams::Role::Viewer
                                         ? "The offer's video section does not receive media."
                                         : "The offer's video section does not send media."};
  }
  if (!video->rtcpMux) {
    return SdpError{"no-rtcp-mux", "The offer must use rtcp-mux (RFC 8834)."};
  }
  // Whether the offer's payload `c` can carry the stream's `codec`.
  auto usable = [](rtp::Codec codec, const OfferedCodec& c) {
    return codec == rtp::Codec::Vp8 ? equalsIgnoreCase(c.name, "VP8") && c.clockRate == 90000
                                    : codec == rtp::Codec::H264 && h264PayloadUsable(c);
  };
  // The offer's payload for `codec`, if it has a usable one (H.264: constrained baseline
  // preferred among its variants).
  auto offered = [&](rtp::Codec codec) -> const OfferedCodec* {
    const OfferedCodec* found = nullptr;
    for (const auto& c : video->codecs) {
      if (!usable(codec, c)) continue;
      if (codec != rtp::Codec::H264 || h264ConstrainedBaseline(c)) return &c;
      if (!found) found = &c;
    }
    return found;
  };
  auto streamHas = [&](rtp::Codec codec) {
    return std::any_of(available.begin(), available.end(),
                       [&](const StreamEncoding& e) { return e.codec == codec; });
  };
  const OfferedCodec* chosen = nullptr;
  rtp::Codec chosenCodec = rtp::Codec::Vp8;
  // The stream's own picture (a camera's H.264, passed through) beats the offer's order: the
  // other encodings are transcoded from it, a generation and some latency behind.
  for (const auto& encoding : available) {
    if (!encoding.preferred || rtp::isAudio(encoding.codec)) continue;
    if ((chosen = offered(encoding.codec))) {
      chosenCodec = encoding.codec;
      break;
    }
  }
  // Otherwise the first codec in the offerer's order that the stream has.
  for (size_t i = 0; !chosen && i < video->codecs.size(); ++i) {
    for (auto candidate : {rtp::Codec::Vp8, rtp::Codec::H264}) {
      if (streamHas(candidate) && usable(candidate, video->codecs[i])) {
        chosen = offered(candidate);
        chosenCodec = candidate;
        break;
      }
    }
  }
  if (!chosen) {
    std::string have;
    for (const auto& e : available)
      if (!rtp::isAudio(e.codec))
        have += (have.empty() ? "" : " or ") + std::string(rtp::codecName(e.codec));
    return SdpError{"no-common-codec", "The stream is available as " + have +
                                           ", which this client did not offer in a usable form."};
  }
  CodecChoice choice;
  choice.mediaIndex = index;
  choice.mid = video->mid;
  choice.encoding = StreamEncoding{chosenCodec};
  choice.payloadType = chosen->payloadType;
  choice.rtxPayloadType = chosen->rtxPayloadType;
  choice.fmtp = chosen->fmtp;
  choice.nack = has(*chosen, "nack");
  choice.pli = has(*chosen, "nack pli");
  choice.fir = has(*chosen, "ccm fir");
  choice.remb = has(*chosen, "goog-remb");
  return choice;
}

std::optional<CodecChoice> chooseAudioCodec(const RemoteDescription& offer,
                                            const CodecChoice& video, AnswerParams::Role role) {
  auto bundled = [&](const std::string& mid) {
    return !mid.empty() && std::find(offer.bundleMids.begin(), offer.bundleMids.end(), mid) !=
                               offer.bundleMids.end();
  };
  if (!bundled(video.mid)) return std::nullopt;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const auto& media = offer.media[i];
    if (media.kind != "audio" || media.rejected()) continue;
    if (!directionFits(media, role) || !media.rtcpMux || !bundled(media.mid)) return std::nullopt;
    for (const auto& codec : media.codecs) {
      // RFC 7587 §7: Opus is always signalled as opus/48000/2, whatever it carries.
      if (!equalsIgnoreCase(codec.name, "opus") || codec.clockRate != 48000) continue;
      CodecChoice choice;
      choice.mediaIndex = i;
      choice.mid = media.mid;
      choice.encoding = StreamEncoding{rtp::Codec::Opus};
      choice.payloadType = codec.payloadType;
      // What we would like to receive; we send mono or stereo as the source has it.
      choice.fmtp = "minptime=10;useinbandfec=1";
      return choice;
    }
    return std::nullopt;  // only the first audio section can be ours
  }
  return std::nullopt;
}

}  // namespace medrelay::relay::webrtc
