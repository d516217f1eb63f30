// Syntax checks for the transport attributes of a remote description, so that a malformed
// offer is refused with a clear error (JSEP, RFC 8829 §5.8: a line that cannot be parsed fails
// the whole description) instead of being half-used: ICE credentials (RFC 8839 §5.4), the DTLS
// fingerprint (RFC 8122 §5, with the hash functions RFC 8827 §6.5 allows) and candidate lines
// (RFC 8839 §5.1). Pure functions.
#pragma once

#include <string_view>

namespace medrelay::relay::webrtc {

bool validIceUfrag(std::string_view ufrag);  // 4-256 ice-chars
bool validIcePwd(std::string_view pwd);      // 22-256 ice-chars
// `algorithm` one of sha-1, sha-224, sha-256, sha-384, sha-512 (never md5/md2), `value` that
// hash's length as colon-separated hex byte pairs.
bool validFingerprint(std::string_view algorithm, std::string_view value);
// "candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE [key value]...";
// the "candidate:" prefix is optional.
bool validCandidate(std::string_view line);

}  // namespace medrelay::relay::webrtc
