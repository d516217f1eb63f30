// The benchmark's source: the synthetic VP8 stream at a set bitrate and frame rate, a key frame
// every few seconds, each frame's packets sent together (as an encoder does) to every
// destination, so that MedRelay and Janus get the same RTP in the same run.
#pragma once

#include <string>
#include <vector>

namespace medrelay::bench {

struct SourceOptions {
  std::vector<std::string> destinations;  // HOST:PORT
  int kbps = 2500, fps = 30, keySeconds = 2, seconds = 60;
  size_t packetSize = 1200;
};

int runSource(const SourceOptions& options);

}  // namespace medrelay::bench
