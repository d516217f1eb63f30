// Offer reading, codec choice and answer writing with offers shaped like what real clients
// send: Chrome (recvonly audio+video with many codecs, written from Chrome 12x's output),
// Safari/iOS (H.264 first), Firefox ESR (VP8 only), and malformed input.
#include <gtest/gtest.h>

#include "relay/webrtc/codec_match.hpp"
#include "relay/webrtc/sdp_answer.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "relay/webrtc/sdp_message.hpp"
#include "relay/webrtc/sdp_offer.hpp"
#include "relay/webrtc/sdp_validation.hpp"

namespace medrelay::relay::webrtc {
namespace {

const char* kChromeOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ez6a\r\n"
    "a=ice-pwd:9mIRZkqQ2cs8hlMFP+pwSJgH\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "4B:72:0B:1C:63:7E:D9:41:37:C4:21:F4:9F:AB:9E:2B:61:21:75:84:8B:28:B6:DD:27:4A:9C:1B:1E:3D:0A:"
    "0E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40 45 46\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Ez6a\r\n"
    "a=ice-pwd:9mIRZkqQ2cs8hlMFP+pwSJgH\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 "
    "4B:72:0B:1C:63:7E:D9:41:37:C4:21:F4:9F:AB:9E:2B:61:21:75:84:8B:28:B6:DD:27:4A:9C:1B:1E:3D:0A:"
    "0E\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=recvonly\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 goog-remb\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=rtcp-fb:102 nack pli\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:105 rtx/90000\r\n"
    "a=fmtp:105 apt=104\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=rtcp-fb:106 nack\r\n"
    "a=rtcp-fb:106 nack pli\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:107 rtx/90000\r\n"
    "a=fmtp:107 apt=106\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:109 rtx/90000\r\n"
    "a=fmtp:109 apt=108\r\n"
    "a=rtpmap:127 H264/90000\r\n"
    "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:125 rtx/90000\r\n"
    "a=fmtp:125 apt=127\r\n"
    "a=rtpmap:39 AV1/90000\r\n"
    "a=rtpmap:40 rtx/90000\r\n"
    "a=fmtp:40 apt=39\r\n"
    "a=rtpmap:45 red/90000\r\n"
    "a=rtpmap:46 ulpfec/90000\r\n";

// Safari puts H.264 first (High first, then constrained baseline).
const char* kSafariOffer =
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 98 99 96 97\r\nc=IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:sAfR\r\na=ice-pwd:safaripassword0123456789\r\n"
    "a=fingerprint:sha-256 "
    "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
    "99\r\n"
    "a=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
    "a=rtpmap:98 H264/90000\r\na=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\n"
    "a=fmtp:98 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640c1f\r\n"
    "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
    "a=rtpmap:96 H264/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
    "a=fmtp:96 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";

const char* kFirefoxOffer =
    "v=0\r\no=mozilla...THIS_IS_SDPARTA-115 1 0 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"
    "a=fingerprint:sha-256 "
    "11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:FF:11:22:33:44:55:66:77:88:99:00:AA:BB:CC:DD:EE:"
    "FF\r\n"
    "a=group:BUNDLE 0\r\na=ice-options:trickle\r\na=msid-semantic:WMS *\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 120 124\r\nc=IN IP4 0.0.0.0\r\n"
    "a=recvonly\r\na=ice-pwd:firefoxpassword0123456789\r\na=ice-ufrag:ffx1\r\na=mid:0\r\n"
    "a=rtcp-fb:120 nack\r\na=rtcp-fb:120 nack pli\r\na=rtcp-fb:120 ccm fir\r\na=rtcp-mux\r\n"
    "a=rtpmap:120 VP8/90000\r\na=rtpmap:124 rtx/90000\r\na=fmtp:124 apt=120\r\na=setup:actpass\r\n";

const std::vector<StreamEncoding> kBoth = {{rtp::Codec::Vp8}, {rtp::Codec::H264}};
const std::vector<StreamEncoding> kH264Only = {{rtp::Codec::H264}};

RemoteDescription parse(const char* sdp) {
  auto result = parseOffer(sdp);
  EXPECT_TRUE(std::holds_alternative<RemoteDescription>(result))
      << std::get<SdpError>(result).message;
  return std::get<RemoteDescription>(result);
}

AnswerParams params() {
  AnswerParams p;
  p.iceUfrag = "relay";
  p.icePwd = "relaypassword0123456789";
  p.fingerprintSha256 = "01:02";
  p.candidates = {"candidate:1 1 UDP 2015363327 127.0.0.1 40000 typ host"};
  p.cname = "c";
  p.streamId = "demo";
  return p;
}

std::vector<AcceptedSection> videoOnly(const CodecChoice& choice) {
  return {{choice, 1111, 2222, "demo-video"}};
}

TEST(SdpOffer, ReadsChromeTransportAndMedia) {
  auto offer = parse(kChromeOffer);
  EXPECT_EQ(offer.iceUfrag, "Ez6a");
  EXPECT_EQ(offer.icePwd, "9mIRZkqQ2cs8hlMFP+pwSJgH");
  EXPECT_EQ(offer.fingerprintAlgorithm, "sha-256");
  EXPECT_EQ(offer.setup, "actpass");
  EXPECT_EQ(offer.bundleMids, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(offer.media.size(), 2u);
  EXPECT_EQ(offer.media[1].kind, "video");
  EXPECT_EQ(offer.media[1].direction, "recvonly");
  EXPECT_TRUE(offer.media[1].rtcpMux);
  EXPECT_EQ(offer.media[1].codecs.front().name, "VP8");
  EXPECT_EQ(offer.media[1].codecs.front().rtxPayloadType, 97);
}

TEST(CodecMatch, ChromeGetsVp8WithRtxAndFeedback) {
  auto choice = std::get<CodecChoice>(chooseVideoCodec(parse(kChromeOffer), kBoth));
  EXPECT_EQ(choice.encoding.codec, rtp::Codec::Vp8);
  EXPECT_EQ(choice.payloadType, 96);
  EXPECT_EQ(choice.rtxPayloadType, 97);
  EXPECT_EQ(choice.mid, "1");
  EXPECT_TRUE(choice.nack && choice.pli && choice.fir && choice.remb);
}

TEST(CodecMatch, H264PrefersConstrainedBaselineWithPacketizationMode1) {
  auto chrome = std::get<CodecChoice>(chooseVideoCodec(parse(kChromeOffer), kH264Only));
  EXPECT_EQ(chrome.payloadType, 106);  // 42e01f, mode 1 (not 102 baseline, not mode-0 ones)
  EXPECT_EQ(chrome.rtxPayloadType, 107);
  auto safari = std::get<CodecChoice>(chooseVideoCodec(parse(kSafariOffer), kBoth));
  EXPECT_EQ(safari.encoding.codec, rtp::Codec::H264);  // Safari lists H.264 first
  EXPECT_EQ(safari.payloadType, 96);
}

TEST(CodecMatch, FirefoxWithoutH264HasNoCommonCodecForAnH264OnlyStream) {
  auto result = chooseVideoCodec(parse(kFirefoxOffer), kH264Only);
  ASSERT_TRUE(std::holds_alternative<SdpError>(result));
  EXPECT_EQ(std::get<SdpError>(result).code, "no-common-codec");
  auto vp8 = std::get<CodecChoice>(chooseVideoCodec(parse(kFirefoxOffer), kBoth));
  EXPECT_EQ(vp8.payloadType, 120);
}

TEST(CodecMatch, ACamerasOwnH264BeatsTheOffersOrderAndVp8RemainsForTheOthers) {
  // A camera: its H.264 passed through (preferred), VP8 transcoded from it.
  const StreamEncoding camera[] = {{rtp::Codec::Vp8}, {rtp::Codec::H264, true}};
  auto chrome = std::get<CodecChoice>(chooseVideoCodec(parse(kChromeOffer), camera));
  EXPECT_EQ(chrome.encoding.codec, rtp::Codec::H264) << "Chrome lists VP8 first";
  EXPECT_EQ(chrome.payloadType, 106);  // still the constrained-baseline mode-1 payload
  auto firefox = std::get<CodecChoice>(chooseVideoCodec(parse(kFirefoxOffer), camera));
  EXPECT_EQ(firefox.encoding.codec, rtp::Codec::Vp8) << "no H.264 offered: VP8";
  EXPECT_EQ(firefox.payloadType, 120);
  auto safari = std::get<CodecChoice>(chooseVideoCodec(parse(kSafariOffer), camera));
  EXPECT_EQ(safari.encoding.codec, rtp::Codec::H264);
}

TEST(SdpAnswer, ChromeAnswerRejectsAudioAndKeepsItOutOfBundle) {
  auto offer = parse(kChromeOffer);
  auto choice = std::get<CodecChoice>(chooseVideoCodec(offer, kBoth));
  auto text = std::get<std::string>(buildAnswer(offer, videoOnly(choice), params()));
  auto answer = parseSdpText(text);
  ASSERT_TRUE(answer);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(answer.get(), "group"), "BUNDLE 1");
  ASSERT_EQ(gst_sdp_message_medias_len(answer.get()), 2u);
  const GstSDPMedia* audio = gst_sdp_message_get_media(answer.get(), 0);
  EXPECT_EQ(gst_sdp_media_get_port(audio), 0u);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(audio, "mid"), "0");
  const GstSDPMedia* video = gst_sdp_message_get_media(answer.get(), 1);
  EXPECT_EQ(gst_sdp_media_get_port(video), 9u);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "mid"), "1");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "setup"), "passive");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "sendonly"), nullptr);
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "rtcp-mux"), nullptr);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "ice-ufrag"), "relay");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "fingerprint"), "sha-256 01:02");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "ssrc-group"), "FID 1111 2222");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "rtpmap"), "96 VP8/90000");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val_n(video, "rtpmap", 1), "97 rtx/90000");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(video, "candidate"),
               "1 1 UDP 2015363327 127.0.0.1 40000 typ host");
  EXPECT_NE(gst_sdp_media_get_attribute_val(video, "end-of-candidates"), nullptr);
  EXPECT_EQ(gst_sdp_media_formats_len(video), 2u);
}

TEST(CodecMatch, ChromeAudioSectionTakesOpusWhenBundledWithVideo) {
  auto offer = parse(kChromeOffer);
  auto video = std::get<CodecChoice>(chooseVideoCodec(offer, kBoth));
  auto audio = chooseAudioCodec(offer, video);
  ASSERT_TRUE(audio);
  EXPECT_EQ(audio->encoding.codec, rtp::Codec::Opus);
  EXPECT_EQ(audio->payloadType, 111);
  EXPECT_EQ(audio->mid, "0");
  EXPECT_EQ(audio->mediaIndex, 0u);
  EXPECT_FALSE(audio->rtxPayloadType);

  // Not bundled with the video: we have one transport, so no audio.
  std::string unbundled = kChromeOffer;
  unbundled.replace(unbundled.find("a=group:BUNDLE 0 1"), 18, "a=group:BUNDLE 1");
  EXPECT_FALSE(chooseAudioCodec(parse(unbundled.c_str()), video));
  // No Opus offered (G.711 only): no audio.
  std::string noOpus = kChromeOffer;
  noOpus.replace(noOpus.find("a=rtpmap:111 opus/48000/2"), 25, "a=rtpmap:111 G722/8000  ");
  EXPECT_FALSE(chooseAudioCodec(parse(noOpus.c_str()), video));
  // A viewer's audio section that only sends cannot receive ours.
  std::string sendOnly = kChromeOffer;
  sendOnly.replace(sendOnly.find("a=recvonly"), 10, "a=sendonly");
  EXPECT_FALSE(chooseAudioCodec(parse(sendOnly.c_str()), video));
  // ...but that is what a WHIP publisher's audio looks like.
  EXPECT_TRUE(chooseAudioCodec(parse(sendOnly.c_str()), video, AnswerParams::Role::Publisher));
  // Firefox's offer here has no audio at all.
  auto firefox = parse(kFirefoxOffer);
  EXPECT_FALSE(chooseAudioCodec(firefox, std::get<CodecChoice>(chooseVideoCodec(firefox, kBoth))));
}

TEST(SdpAnswer, ChromeAnswerWithAudioBundlesBothOnOneTransport) {
  auto offer = parse(kChromeOffer);
  auto video = std::get<CodecChoice>(chooseVideoCodec(offer, kBoth));
  auto audio = chooseAudioCodec(offer, video);
  ASSERT_TRUE(audio);
  std::vector<AcceptedSection> sections{{video, 1111, 2222, "demo-video"},
                                        {*audio, 3333, 0, "demo-audio"}};
  auto answer = parseSdpText(std::get<std::string>(buildAnswer(offer, sections, params())));
  ASSERT_TRUE(answer);
  EXPECT_STREQ(gst_sdp_message_get_attribute_val(answer.get(), "group"), "BUNDLE 0 1");
  ASSERT_EQ(gst_sdp_message_medias_len(answer.get()), 2u);
  const GstSDPMedia* a = gst_sdp_message_get_media(answer.get(), 0);
  EXPECT_EQ(gst_sdp_media_get_port(a), 9u);
  EXPECT_STREQ(gst_sdp_media_get_media(a), "audio");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "mid"), "0");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "rtpmap"), "111 opus/48000/2");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "fmtp"), "111 minptime=10;useinbandfec=1");
  EXPECT_NE(gst_sdp_media_get_attribute_val(a, "sendonly"), nullptr);
  EXPECT_NE(gst_sdp_media_get_attribute_val(a, "rtcp-mux"), nullptr);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "ssrc"), "3333 cname:c");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "msid"), "demo demo-audio");
  EXPECT_EQ(gst_sdp_media_get_attribute_val(a, "ssrc-group"), nullptr);
  EXPECT_EQ(gst_sdp_media_formats_len(a), 1u);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "ice-ufrag"), "relay");
  const GstSDPMedia* v = gst_sdp_message_get_media(answer.get(), 1);
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(v, "msid"), "demo demo-video");
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(v, "ssrc-group"), "FID 1111 2222");
  // Same transport in both sections.
  EXPECT_STREQ(gst_sdp_media_get_attribute_val(a, "fingerprint"),
               gst_sdp_media_get_attribute_val(v, "fingerprint"));
}

TEST(SdpAnswer, PassiveOfferGetsAnActiveAnswerAndNoRtxWithoutOne) {
  std::string sdp = kFirefoxOffer;
  sdp.replace(sdp.find("a=setup:actpass"), 15, "a=setup:passive");
  auto offer = parse(sdp.c_str());
  auto choice = std::get<CodecChoice>(chooseVideoCodec(offer, kBoth));
  choice.rtxPayloadType.reset();
  auto text = std::get<std::string>(buildAnswer(offer, videoOnly(choice), params()));
  EXPECT_NE(text.find("a=setup:active"), std::string::npos);
  EXPECT_EQ(text.find("ssrc-group"), std::string::npos);
  EXPECT_EQ(text.find("rtx"), std::string::npos);
}

TEST(SdpOffer, RejectsWhatWeCannotServe) {
  auto code = [](const std::string& sdp) {
    auto result = parseOffer(sdp);
    return std::holds_alternative<SdpError>(result) ? std::get<SdpError>(result).code : "ok";
  };
  EXPECT_EQ(code("garbage"), "sdp-parse");
  EXPECT_EQ(code(""), "sdp-parse");
  EXPECT_EQ(code("v=0\r\n" + std::string(70000, 'a')), "sdp-too-large");
  std::string noIce = kFirefoxOffer;
  noIce.erase(noIce.find("a=ice-pwd"), noIce.find("a=ice-ufrag") - noIce.find("a=ice-pwd"));
  EXPECT_EQ(code(noIce), "no-ice-credentials");
  std::string noFingerprint = kFirefoxOffer;
  auto at = noFingerprint.find("a=fingerprint");
  noFingerprint.erase(at, noFingerprint.find("\r\n", at) + 2 - at);
  EXPECT_EQ(code(noFingerprint), "no-fingerprint");
  std::string noMux = kFirefoxOffer;
  noMux.erase(noMux.find("a=rtcp-mux\r\n"), 12);
  auto offer = parse(noMux.c_str());
  auto choice = chooseVideoCodec(offer, kBoth);
  ASSERT_TRUE(std::holds_alternative<SdpError>(choice));
  EXPECT_EQ(std::get<SdpError>(choice).code, "no-rtcp-mux");
}

TEST(SdpFragment, ReadsTrickleIceFragments) {  // RFC 8840 §4.4 shaped body
  auto fragment = std::get<SdpFragment>(parseSdpFragment(
      "a=ice-ufrag:EsAw\r\na=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\n"
      "a=candidate:1 1 UDP 2130706431 198.51.100.1 39132 typ host\r\na=end-of-candidates\r\n"));
  EXPECT_EQ(fragment.iceUfrag, "EsAw");
  ASSERT_EQ(fragment.candidates.size(), 1u);
  EXPECT_EQ(fragment.candidates[0], "candidate:1 1 UDP 2130706431 198.51.100.1 39132 typ host");
  EXPECT_TRUE(fragment.endOfCandidates);
  EXPECT_TRUE(std::holds_alternative<SdpError>(parseSdpFragment("")));
}

// The hostile-input suite found offers with a garbage fingerprint, an MD5 fingerprint and
// garbage candidate lines answered with 201: each is now refused as a whole (JSEP §5.8).
TEST(SdpValidation, MalformedTransportAttributesRefuseTheOffer) {
  auto code = [](const std::string& sdp) {
    auto result = parseOffer(sdp);
    return std::holds_alternative<SdpError>(result) ? std::get<SdpError>(result).code : "";
  };
  std::string offer = kFirefoxOffer;
  EXPECT_EQ(code(offer), "");
  auto replaced = [&](const std::string& what, const std::string& with) {
    std::string out = offer;
    out.replace(out.find(what), what.size(), with);
    return out;
  };
  EXPECT_EQ(code(replaced("a=fingerprint:sha-256 ", "a=fingerprint:md5 ")), "bad-fingerprint");
  auto fingerprint = offer.find("a=fingerprint:sha-256 ") + 22;
  EXPECT_EQ(code(replaced(offer.substr(fingerprint, 5), "ZZ:ZZ")), "bad-fingerprint");
  EXPECT_EQ(code(replaced("a=mid:0\r\n", "a=mid:0\r\na=candidate:1 1 udp x y z w\r\n")),
            "bad-candidate");
  EXPECT_EQ(code(replaced("a=ice-ufrag:ffx1", "a=ice-ufrag:ab")), "bad-ice-credentials");
  std::string many;
  for (int i = 0; i < 65; ++i)
    many += "a=candidate:" + std::to_string(i) + " 1 udp 1 192.0.2.1 " + std::to_string(1000 + i) +
            " typ host\r\n";
  EXPECT_EQ(code(replaced("a=mid:0\r\n", "a=mid:0\r\n" + many)), "too-many-candidates");
  // A port beyond 65535 used to wrap silently into a valid-looking one.
  EXPECT_EQ(code(replaced("m=video 9 ", "m=video 99999 ")), "bad-media-port");
  EXPECT_EQ(code(replaced("m=video 9 ", "m=video 65535 ")), "");
}

TEST(SdpValidation, CandidatesAndFingerprintsRealClientsSend) {
  EXPECT_TRUE(
      validCandidate("candidate:842163049 1 udp 1677729535 203.0.113.7 51622 typ srflx "
                     "raddr 0.0.0.0 rport 0 generation 0 ufrag sAfR network-cost 999"));
  EXPECT_TRUE(
      validCandidate("candidate:1 1 TCP 2105458943 9b1f3c2e-7a51-4d2e-9c1f.local 9 typ "
                     "host tcptype active"));
  EXPECT_TRUE(validCandidate("candidate:0 1 UDP 2122252543 2001:db8::1 40000 typ host"));
  EXPECT_FALSE(validCandidate("candidate:1 1 udp 1 192.0.2.1 70000 typ host"));
  EXPECT_FALSE(validCandidate("candidate:1 1 udp 1 192.0.2.1 7000 typ nonsense"));
  EXPECT_FALSE(validCandidate("candidate:1 1 udp 99999999999 192.0.2.1 7000 typ host"));
  EXPECT_FALSE(validCandidate("candidate:1 1 udp 1 192.0.2.1 7000 typ host raddr"));
  EXPECT_TRUE(
      validFingerprint("SHA-1", "4B:72:0B:1C:63:7E:D9:41:37:C4:21:F4:9F:AB:9E:2B:61:21:75:84"));
  EXPECT_FALSE(validFingerprint("sha-256", "4B:72:0B"));
  EXPECT_TRUE(validIcePwd("9mIRZkqQ2cs8hlMFP+pwSJgH"));
  EXPECT_FALSE(validIcePwd("short"));
  EXPECT_FALSE(validIceUfrag(std::string(300, 'u')));
}

}  // namespace
}  // namespace medrelay::relay::webrtc
