#include "pipelines/encoder_rate_keeper.hpp"

#include <cstring>

namespace medrelay::pipelines {

std::vector<std::unique_ptr<EncoderRateKeeper>> EncoderRateKeeper::keepAll(GstElement* pipeline) {
  std::vector<std::unique_ptr<EncoderRateKeeper>> keepers;
  if (!GST_IS_BIN(pipeline)) return keepers;
  GstIterator* it = gst_bin_iterate_recurse(GST_BIN(pipeline));
  GValue item = G_VALUE_INIT;
  bool done = false;
  while (!done) {
    switch (gst_iterator_next(it, &item)) {
      case GST_ITERATOR_OK: {
        auto* element = GST_ELEMENT(g_value_get_object(&item));
        GstElementFactory* factory = gst_element_get_factory(element);
        const char* name = factory ? GST_OBJECT_NAME(factory) : "";
        // An encoder left to its automatic rate (0) has no ceiling to hold.
        if (std::strcmp(name, "vp8enc") == 0) {
          if (configuredKbps(element, "target-bitrate", Unit::BitsPerSecond) > 0)
            keepers.emplace_back(
                new EncoderRateKeeper(element, "target-bitrate", Unit::BitsPerSecond));
        } else if (std::strcmp(name, "x264enc") == 0) {
          if (configuredKbps(element, "bitrate", Unit::KilobitsPerSecond) > 0)
            keepers.emplace_back(
                new EncoderRateKeeper(element, "bitrate", Unit::KilobitsPerSecond));
        }
        g_value_reset(&item);
        break;
      }
      case GST_ITERATOR_RESYNC:
        keepers.clear();
        gst_iterator_resync(it);
        break;
      default:  // done, or an error: keep what was found
        done = true;
        break;
    }
  }
  g_value_unset(&item);
  gst_iterator_free(it);
  return keepers;
}

uint32_t EncoderRateKeeper::configuredKbps(GstElement* encoder, const char* property, Unit unit) {
  if (unit == Unit::BitsPerSecond) {
    gint bps = 0;
    g_object_get(encoder, property, &bps, nullptr);
    return bps > 0 ? static_cast<uint32_t>(bps / 1000) : 0;
  }
  guint kbps = 0;
  g_object_get(encoder, property, &kbps, nullptr);
  return kbps;
}

EncoderRateKeeper::EncoderRateKeeper(GstElement* encoder, const char* property, Unit unit)
    : encoder_(GST_ELEMENT(gst_object_ref(encoder))),
      property_(property),
      unit_(unit),
      governor_(configuredKbps(encoder, property, unit)),
      applied_(governor_.targetKbps()) {
  source_ = gst_element_get_static_pad(encoder_, "src");
  sink_ = gst_element_get_static_pad(encoder_, "sink");
  if (source_)
    sourceProbe_ = gst_pad_add_probe(source_, GST_PAD_PROBE_TYPE_BUFFER,
                                     &EncoderRateKeeper::onEncoded, this, nullptr);
  if (sink_)
    sinkProbe_ = gst_pad_add_probe(sink_, GST_PAD_PROBE_TYPE_BUFFER, &EncoderRateKeeper::onRawFrame,
                                   this, nullptr);
}

EncoderRateKeeper::~EncoderRateKeeper() {
  if (source_) {
    if (sourceProbe_) gst_pad_remove_probe(source_, sourceProbe_);
    gst_object_unref(source_);
  }
  if (sink_) {
    if (sinkProbe_) gst_pad_remove_probe(sink_, sinkProbe_);
    gst_object_unref(sink_);
  }
  gst_object_unref(encoder_);
}

GstPadProbeReturn EncoderRateKeeper::onEncoded(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* self = static_cast<EncoderRateKeeper*>(data);
  GstBuffer* buffer = GST_PAD_PROBE_INFO_BUFFER(info);
  if (!buffer || !GST_BUFFER_PTS_IS_VALID(buffer)) return GST_PAD_PROBE_OK;
  const auto mediaMs = static_cast<int64_t>(GST_BUFFER_PTS(buffer) / GST_MSECOND);
  if (auto target = self->governor_.onEncoded(mediaMs, gst_buffer_get_size(buffer)))
    self->pending_.store(*target, std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

GstPadProbeReturn EncoderRateKeeper::onRawFrame(GstPad*, GstPadProbeInfo*, gpointer data) {
  auto* self = static_cast<EncoderRateKeeper*>(data);
  const uint32_t target = self->pending_.exchange(0, std::memory_order_relaxed);
  if (target == 0) return GST_PAD_PROBE_OK;
  if (self->unit_ == Unit::BitsPerSecond)
    g_object_set(self->encoder_, self->property_, static_cast<gint>(target * 1000), nullptr);
  else
    g_object_set(self->encoder_, self->property_, static_cast<guint>(target), nullptr);
  self->applied_.store(target, std::memory_order_relaxed);
  return GST_PAD_PROBE_OK;
}

}  // namespace medrelay::pipelines
