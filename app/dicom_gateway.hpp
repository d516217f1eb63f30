// The DICOM gateway: a C-STORE receiver whose objects (de-identified on arrival) become streams.
// Each series is one stream named from a hash of its UIDs ("dicom-ct-1a2b3c4d": no patient data
// in names), kept as de-identified files under DATA_DIR/dicom/<stream>/ (the identified original
// never reaches disk). The first object of a series registers the stream (kind "dicom") in the
// directory and shares it into the group its routing rules pick. Who plays the folders is not
// the gateway's business: inside `medrelay serve` it tells the DicomSeriesPlayer at once; as
// `medrelay gateway` on its own, serve's player finds the new folder within a second. Either
// way the peer hears back as soon as the object is durably kept: the stream starts afterwards,
// on the player's thread (a PACS with a 10 s DIMSE timeout must not wait for a pipeline).
// Burned-in text: each series' decision (redact, block or allow, and the fixed masks of the
// devices that sent it) is written next to its files before the first of them
// (burned_in_policy.hpp); a blocked series plays only after its release (dicom_release.hpp).
// Retention (dicom_retention.hpp) removes a series whose newest object is older than the
// setting, while nobody watches it: its stream, its directory entry and its files.
// Threads: the receiver calls onObject from its association threads (several at once); the
// registration and the redaction record are guarded by one mutex, the object's write is not.
// Each object is taken in under its series' folder lock (pipelines/dicom/series_lock.hpp),
// which retention takes too.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access/directory_store.hpp"
#include "app/dicom_routing.hpp"
#include "app/stream_launcher.hpp"
#include "pipelines/dicom/store_receiver.hpp"

namespace medrelay::app {

struct DicomGatewayConfig {
  pipelines::dicom::StoreReceiverConfig receiver;
  std::vector<DicomRoute> routes;
  // For objects that may carry burned-in text, when their route names no policy.
  pipelines::dicom::BurnedInPolicy burnedIn = pipelines::dicom::BurnedInPolicy::Redact;
  std::vector<pipelines::dicom::MaskRule> masks;  // fixed regions per device
  std::string defaultGroup;      // "tenant/group" when no route matches; "" shares nowhere
  std::filesystem::path folder;  // DATA_DIR/dicom
};

class DicomGateway {
 public:
  // `onSeries`: called (on the receiver's thread) after each object is kept, with its stream.
  DicomGateway(DicomGatewayConfig config, access::DirectoryStore& directory,
               std::function<void(const std::string& stream)> onSeries = {});
  ~DicomGateway();  // stop()

  // Listens; false (logged) if the port cannot be opened.
  bool start();
  void stop();

  // The stream a de-identified object belongs to.
  static std::string streamNameFor(DcmDataset& dataset);

  // Counters for /metrics.
  struct Stats {
    uint64_t associations = 0, associationsRefused = 0, contextsRefused = 0;
    uint64_t connectionsRefusedEarly = 0;  // no whole association request in time, or garbage
    uint64_t stored = 0, refused = 0;      // C-STORE answers
    uint64_t seriesRedacted = 0, seriesBlocked = 0, seriesAllowed = 0;  // this run's decisions
  };
  Stats stats() const;

 private:
  // Updates the series' redaction record for one object (under mutex_); true when it changed.
  bool decideRedaction(const std::string& stream, const pipelines::dicom::StoreContext& context,
                       std::optional<pipelines::dicom::BurnedInPolicy> routePolicy);
  void onObject(std::unique_ptr<DcmDataset> dataset, const pipelines::dicom::StoreContext& context);
  void keep(DcmDataset& dataset, const std::filesystem::path& folder);

  DicomGatewayConfig config_;
  access::DirectoryStore& directory_;
  std::function<void(const std::string&)> onSeries_;
  std::unique_ptr<pipelines::dicom::StoreReceiver> receiver_;
  mutable std::mutex mutex_;
  std::set<std::string> registered_;  // series whose stream this run has registered
  std::atomic<uint64_t> seriesRedacted_{0}, seriesBlocked_{0}, seriesAllowed_{0};
};

// Plays every series folder under DATA_DIR/dicom as a stream (a `dicom://` ingest child each):
// those kept from earlier runs at start, new ones as soon as the in-process gateway reports them
// (play) or, for a separate `medrelay gateway`, when the folder appears (looked for every second).
// With a retention set, it also removes the series past it (dicom_retention.hpp): at start,
// before any plays, and every retention check after.
class DicomSeriesPlayer {
 public:
  DicomSeriesPlayer(std::filesystem::path folder, StreamLauncher& launcher,
                    pipelines::IngestOptions ingest);
  // The same with any way of starting (and retiring: true when the stream is gone) a stream.
  DicomSeriesPlayer(std::filesystem::path folder, std::function<void(const StreamPlan&)> launch,
                    pipelines::IngestOptions ingest,
                    std::function<bool(const std::string& stream)> retire = {});
  ~DicomSeriesPlayer();  // stop()

  // Series encode only while watched (StreamPlan::onDemand). Before start().
  void setOnDemand(bool onDemand) { onDemand_ = onDemand; }
  // A series whose newest object is older than `keepFor` is removed (0: never), its directory
  // entry through `forget` (SeriesRemoval::forget), checked every `checkEvery`. Before start().
  static constexpr std::chrono::seconds kRetentionCheck{60};
  void setRetention(std::chrono::seconds keepFor,
                    std::function<void(const std::string& stream)> forget,
                    std::chrono::seconds checkEvery = kRetentionCheck);
  uint64_t seriesExpired() const { return seriesExpired_.load(); }  // any thread
  void start();
  void stop();  // stops looking for new folders (streams already playing stay)
  // Any thread, returns at once: the stream starts on the player's thread (no-op when it plays
  // already, or while its series is blocked).
  void play(const std::string& stream);

 private:
  void scan();
  void expireOld();                        // the player's thread (or start()'s)
  void launch(const std::string& stream);  // the player's thread

  std::filesystem::path folder_;
  std::function<void(const StreamPlan&)> launch_;
  std::function<bool(const std::string&)> retire_;
  pipelines::IngestOptions ingest_;
  bool onDemand_ = false;
  std::chrono::seconds keepFor_{0};
  std::function<void(const std::string&)> forget_;
  std::chrono::seconds retentionCheck_ = kRetentionCheck;
  std::atomic<uint64_t> seriesExpired_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<std::string> playing_;
  std::set<std::string> pending_;  // asked to play, not launched yet
  std::thread thread_;
};

// The installation's pseudonym key for the strict profile: DATA_DIR/dicom-pseudonym.key,
// 32 random bytes made on first use (mode 0600).
std::vector<unsigned char> loadOrCreatePseudonymKey(const std::filesystem::path& dataDir);

}  // namespace medrelay::app
