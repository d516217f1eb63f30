#include "relay/webrtc/sdp_message.hpp"

#include <string>

namespace medrelay::relay::webrtc {

SdpMessagePtr parseSdpText(std::string_view text) {
  if (text.empty() || text.size() > kMaxSdpBytes) return nullptr;
  GstSDPMessage* message = nullptr;
  if (gst_sdp_message_new(&message) != GST_SDP_OK) return nullptr;
  SdpMessagePtr owned(message);
  std::string copy(text);  // the parser wants a NUL-terminated buffer
  if (gst_sdp_message_parse_buffer(reinterpret_cast<const guint8*>(copy.data()),
                                   static_cast<guint>(copy.size()), message) != GST_SDP_OK) {
    return nullptr;
  }
  return owned;
}

}  // namespace medrelay::relay::webrtc
