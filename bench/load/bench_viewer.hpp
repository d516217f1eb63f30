// One benchmark viewer: a PeerConnection from the relay's own stack (libnice ICE, DTLS,
// libsrtp) receiving the synthetic stream, and what it measured: packets, loss and reordering
// from sequence numbers (every packet's header), source-to-viewer delay from the payload stamps
// (a fixed histogram, no allocation per packet; once joined, from one decrypted packet in 16),
// and join time (request sent to the first key frame complete).
// Lives on the load generator's media worker; counters are read there too.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "bench/load/batch_receiver.hpp"
#include "relay/common/media_worker.hpp"
#include "relay/rtp/sequence_unwrapper.hpp"
#include "relay/webrtc/peer_connection.hpp"

namespace medrelay::bench {

struct DelayHistogram {
  static constexpr int64_t kBucketUs = 20;
  static constexpr size_t kBuckets = 5000;  // up to 100 ms; later ones land in the last bucket
  std::array<uint32_t, kBuckets> counts{};
  void add(int64_t us) {
    size_t b = us <= 0 ? 0 : static_cast<size_t>(us / kBucketUs);
    ++counts[b < kBuckets ? b : kBuckets - 1];
  }
  void merge(const DelayHistogram& other) {
    for (size_t i = 0; i < kBuckets; ++i)
      counts[i] += other.counts[i];
  }
  double percentileUs(double p) const;  // upper edge of the bucket holding the p-th percentile
};

class BenchViewer final : public relay::webrtc::PeerConnection::Listener {
 public:
  // `receiver`: once connected, the viewer's socket is read there instead of by libnice (null:
  // libnice reads it).
  BenchViewer(relay::MediaWorker& worker, relay::webrtc::PeerConnectionConfig config,
              BatchReceiver* receiver);
  ~BenchViewer() override;

  relay::webrtc::PeerConnection& peer() { return *peer_; }
  // Worker thread: the join request left now (for the join time).
  void markRequestSent() { requestNs_ = monotonicNsNow(); }
  // Worker thread: start the steady-state window (counters from zero).
  void startWindow();
  // Once gathering is done (answerer flow): called on the worker thread.
  std::function<void()> onGathered;

  struct Figures {
    uint64_t packets = 0, bytes = 0, lost = 0, reordered = 0, unstamped = 0;
    int64_t joinUs = -1;  // -1: no complete key frame yet
    bool connected = false, failed = false;
  };
  const Figures& figures() const { return figures_; }

  // The batch receiver's cheap path: every RTP packet's clear header counts (packets, loss,
  // reordering); only what this says yes to is decrypted (until the first key frame is complete,
  // then one packet in kDecryptEvery, for the delay stamp).
  void countHeader(std::span<const uint8_t> packet);
  bool wantsDecryption();
  static constexpr unsigned kDecryptEvery = 16;
  const DelayHistogram& delays() const { return delays_; }

 private:
  static int64_t monotonicNsNow();
  void onPeerGatheringDone(relay::webrtc::PeerConnection&) override;
  void onPeerConnected(relay::webrtc::PeerConnection&) override;
  void onPeerClosed(relay::webrtc::PeerConnection&, const std::string&,
                    const std::string&) override;
  void onPeerRtcp(relay::webrtc::PeerConnection&, std::span<const uint8_t>) override {}
  void onPeerRtp(relay::webrtc::PeerConnection&, std::span<const uint8_t> packet) override;

  std::unique_ptr<relay::webrtc::PeerConnection> peer_;
  BatchReceiver* receiver_;
  Figures figures_;
  DelayHistogram delays_;
  relay::rtp::SequenceUnwrapper unwrapper_;
  int64_t highest_ = -1;
  int64_t requestNs_ = 0;
  bool inKeyFrame_ = false;
  bool headersCounted_ = false;  // packets are counted by countHeader, not after decryption
  unsigned sinceDecrypted_ = 0;
};

}  // namespace medrelay::bench
