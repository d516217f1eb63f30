// The relay's end of an ingest socket: an AF_UNIX SOCK_SEQPACKET socket whose other end an
// ingest process (pipelines/) writes, one RTP packet per datagram. Reads in batches with
// recvmmsg straight into pool buffers (no intermediate copy) and hands each packet to the
// producer registered for its payload type. Key-frame requests go back as RTCP PLI datagrams.
// Owned by one media worker: the fd is watched from that worker's GMainContext. Borrows the
// fd (the supervisor owns it and keeps it across ingest restarts).
#pragma once

#include <glib.h>

#include <array>
#include <cstdint>
#include <vector>

#include "relay/common/media_worker.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"

namespace medrelay::relay::router {

class IngestReceiver {
 public:
  static constexpr size_t kBatch = 32;

  struct Stats {
    uint64_t datagrams = 0, unknownPayloadType = 0, poolExhausted = 0, rtcp = 0;
    uint64_t truncated = 0;  // larger than a packet buffer: dropped whole, never cut
    uint64_t keyFrameRequestsSent = 0, keyFrameRequestsFailed = 0;
  };

  IngestReceiver(MediaWorker& worker, int fd, PacketPool& pool);
  ~IngestReceiver();
  IngestReceiver(const IngestReceiver&) = delete;
  IngestReceiver& operator=(const IngestReceiver&) = delete;

  void addProducer(Producer& producer);
  void sendKeyFrameRequest(uint32_t mediaSsrc);
  const Stats& stats() const { return stats_; }

 private:
  static gboolean onReadable(gint fd, GIOCondition condition, gpointer self);
  void drain();

  MediaWorker& worker_;
  int fd_;
  PacketPool& pool_;
  GSource* source_ = nullptr;
  std::vector<Producer*> producers_;
  Stats stats_;
  uint32_t senderSsrc_;
};

}  // namespace medrelay::relay::router
