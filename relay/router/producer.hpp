// One incoming RTP stream (one codec, one SSRC at a time): parses each packet in place, notes
// key frames, keeps it in the retransmission cache and hands the same buffer to every consumer.
// Each sequence number is forwarded once (SequenceFilter): duplicates and packets older than the
// reordering window are dropped and counted, so no consumer ever sends two different packets
// under one output sequence number (one SRTP index, one AES-GCM nonce).
// The source may restart (a new ingest process: new SSRC, sequence and timestamps); consumers
// are told so they keep their own output continuous and wait for the new source's key frame.
// A new SSRC is believed only when its second packet follows its first (RFC 3550 A.1
// probation), so one stray datagram cannot restart the stream.
// A consumer switching to this producer from another layer of the stream waits in a list of its
// own and joins on this producer's next key frame, so its viewer's decoder never starts mid-way.
// One media worker thread; not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relay/router/key_frame_request_manager.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/retransmission_buffer.hpp"
#include "relay/router/sequence_filter.hpp"
#include "relay/rtp/codec.hpp"
#include "relay/rtp/rtp_packet.hpp"

namespace medrelay::relay::router {

class Consumer;

struct ProducerConfig {
  std::string streamName;
  rtp::Codec codec = rtp::Codec::Vp8;
  uint8_t payloadType = 96;
  uint32_t clockRate = 90000;
};

class Producer final : public KeyFrameRequestManager::Listener {
 public:
  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onProducerKeyFrameNeeded(Producer& producer) = 0;
  };

  struct Stats {
    uint64_t packets = 0, bytes = 0, frames = 0, keyFrames = 0, malformed = 0, sourceRestarts = 0;
    uint64_t keyFrameRequests = 0;  // sent upstream, after merging
    // Dropped before forwarding: a sequence number seen before, one older than the reordering
    // window, a jump not (yet) confirmed, the first packet of an SSRC on probation.
    uint64_t duplicates = 0, late = 0, jumps = 0, probation = 0;
  };

  Producer(ProducerConfig config, Listener& listener);
  ~Producer() override;

  const ProducerConfig& config() const { return config_; }
  uint32_t ssrc() const { return ssrc_; }
  const Stats& stats() const;

  void receiveRtp(PacketRef packet, int64_t nowMs);
  // After a batch of receiveRtp calls: every consumer sends what it queued (one batch each).
  void flushConsumers();
  void addConsumer(Consumer& consumer, int64_t nowMs);
  void removeConsumer(Consumer& consumer);  // safe during fan-out, even from a consumer callback
  size_t consumerCount() const;
  // Consumer::switchTo: `consumer` joins at the next key frame (asked for now). Removing it (or
  // destroying this producer) cancels the switch.
  void addSwitchingConsumer(Consumer& consumer, int64_t nowMs);
  void removeSwitchingConsumer(Consumer& consumer);
  size_t switchingConsumerCount() const { return switching_.size(); }
  // Audio has no key frames: requests for an audio producer are ignored.
  void requestKeyFrame(int64_t nowMs) {
    if (!rtp::isAudio(config_.codec)) keyFrames_.request(nowMs);
  }

  // The media rate over the last whole second in which packets came, and when the last one came
  // (0: never): a layer that is not filled, or stopped, is not offered to viewers.
  uint32_t bitrateKbps() const { return bitrateKbps_; }
  int64_t lastPacketMs() const { return lastPacketMs_; }

  const RetransmissionBuffer& cache() const { return cache_; }
  // Extended sequence number of the newest key frame's first packet, -1 if none cached.
  int64_t lastKeyFrameSequence() const { return lastKeyFrameSequence_; }
  int64_t lastKeyFrameReceivedMs() const { return lastKeyFrameMs_; }

 private:
  void onKeyFrameRequestDue() override;
  void compactConsumers();
  // A new source (SSRC) or a confirmed restart of the numbering: consumers resynchronize.
  void restartSource(int64_t nowMs);
  void deliver(const PacketRef& packet, const rtp::RtpPacket& parsed, int64_t nowMs);
  void admitSwitchingConsumers();  // on a key frame's first packet, before it fans out

  ProducerConfig config_;
  Listener& listener_;
  KeyFrameRequestManager keyFrames_;
  RetransmissionBuffer cache_;
  SequenceFilter sequences_;
  std::vector<Consumer*> consumers_;
  std::vector<Consumer*> switching_;  // waiting for our next key frame (never during fan-out)
  bool dispatching_ = false;
  bool removedDuringDispatch_ = false;
  bool started_ = false;
  uint32_t ssrc_ = 0;
  // The first packet of an SSRC we have not heard before, held until its successor confirms it.
  PacketRef candidate_;
  uint32_t candidateSsrc_ = 0;
  uint16_t candidateNext_ = 0;
  int64_t lastKeyFrameSequence_ = -1;
  int64_t lastKeyFrameMs_ = 0;
  int64_t lastPacketMs_ = 0;
  int64_t rateWindowStartMs_ = 0;
  uint64_t rateWindowStartBytes_ = 0;
  uint32_t bitrateKbps_ = 0;
  mutable Stats stats_;
};

}  // namespace medrelay::relay::router
