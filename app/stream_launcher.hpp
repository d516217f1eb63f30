// Starts one stream: its ingest child under the supervisor, its ingest receiver and producers on
// a media worker (round robin over the workers), then its entry in the registry, in that order,
// so that a viewer who finds the stream also finds its producers; retiring one undoes that in
// reverse. Thread-safe: streams come from the command line at start and from the DICOM gateway
// while the relay runs, and DICOM series leave when their retention ends.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/stream_registry.hpp"
#include "pipelines/ingest_options.hpp"
#include "pipelines/supervisor.hpp"
#include "relay/common/media_worker.hpp"
#include "relay/router/packet_pool.hpp"

namespace medrelay::app {

struct StreamPlan {
  std::string name;
  std::string kind;  // "camera" or "dicom"
  pipelines::IngestOptions ingest;
  std::vector<relay::router::IngestEncoding> encodings;
  // Its ingest child runs only while someone watches (and for the supervisor's linger after):
  // DICOM series by default, cameras named with `serve --on-demand`. Not for whip:// (a
  // publisher decides) or a listener (rtp://, srt:// listener: the sender decides).
  bool onDemand = false;
};

// Whether a source can be started for its first viewer: one the relay encodes from a file or
// the test picture, or pulls (RTSP, SRT caller); not one that pushes to us.
bool canRunOnDemand(const std::string& source);

// What a source we encode (or whose H.264 we pass through) offers: VP8 for browsers without
// H.264 (Firefox without OpenH264), H.264 for Safari/iOS; both for Chrome; each in `layers`
// layers (pipelines/layer_ladder; a small picture may fill fewer, whose producers stay idle).
std::vector<relay::router::IngestEncoding> encodedSourceEncodings(int layers);
// What an rtp:// source, forwarded packet for packet, offers: its one codec.
std::vector<relay::router::IngestEncoding> forwardedRtpEncodings(relay::rtp::Codec codec);
// Audio, for sources that may carry it (cameras, WHIP publishers, test://?audio=1).
relay::router::IngestEncoding opusEncoding();

// Why a published stream is down while nobody publishes into it.
inline constexpr std::string_view kNoPublisher = "no publisher";

// Sources that clients publish into (WHIP) rather than the relay pulling from.
inline bool isPublishedSource(const std::string& source) {
  return source.rfind("whip", 0) == 0;
}

// Cameras the relay pulls from or listens on through an ingest child, as `--stream` and
// `admin stream add --source` give them; not WHIP, DICOM series or the test picture (which
// --demo/--no-demo governs).
inline bool isCameraSource(const std::string& source) {
  for (const char* scheme : {"rtsp://", "rtsps://", "srt://", "sdp://", "rtp://"})
    if (source.rfind(scheme, 0) == 0) return true;
  return false;
}

class StreamLauncher {
 public:
  struct WorkerSlot {
    relay::MediaWorker* worker;
    relay::router::PacketPool* pool;  // packets for the streams on that worker
  };

  StreamLauncher(std::vector<WorkerSlot> workers, StreamRegistry& registry,
                 pipelines::Supervisor& supervisor);
  // Unhooks the on-demand streams from the supervisor (which goes after the launcher); viewer
  // sessions that end later change nothing.
  ~StreamLauncher();

  // The stream of that name, started now unless it already runs. A plan whose source is
  // whip:// gets producers and no ingest child, and is down until a WHIP publisher feeds it.
  std::shared_ptr<Stream> launch(const StreamPlan& plan);

  // Takes an unwatched stream the relay ingests out of service: out of the registry (viewers
  // no longer find it), its room's ingest receiver and producers dropped on its worker, then
  // its ingest child stopped and forgotten. True when it is gone, or was never there; false,
  // changing nothing, while anyone watches it or when a publisher feeds it (WHIP).
  bool retire(const std::string& name);

 private:
  std::vector<WorkerSlot> workers_;
  StreamRegistry& registry_;
  pipelines::Supervisor& supervisor_;
  std::mutex mutex_;
  size_t next_ = 0;
  std::vector<std::shared_ptr<Stream>> onDemand_;  // guarded by mutex_
};

}  // namespace medrelay::app
