// Why viewer sessions of a stream ended, counted per reason for /metrics: a stream whose
// viewers keep ending with "ice-failed" has viewers behind a network that blocks the media
// (the page tells them; this tells IT). A fixed set of reasons, so the metric's labels stay
// bounded whatever a peer sends. Counters are atomics: any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace medrelay::app {

enum class ViewerEnd {
  Left,            // the viewer unsubscribed (or its signaling socket closed)
  Closed,          // the viewer's peer closed the transport (DTLS close, RTCP BYE)
  IceFailed,       // no media path, or consent lost (RFC 7675)
  DtlsFailed,      // the handshake failed
  Timeout,         // set-up did not finish in time
  AccessRevoked,   // membership, share, user or device taken away
  TokenExpired,    // the access token ran out and was not renewed
  ServerShutdown,  // the relay stopped
  Other,
};
inline constexpr size_t kViewerEndCount = static_cast<size_t>(ViewerEnd::Other) + 1;

std::string_view viewerEndName(ViewerEnd end);
// From a session end code of the transport or the access review ("ice-failed", ...).
ViewerEnd viewerEndFromCode(std::string_view code);

class ViewerEndCounts {
 public:
  void note(ViewerEnd end) {
    counts_[static_cast<size_t>(end)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t count(ViewerEnd end) const {
    return counts_[static_cast<size_t>(end)].load(std::memory_order_relaxed);
  }

 private:
  std::array<std::atomic<uint64_t>, kViewerEndCount> counts_{};
};

}  // namespace medrelay::app
