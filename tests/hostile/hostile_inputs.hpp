// Hostile inputs built from the protocols' specifications: each is one thing an attacker (or a
// broken client) can send, named for the rule it breaks. The hostile suite replays them against
// a real `medrelay serve` (the ASan build in CI) and checks that each is refused early, logged at
// most once per burst, bounded in memory, and that a viewer keeps watching meanwhile.
#pragma once

#include <string>
#include <vector>

namespace medrelay::hostile {

struct HostileInput {
  std::string name;
  std::string bytes;
};

// UDP datagrams for the relay's ICE port, from an address ICE never verified: STUN that breaks
// RFC 8489 (lengths, magic cookie, attribute bounds, integrity), and RTP/RTCP/DTLS/random bytes
// that RFC 7983 routes elsewhere.
std::vector<HostileInput> stunInputs();
std::vector<HostileInput> mediaDatagramsFromAnUnverifiedAddress();
// A DTLS 1.2 ClientHello (RFC 6347 §4.2.2 record and handshake framing) as a browser would send
// it first; from an unverified address it must get no answer at all.
std::string dtlsClientHello();

// RTP for a plain rtp:// ingest port (RFC 3550 §5.1 header rules broken one at a time).
std::vector<HostileInput> rtpInputs();

// SDP offers for WHEP (RFC 8866 syntax, JSEP/RFC 8829 rules broken one at a time).
std::vector<HostileInput> sdpOffers();

// Raw HTTP/1.1 requests (RFC 9112 framing broken one at a time), sent inside TLS.
std::vector<HostileInput> httpRequests();

// Text messages for the /ws app protocol (JSON that is not, or is deep, long or wrongly typed).
std::vector<HostileInput> wsMessages();

// Bytes for the DICOM port (PS3.8 §9.3 PDUs broken one at a time).
std::vector<HostileInput> dicomPdus();

}  // namespace medrelay::hostile
