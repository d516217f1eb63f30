#include "pipelines/layer_sizer.hpp"

#include <algorithm>
#include <string>

#include "pipelines/layer_ladder.hpp"

namespace medrelay::pipelines {

std::vector<std::unique_ptr<LayerSizer>> LayerSizer::sizeAll(GstElement* pipeline) {
  std::vector<std::unique_ptr<LayerSizer>> sizers;
  if (!GST_IS_BIN(pipeline)) return sizers;
  for (int layer = 1; layer < kMaxLayers; ++layer) {
    const std::string teeName = layer == 1 ? "split" : "split" + std::to_string(layer - 1);
    const std::string filterName = "layer" + std::to_string(layer) + "_size";
    GstElement* tee = gst_bin_get_by_name(GST_BIN(pipeline), teeName.c_str());
    GstElement* filter = gst_bin_get_by_name(GST_BIN(pipeline), filterName.c_str());
    if (tee && filter) sizers.emplace_back(new LayerSizer(tee, filter));
    if (filter) gst_object_unref(filter);
    if (tee) gst_object_unref(tee);
  }
  return sizers;
}

std::pair<int, int> LayerSizer::halfOf(int width, int height) {
  const auto half = [](int side) { return std::max(16, (side / 2) & ~1); };
  return {half(width), half(height)};
}

LayerSizer::LayerSizer(GstElement* teeAbove, GstElement* sizeFilter)
    : sizeFilter_(GST_ELEMENT(gst_object_ref(sizeFilter))),
      teeSink_(gst_element_get_static_pad(teeAbove, "sink")) {
  capsProbe_ = gst_pad_add_probe(teeSink_, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, &LayerSizer::onCaps,
                                 this, nullptr);
  GstPad* filterSink = gst_element_get_static_pad(sizeFilter, "sink");
  if (GstPad* scalerSource = gst_pad_get_peer(filterSink)) {
    if (GstElement* scaler = gst_pad_get_parent_element(scalerSource)) {
      scalerSink_ = gst_element_get_static_pad(scaler, "sink");
      gst_object_unref(scaler);
    }
    gst_object_unref(scalerSource);
  }
  gst_object_unref(filterSink);
  if (scalerSink_)
    reconfigureProbe_ = gst_pad_add_probe(scalerSink_, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                                          &LayerSizer::onUpstreamEvent, nullptr, nullptr);
}

LayerSizer::~LayerSizer() {
  gst_pad_remove_probe(teeSink_, capsProbe_);
  gst_object_unref(teeSink_);
  if (scalerSink_) {
    gst_pad_remove_probe(scalerSink_, reconfigureProbe_);
    gst_object_unref(scalerSink_);
  }
  gst_object_unref(sizeFilter_);
}

GstPadProbeReturn LayerSizer::onUpstreamEvent(GstPad*, GstPadProbeInfo* info, gpointer) {
  // The scaler's own output pad was marked when the event passed it: it renegotiates alone.
  return GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_RECONFIGURE
             ? GST_PAD_PROBE_DROP
             : GST_PAD_PROBE_OK;
}

GstPadProbeReturn LayerSizer::onCaps(GstPad*, GstPadProbeInfo* info, gpointer self) {
  GstEvent* event = GST_PAD_PROBE_INFO_EVENT(info);
  if (GST_EVENT_TYPE(event) != GST_EVENT_CAPS) return GST_PAD_PROBE_OK;
  GstCaps* caps = nullptr;
  gst_event_parse_caps(event, &caps);
  const GstStructure* picture = caps ? gst_caps_get_structure(caps, 0) : nullptr;
  int width = 0, height = 0;
  if (!picture || !gst_structure_get_int(picture, "width", &width) ||
      !gst_structure_get_int(picture, "height", &height) || width <= 0 || height <= 0)
    return GST_PAD_PROBE_OK;
  const auto [layerWidth, layerHeight] = halfOf(width, height);
  GstCaps* size = gst_caps_new_simple("video/x-raw", "format", G_TYPE_STRING, "I420", "width",
                                      G_TYPE_INT, layerWidth, "height", G_TYPE_INT, layerHeight,
                                      "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
  g_object_set(static_cast<LayerSizer*>(self)->sizeFilter_, "caps", size, nullptr);
  gst_caps_unref(size);
  return GST_PAD_PROBE_OK;
}

}  // namespace medrelay::pipelines
