// A WHIP publisher built from GStreamer's webrtcbin: a live test picture (a flat grey level the
// test chooses, so a viewer can tell this publisher's video from any other), encoded to VP8 or
// H.264 constrained baseline and offered sendonly.
#pragma once

#include "tests/integration/webrtcbin_peer.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"

namespace medrelay::testing {

class WebrtcbinPublisher final : public WebrtcbinPeer {
 public:
  // `luma`: the picture's grey level, 16..235.
  WebrtcbinPublisher(ViewerCodec codec, int luma);
};

}  // namespace medrelay::testing
