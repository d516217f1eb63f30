// Picks the video codec for a viewer: the first codec in the offerer's preference order that
// the stream can deliver. Pure; any thread.
#pragma once

#include <optional>
#include <span>

#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

// H.264 payloads match only with packetization-mode=1. Our streams are constrained baseline,
// which every H.264 profile's decoder (baseline, main, high) can play, so any such profile
// matches; among several, a constrained-baseline payload is preferred.
// `role`: a viewer's offer must receive video, a publisher's (WHIP) must send it.
SdpResult<CodecChoice> chooseVideoCodec(const RemoteDescription& offer,
                                        std::span<const StreamEncoding> available,
                                        AnswerParams::Role role = AnswerParams::Role::Viewer);

// The offer's first audio section that can carry the stream's Opus: opus/48000/2, in the
// direction `role` needs, with rtcp-mux, bundled with `video` (we have one transport). nullopt
// when there is none: the answer rejects audio and the session carries video only.
std::optional<CodecChoice> chooseAudioCodec(const RemoteDescription& offer,
                                            const CodecChoice& video,
                                            AnswerParams::Role role = AnswerParams::Role::Viewer);

// Helpers exposed for tests: fmtp parameter lookup and the profile_idc of profile-level-id.
std::string fmtpParameter(const std::string& fmtp, const std::string& name);
bool h264PayloadUsable(const OfferedCodec& codec);
bool h264ConstrainedBaseline(const OfferedCodec& codec);

}  // namespace medrelay::relay::webrtc
