#include "bench/load/source.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "bench/load/synthetic_vp8.hpp"

namespace medrelay::bench {

int runSource(const SourceOptions& o) {
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  int sendBuffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sendBuffer, sizeof sendBuffer);
  std::vector<sockaddr_in> targets;
  for (const auto& d : o.destinations) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(std::stoi(d.substr(d.rfind(':') + 1))));
    if (inet_pton(AF_INET, d.substr(0, d.rfind(':')).c_str(), &a.sin_addr) != 1) {
      std::fprintf(stderr, "bad destination %s\n", d.c_str());
      return 2;
    }
    targets.push_back(a);
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
  const auto start = std::chrono::steady_clock::now();
  const auto period = std::chrono::nanoseconds(1'000'000'000 / o.fps);
  for (uint32_t frame = 0;; ++frame) {
    auto due = start + period * frame;
    if (due - start > std::chrono::seconds(o.seconds)) break;
    std::this_thread::sleep_until(due);
    bool key = frame % framesPerKey == 0;
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
    }
    pictureId = (pictureId + 1) & 0x7FFF;
  }
  ::close(fd);
  return 0;
}

}  // namespace medrelay::bench
