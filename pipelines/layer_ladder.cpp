#include "pipelines/layer_ladder.hpp"

#include <algorithm>

namespace medrelay::pipelines {

namespace {

// Share of the top layer's bitrate per layer: 2000 -> 600 -> 200 kbit/s, close to what libwebrtc
// gives its simulcast layers of these sizes.
constexpr int kBitratePercent[kMaxLayers] = {100, 30, 10};
constexpr int kLowestLayerKbps = 60;

int even(int value) {
  return value & ~1;
}

}  // namespace

std::vector<Layer> layerLadder(const IngestOptions& o) {
  std::vector<Layer> ladder;
  const int count = std::clamp(o.layers, 1, kMaxLayers);
  for (int i = 0; i < count; ++i) {
    Layer layer;
    layer.index = i;
    layer.maxWidth = i == 0 ? o.width : even(o.width >> i);
    layer.maxHeight = i == 0 ? o.height : even(o.height >> i);
    if (i > 0 && std::min(layer.maxWidth, layer.maxHeight) < kSmallestLayerSide) break;
    layer.bitrateKbps = i == 0
                            ? o.bitrateKbps
                            : std::max(kLowestLayerKbps, o.bitrateKbps * kBitratePercent[i] / 100);
    ladder.push_back(layer);
  }
  return ladder;
}

int vp8LayerPayloadType(int layer) {
  return kVp8PayloadType + layer;
}

int h264LayerPayloadType(int layer) {
  return kH264PayloadType + layer;
}

std::string layerSinkName(const std::string& codec, int layer) {
  return layer == 0 ? codec : codec + "_" + std::to_string(layer);
}

std::vector<std::string> allVideoSinkNames() {
  std::vector<std::string> names;
  for (const char* codec : {"vp8", "h264"}) {
    for (int layer = 0; layer < kMaxLayers; ++layer)
      names.push_back(layerSinkName(codec, layer));
  }
  return names;
}

}  // namespace medrelay::pipelines
