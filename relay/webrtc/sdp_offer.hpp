// Reads a remote offer (browser, WHEP client, webrtcbin) into a RemoteDescription through
// GstSDPMessage. Rejects what we cannot serve with a clear SdpError. Pure; any thread.
#pragma once

#include <string_view>

#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

SdpResult<RemoteDescription> parseOffer(std::string_view sdp);

}  // namespace medrelay::relay::webrtc
