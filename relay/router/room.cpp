#include "relay/router/room.hpp"

#include <algorithm>
#include <cmath>

namespace medrelay::relay::router {

Room::Room(std::string name, MediaWorker& worker, PacketPool& pool,
           std::vector<IngestEncoding> encodings)
    : name_(std::move(name)), worker_(worker), pool_(pool), encodings_(std::move(encodings)) {}

Room::~Room() = default;

bool Room::producesAudio() const {
  return std::any_of(encodings_.begin(), encodings_.end(),
                     [](const IngestEncoding& e) { return rtp::isAudio(e.codec); });
}

std::optional<rtp::Codec> Room::publishedCodec() const {
  int codec = publishedCodec_.load();
  if (codec < 0) return std::nullopt;
  return static_cast<rtp::Codec>(codec);
}

RoomFigures Room::figures() const {
  std::lock_guard lock(figuresMutex_);
  return figures_;
}

void Room::createProducers() {
  if (!producers_.empty()) return;
  sampleTimer_ = worker_.addTimer(kSamplePeriod, [this] {
    sample();
    return true;
  });
  for (const auto& encoding : encodings_) {
    ProducerConfig config;
    config.streamName = name_;
    config.codec = encoding.codec;
    config.payloadType = encoding.payloadType;
    producers_.push_back(std::make_unique<Producer>(config, *this));
  }
}

void Room::attachIngest(int relayFd) {
  createProducers();
  ingest_ = std::make_unique<IngestReceiver>(worker_, relayFd, pool_);
  for (auto& producer : producers_)
    ingest_->addProducer(*producer);
}

void Room::setKeyFrameSource(const void* owner, std::function<void()> requestKeyFrame) {
  keyFrameSourceOwner_ = owner;
  keyFrameSource_ = std::move(requestKeyFrame);
}

void Room::clearKeyFrameSource(const void* owner) {
  if (keyFrameSourceOwner_ != owner) return;
  keyFrameSourceOwner_ = nullptr;
  keyFrameSource_ = nullptr;
}

Producer* Room::producer(rtp::Codec codec) {
  for (size_t i = 0; i < producers_.size(); ++i) {
    if (encodings_[i].codec == codec && encodings_[i].layer == 0) return producers_[i].get();
  }
  return nullptr;
}

std::vector<Producer*> Room::layers(rtp::Codec codec) {
  std::vector<Producer*> layers;
  for (size_t layer = 0; layer < kMaxLayers; ++layer) {
    for (size_t i = 0; i < producers_.size(); ++i) {
      if (encodings_[i].codec == codec && encodings_[i].layer == layer)
        layers.push_back(producers_[i].get());
    }
  }
  return layers;
}

void Room::detach() {
  if (sampleTimer_) worker_.cancelTimer(sampleTimer_);
  sampleTimer_ = 0;
  keyFrameSource_ = nullptr;
  keyFrameSourceOwner_ = nullptr;
  ingest_.reset();
  producers_.clear();
  framesAtLastSample_.clear();
  bytesAtLastSample_.clear();
}

void Room::viewerJoined(const ViewerFiguresSource& viewer) {
  viewers_.insert(&viewer);
}

void Room::viewerLeft(const ViewerFiguresSource& viewer) {
  if (!viewers_.erase(&viewer)) return;
  auto figures = viewer.viewerFigures();
  figures.onLayer = {};  // who watches which layer now: current viewers only
  retired_ += figures;
}

void Room::sample() {
  // Several encodings carry the same pictures: bytes add up, frames count on the busiest one.
  // The busiest one is taken per period, not over all time: after a publisher in one codec
  // leaves, its producer's count stands still while the next publisher's grows from zero.
  RoomFigures figures;
  framesAtLastSample_.resize(producers_.size(), 0);
  bytesAtLastSample_.resize(producers_.size(), 0);
  const double seconds = std::chrono::duration<double>(kSamplePeriod).count();
  uint64_t busiestFrames = 0;  // in this period, on the encoding that carried the most
  for (size_t i = 0; i < producers_.size(); ++i) {
    const auto& p = producers_[i]->stats();
    uint64_t last = framesAtLastSample_[i];
    const uint64_t frames = p.frames >= last ? p.frames - last : p.frames;
    busiestFrames = std::max(busiestFrames, frames);
    framesAtLastSample_[i] = p.frames;
    uint64_t bytes = p.bytes >= bytesAtLastSample_[i] ? p.bytes - bytesAtLastSample_[i] : p.bytes;
    bytesAtLastSample_[i] = p.bytes;
    const auto codec = static_cast<size_t>(producers_[i]->config().codec);
    const size_t layer = std::min<size_t>(encodings_[i].layer, kMaxLayers - 1);
    figures.bitrateKbpsByEncoding[codec][layer] +=
        static_cast<uint32_t>(static_cast<double>(bytes) * 8 / 1000 / seconds);
    bytesInByEncoding_[codec][layer] += bytes;
    framesInByEncoding_[codec][layer] += frames;
    figures.packetsIn += p.packets;
    figures.bytesIn += p.bytes;
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
  figures.bytesInByEncoding = bytesInByEncoding_;
  figures.framesInByEncoding = framesInByEncoding_;
  figures.viewers = viewers_.size();
  figures.sent = retired_;
  for (const auto* viewer : viewers_)
    figures.sent += viewer->viewerFigures();
  std::lock_guard lock(figuresMutex_);
  figures.bitrateKbps =
      static_cast<uint32_t>((figures.bytesIn - figures_.bytesIn) * 8 / 1000 / seconds);
  figures.framesIn = figures_.framesIn + busiestFrames;
  figures.framesPerSecond = std::round(static_cast<double>(busiestFrames) / seconds * 10) / 10;
  figures_ = figures;
}

void Room::onProducerKeyFrameNeeded(Producer& producer) {
  if (ingest_) ingest_->sendKeyFrameRequest(producer.ssrc());
  if (keyFrameSource_) keyFrameSource_();
}

}  // namespace medrelay::relay::router
