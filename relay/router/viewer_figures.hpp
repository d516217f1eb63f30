// What one viewer was sent and what of its feedback was refused, as the stream's metrics sum
// them up: a small interface the router's owners read without knowing the viewer's transport
// (the WebRTC viewer session implements it). Read on the viewer's worker thread.
#pragma once

#include <array>
#include <cstdint>

#include "relay/router/layer_selector.hpp"

namespace medrelay::relay::router {

struct ViewerFigures {
  uint64_t packetsOut = 0, bytesOut = 0;
  uint64_t nacks = 0, retransmitted = 0;
  uint64_t retransmitsRefused = 0;  // asked again within a round trip, or beyond the credit
  uint64_t keyFrameRequests = 0, keyFrameRequestsThrottled = 0;
  uint64_t droppedBeforeRun = 0;      // late packets that would have reused an output number
  uint64_t datagramsRateLimited = 0;  // from the viewer, over its limits, dropped unread
  uint64_t srtpIndexRefusals = 0;     // packets SRTP refused to protect under a used index
  uint64_t layerSwitchesUp = 0, layerSwitchesDown = 0;  // completed moves to another layer
  // 1 in the layer the viewer gets now (a gauge: the room leaves it out of the retired totals).
  std::array<uint64_t, kMaxLayers> onLayer{};

  ViewerFigures& operator+=(const ViewerFigures& o) {
    packetsOut += o.packetsOut;
    bytesOut += o.bytesOut;
    nacks += o.nacks;
    retransmitted += o.retransmitted;
    retransmitsRefused += o.retransmitsRefused;
    keyFrameRequests += o.keyFrameRequests;
    keyFrameRequestsThrottled += o.keyFrameRequestsThrottled;
    droppedBeforeRun += o.droppedBeforeRun;
    datagramsRateLimited += o.datagramsRateLimited;
    srtpIndexRefusals += o.srtpIndexRefusals;
    layerSwitchesUp += o.layerSwitchesUp;
    layerSwitchesDown += o.layerSwitchesDown;
    for (size_t i = 0; i < kMaxLayers; ++i)
      onLayer[i] += o.onLayer[i];
    return *this;
  }
};

class ViewerFiguresSource {
 public:
  virtual ~ViewerFiguresSource() = default;
  virtual ViewerFigures viewerFigures() const = 0;
};

}  // namespace medrelay::relay::router
