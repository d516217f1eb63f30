#include "bench/load/process_figures.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace medrelay::bench {

namespace {

void addOne(pid_t pid, ProcessFigures& out) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  auto close = text.rfind(')');  // the command name may hold spaces
  if (close == std::string::npos) return;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; fields >> field; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(field);
    if (i == 15) {
      stime = std::stoll(field);
      break;
    }
  }
  out.cpuMicros += (utime + stime) * 1'000'000 / sysconf(_SC_CLK_TCK);
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) out.rssKb += std::stoll(line.substr(6));
  }
}

// The process and its descendants (MedRelay's ingest children), a few levels deep.
void addTree(pid_t pid, ProcessFigures& out, int depth) {
  addOne(pid, out);
  if (depth == 0) return;
  std::ifstream children("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) +
                         "/children");
  for (pid_t child; children >> child;)
    addTree(child, out, depth - 1);
}

}  // namespace

ProcessFigures readProcessFigures(const std::vector<pid_t>& pids) {
  ProcessFigures out;
  for (pid_t pid : pids)
    addTree(pid, out, 3);
  return out;
}

}  // namespace medrelay::bench
