#pragma once
// The event that asks an ingest pipeline for a key frame, sent upstream from an appsink's pad.
// Stateless; any thread that may push events on the pad.
#include <gst/video/video.h>

namespace medrelay::pipelines {

// all-headers is FALSE on purpose: h264parse (config-interval=-1) already puts SPS/PPS in
// front of every IDR, and rtph264pay, told all-headers, would insert its own copy ahead of the
// access unit's and flush that copy as a STAP-A carrying the marker bit. Browsers take such a
// packet for a frame, fail to decode it and send a PLI: a key-frame loop (issue 15).
inline GstEvent* newKeyFrameRequest() {
  return gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 0);
}

}  // namespace medrelay::pipelines
