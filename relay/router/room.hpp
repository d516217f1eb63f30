// One stream's router: the producers (one per encoding the stream carries), the ingest receiver
// that feeds them from an ingest child's socket (or none: WHIP publishers feed them), who may
// be asked for a key frame, the viewers watching, and the figures sampled from all of these.
// The packet path reads IngestReceiver -> Producer -> Consumer; the room wires them and keeps
// the figures, and takes no part in forwarding.
// Thread ownership: created on any thread, then used on its worker's thread only, except where
// a method says "any thread" (name, encodings and the published figures and codec).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relay/common/media_worker.hpp"
#include "relay/router/ingest_receiver.hpp"
#include "relay/router/layer_selector.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/router/viewer_figures.hpp"
#include "relay/rtp/codec.hpp"

namespace medrelay::relay::router {

// One encoding the stream carries, as its ingest child sends it.
struct IngestEncoding {
  rtp::Codec codec;
  uint8_t payloadType;     // on the ingest socket (pipelines' convention: VP8 96, H.264 102)
  bool preferred = false;  // the source's own encoding, chosen for viewers who can take it
  uint8_t layer = 0;       // 0: the top (largest) layer of its codec; higher: smaller
};

// The room's counters, as its worker last published them (every sampling period): readers take
// this copy and never wait on the worker. Counters never go down: a leaving viewer's figures
// move into the retired totals.
struct RoomFigures {
  uint64_t viewers = 0;
  ViewerFigures sent;  // current viewers plus everyone who left
  // framesIn: pictures, counted on the busiest encoding of each sampling period (several
  // encodings carry the same pictures).
  uint64_t packetsIn = 0, bytesIn = 0, framesIn = 0, keyFrameRequestsUpstream = 0;
  // Dropped before forwarding (see Producer::Stats).
  uint64_t malformed = 0, duplicates = 0, late = 0, jumps = 0, probation = 0;
  // Dropped by the ingest receiver before any producer (see IngestReceiver::Stats).
  uint64_t truncated = 0, unknownPayloadType = 0;
  // Media rate over the last sampling period: all encodings, and each (indexed by rtp::Codec,
  // then layer; a camera's top VP8 and H.264 layers each keep under the transcoding ceiling).
  uint32_t bitrateKbps = 0;
  template <typename T>
  using PerEncoding = std::array<std::array<T, kMaxLayers>, rtp::kCodecCount>;
  PerEncoding<uint32_t> bitrateKbpsByEncoding{};
  // Bytes received per encoding since the room began (never goes down, whichever producers
  // came and went): a rate over any window is read from two of these.
  PerEncoding<uint64_t> bytesInByEncoding{};
  PerEncoding<uint64_t> framesInByEncoding{};  // likewise, video frames
  double framesPerSecond = 0;
};

class Room final : public Producer::Listener {
 public:
  static constexpr std::chrono::seconds kSamplePeriod{2};

  // `name` is for logs; `pool`: the packet buffers of `worker`, for media this room receives.
  Room(std::string name, MediaWorker& worker, PacketPool& pool,
       std::vector<IngestEncoding> encodings);
  ~Room() override;
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  // Any thread.
  const std::string& name() const { return name_; }
  MediaWorker& worker() const { return worker_; }
  PacketPool& pool() const { return pool_; }
  const std::vector<IngestEncoding>& encodings() const { return encodings_; }
  bool producesAudio() const;  // an Opus producer, which viewers get when their offer takes it
  // For a room fed by publishers: the codec the current publisher sends (viewers can only be
  // offered that one); nullopt before the first publisher.
  std::optional<rtp::Codec> publishedCodec() const;
  void setPublishedCodec(rtp::Codec codec) { publishedCodec_ = static_cast<int>(codec); }
  RoomFigures figures() const;  // as of the last sampling period

  // Worker thread only. One producer per encoding, fed by an ingest child's socket
  // (attachIngest) or by WHIP publishers (createProducers, then setKeyFrameSource).
  void createProducers();
  void attachIngest(int relayFd);
  // `owner` names who set it, so that a leaving publisher clears only its own.
  void setKeyFrameSource(const void* owner, std::function<void()> requestKeyFrame);
  void clearKeyFrameSource(const void* owner);
  Producer* producer(rtp::Codec codec);  // its top layer
  // The codec's layers, top (largest) first; a layer the source does not fill stays idle.
  std::vector<Producer*> layers(rtp::Codec codec);
  void detach();  // drops the ingest receiver and producers; called before the worker stops
  // A viewer starts, and leaves (its figures are kept in the retired totals).
  void viewerJoined(const ViewerFiguresSource& viewer);
  void viewerLeft(const ViewerFiguresSource& viewer);
  size_t viewerCount() const { return viewers_.size(); }

 private:
  void onProducerKeyFrameNeeded(Producer& producer) override;
  void sample();  // worker thread, every kSamplePeriod: the figures snapshot and the rates

  const std::string name_;
  MediaWorker& worker_;
  PacketPool& pool_;
  const std::vector<IngestEncoding> encodings_;
  std::atomic<int> publishedCodec_{-1};
  // Worker thread.
  std::vector<std::unique_ptr<Producer>> producers_;  // in the order of encodings_
  std::vector<uint64_t> bytesAtLastSample_;           // each producer's byte count, last sample
  std::vector<uint64_t> framesAtLastSample_;          // each producer's frame count, last sample
  RoomFigures::PerEncoding<uint64_t> bytesInByEncoding_{};  // since the room began
  RoomFigures::PerEncoding<uint64_t> framesInByEncoding_{};
  std::unique_ptr<IngestReceiver> ingest_;
  std::function<void()> keyFrameSource_;
  const void* keyFrameSourceOwner_ = nullptr;
  std::set<const ViewerFiguresSource*> viewers_;
  ViewerFigures retired_;
  unsigned sampleTimer_ = 0;
  // The published snapshot: written by the worker, read by anyone.
  mutable std::mutex figuresMutex_;
  RoomFigures figures_;
};

}  // namespace medrelay::relay::router
