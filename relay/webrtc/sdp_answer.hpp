// Writes our SDP answer through GstSDPMessage: the chosen video section accepted (sendonly for
// a viewer), every other section rejected with port 0 and left out of BUNDLE (RFC 8843 §7.3.3).
// Pure; any thread.
#pragma once

#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

SdpResult<std::string> buildAnswer(const RemoteDescription& offer, const CodecChoice& choice,
                                   const AnswerParams& params);

}  // namespace medrelay::relay::webrtc
