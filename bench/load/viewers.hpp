// `medrelay_load viewers`: N benchmark viewers in this process against MedRelay (WHEP) or Janus
// (HTTP API, streaming plugin), joined one after another, then a steady-state window in which
// the server's CPU and memory and every viewer's packets, loss, reordering and delay are
// measured. Prints one JSON line with the figures (the run script makes the table from these).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace medrelay::bench {

struct ViewersOptions {
  std::string target = "medrelay";  // or "janus"
  std::string host = "127.0.0.1";   // signaling
  std::string iceAddress;           // local ICE address; empty: `host`
  unsigned short port = 8443;       // MedRelay HTTPS, or Janus HTTP 8088
  std::string stream = "bench";     // MedRelay stream
  std::string token;                // MedRelay bearer token
  int mountpoint = 1;               // Janus streaming mountpoint
  int viewers = 20;
  int warmupSeconds = 2, seconds = 10;
  int joinSeconds = 600;          // stop joining after this long; the figures say how many joined
  std::vector<pid_t> serverPids;  // whose CPU and memory to read (children included)
  int minPacketsPerViewer = 0;    // exit 1 unless every viewer received at least this many
};

int runViewers(const ViewersOptions& options);

}  // namespace medrelay::bench
