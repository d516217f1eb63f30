// The streams this relay carries: for each, its ingest socket receiver and one producer per
// encoding (VP8, H.264), all living on one media worker. The registry is shared by the signaling
// thread (lookups), the supervisor thread (state changes) and the DICOM gateway (streams made
// while the relay runs): the map is guarded by a mutex that the packet path never takes, streams
// are only ever added while the relay runs (so a Stream* stays valid until shutdown), and
// per-stream state is atomic.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "relay/common/media_worker.hpp"
#include "relay/router/consumer.hpp"
#include "relay/router/ingest_receiver.hpp"
#include "relay/router/packet_pool.hpp"
#include "relay/router/producer.hpp"
#include "relay/router/viewer_figures.hpp"
#include "relay/rtp/codec.hpp"

namespace medrelay::app {

// Connecting: the source is being started; Live: media flows; Stalled: the source stopped
// sending and is being restarted; Failed: the source failed (reason in the detail) and is being
// restarted; Down: nothing to carry (a WHIP stream without publisher).
enum class StreamState { Connecting, Live, Stalled, Failed, Down };
std::string_view streamStateName(StreamState state);

struct StreamEncoding {
  relay::rtp::Codec codec;
  uint8_t payloadType;  // on the ingest socket (pipelines' convention: VP8 96, H.264 102)
};

// How the source is doing, for the API and /metrics: the last transition's reason, how often
// it was restarted, and its media rate over the last sampling period (two seconds).
struct SourceHealth {
  std::string detail;  // why it is down or was restarted ("" when fine)
  uint32_t restarts = 0;
  uint32_t bitrateKbps = 0;
  double framesPerSecond = 0;
};

// A stream's counters for /metrics, as its worker last published them (every sampling period):
// scrapes read this copy and never wait on the worker. Counters never go down: a leaving
// viewer's figures move into the retired totals.
struct StreamFigures {
  uint64_t viewers = 0;
  relay::router::ViewerFigures sent;  // current viewers plus everyone who left
  uint64_t packetsIn = 0, bytesIn = 0, framesIn = 0, keyFrameRequestsUpstream = 0;
  // Dropped before forwarding (see Producer::Stats).
  uint64_t malformed = 0, duplicates = 0, late = 0, jumps = 0, probation = 0;
  // Dropped by the ingest receiver before any producer (see IngestReceiver::Stats).
  uint64_t truncated = 0, unknownPayloadType = 0;
};

class Stream final : public relay::router::Producer::Listener {
 public:
  // `pool`: the packet buffers of `worker`, for media this stream receives.
  Stream(std::string name, std::string kind, relay::MediaWorker& worker,
         relay::router::PacketPool& pool, std::vector<StreamEncoding> encodings);
  ~Stream() override;

  const std::string& name() const { return name_; }
  const std::string& kind() const { return kind_; }
  relay::MediaWorker& worker() const { return worker_; }
  relay::router::PacketPool& pool() const { return pool_; }
  const std::vector<StreamEncoding>& encodings() const { return encodings_; }
  // The stream has an audio producer (Opus), which viewers get when their offer takes it.
  bool producesAudio() const;
  StreamState state() const { return state_.load(); }
  void setState(StreamState state) { state_.store(state); }
  // Any thread: a state change of the source with its reason; `restarted` counts a restart.
  void noteSourceEvent(const std::string& detail, bool restarted);
  SourceHealth health() const;

  // Worker thread only: one producer per encoding, fed by an ingest child's socket
  // (attachIngest) or by WHIP publishers (createProducers, then setKeyFrameSource).
  void createProducers();
  void attachIngest(int relayFd);
  // `owner` names who set it, so that a leaving publisher clears only its own.
  void setKeyFrameSource(const void* owner, std::function<void()> requestKeyFrame);
  void clearKeyFrameSource(const void* owner);
  // For a stream fed by publishers: the codec the current publisher sends (viewers can only be
  // offered that one); nullopt before the first publisher. Any thread.
  std::optional<relay::rtp::Codec> publishedCodec() const;
  void setPublishedCodec(relay::rtp::Codec codec) { publishedCodec_ = static_cast<int>(codec); }
  relay::router::Producer* producer(relay::rtp::Codec codec);
  void detach();  // drops the ingest receiver and producers; called before the worker stops
  // Worker thread only: a viewer starts, and leaves (its figures are kept).
  void viewerJoined(const relay::router::ViewerFiguresSource& viewer);
  void viewerLeft(const relay::router::ViewerFiguresSource& viewer);
  // Any thread: the counters as of the last sampling period.
  StreamFigures figures() const;

 private:
  void onProducerKeyFrameNeeded(relay::router::Producer& producer) override;
  void sampleRates();  // worker thread, every kSamplePeriod: rates and the figures snapshot

  static constexpr std::chrono::seconds kSamplePeriod{2};

  std::string name_;
  std::string kind_;
  relay::MediaWorker& worker_;
  relay::router::PacketPool& pool_;
  std::vector<StreamEncoding> encodings_;
  std::atomic<StreamState> state_{StreamState::Connecting};
  std::vector<std::unique_ptr<relay::router::Producer>> producers_;
  std::unique_ptr<relay::router::IngestReceiver> ingest_;
  std::function<void()> keyFrameSource_;
  const void* keyFrameSourceOwner_ = nullptr;
  std::atomic<int> publishedCodec_{-1};
  std::set<const relay::router::ViewerFiguresSource*> viewers_;
  unsigned sampleTimer_ = 0;
  uint64_t sampledBytes_ = 0, sampledFrames_ = 0;
  mutable std::mutex healthMutex_;
  SourceHealth health_;
  StreamFigures figures_;                 // guarded by healthMutex_
  relay::router::ViewerFigures retired_;  // worker thread
};

class StreamRegistry {
 public:
  // Returns the stream now registered under its name (an existing one wins: names are unique).
  Stream* add(std::unique_ptr<Stream> stream);
  Stream* find(const std::string& name) const;
  std::vector<Stream*> all() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Stream>> streams_;
};

}  // namespace medrelay::app
