#include "app/stream_launcher.hpp"

#include <algorithm>

#include "common/logger.hpp"
#include "pipelines/layer_ladder.hpp"
#include "pipelines/pipeline_description.hpp"

namespace medrelay::app {
namespace {

const std::shared_ptr<spdlog::logger>& log() {
  static auto logger = medrelay::logger("streams");
  return logger;
}

}  // namespace

std::vector<relay::router::IngestEncoding> encodedSourceEncodings(int layers) {
  std::vector<relay::router::IngestEncoding> encodings;
  layers = std::clamp(layers, 1, pipelines::kMaxLayers);
  for (auto codec : {relay::rtp::Codec::Vp8, relay::rtp::Codec::H264}) {
    for (int layer = 0; layer < layers; ++layer) {
      const int payloadType = codec == relay::rtp::Codec::Vp8
                                  ? pipelines::vp8LayerPayloadType(layer)
                                  : pipelines::h264LayerPayloadType(layer);
      relay::router::IngestEncoding encoding{codec, static_cast<uint8_t>(payloadType)};
      encoding.layer = static_cast<uint8_t>(layer);
      encodings.push_back(encoding);
    }
  }
  return encodings;
}

std::vector<relay::router::IngestEncoding> forwardedRtpEncodings(relay::rtp::Codec codec) {
  auto payloadType =
      codec == relay::rtp::Codec::Vp8 ? pipelines::kVp8PayloadType : pipelines::kH264PayloadType;
  return {{codec, static_cast<uint8_t>(payloadType)}};
}

relay::router::IngestEncoding opusEncoding() {
  return {relay::rtp::Codec::Opus, static_cast<uint8_t>(pipelines::kOpusPayloadType)};
}

bool canRunOnDemand(const std::string& source) {
  if (source.rfind("test://", 0) == 0 || source.rfind("dicom://", 0) == 0 ||
      source.rfind("rtsp://", 0) == 0 || source.rfind("rtsps://", 0) == 0)
    return true;
  // An SRT caller dials the camera; a listener waits for the camera to call.
  return source.rfind("srt://", 0) == 0 && !pipelines::isSrtListener(source);
}

StreamLauncher::StreamLauncher(std::vector<WorkerSlot> workers, StreamRegistry& registry,
                               pipelines::Supervisor& supervisor)
    : workers_(std::move(workers)), registry_(registry), supervisor_(supervisor) {}

StreamLauncher::~StreamLauncher() {
  std::lock_guard lock(mutex_);
  for (const auto& stream : onDemand_)
    stream->setWatchedHook(nullptr);
}

std::shared_ptr<Stream> StreamLauncher::launch(const StreamPlan& plan) {
  std::lock_guard lock(mutex_);
  if (auto existing = registry_.find(plan.name)) return existing;
  const auto& slot = workers_[next_++ % workers_.size()];
  auto stream =
      std::make_shared<Stream>(plan.name, plan.kind, *slot.worker, *slot.pool, plan.encodings);
  if (isPublishedSource(plan.ingest.source)) {
    auto& room = stream->room();
    room.worker().runSync([&] { room.createProducers(); });
    // Nothing is coming until a publisher connects: say so, not "connecting".
    stream->setState(StreamState::Down);
    stream->noteSourceEvent(std::string(kNoPublisher), false);
  } else {
    const bool onDemand = plan.onDemand && canRunOnDemand(plan.ingest.source);
    if (plan.onDemand && !onDemand)
      log()->warn(
          "{} stays always on: its sender decides when media flows, so it cannot be "
          "started for its first viewer",
          plan.name);
    int relayFd = supervisor_.addSource({plan.name, plan.ingest, onDemand});
    auto& room = stream->room();
    room.worker().runSync([&] { room.attachIngest(relayFd); });
    if (onDemand) {
      stream->setWatchedHook([&supervisor = supervisor_, name = plan.name](bool watched) {
        supervisor.setWatched(name, watched);
      });
      onDemand_.push_back(stream);
      // The supervisor said so already, to a registry that did not hold the stream yet; nobody
      // can watch it (and start it) before it is added below.
      stream->setState(StreamState::Standby);
      stream->noteSourceEvent(std::string(pipelines::kStandbyDetail), false);
    }
  }
  return registry_.add(std::move(stream));
}

bool StreamLauncher::retire(const std::string& name) {
  std::lock_guard lock(mutex_);
  auto stream = registry_.find(name);
  if (!stream) return true;
  if (stream->watchers() > 0 || stream->room().publishedCodec()) return false;
  // Out of the registry first: no viewer finds it from here on. One who found it just before
  // either joined the room already (seen below: the stream stays) or reaches a room without
  // producers after the detach, and is told the stream is unavailable.
  registry_.remove(name);
  auto& room = stream->room();
  bool joined = false;
  room.worker().runSync([&] {
    joined = room.viewerCount() > 0;
    if (!joined) room.detach();
  });
  if (joined) {
    registry_.add(stream);
    return false;
  }
  stream->setWatchedHook(nullptr);
  std::erase(onDemand_, stream);
  // The ingest receiver no longer reads the socket: the supervisor may close it.
  supervisor_.removeSource(name);
  log()->info("{} retired", name);
  return true;
}

}  // namespace medrelay::app
