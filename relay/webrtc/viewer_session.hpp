// One viewer watching one stream over WebRTC: a PeerConnection whose answer we write, and a
// router Consumer attached to the video producer once DTLS is up, plus a second one for the
// audio producer when the stream has audio and the viewer's offer takes it (bundled on the same
// transport). Media goes Consumer -> SRTP -> ICE; RTCP comes back PeerConnection -> Consumers,
// each picking what concerns its own SSRC. Owned by the producers' MediaWorker thread.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "relay/common/media_worker.hpp"
#include "relay/router/consumer.hpp"
#include "relay/router/producer.hpp"
#include "relay/router/viewer_figures.hpp"
#include "relay/webrtc/peer_connection.hpp"
#include "relay/webrtc/sdp_answer.hpp"
#include "relay/webrtc/sdp_types.hpp"

namespace medrelay::relay::webrtc {

class ViewerSession final : public PeerConnection::Listener,
                            public router::Consumer::Listener,
                            public router::ViewerFiguresSource {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    // The SDP answer is ready (candidates gathered); called once.
    virtual void onViewerAnswer(ViewerSession&, const std::string& answerSdp) = 0;
    // The session is over for a transport reason. The owner must destroy the session later
    // (post to the worker), never inside this callback: libnice is still on the stack.
    virtual void onViewerEnded(ViewerSession&, const std::string& code,
                               const std::string& reason) = 0;
  };

  struct Config {
    std::string sessionId;
    std::string streamName;
    PeerConnectionConfig peer;
    RemoteDescription offer;
    CodecChoice choice;                // video
    std::optional<CodecChoice> audio;  // set when the viewer gets the stream's audio
  };

  // `audioProducer`: the stream's audio, used when config.audio is set (else may be null).
  ViewerSession(MediaWorker& worker, router::Producer& producer, router::Producer* audioProducer,
                Config config, Listener& listener);
  ~ViewerSession() override;

  const std::string& id() const { return config_.sessionId; }
  bool start();  // begins ICE gathering; the answer follows through the listener
  bool addRemoteCandidate(const std::string& candidate);
  void close();  // detaches from the producer and closes the transport; idempotent

  const router::Consumer& consumer() const { return consumer_; }  // the video's
  const router::Consumer* audioConsumer() const {
    return audioConsumer_ ? &*audioConsumer_ : nullptr;
  }
  const PeerConnection& peer() const { return peer_; }
  // The video and audio consumers' figures and the transport's refusals, summed.
  router::ViewerFigures viewerFigures() const override;

 private:
  // PeerConnection::Listener
  void onPeerGatheringDone(PeerConnection&) override;
  void onPeerConnected(PeerConnection&) override;
  void onPeerClosed(PeerConnection&, const std::string& code, const std::string& reason) override;
  void onPeerRtcp(PeerConnection&, std::span<const uint8_t> compound) override;
  // Consumer::Listener
  void onConsumerRtp(router::Consumer&, std::span<uint8_t> packet) override;
  void onConsumerFlush(router::Consumer&) override;
  void onConsumerRtcp(router::Consumer&, std::span<uint8_t> compound) override;

  static router::ConsumerConfig consumerConfig(const Config& config, const CodecChoice& choice);
  static PeerConnectionConfig peerConfig(PeerConnectionConfig config);

  MediaWorker& worker_;
  router::Producer& producer_;
  Config config_;
  Listener& listener_;
  router::Consumer consumer_;
  router::Producer* audioProducer_;
  std::optional<router::Consumer> audioConsumer_;
  PeerConnection peer_;
  bool attached_ = false;
  bool answered_ = false;
  bool closed_ = false;
  unsigned reportTimer_ = 0;
};

}  // namespace medrelay::relay::webrtc
