// A server's CPU time and resident memory from /proc, its child processes (MedRelay's ingest
// children) included, so that work moved out of the main process is still counted.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace medrelay::bench {

struct ProcessFigures {
  int64_t cpuMicros = 0;  // user + system
  int64_t rssKb = 0;
};

ProcessFigures readProcessFigures(const std::vector<pid_t>& pids);

}  // namespace medrelay::bench
