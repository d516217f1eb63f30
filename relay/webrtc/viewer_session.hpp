// One viewer watching one stream over WebRTC: a PeerConnection whose answer we write, and a
// router Consumer attached to the video producer once DTLS is up, plus a second one for the
// audio producer when the stream has audio and the viewer's offer takes it (bundled on the same
// transport). Media goes Consumer -> SRTP -> ICE; RTCP comes back PeerConnection -> Consumers,
// each picking what concerns its own SSRC. When the stream's codec comes in several layers, a
// LayerSelector reads the viewer's feedback a few times a second and moves its consumer to the
// layer its link carries (or the one the viewer pinned). Owned by the producers' MediaWorker
// thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relay/common/media_worker.hpp"
#include "relay/router/consumer.hpp"
#include "relay/router/layer_selector.hpp"
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
    // The video is on `layer` now (when media starts, and after each switch or pin).
    virtual void onViewerLayer(ViewerSession&, int layer) { (void)layer; }
  };

  struct Config {
    std::string sessionId;
    std::string streamName;
    PeerConnectionConfig peer;
    RemoteDescription offer;
    CodecChoice choice;                // video
    std::optional<CodecChoice> audio;  // set when the viewer gets the stream's audio
  };

  // `layers`: the video codec's producers, top (largest) first, at least one. `audioProducer`:
  // the stream's audio, used when config.audio is set (else may be null).
  ViewerSession(MediaWorker& worker, std::vector<router::Producer*> layers,
                router::Producer* audioProducer, Config config, Listener& listener);
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
  int layer() const { return layer_; }  // of the video, 0 the top
  size_t layerCount() const { return layers_.size(); }
  // The viewer's own choice of layer, or nullopt to follow its link again; takes effect at the
  // next key frame of that layer. A layer the stream does not fill is not taken.
  void pinLayer(std::optional<int> layer);
  std::optional<int> pinnedLayer() const { return selector_.pinned(); }
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

  void followLink(int64_t nowMs);  // the layer selector's turn
  static router::ConsumerConfig consumerConfig(const Config& config, const CodecChoice& choice);
  static PeerConnectionConfig peerConfig(PeerConnectionConfig config);

  MediaWorker& worker_;
  const std::vector<router::Producer*> layers_;
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
  router::LayerSelector selector_;
  int layer_ = 0;  // the layer the consumer is on
  int64_t switchAskedMs_ = 0;
  uint64_t layerSwitchesUp_ = 0, layerSwitchesDown_ = 0;
};

}  // namespace medrelay::relay::webrtc
