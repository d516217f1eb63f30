// RAII ownership of a GstSDPMessage, the parser and writer every SDP goes through.
#pragma once

#include <gst/sdp/sdp.h>

#include <memory>
#include <string_view>

namespace medrelay::relay::webrtc {

struct SdpMessageDeleter {
  void operator()(GstSDPMessage* message) const { gst_sdp_message_free(message); }
};
using SdpMessagePtr = std::unique_ptr<GstSDPMessage, SdpMessageDeleter>;

constexpr size_t kMaxSdpBytes = 64 * 1024;
// More remote candidates than any real client gathers (one per interface, transport and type).
constexpr size_t kMaxRemoteCandidates = 64;

// Parses SDP text (bounded by kMaxSdpBytes); null when GStreamer refuses it.
SdpMessagePtr parseSdpText(std::string_view text);

}  // namespace medrelay::relay::webrtc
