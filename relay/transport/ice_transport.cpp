#include "relay/transport/ice_transport.hpp"

#include <netinet/udp.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "common/logger.hpp"

namespace medrelay::relay::transport {

namespace {

auto log() {
  static auto logger = medrelay::logger("relay.ice");
  return logger;
}

constexpr size_t kMaxCandidateLength = 512;

}  // namespace

IceTransport::IceTransport(MediaWorker& worker, const IceConfig& config, Listener& listener)
    : worker_(worker), listener_(listener), tcp_(config.tcp) {
  agent_ =
      nice_agent_new_full(worker.context(), NICE_COMPATIBILITY_RFC5245,
                          static_cast<NiceAgentOption>(
                              NICE_AGENT_OPTION_ICE_TRICKLE |
                              (config.consentChecks_ ? NICE_AGENT_OPTION_CONSENT_FRESHNESS : 0)));
  g_object_set(agent_, "controlling-mode", config.controlling ? TRUE : FALSE, "ice-tcp",
               config.tcp ? TRUE : FALSE, nullptr);
  if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent_), "upnp")) {
    g_object_set(agent_, "upnp", FALSE, nullptr);  // never probe the LAN's routers
  }
  for (const auto& address : config.bindAddresses) {
    NiceAddress local;
    nice_address_init(&local);
    if (nice_address_set_from_string(&local, address.c_str())) {
      nice_agent_add_local_address(agent_, &local);
    } else {
      log()->warn("ignoring ICE address {}: not an IP address", address);
    }
  }
  stream_ = nice_agent_add_stream(agent_, 1);
  if (config.portMin || config.portMax) {
    nice_agent_set_port_range(agent_, stream_, kComponent, config.portMin, config.portMax);
  }
  gchar* ufrag = nullptr;
  gchar* password = nullptr;
  nice_agent_get_local_credentials(agent_, stream_, &ufrag, &password);
  ufrag_ = ufrag ? ufrag : "";
  password_ = password ? password : "";
  g_free(ufrag);
  g_free(password);

  g_signal_connect(agent_, "new-candidate-full", G_CALLBACK(&IceTransport::onCandidate), this);
  g_signal_connect(agent_, "candidate-gathering-done", G_CALLBACK(&IceTransport::onGatheringDone),
                   this);
  g_signal_connect(agent_, "component-state-changed", G_CALLBACK(&IceTransport::onComponentState),
                   this);
  g_signal_connect(agent_, "new-selected-pair-full", G_CALLBACK(&IceTransport::onSelectedPair),
                   this);
  nice_agent_attach_recv(agent_, stream_, kComponent, worker.context(), &IceTransport::onReceive,
                         this);
}

IceTransport::~IceTransport() {
  // Detach everything that points back at us before letting go of the agent: libnice may still
  // hold a reference (pending timers) after our unref.
  nice_agent_attach_recv(agent_, stream_, kComponent, worker_.context(), nullptr, nullptr);
  g_signal_handlers_disconnect_by_data(agent_, this);
  forgetSelectedPair();
  nice_agent_remove_stream(agent_, stream_);
  g_object_unref(agent_);
}

bool IceTransport::gatherCandidates() {
  if (gathering_) return true;
  gathering_ = true;
  if (!nice_agent_gather_candidates(agent_, stream_)) {
    log()->error("ICE gathering could not start (no usable local address?)");
    return false;
  }
  return true;
}

bool IceTransport::setRemoteCredentials(const std::string& ufrag, const std::string& password) {
  // RFC 8839 §5.4: ufrag 4-256 and pwd 22-256 ice-chars.
  if (ufrag.size() < 4 || ufrag.size() > 256 || password.size() < 22 || password.size() > 256) {
    return false;
  }
  return nice_agent_set_remote_credentials(agent_, stream_, ufrag.c_str(), password.c_str());
}

bool IceTransport::addRemoteCandidate(const std::string& candidate) {
  if (candidate.empty() || candidate.size() > kMaxCandidateLength) return false;
  std::string line = candidate.rfind("a=", 0) == 0 ? candidate : "a=" + candidate;
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  if (line.rfind("a=candidate:", 0) != 0) return false;
  NiceCandidate* parsed = nice_agent_parse_remote_candidate_sdp(agent_, stream_, line.c_str());
  if (!parsed) {
    log()->debug("ignoring a remote candidate we cannot use (mDNS name or malformed)");
    return false;
  }
  bool ok = false;
  if (parsed->component_id == kComponent &&
      (parsed->transport == NICE_CANDIDATE_TRANSPORT_UDP || tcp_)) {
    GSList* list = g_slist_append(nullptr, parsed);
    ok = nice_agent_set_remote_candidates(agent_, stream_, kComponent, list) > 0;
    g_slist_free(list);
  }
  nice_candidate_free(parsed);
  return ok;
}

void IceTransport::setRemoteGatheringDone() {
  nice_agent_peer_candidate_gathering_done(agent_, stream_);
}

bool IceTransport::send(std::span<const uint8_t> datagram) {
  // No check of our own state: the controlling peer may consider the pair valid (and send its
  // DTLS ClientHello) before libnice reports Connected here. libnice refuses by itself when it
  // has no pair to send on; refusing earlier cost a full 1 s DTLS retransmission.
  if (state_ == State::Closed || datagram.empty()) return false;
  return nice_agent_send(agent_, stream_, kComponent, static_cast<guint>(datagram.size()),
                         reinterpret_cast<const gchar*>(datagram.data())) ==
         static_cast<gint>(datagram.size());
}

bool IceTransport::queue(std::span<const uint8_t> datagram) {
  if (batchFd_ < 0) return send(datagram);
  if (state_ == State::Closed || datagram.empty()) return false;
  if (batched_ == kMaxBatch) deferredFailures_ += flush();
  batchVectors_[batched_] = {const_cast<uint8_t*>(datagram.data()), datagram.size()};
  ++batched_;
  return true;
}

size_t IceTransport::flush() {
  size_t failures = std::exchange(deferredFailures_, 0);
  // Runs of equal-size datagrams (the last of a run may be shorter) leave as one UDP GSO message
  // each: one trip through the kernel's send path per run instead of per datagram. A video
  // frame's packets are such a run.
  size_t messages = 0;
  for (size_t i = 0; i < batched_;) {
    const size_t size = batchVectors_[i].iov_len;
    size_t end = i + 1, bytes = size;
    if (gso_) {
      while (end < batched_ && end - i < kMaxSegments && batchVectors_[end].iov_len == size &&
             bytes + size <= kMaxGsoBytes) {
        bytes += size;
        ++end;
      }
      if (end < batched_ && end - i < kMaxSegments && batchVectors_[end].iov_len < size &&
          bytes + batchVectors_[end].iov_len <= kMaxGsoBytes) {
        ++end;
      }
    }
    mmsghdr& message = batch_[messages];
    message = {};
    message.msg_hdr.msg_name = &batchPeer_;
    message.msg_hdr.msg_namelen = batchPeerLength_;
    message.msg_hdr.msg_iov = &batchVectors_[i];
    message.msg_hdr.msg_iovlen = end - i;
    if (end - i > 1) {
      auto& control = batchControl_[messages];
      message.msg_hdr.msg_control = control.data();
      message.msg_hdr.msg_controllen = control.size();
      cmsghdr* header = CMSG_FIRSTHDR(&message.msg_hdr);
      header->cmsg_level = SOL_UDP;
      header->cmsg_type = UDP_SEGMENT;
      header->cmsg_len = CMSG_LEN(sizeof(uint16_t));
      const auto segment = static_cast<uint16_t>(size);
      std::memcpy(CMSG_DATA(header), &segment, sizeof segment);
    }
    batchSegments_[messages++] = end - i;
    i = end;
  }
  size_t next = 0;
  while (next < messages) {
    int sent = ::sendmmsg(batchFd_, batch_.data() + next, static_cast<unsigned>(messages - next),
                          MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent > 0) {
      next += static_cast<size_t>(sent);
    } else if (sent < 0 && errno == EINTR) {
      continue;
    } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The socket's send buffer is full: drop the rest like a congested link would; the
      // viewer's NACKs recover what matters.
      for (; next < messages; ++next)
        failures += batchSegments_[next];
      break;
    } else {
      // Refused (EMSGSIZE, or a kernel or device without UDP GSO): skip it, send the others;
      // a refused segmented message turns GSO off for this transport.
      if (batchSegments_[next] > 1 && gso_) {
        gso_ = false;
        log()->info("UDP GSO refused ({}); sending datagrams one by one", std::strerror(errno));
      }
      failures += batchSegments_[next];
      ++next;
    }
  }
  batched_ = 0;
  return failures;
}

void IceTransport::refreshSelectedPair() {
  if (batched_ > 0) deferredFailures_ += flush();  // what was queued goes to the old pair
  forgetSelectedPair();
  NiceCandidate* local = nullptr;
  NiceCandidate* remote = nullptr;
  if (!nice_agent_get_selected_pair(agent_, stream_, kComponent, &local, &remote) || !local ||
      !remote || local->transport != NICE_CANDIDATE_TRANSPORT_UDP ||
      local->type == NICE_CANDIDATE_TYPE_RELAYED) {
    return;
  }
  GSocket* socket = nice_agent_get_selected_socket(agent_, stream_, kComponent);
  if (!socket) return;
  batchSocket_ = socket;
  batchFd_ = g_socket_get_fd(socket);
  batchPeer_ = {};
  nice_address_copy_to_sockaddr(&remote->addr, reinterpret_cast<sockaddr*>(&batchPeer_));
  batchPeerLength_ = batchPeer_.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
}

void IceTransport::forgetSelectedPair() {
  deferredFailures_ += std::exchange(batched_, 0);  // unsent: nowhere to send them
  if (batchSocket_) g_object_unref(batchSocket_);
  batchSocket_ = nullptr;
  batchFd_ = -1;
}

void IceTransport::close() {
  if (state_ == State::Closed) return;
  forgetSelectedPair();
  nice_agent_attach_recv(agent_, stream_, kComponent, worker_.context(), nullptr, nullptr);
  state_ = State::Closed;
}

void IceTransport::setState(State state) {
  if (state_ == state || state_ == State::Closed) return;
  state_ = state;
  if (state == State::Connected || state == State::Completed) {
    refreshSelectedPair();
  } else {
    forgetSelectedPair();  // consent lost or failed: libnice decides whether we may send
  }
  listener_.onIceStateChanged(state);
}

void IceTransport::onCandidate(NiceAgent* agent, NiceCandidate* candidate, gpointer data) {
  auto* self = static_cast<IceTransport*>(data);
  gchar* sdp = nice_agent_generate_local_candidate_sdp(agent, candidate);
  if (!sdp) return;
  std::string line(sdp);
  g_free(sdp);
  if (line.rfind("a=", 0) == 0) line.erase(0, 2);
  self->candidates_.push_back(line);
  self->listener_.onIceLocalCandidate(line);
}

void IceTransport::onSelectedPair(NiceAgent*, guint, guint, NiceCandidate*, NiceCandidate*,
                                  gpointer data) {
  auto* self = static_cast<IceTransport*>(data);
  if (self->state_ == State::Connected || self->state_ == State::Completed) {
    self->refreshSelectedPair();
  }
}

void IceTransport::onGatheringDone(NiceAgent*, guint, gpointer data) {
  static_cast<IceTransport*>(data)->listener_.onIceGatheringDone();
}

void IceTransport::onComponentState(NiceAgent*, guint, guint, guint state, gpointer data) {
  auto* self = static_cast<IceTransport*>(data);
  switch (state) {
    case NICE_COMPONENT_STATE_CONNECTING:
      self->setState(State::Checking);
      break;
    case NICE_COMPONENT_STATE_CONNECTED:
      self->setState(State::Connected);
      break;
    case NICE_COMPONENT_STATE_READY:
      self->setState(State::Completed);
      break;
    case NICE_COMPONENT_STATE_FAILED:
      self->setState(State::Failed);
      break;
    default:
      break;
  }
}

void IceTransport::onReceive(NiceAgent*, guint, guint, guint length, gchar* data, gpointer self) {
  auto* transport = static_cast<IceTransport*>(self);
  if (transport->state_ == State::Closed || length == 0) return;
  transport->listener_.onIceData(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data), length));
}

}  // namespace medrelay::relay::transport
