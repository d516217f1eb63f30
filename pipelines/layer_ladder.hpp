// The ladder of layers an ingest child encodes from one decoded picture: the top layer at the
// stream's size and bitrate, then each lower one at half the width and height of the one above
// and a fraction of the top's bitrate (by default 1280x720 2 Mbit/s, 640x360 600 kbit/s,
// 320x180 200 kbit/s). A viewer on a thin link is switched to a lower layer by the relay.
// Pure functions: the pipeline description and the relay's encodings both read them.
#pragma once

#include <string>
#include <vector>

#include "pipelines/ingest_options.hpp"

namespace medrelay::pipelines {

constexpr int kMaxLayers = 3;
// No layer is made smaller than this on its shorter side: below it, a picture says nothing.
constexpr int kSmallestLayerSide = 90;

struct Layer {
  int index = 0;  // 0 is the top
  int maxWidth = 0, maxHeight = 0;
  int bitrateKbps = 0;
};

// Top first; at most options.layers entries, fewer for small pictures.
std::vector<Layer> layerLadder(const IngestOptions& options);

// Payload types on the ingest socket: the top layer keeps kVp8PayloadType / kH264PayloadType,
// lower layers follow them (VP8 96, 97, 98; H.264 102, 103, 104).
int vp8LayerPayloadType(int layer);
int h264LayerPayloadType(int layer);

// The appsink of a layer: "vp8", "vp8_1", "vp8_2" (likewise "h264").
std::string layerSinkName(const std::string& codec, int layer);
// Every video appsink name a pipeline may have, for the ingest child to look up.
std::vector<std::string> allVideoSinkNames();

}  // namespace medrelay::pipelines
