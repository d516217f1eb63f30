#include "app/stream_registry.hpp"

#include "common/logger.hpp"

#include <algorithm>
#include <cmath>

namespace medrelay::app {

std::string_view streamStateName(StreamState state) {
  switch (state) {
    case StreamState::Live:
      return "live";
    case StreamState::Connecting:
      return "connecting";
    case StreamState::Stalled:
      return "stalled";
    case StreamState::Failed:
      return "failed";
    case StreamState::Down:
      return "down";
  }
  return "down";
}

Stream::Stream(std::string name, std::string kind, relay::MediaWorker& worker,
               relay::router::PacketPool& pool, std::vector<StreamEncoding> encodings)
    : name_(std::move(name)),
      kind_(std::move(kind)),
      worker_(worker),
      pool_(pool),
      encodings_(std::move(encodings)) {}

Stream::~Stream() = default;

void Stream::createProducers() {
  if (!producers_.empty()) return;
  sampleTimer_ = worker_.addTimer(kSamplePeriod, [this] {
    sampleRates();
    return true;
  });
  for (const auto& encoding : encodings_) {
    relay::router::ProducerConfig config;
    config.streamName = name_;
    config.codec = encoding.codec;
    config.payloadType = encoding.payloadType;
    producers_.push_back(std::make_unique<relay::router::Producer>(config, *this));
  }
}

void Stream::attachIngest(int relayFd) {
  createProducers();
  ingest_ = std::make_unique<relay::router::IngestReceiver>(worker_, relayFd, pool_);
  for (auto& producer : producers_)
    ingest_->addProducer(*producer);
}

void Stream::setKeyFrameSource(const void* owner, std::function<void()> requestKeyFrame) {
  keyFrameSourceOwner_ = owner;
  keyFrameSource_ = std::move(requestKeyFrame);
}

void Stream::clearKeyFrameSource(const void* owner) {
  if (keyFrameSourceOwner_ != owner) return;
  keyFrameSourceOwner_ = nullptr;
  keyFrameSource_ = nullptr;
}

std::optional<relay::rtp::Codec> Stream::publishedCodec() const {
  int codec = publishedCodec_.load();
  if (codec < 0) return std::nullopt;
  return static_cast<relay::rtp::Codec>(codec);
}

bool Stream::producesAudio() const {
  return std::any_of(encodings_.begin(), encodings_.end(),
                     [](const StreamEncoding& e) { return relay::rtp::isAudio(e.codec); });
}

relay::router::Producer* Stream::producer(relay::rtp::Codec codec) {
  for (size_t i = 0; i < producers_.size(); ++i) {
    if (encodings_[i].codec == codec) return producers_[i].get();
  }
  return nullptr;
}

void Stream::detach() {
  if (sampleTimer_) worker_.cancelTimer(sampleTimer_);
  sampleTimer_ = 0;
  keyFrameSource_ = nullptr;
  ingest_.reset();
  producers_.clear();
}

void Stream::viewerJoined(const relay::router::ViewerFiguresSource& viewer) {
  viewers_.insert(&viewer);
}

void Stream::viewerLeft(const relay::router::ViewerFiguresSource& viewer) {
  if (viewers_.erase(&viewer)) retired_ += viewer.viewerFigures();
}

StreamFigures Stream::figures() const {
  std::lock_guard lock(healthMutex_);
  return figures_;
}

void Stream::noteSourceEvent(const std::string& detail, bool restarted) {
  std::lock_guard lock(healthMutex_);
  health_.detail = detail;
  if (restarted) ++health_.restarts;
}

SourceHealth Stream::health() const {
  std::lock_guard lock(healthMutex_);
  return health_;
}

void Stream::sampleRates() {
  // Several encodings carry the same pictures: bytes add up, frames count on the busiest one.
  StreamFigures figures;
  for (const auto& producer : producers_) {
    const auto& p = producer->stats();
    figures.packetsIn += p.packets;
    figures.bytesIn += p.bytes;
    figures.framesIn = std::max(figures.framesIn, p.frames);
    figures.keyFrameRequestsUpstream += p.keyFrameRequests;
    figures.malformed += p.malformed;
    figures.duplicates += p.duplicates;
    figures.late += p.late;
    figures.jumps += p.jumps;
    figures.probation += p.probation;
  }
  if (ingest_) {
    figures.truncated = ingest_->stats().truncated;
    figures.unknownPayloadType = ingest_->stats().unknownPayloadType;
  }
  figures.viewers = viewers_.size();
  figures.sent = retired_;
  for (const auto* viewer : viewers_)
    figures.sent += viewer->viewerFigures();
  const double seconds = std::chrono::duration<double>(kSamplePeriod).count();
  std::lock_guard lock(healthMutex_);
  health_.bitrateKbps =
      static_cast<uint32_t>((figures.bytesIn - sampledBytes_) * 8 / 1000 / seconds);
  health_.framesPerSecond =
      std::round(static_cast<double>(figures.framesIn - sampledFrames_) / seconds * 10) / 10;
  sampledBytes_ = figures.bytesIn;
  sampledFrames_ = figures.framesIn;
  figures_ = figures;
}

void Stream::onProducerKeyFrameNeeded(relay::router::Producer& producer) {
  if (ingest_) ingest_->sendKeyFrameRequest(producer.ssrc());
  if (keyFrameSource_) keyFrameSource_();
}

Stream* StreamRegistry::add(std::unique_ptr<Stream> stream) {
  std::lock_guard lock(mutex_);
  auto name = stream->name();
  return streams_.emplace(std::move(name), std::move(stream)).first->second.get();
}

Stream* StreamRegistry::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second.get();
}

std::vector<Stream*> StreamRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<Stream*> out;
  for (const auto& [name, stream] : streams_)
    out.push_back(stream.get());
  return out;
}

}  // namespace medrelay::app
