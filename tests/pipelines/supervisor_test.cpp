// The supervisor with real `medrelay ingest` children: RTP arrives on the relay's fd, a killed
// child is restarted and RTP resumes on the same fd, a bad source backs off (failed) without
// touching a healthy one, a silent one is reported stalled, and stop() leaves no child behind.
#include "pipelines/supervisor.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>

#include <atomic>
#include <map>
#include <thread>

namespace medrelay::pipelines {
namespace {

struct States : Supervisor::Listener {
  void onSourceStateChanged(const std::string& stream, SourceState state,
                            const std::string& detail) override {
    std::lock_guard lock(mutex);
    history[stream].push_back(state);
    details[stream] = detail;
  }
  std::string lastDetail(const std::string& stream) {
    std::lock_guard lock(mutex);
    return details[stream];
  }
  int count(const std::string& stream, SourceState state) {
    std::lock_guard lock(mutex);
    int n = 0;
    for (auto s : history[stream])
      n += s == state;
    return n;
  }
  std::mutex mutex;
  std::map<std::string, std::vector<SourceState>> history;
  std::map<std::string, std::string> details;
};

// Reads RTP datagrams until `count` arrived or the deadline passed.
int receive(int fd, int count, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int got = 0;
  uint8_t buffer[2048];
  while (got < count && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 200) > 0 && ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) >= 12 &&
        (buffer[0] >> 6) == 2) {
      ++got;
    }
  }
  return got;
}

IngestOptions small(const std::string& source) {
  IngestOptions o;
  o.source = source;
  o.width = 160;
  o.height = 120;
  o.fps = 15;
  o.codecs = {"vp8"};
  o.stallSeconds = 2;
  return o;
}

TEST(Supervisor, RestartsAKilledChildOnTheSameSocket) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  int fd = supervisor.addSource({"cam", small("test://")});
  EXPECT_EQ(receive(fd, 20, std::chrono::seconds(15)), 20);
  auto status = supervisor.status();
  ASSERT_EQ(status.size(), 1u);
  ASSERT_GT(status[0].pid, 0);
  ::kill(status[0].pid, SIGKILL);
  // Drain what the dead child left, then fresh RTP must arrive on the same fd.
  EXPECT_EQ(receive(fd, 20, std::chrono::seconds(15)), 20);
  EXPECT_GE(states.count("cam", SourceState::Failed), 1) << "a killed child is a failure";
  EXPECT_EQ(supervisor.status()[0].restarts, 1);
  pid_t last = supervisor.status()[0].pid;
  supervisor.stop();
  EXPECT_NE(::kill(last, 0), 0) << "no child may outlive stop()";
}

TEST(Supervisor, BadSourceBacksOffWithoutHurtingAHealthyOne) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  int good = supervisor.addSource({"good", small("test://")});
  supervisor.addSource({"bad", small("nosuch://camera")});
  EXPECT_EQ(receive(good, 30, std::chrono::seconds(15)), 30);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (states.count("bad", SourceState::Failed) < 3 &&
         std::chrono::steady_clock::now() < deadline) {
    receive(good, 1, std::chrono::seconds(1));
  }
  EXPECT_GE(states.count("bad", SourceState::Failed), 3) << "the bad source keeps being retried";
  EXPECT_EQ(states.count("bad", SourceState::Stalled), 0);
  EXPECT_EQ(states.count("good", SourceState::Failed), 0);
  EXPECT_EQ(states.count("good", SourceState::Stalled), 0);
  EXPECT_EQ(receive(good, 10, std::chrono::seconds(5)), 10);
}

TEST(Supervisor, ASilentSourceIsReportedStalledWithItsReason) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  // RTP on a port nobody sends to: the child's watchdog gives up after twice the stall time.
  supervisor.addSource({"quiet", small("rtp://127.0.0.1:9?codec=vp8")});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (states.count("quiet", SourceState::Stalled) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(states.count("quiet", SourceState::Stalled), 1);
  EXPECT_EQ(states.count("quiet", SourceState::Failed), 0) << "silence is a stall, not a failure";
  EXPECT_EQ(states.lastDetail("quiet").rfind("the source stopped sending media", 0), 0u)
      << states.lastDetail("quiet");
}

}  // namespace
}  // namespace medrelay::pipelines
