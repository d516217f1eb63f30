// medrelay_load: the benchmark's load generator (issue 5).
//   medrelay_load source --to 127.0.0.1:5004 --to 127.0.0.1:5006 --kbps 2500 --seconds 60
//   medrelay_load viewers --target medrelay --port 8443 --token T --viewers 200 --server-pid P
//   medrelay_load viewers --target janus --port 8088 --viewers 200 --server-pid P
#include <CLI/CLI.hpp>

#include "bench/load/source.hpp"
#include "bench/load/viewers.hpp"
#include "common/logger.hpp"

int main(int argc, char** argv) {
  CLI::App app{"MedRelay benchmark load generator"};
  app.require_subcommand(1);
  medrelay::bench::SourceOptions source;
  auto* sourceCommand = app.add_subcommand("source", "Send the synthetic VP8 stream");
  sourceCommand->add_option("--to", source.destinations, "HOST:PORT (repeatable)")->required();
  sourceCommand->add_option("--rtcp-to", source.rtcp, "HOST:PORT for sender reports");
  sourceCommand
      ->add_option("--feedback-port", source.feedbackPort,
                   "Local port for key-frame requests (RTCP PLI/FIR)")
      ->check(CLI::Range(0, 65535));
  sourceCommand->add_option("--kbps", source.kbps)->check(CLI::Range(100, 50000));
  sourceCommand->add_option("--fps", source.fps)->check(CLI::Range(1, 120));
  sourceCommand->add_option("--key-seconds", source.keySeconds)->check(CLI::Range(1, 60));
  sourceCommand->add_option("--seconds", source.seconds)->check(CLI::Range(1, 86400));

  medrelay::bench::ViewersOptions viewers;
  auto* viewersCommand = app.add_subcommand("viewers", "Join N viewers and measure");
  viewersCommand->add_option("--target", viewers.target)
      ->check(CLI::IsMember({"medrelay", "janus"}));
  viewersCommand->add_option("--host", viewers.host, "Signaling address");
  viewersCommand->add_option("--ice-address", viewers.iceAddress, "Local ICE address");
  viewersCommand->add_option("--port", viewers.port);
  viewersCommand->add_option("--stream", viewers.stream);
  viewersCommand->add_option("--token", viewers.token);
  viewersCommand->add_option("--mountpoint", viewers.mountpoint);
  viewersCommand->add_option("--viewers", viewers.viewers)->check(CLI::Range(1, 5000));
  viewersCommand->add_option("--warmup", viewers.warmupSeconds)->check(CLI::Range(0, 600));
  viewersCommand->add_option("--seconds", viewers.seconds)->check(CLI::Range(1, 3600));
  viewersCommand->add_option("--join-seconds", viewers.joinSeconds, "Stop joining after this long")
      ->check(CLI::Range(1, 3600));
  viewersCommand->add_option("--server-pid", viewers.serverPids);
  viewersCommand->add_option("--min-packets", viewers.minPacketsPerViewer,
                             "Exit 1 unless every viewer got this many packets in the window");
  CLI11_PARSE(app, argc, argv);
  medrelay::setLogLevel("warn");
  if (sourceCommand->parsed()) return medrelay::bench::runSource(source);
  return medrelay::bench::runViewers(viewers);
}
