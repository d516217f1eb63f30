#include "relay/webrtc/peer_connection.hpp"

#include <algorithm>
#include <cstring>

#include "common/clock.hpp"
#include "common/logger.hpp"
#include "relay/transport/packet_demux.hpp"

namespace medrelay::relay::webrtc {

namespace {
auto log() {
  static auto logger = medrelay::logger("relay.webrtc");
  return logger;
}
}  // namespace

PeerConnection::PeerConnection(MediaWorker& worker, PeerConnectionConfig config, Listener& listener)
    : worker_(worker),
      config_(std::move(config)),
      listener_(listener),
      ice_(worker, config_.ice, *this),
      dtls_(config_.certificate, *this),
      rtcpIn_(config_.maxRtcpPerSecond, std::max(20.0, config_.maxRtcpPerSecond)),
      rtpIn_(config_.maxRtpPerSecond, config_.maxRtpPerSecond),
      dtlsIn_(config_.maxDtlsPerSecond, std::max(20.0, config_.maxDtlsPerSecond)) {}

PeerConnection::~PeerConnection() {
  *alive_ = false;
  if (dtlsTimer_) worker_.cancelTimer(dtlsTimer_);
  if (connectTimer_) worker_.cancelTimer(connectTimer_);
}

bool PeerConnection::start(const TransportDescription& remote) {
  if (state_ != State::New) return false;
  remote_ = remote;
  if (!ice_.setRemoteCredentials(remote.iceUfrag, remote.icePwd)) return false;
  for (const auto& candidate : remote.candidates)
    ice_.addRemoteCandidate(candidate);
  if (remote.endOfCandidates) ice_.setRemoteGatheringDone();

  // RFC 5763 §5: the answerer to "actpass" picks; we take passive (DTLS server) so the
  // browser's ClientHello can start the handshake as soon as ICE connects. DTLS itself starts
  // only once ICE has verified the peer (no DTLS state for unverified addresses); a ClientHello
  // that beats our side of ICE is held by the DTLS transport and replayed.
  dtlsRole_ = remote.setup == "passive" ? transport::DtlsRole::Client : transport::DtlsRole::Server;
  state_ = State::Connecting;
  std::weak_ptr<bool> alive = alive_;
  connectTimer_ = worker_.addTimer(config_.connectTimeout, [this, alive] {
    if (alive.expired()) return false;
    connectTimer_ = 0;
    if (state_ == State::Connecting) fail("timeout", "ICE/DTLS did not connect in time");
    return false;
  });
  return ice_.gatherCandidates();
}

bool PeerConnection::addRemoteCandidate(const std::string& candidate) {
  if (state_ == State::Closed) return false;
  if (candidate.empty()) {
    ice_.setRemoteGatheringDone();
    return true;
  }
  return ice_.addRemoteCandidate(candidate);
}

bool PeerConnection::queueRtp(std::span<uint8_t> buffer, size_t length) {
  if (state_ != State::Connected || !srtp_ || !srtp_->protectRtp(buffer, length) ||
      !ice_.queue(buffer.first(length))) {
    ++stats_.sendFailures;
    return false;
  }
  ++stats_.rtpSent;
  return true;
}

void PeerConnection::flush() {
  stats_.sendFailures += ice_.flush();
}

bool PeerConnection::sendRtcp(std::span<uint8_t> buffer, size_t length) {
  if (state_ != State::Connected || !srtp_ || !srtp_->protectRtcp(buffer, length) ||
      !ice_.send(buffer.first(length))) {
    ++stats_.sendFailures;
    return false;
  }
  ++stats_.rtcpSent;
  return true;
}

void PeerConnection::close() {
  if (state_ == State::Closed) return;
  log()->debug(
      "peer connection closing: rtp sent {}, rtcp sent {}, send failures {}, rtcp in {}, "
      "unprotect failures {}, unknown {}",
      stats_.rtpSent, stats_.rtcpSent, stats_.sendFailures, stats_.rtcpReceived,
      stats_.unprotectFailures, stats_.unknownPackets);
  if (state_ == State::Connected) dtls_.close();
  state_ = State::Closed;
  ice_.close();
}

void PeerConnection::onIceLocalCandidate(const std::string&) {}

void PeerConnection::onIceGatheringDone() {
  listener_.onPeerGatheringDone(*this);
}

void PeerConnection::onIceStateChanged(transport::IceTransport::State state) {
  using IceState = transport::IceTransport::State;
  log()->debug("ICE state {}", static_cast<int>(state));
  if (state == IceState::Failed) {
    fail("ice-failed", "ICE connectivity checks failed or consent expired");
  } else if (state == IceState::Connected || state == IceState::Completed) {
    auto held = std::move(heldDtls_);
    heldDtls_.clear();
    for (const auto& datagram : held)
      ice_.send(datagram);
    if (!dtlsStarted_) {
      dtls_.start(dtlsRole_, remote_.fingerprintAlgorithm, remote_.fingerprint);
      dtlsStarted_ = true;
      armDtlsTimer();
    }
  }
}

bool PeerConnection::withinLimit(TokenBucket& bucket) {
  if (bucket.take(medrelay::steadyMs())) return true;
  ++stats_.rateLimited;
  return false;
}

void PeerConnection::onIceData(std::span<const uint8_t> datagram) {
  switch (transport::classifyPacket(datagram)) {
    case transport::PacketKind::Dtls:
      if (!withinLimit(dtlsIn_)) break;
      log()->trace("DTLS in {} bytes", datagram.size());
      dtls_.receive(datagram);
      armDtlsTimer();
      break;
    case transport::PacketKind::Rtcp: {
      if (!withinLimit(rtcpIn_)) break;
      if (!srtp_ || datagram.size() > unprotectScratch_.size()) {
        ++stats_.unprotectFailures;
        break;
      }
      std::memcpy(unprotectScratch_.data(), datagram.data(), datagram.size());
      size_t length = datagram.size();
      if (!srtp_->unprotectRtcp(unprotectScratch_, length)) {
        ++stats_.unprotectFailures;
        break;
      }
      ++stats_.rtcpReceived;
      listener_.onPeerRtcp(*this, std::span<const uint8_t>(unprotectScratch_.data(), length));
      break;
    }
    case transport::PacketKind::Rtp: {
      if (!withinLimit(rtpIn_)) break;
      if (!srtp_ || datagram.size() > unprotectScratch_.size()) {
        ++stats_.unprotectFailures;
        break;
      }
      std::memcpy(unprotectScratch_.data(), datagram.data(), datagram.size());
      size_t length = datagram.size();
      if (!srtp_->unprotectRtp(unprotectScratch_, length)) {
        ++stats_.unprotectFailures;
        break;
      }
      listener_.onPeerRtp(*this, std::span<const uint8_t>(unprotectScratch_.data(), length));
      break;
    }
    default:
      ++stats_.unknownPackets;
  }
}

void PeerConnection::onDtlsSend(std::span<const uint8_t> datagram) {
  // The browser's ClientHello can arrive before libnice has a pair to answer on; keep our
  // flight until ICE connects instead of losing it to a 1 s DTLS retransmission.
  if (ice_.send(datagram)) return;
  if (heldDtls_.size() < kMaxHeldDtls) heldDtls_.emplace_back(datagram.begin(), datagram.end());
}

void PeerConnection::onDtlsConnected(const transport::SrtpKeyingMaterial& keys) {
  srtp_ = std::make_unique<transport::SrtpSession>(keys);
  state_ = State::Connected;
  if (connectTimer_) {
    worker_.cancelTimer(connectTimer_);
    connectTimer_ = 0;
  }
  log()->debug("peer connected (DTLS {})",
               dtlsRole_ == transport::DtlsRole::Server ? "server" : "client");
  listener_.onPeerConnected(*this);
}

void PeerConnection::onDtlsFailed(std::string_view reason) {
  fail("dtls-failed", std::string(reason));
}

void PeerConnection::onDtlsClosed() {
  if (state_ == State::Closed) return;
  state_ = State::Closed;
  listener_.onPeerClosed(*this, "closed", "the peer closed the connection");
}

void PeerConnection::armDtlsTimer() {
  if (dtlsTimer_) {
    worker_.cancelTimer(dtlsTimer_);
    dtlsTimer_ = 0;
  }
  auto timeout = dtls_.nextTimeout();
  if (!timeout || state_ == State::Closed) return;
  std::weak_ptr<bool> alive = alive_;
  dtlsTimer_ = worker_.addTimer(std::max(*timeout, std::chrono::milliseconds(1)), [this, alive] {
    if (alive.expired()) return false;
    dtlsTimer_ = 0;
    dtls_.handleTimeout();
    armDtlsTimer();
    return false;
  });
}

void PeerConnection::fail(const std::string& code, const std::string& reason) {
  if (state_ == State::Closed) return;
  log()->info(
      "peer connection closed: {} ({}); rtp sent {}, rtcp sent {}, send failures {}, "
      "rtcp in {}, unprotect failures {}",
      code, reason, stats_.rtpSent, stats_.rtcpSent, stats_.sendFailures, stats_.rtcpReceived,
      stats_.unprotectFailures);
  state_ = State::Closed;
  ice_.close();
  listener_.onPeerClosed(*this, code, reason);
}

}  // namespace medrelay::relay::webrtc
