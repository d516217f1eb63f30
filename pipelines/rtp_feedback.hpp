// Key-frame requests for a raw RTP source (rtp://...&feedback=HOST:PORT): the source encodes its
// own packets, so the relay's PLI cannot become a GStreamer event; it goes to the source as an
// RTCP PLI datagram (RFC 4585 §6.3.1) at the address the source listens on for feedback.
// noteSsrc from the streaming thread, requestKeyFrame from the main loop.
#pragma once

#include <sys/socket.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace medrelay::pipelines {

class RtpFeedback {
 public:
  // `hostPort`: "A.B.C.D:PORT". Null (and `error` set) when it cannot be used.
  static std::unique_ptr<RtpFeedback> open(const std::string& hostPort, std::string& error);
  ~RtpFeedback();
  RtpFeedback(const RtpFeedback&) = delete;
  RtpFeedback& operator=(const RtpFeedback&) = delete;

  void noteSsrc(uint32_t ssrc) { ssrc_.store(ssrc, std::memory_order_relaxed); }
  // False when no packet told us the source's SSRC yet, or the datagram could not be sent.
  bool requestKeyFrame();

 private:
  RtpFeedback(int fd, sockaddr_storage target, socklen_t length)
      : fd_(fd), target_(target), length_(length) {}
  int fd_;
  sockaddr_storage target_;
  socklen_t length_;
  std::atomic<uint32_t> ssrc_{0};
};

}  // namespace medrelay::pipelines
