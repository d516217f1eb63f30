#include <string>
#include <vector>

#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/sdp_answer.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_offer.hpp"

using namespace medrelay::relay::webrtc;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  parseSdpFragment(text);
  auto offer = parseOffer(text);
  auto* remote = std::get_if<RemoteDescription>(&offer);
  if (!remote) return 0;
  std::vector<StreamEncoding> both = {{medrelay::relay::rtp::Codec::Vp8},
                                      {medrelay::relay::rtp::Codec::H264}};
  auto choice = chooseVideoCodec(*remote, both);
  if (auto* c = std::get_if<CodecChoice>(&choice)) {
    AnswerParams params;
    params.iceUfrag = "abcd";
    params.icePwd = "0123456789012345678901";
    params.fingerprintSha256 = "00";
    std::vector<AcceptedSection> sections{{*c, 1111, 2222, "video"}};
    if (auto audio = chooseAudioCodec(*remote, *c)) sections.push_back({*audio, 3333, 0, "audio"});
    buildAnswer(*remote, sections, params);
  }
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  std::string offer =
      "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n"
      "a=fingerprint:sha-256 AA:BB\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 "
      "opus/48000/2\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102\r\nc=IN IP4 0.0.0.0\r\na=ice-ufrag:abcd\r\n"
      "a=ice-pwd:0123456789012345678901\r\na=setup:actpass\r\na=mid:1\r\na=recvonly\r\na=rtcp-"
      "mux\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
      "a=rtpmap:102 H264/90000\r\na=fmtp:102 packetization-mode=1;profile-level-id=42e01f\r\n"
      "a=candidate:1 1 UDP 1 127.0.0.1 9 typ host\r\na=end-of-candidates\r\n";
  std::string fragment =
      "a=ice-ufrag:x\r\nm=audio 9 RTP/AVP 0\r\na=candidate:1 1 UDP 1 1.2.3.4 5 typ host\r\n";
  return {std::vector<uint8_t>(offer.begin(), offer.end()),
          std::vector<uint8_t>(fragment.begin(), fragment.end())};
}
