// Writes our SDP answer through GstSDPMessage: the accepted sections (video, and audio when the
// stream has it) sendonly for a viewer and recvonly for a publisher, bundled on one transport;
// every other section rejected with port 0 and left out of BUNDLE (RFC 8843 §7.3.3). Pure; any
// thread.
#pragma once

#include <span>

#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

SdpResult<std::string> buildAnswer(const RemoteDescription& offer,
                                   std::span<const AcceptedSection> accepted,
                                   const AnswerParams& params);

}  // namespace medrelay::relay::webrtc
