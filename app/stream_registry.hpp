// The streams this relay carries, by name: each is a catalog entry (name, kind, how its source
// is doing) around the stream's router (relay::router::Room: producers, ingest receiver,
// viewers, figures), which lives on one media worker. The registry is shared by the signaling
// thread (lookups), the supervisor thread (state changes) and the DICOM gateway (streams made
// while the relay runs): the map is guarded by a mutex that the packet path never takes. A
// stream can leave the registry while the relay runs (a DICOM series past its retention:
// StreamLauncher::retire), so whoever keeps one beyond a lookup holds its shared_ptr (a media
// session does, for its life). A stream's own state is atomic or guarded by its mutex.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/viewer_session_ends.hpp"
#include "relay/router/room.hpp"

namespace medrelay::app {

// Connecting: the source is being started, or runs but no media has come in the last sampling
// period; Live: media flows; Stalled: the source stopped sending and is being restarted;
// Failed: the source failed (reason in the detail) and is being restarted; Down: nothing to
// carry (a WHIP stream without publisher); Standby: an on-demand source nobody watches, which
// starts for the first viewer (watchable: the picture comes within the source's start-up).
enum class StreamState { Connecting, Live, Stalled, Failed, Down, Standby };
std::string_view streamStateName(StreamState state);
// The detail of a running source that sends nothing yet (or no longer).
inline constexpr std::string_view kWaitingForMedia = "waiting for media";

// How the source is doing, for the API and /metrics: the last transition's reason, how often
// it was restarted, and its media rate over the room's last sampling period.
struct SourceHealth {
  std::string detail;  // why it is not live or was restarted ("" when fine)
  uint32_t restarts = 0;
  uint32_t bitrateKbps = 0;
  double framesPerSecond = 0;
};

class Stream {
 public:
  // `pool`: the packet buffers of `worker`, for media this stream receives.
  Stream(std::string name, std::string kind, relay::MediaWorker& worker,
         relay::router::PacketPool& pool, std::vector<relay::router::IngestEncoding> encodings);

  const std::string& name() const { return room_.name(); }
  const std::string& kind() const { return kind_; }
  // The router: any thread for what its header says so, the worker's thread for the rest.
  relay::router::Room& room() { return room_; }
  const relay::router::Room& room() const { return room_; }

  // Any thread. setState takes what the source side says (the supervisor, the publish
  // service); state() tells the truth to viewers: a running source is live only while media
  // arrives (an SRT listener without caller, a publisher that sends nothing, is connecting).
  StreamState state() const;
  void setState(StreamState state) { state_.store(state); }
  // A state change of the source with its reason; `restarted` counts a restart.
  void noteSourceEvent(const std::string& detail, bool restarted);
  // The source runs again. The reason of the failure it follows stays the detail until media
  // arrives: a camera that is restarted over and over says why, not "waiting for media".
  void noteSourceRunning();
  SourceHealth health() const;
  // Why its viewer sessions ended (any thread).
  ViewerEndCounts& viewerEnds() { return viewerEnds_; }
  const ViewerEndCounts& viewerEnds() const { return viewerEnds_; }

  // Who watches (viewer sessions, from the grant to their end): `hook` hears the first viewer
  // come (true) and the last one go (false), in order, so an on-demand source runs only while
  // watched. Hook calls never overlap.
  // Setting waits for a call in progress; after setWatchedHook(nullptr) the old hook is not
  // called again (the launcher clears it before the supervisor goes).
  void setWatchedHook(std::function<void(bool watched)> hook);
  // Held by a viewer session for its life (any thread; the stream outlives it).
  class Watch {
   public:
    explicit Watch(Stream& stream);
    ~Watch();
    Watch(const Watch&) = delete;
    Watch& operator=(const Watch&) = delete;

   private:
    Stream& stream_;
  };
  size_t watchers() const;

 private:
  std::string kind_;
  relay::router::Room room_;
  std::atomic<StreamState> state_{StreamState::Connecting};
  mutable std::mutex sourceMutex_;
  std::string detail_;               // guarded by sourceMutex_
  uint32_t restarts_ = 0;            // guarded by sourceMutex_
  uint64_t packetsInAtRunning_ = 0;  // guarded by sourceMutex_
  ViewerEndCounts viewerEnds_;
  mutable std::mutex watchMutex_;  // held while the hook runs, so first and last stay in order
  size_t watchers_ = 0;            // guarded by watchMutex_
  std::function<void(bool)> watchedHook_;
};

class StreamRegistry {
 public:
  // Returns the stream now registered under its name (an existing one wins: names are unique).
  std::shared_ptr<Stream> add(std::shared_ptr<Stream> stream);
  std::shared_ptr<Stream> find(const std::string& name) const;
  std::vector<std::shared_ptr<Stream>> all() const;
  // Takes the stream out (null when there was none): lookups no longer find it, and its name
  // is free for a new stream. Those who hold it keep it alive until they let go.
  std::shared_ptr<Stream> remove(const std::string& name);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Stream>> streams_;
};

}  // namespace medrelay::app
