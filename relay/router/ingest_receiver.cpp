#include "relay/router/ingest_receiver.hpp"

#include <glib-unix.h>
#include <sys/socket.h>

#include <chrono>
#include <random>

#include "common/clock.hpp"
#include "relay/rtp/rtcp_pli.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {

namespace {}  // namespace

IngestReceiver::IngestReceiver(MediaWorker& worker, int fd, PacketPool& pool)
    : worker_(worker), fd_(fd), pool_(pool), senderSsrc_(std::random_device{}()) {
  source_ = g_unix_fd_source_new(fd_, static_cast<GIOCondition>(G_IO_IN | G_IO_ERR | G_IO_HUP));
  // GLib's documented idiom: a GUnixFDSourceFunc registered through the generic GSourceFunc.
  g_source_set_callback(source_, G_SOURCE_FUNC(&IngestReceiver::onReadable), this, nullptr);
  g_source_attach(source_, worker_.context());
}

IngestReceiver::~IngestReceiver() {
  g_source_destroy(source_);
  g_source_unref(source_);
}

void IngestReceiver::addProducer(Producer& producer) {
  producers_.push_back(&producer);
}

gboolean IngestReceiver::onReadable(gint, GIOCondition condition, gpointer self) {
  auto* receiver = static_cast<IngestReceiver*>(self);
  if (condition & G_IO_IN) receiver->drain();
  // HUP cannot happen while the supervisor holds the child end; keep watching regardless.
  return G_SOURCE_CONTINUE;
}

void IngestReceiver::drain() {
  std::array<PacketRef, kBatch> packets;
  std::array<mmsghdr, kBatch> headers{};
  std::array<iovec, kBatch> vectors{};
  // Bounded work per wake-up so one busy source cannot starve the worker's other sessions.
  for (int round = 0; round < 8; ++round) {
    size_t ready = 0;
    for (; ready < kBatch; ++ready) {
      if (!packets[ready]) packets[ready] = pool_.acquire();
      if (!packets[ready]) break;
      auto buffer = packets[ready].writable();
      vectors[ready] = {buffer.data(), buffer.size()};
      headers[ready] = {};
      headers[ready].msg_hdr.msg_iov = &vectors[ready];
      headers[ready].msg_hdr.msg_iovlen = 1;
    }
    if (ready == 0) {
      // No buffers: read one datagram into the void so the socket does not back up forever.
      ++stats_.poolExhausted;
      uint8_t discard[1];
      ::recv(fd_, discard, sizeof discard, MSG_DONTWAIT);
      return;
    }
    int received =
        ::recvmmsg(fd_, headers.data(), static_cast<unsigned>(ready), MSG_DONTWAIT, nullptr);
    if (received <= 0) return;
    int64_t now = medrelay::steadyMs();
    for (int i = 0; i < received; ++i) {
      ++stats_.datagrams;
      if (headers[i].msg_hdr.msg_flags & MSG_TRUNC) {
        // Longer than a packet buffer: what fitted is not the packet. Drop it whole.
        ++stats_.truncated;
        continue;
      }
      PacketRef packet = std::move(packets[i]);
      packet.setSize(headers[i].msg_len);
      auto data = packet.data();
      if (data.size() < 2 || (data[1] >= 192 && data[1] <= 223)) {
        ++stats_.rtcp;  // sender reports from the source: not used yet
        continue;
      }
      uint8_t payloadType = data[1] & 0x7F;
      Producer* target = nullptr;
      for (Producer* producer : producers_) {
        if (producer->config().payloadType == payloadType) target = producer;
      }
      if (!target) {
        ++stats_.unknownPayloadType;
        continue;
      }
      target->receiveRtp(std::move(packet), now);
    }
    for (Producer* producer : producers_)
      producer->flushConsumers();
    if (static_cast<size_t>(received) < ready) return;
  }
}

void IngestReceiver::sendKeyFrameRequest(uint32_t mediaSsrc) {
  uint8_t pli[12];
  size_t size = rtp::writePli(pli, senderSsrc_, mediaSsrc);
  if (::send(fd_, pli, size, MSG_DONTWAIT | MSG_NOSIGNAL) == static_cast<ssize_t>(size)) {
    ++stats_.keyFrameRequestsSent;
  } else {
    ++stats_.keyFrameRequestsFailed;
  }
}

}  // namespace medrelay::relay::router
