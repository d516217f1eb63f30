// RFC 8840 trickle-ice-sdpfrag bodies (WHEP PATCH): ICE credentials, candidates and
// end-of-candidates, at session or media level. Pure; any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

struct SdpFragment {
  std::string iceUfrag, icePwd;
  std::vector<std::string> candidates;  // "candidate:..." values
  bool endOfCandidates = false;
};

SdpResult<SdpFragment> parseSdpFragment(std::string_view body);

}  // namespace medrelay::relay::webrtc
