#include "app/stream_registry.hpp"

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
    case StreamState::Standby:
      return "standby";
  }
  return "down";
}

Stream::Stream(std::string name, std::string kind, relay::MediaWorker& worker,
               relay::router::PacketPool& pool,
               std::vector<relay::router::IngestEncoding> encodings)
    : kind_(std::move(kind)), room_(std::move(name), worker, pool, std::move(encodings)) {}

void Stream::noteSourceEvent(const std::string& detail, bool restarted) {
  std::lock_guard lock(sourceMutex_);
  detail_ = detail;
  if (restarted) ++restarts_;
}

void Stream::noteSourceRunning() {
  auto packetsIn = room_.figures().packetsIn;
  std::lock_guard lock(sourceMutex_);
  packetsInAtRunning_ = packetsIn;
}

namespace {

bool mediaFlows(const relay::router::RoomFigures& figures) {
  return figures.bitrateKbps > 0 || figures.framesPerSecond > 0;
}

}  // namespace

StreamState Stream::state() const {
  auto state = state_.load();
  if (state == StreamState::Live && !mediaFlows(room_.figures())) return StreamState::Connecting;
  return state;
}

SourceHealth Stream::health() const {
  auto figures = room_.figures();
  std::lock_guard lock(sourceMutex_);
  std::string detail = detail_;
  if (state_.load() == StreamState::Live) {
    bool mediaSinceRunning = figures.packetsIn > packetsInAtRunning_;
    if (mediaFlows(figures))
      detail.clear();
    else if (mediaSinceRunning || detail.empty())
      detail = kWaitingForMedia;
  }
  return {std::move(detail), restarts_, figures.bitrateKbps, figures.framesPerSecond};
}

Stream::Watch::Watch(Stream& stream) : stream_(stream) {
  std::lock_guard lock(stream_.watchMutex_);
  if (++stream_.watchers_ == 1 && stream_.watchedHook_) stream_.watchedHook_(true);
}

Stream::Watch::~Watch() {
  std::lock_guard lock(stream_.watchMutex_);
  if (--stream_.watchers_ == 0 && stream_.watchedHook_) stream_.watchedHook_(false);
}

void Stream::setWatchedHook(std::function<void(bool)> hook) {
  std::lock_guard lock(watchMutex_);
  watchedHook_ = std::move(hook);
}

size_t Stream::watchers() const {
  std::lock_guard lock(watchMutex_);
  return watchers_;
}

std::shared_ptr<Stream> StreamRegistry::add(std::shared_ptr<Stream> stream) {
  std::lock_guard lock(mutex_);
  auto name = stream->name();
  return streams_.emplace(std::move(name), std::move(stream)).first->second;
}

std::shared_ptr<Stream> StreamRegistry::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name);
  return it == streams_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Stream>> StreamRegistry::all() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Stream>> out;
  for (const auto& [name, stream] : streams_)
    out.push_back(stream);
  return out;
}

std::shared_ptr<Stream> StreamRegistry::remove(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto it = streams_.find(name);
  if (it == streams_.end()) return nullptr;
  auto stream = std::move(it->second);
  streams_.erase(it);
  return stream;
}

}  // namespace medrelay::app
