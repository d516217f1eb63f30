#include "pipelines/ingest_options.hpp"

#include <CLI/CLI.hpp>

namespace medrelay::pipelines {

void addIngestOptions(CLI::App& command, IngestOptions& o) {
  // The supervisor never passes the source here (it may hold a camera's credentials): it comes
  // over the ingest socket (see ingest_handoff). By hand, for debugging, it may be given.
  command.add_option("--source", o.source,
                     "Source URI (test://, rtsp://, dicom:///FOLDER); default: read from the "
                     "ingest socket");
  command.add_option("--stream", o.streamName, "Stream name (for logs)");
  command.add_option("--socket-fd", o.socketFd, "Inherited ingest socket")
      ->check(CLI::Range(0, 65535));
  command.add_option("--codec", o.codecs, "Encoding to produce for encoded sources (vp8, h264)")
      ->check(CLI::IsMember({"vp8", "h264"}));
  command.add_option("--width", o.width)->check(CLI::Range(16, 7680));
  command.add_option("--height", o.height)->check(CLI::Range(16, 4320));
  command.add_option("--fps", o.fps)->check(CLI::Range(1, 120));
  command.add_option("--bitrate-kbps", o.bitrateKbps)->check(CLI::Range(50, 50000));
  command.add_option("--layers", o.layers, "Layers per codec, each half the size (1-3)")
      ->check(CLI::Range(1, 3));
  command
      .add_option("--key-frame-interval", o.keyFrameIntervalSeconds, "Seconds between key frames")
      ->check(CLI::Range(1, 60));
  command.add_option("--stall-seconds", o.stallSeconds)->check(CLI::Range(1, 600));
  command.add_option("--log-level", o.logLevel)
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
  command.add_option("--ct-window", o.ctWindow, "CT window preset for DICOM sources")
      ->check(CLI::IsMember({"soft-tissue", "brain", "lung", "bone"}));
  command.add_option("--slice-ms", o.sliceMilliseconds, "Milliseconds per slice of a sweep")
      ->check(CLI::Range(10, 5000));
}

std::vector<std::string> toCommandLine(const IngestOptions& o) {
  // No --source: see addIngestOptions.
  std::vector<std::string> args = {"--stream",
                                   o.streamName,
                                   "--socket-fd",
                                   std::to_string(o.socketFd),
                                   "--width",
                                   std::to_string(o.width),
                                   "--height",
                                   std::to_string(o.height),
                                   "--fps",
                                   std::to_string(o.fps),
                                   "--bitrate-kbps",
                                   std::to_string(o.bitrateKbps),
                                   "--layers",
                                   std::to_string(o.layers),
                                   "--key-frame-interval",
                                   std::to_string(o.keyFrameIntervalSeconds),
                                   "--stall-seconds",
                                   std::to_string(o.stallSeconds),
                                   "--log-level",
                                   o.logLevel,
                                   "--ct-window",
                                   o.ctWindow,
                                   "--slice-ms",
                                   std::to_string(o.sliceMilliseconds)};
  for (const auto& codec : o.codecs) {
    args.push_back("--codec");
    args.push_back(codec);
  }
  return args;
}

}  // namespace medrelay::pipelines
