// The benchmark's source: the synthetic VP8 stream at a set bitrate and frame rate, a key frame
// every few seconds, each frame's packets sent together (as an encoder does) to every
// destination, so that MedRelay and Janus get the same RTP in the same run. Like an encoder, it
// answers key-frame requests: an RTCP PLI or FIR arriving on its feedback port makes the next
// frame a key frame. It sends an RTCP sender report every second to the `rtcp` addresses, so
// that servers that learn where to send feedback from the source's RTCP (Janus) can reach it.
#pragma once

#include <string>
#include <vector>

namespace medrelay::bench {

struct SourceOptions {
  std::vector<std::string> destinations;  // HOST:PORT
  std::vector<std::string> rtcp;          // HOST:PORT for sender reports
  int feedbackPort = 0;                   // 127.0.0.1 port we send from and take PLI on; 0: any
  int kbps = 2500, fps = 30, keySeconds = 2, seconds = 60;
  size_t packetSize = 1200;
};

int runSource(const SourceOptions& options);

}  // namespace medrelay::bench
