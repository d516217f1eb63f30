// STUN/TURN servers as clients receive them: Link headers on WHIP/WHEP responses (RFC 9725
// §4.6, RFC 8288 syntax) and RTCIceServer-shaped JSON for the viewer page. Pure; any thread.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

// One Link header value per URL, e.g.
//   <turn:turn.example.net?transport=udp>; rel="ice-server"; username="..."; credential="...";
//   credential-type="password"
std::vector<std::string> iceServerLinks(const std::vector<IceServer>& servers);

// [{"urls": [...], "username": ..., "credential": ...}, ...] (no username/credential for STUN).
nlohmann::json iceServersJson(const std::vector<IceServer>& servers);

// A stun:, stuns:, turn: or turns: URI (RFC 7064/7065) with a host, safe to put in a header
// between < and >: no spaces, quotes, angle brackets or control characters. TURN URIs may name
// ?transport=udp or ?transport=tcp.
bool validIceServerUri(std::string_view uri);

}  // namespace medrelay::signaling
