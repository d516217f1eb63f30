// One WHIP publisher sending into a stream's producers: a PeerConnection whose (recvonly) answer
// we write; each SRTP packet of a negotiated payload type (video, and Opus audio when the
// publisher sends it) is decrypted, copied into a pooled buffer with its producer's payload type,
// and fanned out like ingest media. Key-frame requests
// from viewers go back to the publisher as RTCP PLI; a REMB every second lets a browser's
// congestion control climb to the bitrate the relay expects. Owned by the producer's
// MediaWorker thread.
#pragma once

#include <optional>
#include <string>

#include "relay/common/media_worker.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/webrtc/peer_connection.hpp"
#include "relay/webrtc/sdp_answer.hpp"
#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

class PublisherSession final : public PeerConnection::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onPublisherAnswer(PublisherSession&, const std::string& answerSdp) = 0;
    // Media flows (DTLS is up).
    virtual void onPublisherConnected(PublisherSession&) = 0;
    // Over for a transport reason; destroy later (post to the worker), never inside the call.
    virtual void onPublisherEnded(PublisherSession&, const std::string& code,
                                  const std::string& reason) = 0;
  };

  struct Config {
    std::string sessionId;
    std::string streamName;
    PeerConnectionConfig peer;
    RemoteDescription offer;
    CodecChoice choice;                     // video
    std::optional<CodecChoice> audio;       // set when the publisher's audio is taken
    uint64_t estimatedBitrate = 4'000'000;  // advertised in REMB, bits per second
  };

  struct Stats {
    uint64_t packets = 0, otherPayloadTypes = 0, poolExhausted = 0, keyFrameRequests = 0;
  };

  // `audioProducer` receives the audio when config.audio is set (else may be null).
  PublisherSession(MediaWorker& worker, router::Producer& producer, router::Producer* audioProducer,
                   router::PacketPool& pool, Config config, Listener& listener);
  ~PublisherSession() override;

  const std::string& id() const { return config_.sessionId; }
  bool start();
  bool addRemoteCandidate(const std::string& candidate);
  void requestKeyFrame();  // PLI to the publisher
  void close();            // idempotent
  const Stats& stats() const { return stats_; }

 private:
  void onPeerGatheringDone(PeerConnection&) override;
  void onPeerConnected(PeerConnection&) override;
  void onPeerClosed(PeerConnection&, const std::string& code, const std::string& reason) override;
  void onPeerRtcp(PeerConnection&, std::span<const uint8_t> compound) override;
  void onPeerRtp(PeerConnection&, std::span<const uint8_t> packet) override;
  void sendRemb();
  void forward(router::Producer& producer, std::span<const uint8_t> packet);

  MediaWorker& worker_;
  router::Producer& producer_;
  router::Producer* audioProducer_;
  router::PacketPool& pool_;
  Config config_;
  Listener& listener_;
  PeerConnection peer_;
  uint32_t localSsrc_;
  uint32_t remoteSsrc_ = 0;  // the publisher's video
  bool answered_ = false, connected_ = false, closed_ = false;
  unsigned rembTimer_ = 0;
  Stats stats_;
};

}  // namespace medrelay::relay::webrtc
