#include "bench/load/batch_receiver.hpp"

#include <glib-unix.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <stdexcept>

#include "bench/load/bench_viewer.hpp"
#include "bench/load/stun_responder.hpp"
#include "relay/transport/packet_demux.hpp"
#include "relay/webrtc/load_generator_peer_door.hpp"

namespace medrelay::bench {

BatchReceiver::BatchReceiver(relay::MediaWorker& worker) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
  source_ = g_unix_fd_source_new(epoll_, G_IO_IN);
  g_source_set_callback(source_, G_SOURCE_FUNC(&BatchReceiver::onReady), this, nullptr);
  g_source_attach(source_, worker.context());
  for (size_t i = 0; i < kBatch; ++i) {
    vectors_[i] = {buffers_[i].data(), kDatagram};
    messages_[i].msg_hdr.msg_iov = &vectors_[i];
    messages_[i].msg_hdr.msg_iovlen = 1;
  }
}

BatchReceiver::~BatchReceiver() {
  g_source_destroy(source_);
  g_source_unref(source_);
  ::close(epoll_);
}

bool BatchReceiver::adopt(BenchViewer& viewer) {
  auto path = relay::webrtc::LoadGeneratorPeerDoor::detachReceive(viewer.peer());
  if (!path) return false;
  auto entry = std::make_unique<Entry>(Entry{path->fd, &viewer, viewer.peer().localPassword()});
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.ptr = entry.get();
  if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, path->fd, &event) != 0) return false;
  entries_.push_back(std::move(entry));
  return true;
}

gboolean BatchReceiver::onReady(gint, GIOCondition, gpointer data) {
  auto* self = static_cast<BatchReceiver*>(data);
  std::array<epoll_event, 256> ready;
  int count = ::epoll_wait(self->epoll_, ready.data(), static_cast<int>(ready.size()), 0);
  for (int i = 0; i < count; ++i)
    self->drain(*static_cast<Entry*>(ready[i].data.ptr));
  return G_SOURCE_CONTINUE;
}

void BatchReceiver::drain(Entry& entry) {
  for (;;) {
    for (size_t i = 0; i < kBatch; ++i) {
      messages_[i].msg_hdr.msg_name = &senders_[i];
      messages_[i].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
    }
    int got = ::recvmmsg(entry.fd, messages_.data(), kBatch, MSG_DONTWAIT, nullptr);
    if (got <= 0) return;
    ++stats_.batches;
    for (int i = 0; i < got; ++i) {
      std::span<const uint8_t> datagram(buffers_[i].data(), messages_[i].msg_len);
      ++stats_.datagrams;
      if (isStun(datagram)) {
        size_t size = writeBindingSuccess(datagram, senders_[i], entry.password, stunOut_);
        if (size > 0 && ::sendto(entry.fd, stunOut_.data(), size, MSG_DONTWAIT,
                                 reinterpret_cast<const sockaddr*>(&senders_[i]),
                                 messages_[i].msg_hdr.msg_namelen) == static_cast<ssize_t>(size)) {
          ++stats_.stunAnswered;
        }
        continue;  // indications and responses: nothing to do
      }
      if (relay::transport::classifyPacket(datagram) == relay::transport::PacketKind::Rtp) {
        entry.viewer->countHeader(datagram);  // SRTP leaves the header in the clear
        if (!entry.viewer->wantsDecryption()) continue;
        ++stats_.decrypted;
      }
      relay::webrtc::LoadGeneratorPeerDoor::receive(entry.viewer->peer(), datagram);
    }
    if (static_cast<size_t>(got) < kBatch) return;
  }
}

}  // namespace medrelay::bench
