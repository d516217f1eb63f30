#include "tests/integration/server_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace medrelay::testing {

namespace {

std::vector<char*> argvOf(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args)
    out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

bool waitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return true;
    ::usleep(20'000);  // polling a child's exit; no event to wait on without a pidfd
  }
  return false;
}

}  // namespace

std::string ServerProcess::binary() {
  return MEDRELAY_BINARY;
}

std::string runCommand(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  // Everything the child needs is built before fork: after fork in a threaded process only
  // async-signal-safe calls are allowed (an allocation can deadlock on another thread's lock).
  auto args = argv;
  auto raw = argvOf(args);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(out[0], buffer, sizeof buffer)) > 0)
    text.append(buffer, n);
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("command failed: " + argv.front());
  }
  return text;
}

ServerProcess::ServerProcess(std::vector<std::string> extraArgs) {
  std::random_device random;
  dataDir_ = std::filesystem::temp_directory_path() /
             ("medrelay-it-" + std::to_string(random()) + std::to_string(::getpid()));
  std::filesystem::create_directories(dataDir_);

  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {binary(),   "serve",       "--data-dir",    dataDir_.string(),
                                   "--listen", "127.0.0.1:0", "--ice-address", "127.0.0.1"};
  // Tests default to a small demo (cheap to encode on CI); benchmarks ask for 720p.
  if (std::find(extraArgs.begin(), extraArgs.end(), "--demo-size") == extraArgs.end()) {
    args.insert(args.end(), {"--demo-size", "640x360"});
  }
  // Parallel servers must not contend for the DICOM port; tests that want DICOM give its address.
  if (std::find(extraArgs.begin(), extraArgs.end(), "--dicom-listen") == extraArgs.end()) {
    args.push_back("--no-dicom");
  }
  // Each server's metrics on a port of its own (the default 9464 would collide).
  if (std::find(extraArgs.begin(), extraArgs.end(), "--metrics-listen") == extraArgs.end()) {
    args.insert(args.end(), {"--metrics-listen", "127.0.0.1:0"});
  }
  args.insert(args.end(), extraArgs.begin(), extraArgs.end());
  auto raw = argvOf(args);  // before fork, see runCommand
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);  // its log too: tests read it (logPath) and it is passed on to stderr
    ::execv(raw[0], raw.data());
    ::_exit(127);
  }
  ::close(out[1]);

  // The server prints "... listening on https://127.0.0.1:PORT/ (metrics on https://...:PORT/
  // metrics)" once its ports are bound, as one line.
  std::string printed;
  std::regex listening(R"(listening on https://[^\s]+:(\d+)/([^\n]*)\n)");
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  std::smatch match;
  while (!std::regex_search(printed, match, listening)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        end - std::chrono::steady_clock::now());
    pollfd p{out[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      ::close(out[0]);
      throw std::runtime_error("server did not report its port; printed: " + printed);
    }
    char buffer[1024];
    ssize_t n = ::read(out[0], buffer, sizeof buffer);
    if (n <= 0) {
      ::close(out[0]);
      throw std::runtime_error("server exited early; printed: " + printed);
    }
    printed.append(buffer, n);
  }
  port_ = static_cast<unsigned short>(std::stoi(match[1]));
  std::smatch metrics;
  std::string rest = match[2];
  if (std::regex_search(rest, metrics, std::regex(R"(metrics on https://[^\s]+:(\d+)/metrics)"))) {
    metricsPort_ = static_cast<unsigned short>(std::stoi(metrics[1]));
  }
  // Keep draining the server's output in the background so it never blocks on a full pipe,
  // copying it to the log file (tests count its lines) and to our stderr (ctest shows it).
  logPath_ = dataDir_ / "server.log";
  int log = ::open(logPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log < 0) throw std::runtime_error("cannot create " + logPath_.string());
  (void)!::write(log, printed.data(), printed.size());
  if (::fork() == 0) {
    // This child never execs: drop every inherited descriptor but the pipe and the log, or it
    // would keep the parent's sockets (a test camera's listening port) open for the server's
    // lifetime.
    for (int fd = 3; fd < 1024; ++fd) {
      if (fd != out[0] && fd != log) ::close(fd);
    }
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(out[0], buffer, sizeof buffer)) > 0) {
      (void)!::write(log, buffer, static_cast<size_t>(n));
      (void)!::write(2, buffer, static_cast<size_t>(n));
    }
    ::_exit(0);
  }
  ::close(out[0]);
  ::close(log);
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGTERM);
    if (!waitExit(pid_, std::chrono::seconds(5))) {
      ::kill(pid_, SIGKILL);
      waitExit(pid_, std::chrono::seconds(5));
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dataDir_, ec);
}

std::string ServerProcess::admin(std::vector<std::string> args) const {
  args.insert(args.begin(), {binary(), "admin", "--data-dir", dataDir_.string()});
  auto text = runCommand(args);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
    text.pop_back();
  return text;
}

size_t ServerProcess::logLineCount() const {
  std::ifstream in(logPath_);
  size_t lines = 0;
  std::string line;
  while (std::getline(in, line))
    ++lines;
  return lines;
}

std::string ServerProcess::logText(size_t fromLine) const {
  std::ifstream in(logPath_);
  std::string line, text;
  for (size_t i = 0; std::getline(in, line); ++i) {
    if (i >= fromLine) text += line + "\n";
  }
  return text;
}

bool ServerProcess::running() const {
  int status = 0;
  if (!exited_ && pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) exited_ = true;
  return pid_ > 0 && !exited_;
}

long ServerProcess::residentKiB() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

std::string ServerProcess::issueToken(const std::string& user) const {
  return admin({"token", "issue", "--user", user});
}

std::vector<pid_t> ServerProcess::childPids() const {
  // /proc/PID/task/TID/children is per thread and the supervisor forks from its own thread,
  // so scan every process's parent instead.
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    auto close = line.rfind(')');  // the command name may contain spaces and parentheses
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 2));
    char state;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == pid_) pids.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return pids;
}

}  // namespace medrelay::testing
