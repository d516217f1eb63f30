// One WebRTC transport to one remote peer: ICE (libnice) carrying DTLS-SRTP, demultiplexed per
// RFC 7983. Knows nothing of streams or viewers; the owner sends RTP/RTCP and receives RTCP.
// Owned by one MediaWorker: every method and listener callback runs on that worker's thread.
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/token_bucket.hpp"
#include "relay/common/media_worker.hpp"
#include "relay/transport/certificate.hpp"
#include "relay/transport/dtls_transport.hpp"
#include "relay/transport/ice_transport.hpp"
#include "relay/transport/srtp_session.hpp"
#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

class LoadGeneratorPeerDoor;

struct PeerConnectionConfig {
  transport::IceConfig ice;
  std::shared_ptr<transport::Certificate> certificate;
  std::chrono::milliseconds connectTimeout{20000};  // ICE + DTLS must complete within this
  // What the peer may send us before we drop without decrypting (each SRTP/SRTCP packet costs
  // an authentication; a flood from one peer must not take its worker's time from the others).
  // Browsers send a few dozen RTCP compounds a second (transport-cc, RR, NACK, REMB).
  double maxRtcpPerSecond = 400;
  double maxRtpPerSecond = 5000;  // a publisher's media; viewers set 0 (they send none)
  double maxDtlsPerSecond = 50;   // handshake flights and retransmissions
};

class PeerConnection final : public transport::IceTransport::Listener,
                             public transport::DtlsTransport::Listener {
 public:
  enum class State { New, Connecting, Connected, Closed };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onPeerGatheringDone(PeerConnection&) = 0;
    virtual void onPeerConnected(PeerConnection&) = 0;
    // The transport is gone for good: `code` is "ice-failed", "dtls-failed", "timeout", "closed".
    virtual void onPeerClosed(PeerConnection&, const std::string& code,
                              const std::string& reason) = 0;
    virtual void onPeerRtcp(PeerConnection&, std::span<const uint8_t> compound) = 0;
    virtual void onPeerRtp(PeerConnection&, std::span<const uint8_t> packet) { (void)packet; }
  };

  PeerConnection(MediaWorker& worker, PeerConnectionConfig config, Listener& listener);
  ~PeerConnection() override;
  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Applies the remote transport parameters and starts gathering; the answer can be written
  // once onPeerGatheringDone fires. Returns false if the parameters are unusable.
  bool start(const TransportDescription& remote);
  bool addRemoteCandidate(const std::string& candidate);  // "" means end-of-candidates

  const std::string& localUfrag() const { return ice_.localUfrag(); }
  const std::string& localPassword() const { return ice_.localPassword(); }
  std::string localFingerprint() const { return config_.certificate->fingerprintSha256(); }
  std::vector<std::string> localCandidates() const { return ice_.localCandidates(); }
  // Our a=setup in the answer: "passive" (we are the DTLS server) or "active".
  std::string localSetup() const {
    return dtlsRole_ == transport::DtlsRole::Server ? "passive" : "active";
  }
  State state() const { return state_; }

  // Protects `length` bytes of RTP at the start of `buffer` in place (the buffer has room for
  // the SRTP trailer) and queues it: the buffer must stay untouched until flush(), which sends
  // the queue in one batch. False (and counted) when not connected or on failure.
  bool queueRtp(std::span<uint8_t> buffer, size_t length);
  void flush();
  // Protects and sends one RTCP compound at once.
  bool sendRtcp(std::span<uint8_t> buffer, size_t length);

  void close();

  struct Stats {
    uint64_t rtpSent = 0, rtcpSent = 0, sendFailures = 0;
    uint64_t rtcpReceived = 0, unprotectFailures = 0, unknownPackets = 0;
    uint64_t rateLimited = 0;  // datagrams dropped unread: the peer sent more than its limits
  };
  const Stats& stats() const { return stats_; }
  uint64_t srtpIndexRefusals() const { return srtp_ ? srtp_->indexRefusals() : 0; }

 private:
  friend class LoadGeneratorPeerDoor;  // bench/load only: reads the socket itself
  // IceTransport::Listener
  void onIceLocalCandidate(const std::string& candidate) override;
  void onIceGatheringDone() override;
  void onIceStateChanged(transport::IceTransport::State state) override;
  void onIceData(std::span<const uint8_t> datagram) override;
  // DtlsTransport::Listener
  void onDtlsSend(std::span<const uint8_t> datagram) override;
  void onDtlsConnected(const transport::SrtpKeyingMaterial& keys) override;
  void onDtlsFailed(std::string_view reason) override;
  void onDtlsClosed() override;

  void armDtlsTimer();
  void fail(const std::string& code, const std::string& reason);
  bool withinLimit(TokenBucket& bucket);

  MediaWorker& worker_;
  PeerConnectionConfig config_;
  Listener& listener_;
  transport::IceTransport ice_;
  transport::DtlsTransport dtls_;
  std::unique_ptr<transport::SrtpSession> srtp_;
  transport::DtlsRole dtlsRole_ = transport::DtlsRole::Server;
  TransportDescription remote_;
  State state_ = State::New;
  unsigned dtlsTimer_ = 0;
  unsigned connectTimer_ = 0;
  bool dtlsStarted_ = false;
  static constexpr size_t kMaxHeldDtls = 16;
  std::vector<std::vector<uint8_t>> heldDtls_;  // DTLS output before ICE could carry it
  Stats stats_;
  TokenBucket rtcpIn_, rtpIn_, dtlsIn_;
  // Incoming SRTP and SRTCP are decrypted into this buffer (libnice's buffer is read-only).
  std::array<uint8_t, 1600> unprotectScratch_{};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace medrelay::relay::webrtc
