// Runs a real `medrelay serve` as a child process for integration tests: temporary data
// directory, loopback only, port chosen by the kernel (parsed from the server's first line).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace medrelay::testing {

class ServerProcess {
 public:
  explicit ServerProcess(std::vector<std::string> extraArgs = {});
  ~ServerProcess();  // SIGTERM, then SIGKILL after 5 s; removes the data directory
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  unsigned short metricsPort() const { return metricsPort_; }  // /metrics (HTTPS, loopback)
  pid_t pid() const { return pid_; }
  const std::filesystem::path& dataDir() const { return dataDir_; }
  // Runs `medrelay admin --data-dir DIR ARGS...` and returns its stdout without the final newline.
  std::string admin(std::vector<std::string> args) const;
  std::string issueToken(const std::string& user) const;  // runs `medrelay admin token issue`
  std::vector<pid_t> childPids() const;                   // the ingest processes it supervises
  // The server's log (stdout and stderr) so far: its line count, and the text from a line on.
  size_t logLineCount() const;
  std::string logText(size_t fromLine = 0) const;
  bool running() const;      // false once the process has exited (crashed, aborted by ASan)
  long residentKiB() const;  // VmRSS, -1 if unknown

  static std::string binary();  // path of the medrelay executable under test

 private:
  std::filesystem::path dataDir_;
  std::filesystem::path logPath_;
  pid_t pid_ = -1;
  mutable bool exited_ = false;  // reaped by running()
  unsigned short port_ = 0;
  unsigned short metricsPort_ = 0;
};

// Runs a command and returns its stdout (throws if it fails).
std::string runCommand(const std::vector<std::string>& argv);

}  // namespace medrelay::testing
