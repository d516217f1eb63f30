// Options of one ingest process (`medrelay ingest`), shared by the CLI that parses them and the
// supervisor that writes them onto a child's command line.
#pragma once

#include "common/cli_fwd.hpp"

#include <string>
#include <vector>

namespace medrelay::pipelines {

// Payload types on the ingest socket (the relay's StreamRegistry uses the same numbers).
constexpr int kVp8PayloadType = 96;
constexpr int kH264PayloadType = 102;
constexpr int kOpusPayloadType = 111;

struct IngestOptions {
  std::string source;  // test://, rtsp://[user:pass@]host[:port]/path, dicom:///FOLDER
  std::string streamName = "stream";
  int socketFd = 3;
  std::vector<std::string> codecs;  // for sources we encode: "vp8", "h264" (default both)
  // Encoded sources (test, DICOM): the picture size. Transcoded cameras: the largest size.
  int width = 1280, height = 720, fps = 30;
  int bitrateKbps = 2000;  // of the top layer's encoders (lower layers: see layer_ladder)
  // Layers of the ladder per codec (1 to 3), each half the size of the one above; a camera whose
  // H.264 passes through keeps it as the top layer. 1: the top layer only (spares the CPU).
  int layers = 3;
  int keyFrameIntervalSeconds = 2;
  int stallSeconds = 10;  // exit when no packet leaves for this long (first one: twice this)
  std::string logLevel = "info";
  // DICOM folders: the CT window preset and how long each slice of a sweep shows.
  std::string ctWindow = "soft-tissue";
  int sliceMilliseconds = 100;
};

void addIngestOptions(CLI::App& command, IngestOptions& options);
// The child's command line: every option but the source, which travels over the ingest socket.
std::vector<std::string> toCommandLine(const IngestOptions& options);

}  // namespace medrelay::pipelines
