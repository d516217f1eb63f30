// Reads the sockets of many benchmark viewers on one thread the cheap way: one epoll set watched
// by a single GLib source on the worker's context, recvmmsg in batches of 64, every RTP packet's
// clear header counted by its viewer and only a sample decrypted (BenchViewer decides), other
// datagrams (RTCP, DTLS) handed to the viewer's PeerConnection, STUN Binding requests (the
// relay's consent checks) answered here.
// With libnice's own reading, every wake-up of the worker polled every viewer's socket, so the
// generator, not the server, limited the benchmark beyond ~50 viewers.
// Worker thread only (the viewers' MediaWorker).
#pragma once

#include <glib.h>
#include <sys/socket.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "relay/common/media_worker.hpp"
#include "relay/webrtc/peer_connection.hpp"

namespace medrelay::bench {
class BenchViewer;
}

namespace medrelay::bench {

class BatchReceiver {
 public:
  explicit BatchReceiver(relay::MediaWorker& worker);
  ~BatchReceiver();
  BatchReceiver(const BatchReceiver&) = delete;
  BatchReceiver& operator=(const BatchReceiver&) = delete;

  // Takes over `viewer`'s socket (it must be connected); false if it has none to hand over.
  // The viewer must outlive this receiver.
  bool adopt(BenchViewer& viewer);

  struct Stats {
    uint64_t datagrams = 0, batches = 0, stunAnswered = 0, decrypted = 0;
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Entry {
    int fd;
    BenchViewer* viewer;
    std::string password;
  };
  static gboolean onReady(gint fd, GIOCondition condition, gpointer self);
  void drain(Entry& entry);

  static constexpr size_t kBatch = 64, kDatagram = 1500;
  int epoll_ = -1;
  GSource* source_ = nullptr;
  std::vector<std::unique_ptr<Entry>> entries_;
  std::array<std::array<uint8_t, kDatagram>, kBatch> buffers_{};
  std::array<sockaddr_storage, kBatch> senders_{};
  std::array<iovec, kBatch> vectors_{};
  std::array<mmsghdr, kBatch> messages_{};
  std::array<uint8_t, 128> stunOut_{};
  Stats stats_;
};

}  // namespace medrelay::bench
