// Sizes each lower layer of an ingest pipeline at half the width and height of the picture
// actually negotiated above it, keeping the source's aspect ratio.
//
// Why not caps ranges in the description: videoscale (GstBaseTransform) answers a caps query
// with its downstream caps first, to prefer passthrough, and a tee intersects all its branches.
// So a lower layer's ceiling ("at most 320x180") climbs up through every tee and scaler above
// it and wins the top's fixation: with ranges, every layer of a camera came out 320x180. Here
// the description leaves the lower layers' size open (capsfilter "layerN_size" with no size),
// so the top negotiates alone; a probe on the tee feeding layer N sees the caps the layer above
// settled on and fixes layer N's capsfilter to half of them before the tee passes them on.
// Setting it sends a RECONFIGURE upstream; it stops at layer N's scaler (which renegotiates
// its own output), or the layers above would renegotiate toward it, halve again, and so on.
//
// Threads: the probe runs on the streaming thread of the tee's upstream; it only sets a
// property of the capsfilter (which takes the capsfilter's own lock). Destroy the sizers after
// the pipeline reached NULL; the destructor removes the probes.
#pragma once

#include <gst/gst.h>

#include <memory>
#include <vector>

namespace medrelay::pipelines {

class LayerSizer {
 public:
  // One sizer per lower layer found in `pipeline` (capsfilter "layerN_size" fed from tee
  // "split" for N = 1, "split<N-1>" above).
  static std::vector<std::unique_ptr<LayerSizer>> sizeAll(GstElement* pipeline);
  ~LayerSizer();
  LayerSizer(const LayerSizer&) = delete;
  LayerSizer& operator=(const LayerSizer&) = delete;

  // The lower layer's size for a picture above of `width` x `height`: half, even, at least 16.
  static std::pair<int, int> halfOf(int width, int height);

 private:
  LayerSizer(GstElement* teeAbove, GstElement* sizeFilter);
  static GstPadProbeReturn onCaps(GstPad*, GstPadProbeInfo* info, gpointer self);
  static GstPadProbeReturn onUpstreamEvent(GstPad*, GstPadProbeInfo* info, gpointer);

  GstElement* sizeFilter_;  // a reference of our own
  GstPad* teeSink_;
  GstPad* scalerSink_ = nullptr;  // the sink pad of the scaler in front of sizeFilter_
  gulong capsProbe_ = 0, reconfigureProbe_ = 0;
};

}  // namespace medrelay::pipelines
