#include "pipelines/rtp_feedback.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <array>

#include "relay/rtp/rtcp_pli.hpp"

namespace medrelay::pipelines {

std::unique_ptr<RtpFeedback> RtpFeedback::open(const std::string& hostPort, std::string& error) {
  auto colon = hostPort.rfind(':');
  sockaddr_storage target{};
  auto& v4 = reinterpret_cast<sockaddr_in&>(target);
  v4.sin_family = AF_INET;
  int port = colon == std::string::npos ? 0 : std::atoi(hostPort.c_str() + colon + 1);
  if (port <= 0 || port > 65535 ||
      inet_pton(AF_INET, hostPort.substr(0, colon).c_str(), &v4.sin_addr) != 1) {
    error = "the feedback address is not IPv4 HOST:PORT";
    return nullptr;
  }
  v4.sin_port = htons(static_cast<uint16_t>(port));
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = "no socket for key-frame requests";
    return nullptr;
  }
  return std::unique_ptr<RtpFeedback>(new RtpFeedback(fd, target, sizeof(sockaddr_in)));
}

RtpFeedback::~RtpFeedback() {
  ::close(fd_);
}

bool RtpFeedback::requestKeyFrame() {
  uint32_t ssrc = ssrc_.load(std::memory_order_relaxed);
  if (ssrc == 0) return false;
  std::array<uint8_t, 12> pli{};
  size_t size = relay::rtp::writePli(pli, 1, ssrc);
  return size > 0 &&
         ::sendto(fd_, pli.data(), size, MSG_DONTWAIT, reinterpret_cast<const sockaddr*>(&target_),
                  length_) == static_cast<ssize_t>(size);
}

}  // namespace medrelay::pipelines
