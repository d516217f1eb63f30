#include "tests/hostile/hostile_inputs.hpp"

#include <cstdint>
#include <random>

namespace medrelay::hostile {

namespace {

void put16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}
void put24(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}
void put32(std::string& out, uint32_t v) {
  put16(out, static_cast<uint16_t>(v >> 16));
  put16(out, static_cast<uint16_t>(v & 0xffff));
}

std::string randomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string out(size, '\0');
  for (auto& c : out)
    c = static_cast<char>(random());
  return out;
}

// RFC 8489 §5: type, length of what follows the 20-byte header, magic cookie, transaction ID.
std::string stunHeader(uint16_t type, uint16_t length, uint32_t cookie = 0x2112A442) {
  std::string out;
  put16(out, type);
  put16(out, length);
  put32(out, cookie);
  out += randomBytes(12, type ^ length);
  return out;
}

std::string stunAttribute(uint16_t type, const std::string& value, int declaredLength = -1) {
  std::string out;
  put16(out, type);
  put16(out, static_cast<uint16_t>(declaredLength >= 0 ? declaredLength : value.size()));
  out += value;
  while (out.size() % 4)
    out.push_back('\0');
  return out;
}

// A binding request with the given attributes and a correct length field.
std::string stunRequest(const std::string& attributes) {
  return stunHeader(0x0001, static_cast<uint16_t>(attributes.size())) + attributes;
}

constexpr uint16_t kUsername = 0x0006, kMessageIntegrity = 0x0008, kFingerprint = 0x8028,
                   kPriority = 0x0024, kIceControlling = 0x802A, kUseCandidate = 0x0025;

std::string rtpHeader(uint8_t first, uint8_t second, uint16_t sequence, uint32_t ssrc) {
  std::string out;
  out.push_back(static_cast<char>(first));
  out.push_back(static_cast<char>(second));
  put16(out, sequence);
  put32(out, 90000);
  put32(out, ssrc);
  return out;
}

// A minimal JSEP offer a WHEP client could send; each hostile offer breaks one thing in it.
std::string validOffer(const std::string& extraMedia = "", const std::string& replaceUfrag = "") {
  std::string ufrag = replaceUfrag.empty() ? "h0st" : replaceUfrag;
  return "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
         "a=group:BUNDLE 0\r\n"
         "m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:" +
         ufrag +
         "\r\na=ice-pwd:hostilehostilehostile12\r\n"
         "a=fingerprint:sha-256 "
         "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:"
         "23:45:67:89\r\n"
         "a=setup:actpass\r\na=mid:0\r\na=recvonly\r\na=rtcp-mux\r\n"
         "a=rtpmap:96 VP8/90000\r\na=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n" +
         extraMedia;
}

std::string replaced(std::string text, const std::string& what, const std::string& with) {
  auto at = text.find(what);
  if (at != std::string::npos) text.replace(at, what.size(), with);
  return text;
}

std::string request(const std::string& head, const std::string& body = "") {
  return head + "\r\n\r\n" + body;
}

// PS3.8 §9.3.2 A-ASSOCIATE-RQ: PDU type 1, reserved, 32-bit length, then protocol version,
// reserved, called and calling AE titles (16 bytes each), 32 reserved bytes, items.
std::string associateRequest(uint32_t declaredLength, const std::string& items) {
  std::string body;
  put16(body, 0x0001);
  put16(body, 0);
  body += "MEDRELAY        ";
  body += "HOSTILE         ";
  body += std::string(32, '\0');
  body += items;
  std::string out;
  out.push_back(0x01);
  out.push_back(0x00);
  put32(out, declaredLength);
  return out + body;
}

std::string dicomItem(uint8_t type, const std::string& value, int declaredLength = -1) {
  std::string out;
  out.push_back(static_cast<char>(type));
  out.push_back(0);
  put16(out, static_cast<uint16_t>(declaredLength >= 0 ? declaredLength : value.size()));
  return out + value;
}

}  // namespace

std::vector<HostileInput> stunInputs() {
  std::vector<HostileInput> in;
  in.push_back({"stun-truncated-header", stunHeader(0x0001, 0).substr(0, 10)});
  in.push_back({"stun-length-not-multiple-of-4", stunHeader(0x0001, 3) + std::string(3, 'x')});
  in.push_back({"stun-length-beyond-datagram", stunHeader(0x0001, 1000)});
  in.push_back(
      {"stun-attribute-beyond-message", stunRequest(stunAttribute(kUsername, "abcd", 500))});
  in.push_back({"stun-classic-rfc3489-no-cookie", stunHeader(0x0001, 0, 0x01020304)});
  in.push_back(
      {"stun-username-oversized", stunRequest(stunAttribute(kUsername, std::string(1000, 'u')))});
  in.push_back({"stun-wrong-ufrag-wrong-integrity",
                stunRequest(stunAttribute(kUsername, "nope:h0st") +
                            stunAttribute(kPriority, std::string(4, '\x7f')) +
                            stunAttribute(kIceControlling, randomBytes(8, 1)) +
                            stunAttribute(kUseCandidate, "") +
                            stunAttribute(kMessageIntegrity, randomBytes(20, 2)) +
                            stunAttribute(kFingerprint, randomBytes(4, 3)))});
  in.push_back({"stun-integrity-zero-length", stunRequest(stunAttribute(kUsername, "a:b") +
                                                          stunAttribute(kMessageIntegrity, ""))});
  in.push_back({"stun-unknown-comprehension-required",
                stunRequest(stunAttribute(0x0077, randomBytes(16, 4)))});
  std::string many;
  for (int i = 0; i < 300; ++i)
    many += stunAttribute(static_cast<uint16_t>(0x8000 + i), "abcd");
  in.push_back({"stun-300-attributes", stunRequest(many)});
  in.push_back({"stun-unsolicited-success-response", stunHeader(0x0101, 0)});
  in.push_back({"stun-unsolicited-error-response",
                stunHeader(0x0111, 8) + stunAttribute(0x0009, std::string("\0\0\x04\x01", 4))});
  in.push_back({"stun-allocate-request-turn", stunHeader(0x0003, 0)});
  in.push_back(
      {"stun-jumbo-datagram", stunRequest(stunAttribute(kUsername, std::string(60000, 'j')))});
  return in;
}

std::vector<HostileInput> mediaDatagramsFromAnUnverifiedAddress() {
  std::vector<HostileInput> in;
  in.push_back(
      {"rtp-from-unverified-address", rtpHeader(0x80, 0x60, 1, 0x11111111) + randomBytes(1000, 5)});
  in.push_back(
      {"rtcp-from-unverified-address", rtpHeader(0x81, 0xC9, 7, 0x22222222) + randomBytes(40, 6)});
  in.push_back({"srtcp-shaped-nack-flood-unverified",
                rtpHeader(0x81, 0xCD, 3, 0x33333333) + randomBytes(300, 7)});
  std::string record;
  record.push_back(23);  // application data, RFC 6347 §4.1
  put16(record, 0xFEFD);
  put16(record, 1);
  record += std::string(6, '\0');
  put16(record, 100);
  in.push_back({"dtls-application-data-unverified", record + randomBytes(100, 8)});
  in.push_back({"zero-length-datagram", ""});
  in.push_back({"random-1200", randomBytes(1200, 9)});
  in.push_back({"random-jumbo-65000", randomBytes(65000, 10)});
  in.push_back({"first-byte-in-turn-channel-range", "\x40\x00\x00\x10" + randomBytes(16, 11)});
  return in;
}

std::string dtlsClientHello() {
  std::string body;
  put16(body, 0xFEFD);  // client_version DTLS 1.2
  body += randomBytes(32, 12);
  body.push_back(0);  // session_id
  body.push_back(0);  // cookie
  put16(body, 4);
  put16(body, 0xC02B);  // ECDHE-ECDSA-AES128-GCM-SHA256
  put16(body, 0xC02F);
  body.push_back(1);  // compression methods
  body.push_back(0);
  std::string handshake;
  handshake.push_back(1);  // client_hello
  put24(handshake, static_cast<uint32_t>(body.size()));
  put16(handshake, 0);  // message_seq
  put24(handshake, 0);  // fragment_offset
  put24(handshake, static_cast<uint32_t>(body.size()));
  handshake += body;
  std::string record;
  record.push_back(22);  // handshake
  put16(record, 0xFEFF);
  put16(record, 0);  // epoch
  record += std::string(6, '\0');
  put16(record, static_cast<uint16_t>(handshake.size()));
  return record + handshake;
}

std::vector<HostileInput> rtpInputs() {
  const uint32_t ssrc = 0x5EC0DE01;
  std::vector<HostileInput> in;
  in.push_back({"rtp-version-0", rtpHeader(0x00, 0x60, 10, ssrc) + randomBytes(100, 13)});
  in.push_back({"rtp-version-3", rtpHeader(0xC0, 0x60, 11, ssrc) + randomBytes(100, 14)});
  in.push_back({"rtp-15-csrcs-but-no-room", rtpHeader(0x8F, 0x60, 12, ssrc) + "abcd"});
  in.push_back({"rtp-extension-beyond-packet",
                rtpHeader(0x90, 0x60, 13, ssrc) + std::string("\xBE\xDE\xFF\xFF", 4) + "ab"});
  in.push_back({"rtp-padding-longer-than-payload",
                rtpHeader(0xA0, 0x60, 14, ssrc) + std::string(10, 'p') + "\xFF"});
  in.push_back({"rtp-padding-count-zero",
                rtpHeader(0xA0, 0x60, 15, ssrc) + std::string(10, 'p') + std::string(1, '\0')});
  in.push_back(
      {"rtp-unknown-payload-type", rtpHeader(0x80, 0x21, 16, ssrc) + randomBytes(200, 15)});
  in.push_back({"rtcp-on-the-rtp-port", rtpHeader(0x80, 0xC8, 6, ssrc) + randomBytes(16, 16)});
  in.push_back({"rtp-truncated-5-bytes", rtpHeader(0x80, 0x60, 17, ssrc).substr(0, 5)});
  in.push_back({"rtp-header-only", rtpHeader(0x80, 0x60, 18, ssrc)});
  in.push_back({"rtp-jumbo-9000", rtpHeader(0x80, 0x60, 19, ssrc) + randomBytes(9000, 17)});
  in.push_back({"rtp-max-udp-65000", rtpHeader(0x80, 0x60, 20, ssrc) + randomBytes(65000, 18)});
  in.push_back(
      {"rtp-stray-ssrc-key-frame-shaped",
       rtpHeader(0x80, 0xE0, 21, 0xBADBAD00) + std::string("\x7C\x85", 2) + randomBytes(500, 19)});
  return in;
}

std::vector<HostileInput> sdpOffers() {
  std::vector<HostileInput> in;
  in.push_back({"sdp-empty", ""});
  in.push_back({"sdp-not-sdp", "hello, relay"});
  in.push_back({"sdp-session-only", "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n"});
  in.push_back(
      {"sdp-no-ice-credentials", replaced(replaced(validOffer(), "a=ice-ufrag:h0st\r\n", ""),
                                          "a=ice-pwd:hostilehostilehostile12\r\n", "")});
  in.push_back({"sdp-no-fingerprint",
                replaced(validOffer(), "a=fingerprint:sha-256 ", "a=x-not-a-fingerprint:")});
  in.push_back({"sdp-fingerprint-garbage",
                replaced(validOffer(), "AB:CD:EF:01", "ZZ:ZZ:ZZ:ZZ:ZZ:ZZ:ZZ:ZZ:ZZ")});
  in.push_back({"sdp-fingerprint-md5", replaced(validOffer(), "sha-256", "md5")});
  std::string thousand;
  for (int i = 1; i <= 1000; ++i)
    thousand += "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:" + std::to_string(i) +
                "\r\na=recvonly\r\na=rtpmap:96 VP8/90000\r\n";
  in.push_back({"sdp-1000-media-sections", validOffer(thousand)});
  in.push_back(
      {"sdp-200k-attribute-line", validOffer("a=x-long:" + std::string(200000, 'a') + "\r\n")});
  in.push_back({"sdp-nul-bytes", replaced(validOffer(), "s=-", std::string("s=\0\0\0", 5))});
  in.push_back({"sdp-payload-type-999", replaced(validOffer(), "a=rtpmap:96 ", "a=rtpmap:999 ")});
  in.push_back({"sdp-candidate-garbage", validOffer("a=candidate:1 1 udp x y z w\r\n"
                                                    "a=candidate:\r\na=candidate:" +
                                                    std::string(5000, '9') + "\r\n")});
  in.push_back({"sdp-ufrag-300-chars", validOffer("", std::string(300, 'u'))});
  in.push_back({"sdp-ufrag-with-crlf-injection", validOffer("", "a\r\na=ice-lite")});
  in.push_back({"sdp-media-port-99999", replaced(validOffer(), "m=video 9 ", "m=video 99999 ")});
  in.push_back({"sdp-bare-newlines-and-lone-cr",
                "v=0\no=- 1 1 IN IP4 0.0.0.0\rs=-\nt=0 0\n"
                "m=video 9 UDP/TLS/RTP/SAVPF 96\r"});
  in.push_back({"sdp-invalid-utf8", replaced(validOffer(), "s=-", "s=\xC3\x28\xFF\xFE")});
  in.push_back({"sdp-bundle-references-missing-mid",
                replaced(validOffer(), "a=group:BUNDLE 0", "a=group:BUNDLE 0 1 2 3 4 5")});
  in.push_back(
      {"sdp-audio-only-unknown-codec",
       replaced(replaced(validOffer(), "m=video", "m=audio"), "VP8/90000", "X-NONE/8000")});
  return in;
}

std::vector<HostileInput> httpRequests() {
  std::vector<HostileInput> in;
  in.push_back({"http-garbage-request-line", request("GARBAGE")});
  in.push_back({"http-0.9-request", "GET /\r\n\r\n"});
  in.push_back({"http-header-without-colon", request("GET /healthz HTTP/1.1\r\nHost x")});
  in.push_back({"http-content-length-negative",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nContent-Length: -5", "abcde")});
  in.push_back({"http-content-length-not-a-number",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc")});
  in.push_back({"http-two-different-content-lengths",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
                        "Content-Length: 40",
                        "abcd")});
  in.push_back({"http-bad-chunk-size",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked",
                        "zz\r\nabc\r\n0\r\n\r\n")});
  in.push_back({"http-chunk-size-overflow",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked",
                        "ffffffffffffffffff\r\nabc\r\n")});
  in.push_back({"http-body-beyond-limit-announced",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nContent-Type: application/sdp\r\n"
                        "Authorization: Bearer x\r\nContent-Length: 100000000")});
  in.push_back({"http-100k-url", request("GET /" + std::string(100000, 'a') +
                                         " HTTP/1.1\r\n"
                                         "Host: x")});
  in.push_back({"http-path-traversal", request("GET /../../../../etc/passwd HTTP/1.1\r\nHost: x")});
  in.push_back({"http-encoded-path-traversal",
                request("GET /%2e%2e/%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x")});
  in.push_back({"http-encoded-nul-in-path", request("GET /index.html%00.js HTTP/1.1\r\nHost: x")});
  in.push_back({"http-bad-percent-encoding", request("GET /%zz%4 HTTP/1.1\r\nHost: x")});
  std::string many = "GET /healthz HTTP/1.1\r\nHost: x";
  for (int i = 0; i < 10000; ++i)
    many += "\r\nX-" + std::to_string(i) + ": v";
  in.push_back({"http-10000-headers", request(many)});
  in.push_back({"http-obsolete-line-folding",
                request("GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded")});
  in.push_back({"http-websocket-upgrade-bad-key",
                request("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
                        "Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: !!")});
  in.push_back({"http-websocket-upgrade-version-8",
                request("GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: "
                        "Upgrade\r\nSec-WebSocket-Version: 8\r\nSec-WebSocket-Key: "
                        "dGhlIHNhbXBsZSBub25jZQ==")});
  in.push_back({"http-whep-json-body-as-sdp",
                request("POST /whep/demo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                        "Content-Length: 2",
                        "{}")});
  in.push_back({"http-api-json-deep-nesting",
                request("POST /api/v1/auth/password HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: 60000",
                        std::string(60000, '['))});
  in.push_back({"http-api-json-not-json",
                request("POST /api/v1/auth/password HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/json\r\nContent-Length: 5",
                        "{\"a\":")});
  in.push_back({"http-patch-unknown-session",
                request("PATCH /whep/demo/sessions/../../x HTTP/1.1\r\nHost: x\r\nContent-Type: "
                        "application/trickle-ice-sdpfrag\r\nContent-Length: 4",
                        "a=x\n")});
  return in;
}

std::vector<HostileInput> wsMessages() {
  std::vector<HostileInput> in;
  in.push_back({"ws-not-json", "hello"});
  in.push_back({"ws-truncated-json", "{\"type\":\"login\""});
  in.push_back({"ws-deep-array", std::string(50000, '[')});
  std::string deepObject;
  for (int i = 0; i < 5000; ++i)
    deepObject += "{\"a\":";
  in.push_back({"ws-deep-object", deepObject});
  in.push_back({"ws-type-not-a-string", "{\"type\":5}"});
  in.push_back({"ws-unknown-type", "{\"type\":\"format-disk\",\"id\":1}"});
  in.push_back({"ws-login-token-number", "{\"type\":\"login\",\"id\":2,\"token\":123}"});
  in.push_back({"ws-login-token-10k",
                "{\"type\":\"login\",\"id\":3,\"token\":\"" + std::string(10000, 't') + "\"}"});
  in.push_back({"ws-subscribe-before-login",
                "{\"type\":\"subscribe\",\"id\":4,\"stream\":\"demo\",\"sdp\":\"v=0\"}"});
  in.push_back({"ws-invalid-utf8", "{\"type\":\"ping\",\"id\":\"\xff\xfe\"}"});
  in.push_back({"ws-lone-surrogate", "{\"type\":\"ping\",\"id\":\"\\ud800\"}"});
  in.push_back({"ws-number-overflow", "{\"type\":\"ping\",\"id\":1e999999}"});
  in.push_back({"ws-id-is-huge-object",
                "{\"type\":\"nope\",\"id\":{\"a\":\"" + std::string(30000, 'x') + "\"}}"});
  in.push_back({"ws-array-not-object", "[1,2,3]"});
  in.push_back({"ws-null", "null"});
  in.push_back({"ws-nul-bytes", std::string("{\"type\":\"ping\0\0\"}", 18)});
  return in;
}

std::vector<HostileInput> dicomPdus() {
  std::vector<HostileInput> in;
  in.push_back({"dicom-random-bytes", randomBytes(200, 20)});
  in.push_back({"dicom-associate-length-4gib", associateRequest(0xFFFFFFFF, "")});
  in.push_back({"dicom-associate-truncated", associateRequest(500, "").substr(0, 40)});
  std::string pdata;
  pdata.push_back(0x04);  // P-DATA-TF with no association
  pdata.push_back(0);
  put32(pdata, 12);
  put32(pdata, 8);
  pdata.push_back(1);
  pdata.push_back(3);
  pdata += randomBytes(6, 21);
  in.push_back({"dicom-p-data-before-association", pdata});
  std::string items = dicomItem(0x10, "1.2.840.10008.3.1.1.1");
  items += dicomItem(0x20, std::string(4, '\0') + dicomItem(0x30, "1.2", 60000), 65000);
  in.push_back({"dicom-presentation-context-item-beyond-pdu",
                associateRequest(static_cast<uint32_t>(68 + items.size()), items)});
  // Well-formed items DCMTK itself refuses to parse (a UID beyond 64 characters): DCMTK then
  // waits for the peer to close, which used to hold the handover of every later association.
  std::string longUid = dicomItem(0x10, "1.2.840.10008.3.1.1.1");
  longUid += dicomItem(0x20, std::string("\x01\0\0\0", 4) + dicomItem(0x30, std::string(120, '1')) +
                                 dicomItem(0x40, "1.2.840.10008.1.2"));
  in.push_back({"dicom-abstract-syntax-uid-too-long",
                associateRequest(static_cast<uint32_t>(68 + longUid.size()), longUid)});
  in.push_back({"dicom-release-before-association",
                std::string("\x05\x00\x00\x00\x00\x04\x00\x00\x00\x00", 10)});
  return in;
}

}  // namespace medrelay::hostile
