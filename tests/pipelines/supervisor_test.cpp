// The supervisor with real `medrelay ingest` children: RTP arrives on the relay's fd, a killed
// child is restarted and RTP resumes on the same fd, a bad source backs off (failed) without
// touching a healthy one, a silent one is reported stalled, a raw RTP source gets the relay's
// key-frame requests as RTCP PLI, a PLI makes a key frame of the encoding it names only, and
// stop() leaves no child behind. An on-demand source runs only while watched.
#include "pipelines/supervisor.hpp"

#include "relay/rtp/keyframe.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_packet.hpp"
#include "tests/support/free_port.hpp"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
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

// A camera's credentials never reach a command line: every local user can read a process's
// arguments in /proc/PID/cmdline. The child gets its source over the ingest socket.
TEST(Supervisor, TheSourceAndItsSecretsAreNotOnTheChildsCommandLine) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  const std::string secret = "correct-horse-battery-staple";
  // An SRT listener waits for its caller, so the child stays up to be looked at.
  supervisor.addSource(
      {"cam", small("srt://127.0.0.1:" + std::to_string(testing::freeLoopbackPort(SOCK_DGRAM)) +
                    "?mode=listener&passphrase=" + secret)});
  pid_t pid = 0;
  for (int i = 0; i < 100 && pid <= 0; ++i) {
    auto status = supervisor.status();
    if (!status.empty()) pid = status[0].pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(pid, 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));  // past exec and the hand-off
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string args((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  ASSERT_NE(args.find("ingest"), std::string::npos) << "looking at the ingest child";
  EXPECT_EQ(args.find(secret), std::string::npos);
  EXPECT_EQ(args.find("srt://"), std::string::npos) << "no source on the command line at all";
  std::ifstream environ("/proc/" + std::to_string(pid) + "/environ");
  std::string env((std::istreambuf_iterator<char>(environ)), std::istreambuf_iterator<char>());
  EXPECT_EQ(env.find(secret), std::string::npos);
  // It did get its source: it is listening, not failed for want of one.
  EXPECT_EQ(states.count("cam", SourceState::Failed), 0) << states.lastDetail("cam");
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

// Waits until `stream` has been in `state` `times` times (or the deadline passed).
bool waitForState(States& states, const std::string& stream, SourceState state, int times,
                  std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (states.count(stream, state) < times && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return states.count(stream, state) >= times;
}

void drain(int fd) {
  uint8_t buffer[2048];
  while (::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT) >= 0) {
  }
}

bool processGone(pid_t pid, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::kill(pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  return ::kill(pid, 0) != 0;
}

// An on-demand source runs no process until watched, runs while watched and for the linger
// after, then stops (standby, not a failure) and starts again for the next viewer, on the same
// socket. An always-on source beside it is not touched.
TEST(Supervisor, AnOnDemandSourceRunsOnlyWhileWatchedAndForTheLingerAfter) {
  States states;
  const std::chrono::milliseconds linger(1500);
  Supervisor supervisor(MEDRELAY_BINARY, states, linger);
  IngestSpec spec{"series", small("test://"), true};
  int fd = supervisor.addSource(spec);
  int always = supervisor.addSource({"always", small("test://")});
  EXPECT_EQ(receive(always, 20, std::chrono::seconds(15)), 20);
  auto status = supervisor.status();
  ASSERT_EQ(status.size(), 2u);
  EXPECT_EQ(status[0].state, SourceState::Standby);
  EXPECT_LE(status[0].pid, 0) << "no process for a source nobody watches";
  EXPECT_EQ(receive(fd, 1, std::chrono::seconds(1)), 0);
  EXPECT_EQ(states.lastDetail("series"), kStandbyDetail);

  for (int round = 1; round <= 2; ++round) {
    supervisor.setWatched("series", true);
    EXPECT_EQ(receive(fd, 20, std::chrono::seconds(20)), 20) << "round " << round;
    pid_t pid = supervisor.status()[0].pid;
    ASSERT_GT(pid, 0);
    // Unwatched: it runs through the linger (a reload finds it warm), then stops. Only a lower
    // bound is asserted: a loaded machine makes the stop later, never earlier.
    const auto unwatched = std::chrono::steady_clock::now();
    supervisor.setWatched("series", false);
    ASSERT_TRUE(
        waitForState(states, "series", SourceState::Standby, round + 1, std::chrono::seconds(20)))
        << "round " << round;
    EXPECT_GE(std::chrono::steady_clock::now() - unwatched, linger)
        << "round " << round << ": stopped before the linger ended";
    EXPECT_TRUE(processGone(pid, std::chrono::seconds(5))) << "round " << round;
    EXPECT_LE(supervisor.status()[0].pid, 0);
    drain(fd);  // what the stopped child left: the next round counts fresh packets only
  }
  EXPECT_EQ(states.count("series", SourceState::Failed), 0) << "stopping is not failing";
  EXPECT_EQ(supervisor.status()[0].restarts, 0);
  // Watched again while stopping or stopped: it comes back either way.
  supervisor.setWatched("series", true);
  supervisor.setWatched("series", false);
  supervisor.setWatched("series", true);
  EXPECT_EQ(receive(fd, 20, std::chrono::seconds(20)), 20);
  EXPECT_EQ(states.count("always", SourceState::Standby), 0);
  EXPECT_EQ(receive(always, 10, std::chrono::seconds(10)), 10);
}

// A removed source (a DICOM series past its retention): its child stops, its socket closes,
// the listener hears nothing more of it, a source beside it runs on, and the name can be added
// again as a new source.
TEST(Supervisor, ARemovedSourceStopsItsChildAndClosesItsSocket) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  int fd = supervisor.addSource({"series", small("test://")});
  int other = supervisor.addSource({"other", small("test://")});
  EXPECT_EQ(receive(fd, 20, std::chrono::seconds(15)), 20);
  pid_t pid = supervisor.status()[0].pid;
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(waitForState(states, "series", SourceState::Running, 1, std::chrono::seconds(20)));
  const auto heardBefore = [&] {
    std::lock_guard lock(states.mutex);
    return states.history["series"].size();
  }();

  supervisor.removeSource("series");
  supervisor.setWatched("series", true);  // too late to matter: no such source any more
  EXPECT_TRUE(processGone(pid, std::chrono::seconds(10)));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::fcntl(fd, F_GETFD) != -1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the relay's end of the socket is closed";
  auto status = supervisor.status();
  ASSERT_EQ(status.size(), 1u);
  EXPECT_EQ(status[0].stream, "other");
  {
    std::lock_guard lock(states.mutex);
    EXPECT_EQ(states.history["series"].size(), heardBefore) << "nothing more said of it";
  }
  drain(other);
  EXPECT_EQ(receive(other, 10, std::chrono::seconds(10)), 10);

  int again = supervisor.addSource({"series", small("test://")});
  EXPECT_EQ(receive(again, 20, std::chrono::seconds(15)), 20);
  EXPECT_EQ(supervisor.status().size(), 2u);
}

// A UDP socket on 127.0.0.1:`port` (0: any), for the tests' sources and feedback listeners.
int udpSocket(uint16_t port = 0) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
  return fd;
}

// A camera sending RTP (VP8 payload type, SSRC 0x0BADCAFE) to 127.0.0.1:`port`.
class RtpSource {
 public:
  explicit RtpSource(uint16_t port) : fd_(udpSocket()) {
    to_.sin_family = AF_INET;
    to_.sin_port = htons(port);
    to_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  }
  ~RtpSource() { close(); }
  void send(uint16_t sequence) {
    uint8_t rtp[32] = {0x80, 96, 0, 0, 0, 0, 0, 0, 0x0B, 0xAD, 0xCA, 0xFE, 0x90, 0x80, 0, 0x10};
    rtp[2] = static_cast<uint8_t>(sequence >> 8);
    rtp[3] = static_cast<uint8_t>(sequence);
    ::sendto(fd_, rtp, sizeof rtp, 0, reinterpret_cast<sockaddr*>(&to_), sizeof to_);
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  sockaddr_in to_{};
};

TEST(Supervisor, ASourceThatFallsSilentIsReportedStalledWithItsReason) {
  // An RTP camera that sends for a second, then nothing: the child's watchdog gives up after
  // the stall time. (Before its first packet an rtp:// source only waits: a listener cannot
  // make its sender come by restarting, see PipelineDescription::waitsForSender.)
  uint16_t rtpPort = testing::freeLoopbackPort(SOCK_DGRAM);
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  supervisor.addSource(
      {"quiet", small("rtp://127.0.0.1:" + std::to_string(rtpPort) + "?codec=vp8")});
  RtpSource source(rtpPort);
  // Until the child runs, then a second more (the child may start after our first packets).
  auto sendUntil = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::optional<std::chrono::steady_clock::time_point> running;
  for (uint16_t sequence = 0; std::chrono::steady_clock::now() < sendUntil; ++sequence) {
    source.send(sequence);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!running && states.count("quiet", SourceState::Running) > 0) {
      running = std::chrono::steady_clock::now();
      sendUntil = *running + std::chrono::seconds(1);
    }
  }
  source.close();
  ASSERT_TRUE(running) << "the source never ran";
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (states.count("quiet", SourceState::Stalled) == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GE(states.count("quiet", SourceState::Stalled), 1);
  EXPECT_EQ(states.count("quiet", SourceState::Failed), 0) << "silence is a stall, not a failure";
  EXPECT_EQ(states.lastDetail("quiet").rfind("the source stopped sending media", 0), 0u)
      << states.lastDetail("quiet");
}

TEST(Supervisor, ARawRtpSourceGetsTheRelaysKeyFrameRequestsAsPli) {
  uint16_t rtpPort = testing::freeLoopbackPort(SOCK_DGRAM);
  uint16_t feedbackPort = testing::freeLoopbackPort(SOCK_DGRAM);
  int feedback = udpSocket(feedbackPort);
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  int relay = supervisor.addSource(
      {"raw", small("rtp://127.0.0.1:" + std::to_string(rtpPort) +
                    "?codec=vp8&feedback=127.0.0.1:" + std::to_string(feedbackPort))});
  // The source: RTP (VP8 payload type, SSRC 0x0BADCAFE) every 10 ms.
  RtpSource source(rtpPort);
  uint32_t pliSsrc = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (uint16_t sequence = 0; pliSsrc == 0 && std::chrono::steady_clock::now() < deadline;
       ++sequence) {
    source.send(sequence);
    // Once the relay's fd carries our packets, the relay asks for a key frame (RTCP PLI).
    uint8_t forwarded[64];
    if (::recv(relay, forwarded, sizeof forwarded, MSG_DONTWAIT) >= 12) {
      const uint8_t pli[12] = {0x81, 206, 0, 2, 0, 0, 0, 1, 0x0B, 0xAD, 0xCA, 0xFE};
      ::send(relay, pli, sizeof pli, MSG_DONTWAIT);
    }
    pollfd ready{feedback, POLLIN, 0};
    if (::poll(&ready, 1, 10) > 0) {
      uint8_t in[64];
      ssize_t size = ::recv(feedback, in, sizeof in, 0);
      if (size >= 12 && in[1] == 206 && (in[0] & 0x1F) == 1) {
        pliSsrc =
            (uint32_t{in[8]} << 24) | (uint32_t{in[9]} << 16) | (uint32_t{in[10]} << 8) | in[11];
      }
    }
  }
  EXPECT_EQ(pliSsrc, 0x0BADCAFEu) << "a PLI for the source's SSRC reached its feedback port";
  source.close();
  ::close(feedback);
}

// Key frames per encoding, as the relay's ingest fd carries them: which SSRC each payload type
// goes out on, and how many key frames each has started.
struct EncodingsSeen {
  std::map<uint8_t, uint32_t> ssrc;  // by payload type
  std::map<uint8_t, int> keyFrames;  // by payload type, one per picture (RTP timestamp)
  std::map<uint8_t, uint32_t> lastKeyFrameTimestamp;
  void read(int fd) {
    uint8_t buffer[2048];
    ssize_t size;
    while ((size = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT)) > 0) {
      auto packet = relay::rtp::RtpPacket::parse({buffer, static_cast<size_t>(size)});
      if (!packet) continue;
      auto type = packet->payloadType();
      if (type != kVp8PayloadType && type != kH264PayloadType) continue;
      ssrc[type] = packet->ssrc();
      auto codec = type == kVp8PayloadType ? relay::rtp::Codec::Vp8 : relay::rtp::Codec::H264;
      // An H.264 key frame starts twice: its parameter sets (STAP-A), then the IDR slice.
      if (relay::rtp::isKeyFrameStart(codec, packet->payload()) &&
          (keyFrames[type] == 0 || lastKeyFrameTimestamp[type] != packet->timestamp())) {
        ++keyFrames[type];
        lastKeyFrameTimestamp[type] = packet->timestamp();
      }
    }
  }
  // Reads for `duration`, polling `fd`.
  void readFor(int fd, std::chrono::milliseconds duration) {
    auto until = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < until) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) > 0) read(fd);
    }
  }
};

void askForKeyFrame(int fd, uint32_t mediaSsrc) {
  uint8_t pli[12];
  ASSERT_EQ(relay::rtp::writePli(pli, 1, mediaSsrc), sizeof pli);
  ASSERT_EQ(::send(fd, pli, sizeof pli, MSG_DONTWAIT), static_cast<ssize_t>(sizeof pli));
}

// A VP8 viewer's PLI must not cost the H.264 viewers a key frame (nor the other way round): on
// a thin link a key frame is the picture's budget for a second.
TEST(Supervisor, AKeyFrameRequestReachesOnlyTheEncodingItNames) {
  States states;
  Supervisor supervisor(MEDRELAY_BINARY, states);
  IngestOptions options = small("test://");
  options.codecs = {"vp8", "h264"};
  options.keyFrameIntervalSeconds = 60;  // the longest: only the first and the asked-for ones
  int relay = supervisor.addSource({"both", options});
  EncodingsSeen seen;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((seen.keyFrames[kVp8PayloadType] == 0 || seen.keyFrames[kH264PayloadType] == 0) &&
         std::chrono::steady_clock::now() < deadline)
    seen.readFor(relay, std::chrono::milliseconds(100));
  ASSERT_GE(seen.keyFrames[kVp8PayloadType], 1) << "VP8 started";
  ASSERT_GE(seen.keyFrames[kH264PayloadType], 1) << "H.264 started";
  ASSERT_NE(seen.ssrc[kVp8PayloadType], seen.ssrc[kH264PayloadType]);

  for (auto [asked, other] : {std::pair{kVp8PayloadType, kH264PayloadType},
                              std::pair{kH264PayloadType, kVp8PayloadType}}) {
    const int askedBefore = seen.keyFrames[asked], otherBefore = seen.keyFrames[other];
    askForKeyFrame(relay, seen.ssrc[static_cast<uint8_t>(asked)]);
    // The asked-for key frame comes within a few frames; a loaded machine may take seconds.
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (seen.keyFrames[asked] == askedBefore && std::chrono::steady_clock::now() < deadline)
      seen.readFor(relay, std::chrono::milliseconds(100));
    seen.readFor(relay, std::chrono::milliseconds(1500));  // the other one would have come too
    EXPECT_EQ(seen.keyFrames[asked], askedBefore + 1) << "payload type " << asked;
    EXPECT_EQ(seen.keyFrames[other], otherBefore) << "payload type " << other << " kept still";
  }
  // A request for an SSRC no encoding uses (a relay that has not seen the packets yet) still
  // reaches every encoding rather than none.
  const int vp8Before = seen.keyFrames[kVp8PayloadType];
  const int h264Before = seen.keyFrames[kH264PayloadType];
  askForKeyFrame(relay, 0x12345678);
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while ((seen.keyFrames[kVp8PayloadType] == vp8Before ||
          seen.keyFrames[kH264PayloadType] == h264Before) &&
         std::chrono::steady_clock::now() < deadline)
    seen.readFor(relay, std::chrono::milliseconds(100));
  EXPECT_GT(seen.keyFrames[kVp8PayloadType], vp8Before);
  EXPECT_GT(seen.keyFrames[kH264PayloadType], h264Before);
}

}  // namespace
}  // namespace medrelay::pipelines
