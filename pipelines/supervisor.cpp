#include "pipelines/supervisor.hpp"

#include "pipelines/ingest_handoff.hpp"
#include "pipelines/ingest_main.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "common/logger.hpp"

namespace medrelay::pipelines {

namespace {

auto log() {
  static auto logger = medrelay::logger("supervisor");
  return logger;
}

// What an operator reads in the API and /metrics: why the ingest process ended, from its exit
// code (ingest_main.hpp) or the signal that ended it.
std::string describeExit(int status) {
  if (WIFSIGNALED(status)) {
    return std::string("the ingest process was killed (") + strsignal(WTERMSIG(status)) + ")";
  }
  if (!WIFEXITED(status)) return "the ingest process stopped";
  switch (WEXITSTATUS(status)) {
    case kIngestBadSource:
      return "the source address is not usable";
    case kIngestPipelineFailed:
      return "the media pipeline could not be built";
    case kIngestStalled:
      return "the source stopped sending media";
    case kIngestStreamError:
      return "the source failed (unreachable, refused, or sent what could not be decoded)";
    case kIngestEnded:
      return "the source ended its stream";
    case kIngestRelayGone:
      return "the relay closed the ingest socket";
    default:
      return "the ingest process exited with code " + std::to_string(WEXITSTATUS(status));
  }
}

bool stalled(int status) {
  return WIFEXITED(status) && WEXITSTATUS(status) == kIngestStalled;
}

}  // namespace

std::string_view sourceStateName(SourceState state) {
  switch (state) {
    case SourceState::Starting:
      return "starting";
    case SourceState::Running:
      return "running";
    case SourceState::Stalled:
      return "stalled";
    case SourceState::Failed:
      return "failed";
    case SourceState::Standby:
      return "standby";
    case SourceState::Stopped:
      return "stopped";
  }
  return "stopped";
}

struct Supervisor::Source {
  IngestSpec spec;
  int relayFd = -1;
  int childFd = -1;
  pid_t pid = -1;
  SourceState state = SourceState::Stopped;
  int restarts = 0;
  std::chrono::milliseconds backoff = kFirstBackoff;
  Clock::time_point startedAt{};
  Clock::time_point restartAt{};
  std::vector<std::string> argv;  // prepared before fork: nothing allocates in the child
  // On demand: whether anyone watches, until when it runs without viewers, and the child that
  // was told to stop (SIGTERM; SIGKILL at stopKillAt) for want of them.
  bool watched = false;
  Clock::time_point lingerUntil{};
  bool stopping = false;
  Clock::time_point stopKillAt{};
  bool removed = false;  // removeSource: its child is stopped, then the source is forgotten

  bool wanted(Clock::time_point now) const {
    return !removed && (!spec.onDemand || watched || now < lingerUntil);
  }
};

Supervisor::Supervisor(std::string executable, Listener& listener, std::chrono::milliseconds linger)
    : executable_(std::move(executable)),
      listener_(listener),
      linger_(linger),
      thread_([this] { loop(); }) {}

Supervisor::~Supervisor() {
  stop();
}

int Supervisor::addSource(IngestSpec spec) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    throw std::runtime_error("cannot create an ingest socket: " + std::string(strerror(errno)));
  }
  // Room for bursts (a key frame is dozens of packets) without blocking the child.
  int size = 4 * 1024 * 1024;
  ::setsockopt(fds[0], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  ::setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  auto source = std::make_unique<Source>();
  source->spec = std::move(spec);
  source->spec.options.socketFd = 3;
  source->spec.options.streamName = source->spec.streamName;
  source->relayFd = fds[0];
  source->childFd = fds[1];
  source->argv = {executable_, "ingest"};
  for (auto& arg : toCommandLine(source->spec.options))
    source->argv.push_back(arg);
  int relayFd = source->relayFd;
  {
    std::lock_guard lock(mutex_);
    if (source->wanted(Clock::now()))
      spawn(*source);
    else
      setState(*source, SourceState::Standby, std::string(kStandbyDetail));
    sources_.push_back(std::move(source));
  }
  wake_.notify_all();
  return relayFd;
}

void Supervisor::setWatched(const std::string& stream, bool watched) {
  {
    std::lock_guard lock(mutex_);
    for (auto& source : sources_) {
      if (source->spec.streamName != stream || source->removed || source->watched == watched)
        continue;
      source->watched = watched;
      if (!watched) source->lingerUntil = Clock::now() + linger_;
    }
  }
  wake_.notify_all();  // a first viewer's source starts now, not at the next poll
}

void Supervisor::removeSource(const std::string& stream) {
  {
    std::lock_guard lock(mutex_);
    for (auto& source : sources_) {
      if (source->spec.streamName == stream) source->removed = true;
    }
  }
  wake_.notify_all();
}

// Called with mutex_ held.
void Supervisor::spawn(Source& source) {
  // The source (perhaps with a camera's credentials) goes over the socket, not the command line.
  if (!sendHandoff(source.relayFd, source.childFd, IngestHandoff{source.spec.options.source})) {
    source.state = SourceState::Failed;
    source.restartAt = Clock::now() + source.backoff;
    log()->error("{}: cannot hand the source to an ingest process: {}", source.spec.streamName,
                 strerror(errno));
    return;
  }
  std::vector<char*> argv;
  for (auto& arg : source.argv)
    argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the relay died before we got here
    ::dup2(source.childFd, 3);                // dup2 clears FD_CLOEXEC on the copy
    if (source.childFd == 3) ::fcntl(3, F_SETFD, 0);
    ::close_range(4, ~0U, CLOSE_RANGE_CLOEXEC);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the relay blocks SIGTERM; children must not
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  if (pid < 0) {
    source.state = SourceState::Failed;
    source.restartAt = Clock::now() + source.backoff;
    log()->error("{}: cannot start an ingest process: {}", source.spec.streamName, strerror(errno));
    return;
  }
  source.pid = pid;
  source.startedAt = Clock::now();
  setState(source, SourceState::Starting, "pid " + std::to_string(pid));
}

void Supervisor::setState(Source& source, SourceState state, const std::string& detail) {
  source.state = state;
  listener_.onSourceStateChanged(source.spec.streamName, state, detail);
}

void Supervisor::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    auto now = Clock::now();
    for (auto& source : sources_) {
      if (source->pid > 0)
        superviseChild(*source, now);
      else
        superviseIdle(*source, now);
    }
    // A removed source goes once its child has been reaped.
    std::erase_if(sources_, [](const std::unique_ptr<Source>& source) {
      if (!source->removed || source->pid > 0) return false;
      ::close(source->childFd);
      ::close(source->relayFd);
      log()->info("{}: removed", source->spec.streamName);
      return true;
    });
    // Children are few; a short poll keeps this simple and needs no SIGCHLD handling.
    wake_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

// Called with mutex_ held.
void Supervisor::superviseChild(Source& source, Clock::time_point now) {
  int status = 0;
  if (::waitpid(source.pid, &status, WNOHANG) == source.pid) {
    source.pid = -1;
    if (source.removed) return;  // forgotten by the loop, without a word to the listener
    if (source.stopping) {
      // Stopped for want of viewers: not a failure, and the next start is immediate.
      source.stopping = false;
      source.backoff = kFirstBackoff;
      log()->info("{}: stopped, nobody watches", source.spec.streamName);
      setState(source, SourceState::Standby, std::string(kStandbyDetail));
      return;
    }
    auto ran = now - source.startedAt;
    if (ran >= kStableAfter) source.backoff = kFirstBackoff;
    source.restartAt = now + source.backoff;
    auto detail =
        describeExit(status) + ", restarting in " + std::to_string(source.backoff.count()) + " ms";
    log()->warn("{}: {}", source.spec.streamName, detail);
    source.backoff = std::min(source.backoff * 2, kMaxBackoff);
    setState(source, stalled(status) ? SourceState::Stalled : SourceState::Failed, detail);
  } else if (source.stopping) {
    if (now >= source.stopKillAt) ::kill(source.pid, SIGKILL);  // reaped on a later pass
  } else if (!source.wanted(now)) {
    ::kill(source.pid, SIGTERM);
    source.stopping = true;
    source.stopKillAt = now + kStopGrace;
  } else if (source.state == SourceState::Starting && now - source.startedAt >= kRunningAfter) {
    setState(source, SourceState::Running, "pid " + std::to_string(source.pid));
  }
}

// Called with mutex_ held.
void Supervisor::superviseIdle(Source& source, Clock::time_point now) {
  if (source.removed) return;
  if (!source.wanted(now)) {
    // A failed source nobody watches waits for a viewer, not for its backoff.
    if (source.state != SourceState::Standby)
      setState(source, SourceState::Standby, std::string(kStandbyDetail));
  } else if (source.state == SourceState::Standby) {
    spawn(source);
  } else if (awaitingRestart(source.state) && now >= source.restartAt) {
    ++source.restarts;
    spawn(source);
  }
}

void Supervisor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  for (auto& source : sources_) {
    if (source->pid > 0) ::kill(source->pid, SIGTERM);
  }
  auto deadline = Clock::now() + std::chrono::seconds(3);
  for (auto& source : sources_) {
    while (source->pid > 0) {
      int status = 0;
      if (::waitpid(source->pid, &status, WNOHANG) == source->pid) {
        source->pid = -1;
      } else if (Clock::now() > deadline) {
        ::kill(source->pid, SIGKILL);
        ::waitpid(source->pid, &status, 0);
        source->pid = -1;
      } else {
        ::usleep(10'000);  // bounded by the deadline above
      }
    }
    source->state = SourceState::Stopped;
    ::close(source->childFd);
    ::close(source->relayFd);
  }
}

std::vector<Supervisor::SourceStatus> Supervisor::status() const {
  std::lock_guard lock(mutex_);
  std::vector<SourceStatus> out;
  for (const auto& s : sources_)
    if (!s->removed) out.push_back({s->spec.streamName, s->state, s->restarts, s->pid});
  return out;
}

}  // namespace medrelay::pipelines
