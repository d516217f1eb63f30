#include "bench/load/source.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "bench/load/synthetic_vp8.hpp"
#include "common/clock.hpp"
#include "relay/rtp/rtcp_fir.hpp"
#include "relay/rtp/rtcp_header.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtcp_sender_report.hpp"

namespace medrelay::bench {

namespace {

bool toAddress(const std::string& hostPort, sockaddr_in& out) {
  out = {};
  out.sin_family = AF_INET;
  auto colon = hostPort.rfind(':');
  if (colon == std::string::npos) return false;
  out.sin_port = htons(static_cast<uint16_t>(std::stoi(hostPort.substr(colon + 1))));
  return inet_pton(AF_INET, hostPort.substr(0, colon).c_str(), &out.sin_addr) == 1;
}

// Drains what arrived on the source's socket; true if a PLI or FIR (RFC 4585/5104) was among it.
bool keyFrameRequested(int fd) {
  namespace rtp = medrelay::relay::rtp;
  bool requested = false;
  uint8_t buffer[1500];
  for (;;) {
    ssize_t size = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (size < 0) return requested;
    rtp::forEachRtcpPacket(std::span<const uint8_t>(buffer, static_cast<size_t>(size)),
                           [&](const rtp::RtcpHeader&, std::span<const uint8_t> packet) {
                             if (rtp::parsePli(packet) || rtp::Fir::parse(packet)) requested = true;
                           });
  }
}

}  // namespace

int runSource(const SourceOptions& o) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int sendBuffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(static_cast<uint16_t>(o.feedbackPort));
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (o.feedbackPort && ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    std::fprintf(stderr, "cannot take feedback on port %d\n", o.feedbackPort);
    return 2;
  }
  std::vector<sockaddr_in> targets, reports;
  for (const auto& [list, out] : {std::pair{&o.destinations, &targets}, {&o.rtcp, &reports}}) {
    for (const auto& d : *list) {
      sockaddr_in a{};
      if (!toAddress(d, a)) {
        std::fprintf(stderr, "bad address %s\n", d.c_str());
        return 2;
      }
      out->push_back(a);
    }
  }
  const size_t framesPerKey = static_cast<size_t>(o.fps * o.keySeconds);
  // Key frames are four times a delta frame; the average meets the bitrate.
  const double average = o.kbps * 1000.0 / 8 / o.fps;
  const double delta = average * framesPerKey / (framesPerKey - 1 + 4.0);
  const size_t payloadRoom = o.packetSize - 12;
  std::vector<uint8_t> packet(o.packetSize);
  const uint32_t ssrc = std::random_device{}() | 1;
  uint16_t sequence = static_cast<uint16_t>(std::random_device{}());
  uint16_t pictureId = 0;
  uint32_t packetsSent = 0, octetsSent = 0;
  size_t sinceKey = 0;
  bool pendingRequest = false;
  const size_t minKeySpacing = std::max<size_t>(1, static_cast<size_t>(o.fps / 4));
  uint8_t report[28];
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::nanoseconds(1'000'000'000 / o.fps);
  for (uint32_t frame = 0;; ++frame) {
    auto due = start + period * frame;
    if (due - start > std::chrono::seconds(o.seconds)) break;
    std::this_thread::sleep_until(due);
    // The regular key frame, or an early one when a server asked (the cadence restarts there);
    // like encoders, at most one asked-for key frame per quarter second.
    bool asked = keyFrameRequested(fd);
    pendingRequest = pendingRequest || asked;
    bool early = pendingRequest && sinceKey >= minKeySpacing;
    bool key = sinceKey == 0 || sinceKey >= framesPerKey || early;
    if (key) pendingRequest = false;
    sinceKey = key ? 1 : sinceKey + 1;
    size_t bytes = static_cast<size_t>(key ? delta * 4 : delta);
    size_t count = (bytes + payloadRoom - 1) / payloadRoom;
    uint32_t timestamp = frame * (90000 / o.fps);
    int64_t now = monotonicNs();
    for (size_t i = 0; i < count; ++i) {
      size_t size =
          i + 1 < count ? o.packetSize : 12 + std::max<size_t>(bytes - i * payloadRoom, 40);
      size = std::min(size, o.packetSize);
      writeSyntheticPacket(packet, size, ssrc, sequence++, timestamp, pictureId, i == 0,
                           i + 1 == count, key, frame, now);
      for (const auto& t : targets)
        ::sendto(fd, packet.data(), size, 0, reinterpret_cast<const sockaddr*>(&t), sizeof t);
      ++packetsSent;
      octetsSent += static_cast<uint32_t>(size - 12);
    }
    if (frame % static_cast<uint32_t>(o.fps) == 0) {
      const size_t size =
          medrelay::relay::rtp::writeSenderReport(report, {.senderSsrc = ssrc,
                                                           .ntpTimestamp = medrelay::ntpNow(),
                                                           .rtpTimestamp = timestamp,
                                                           .packetCount = packetsSent,
                                                           .octetCount = octetsSent});
      for (const auto& r : reports)
        ::sendto(fd, report, size, 0, reinterpret_cast<const sockaddr*>(&r), sizeof r);
    }
    pictureId = (pictureId + 1) & 0x7FFF;
  }
  ::close(fd);
  return 0;
}

}  // namespace medrelay::bench
