#include "app/dicom_gateway.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <stdexcept>

#include "access/digest.hpp"
#include "access/token_authority.hpp"
#include "app/dicom_retention.hpp"
#include "common/logger.hpp"
#include "pipelines/dicom/dcmtk_log_bridge.hpp"
#include "pipelines/dicom/series_lock.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("dicom");
  return logger;
}

constexpr char kActor[] = "dicom-gateway";

std::string valueOf(DcmDataset& dataset, const DcmTagKey& tag) {
  OFString value;
  return dataset.findAndGetOFString(tag, value).good() ? value.c_str() : "";
}

void syncFile(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot sync " + path.filename().string());
  }
  ::close(fd);
}

}  // namespace

DicomGateway::DicomGateway(DicomGatewayConfig config, access::DirectoryStore& directory,
                           std::function<void(const std::string&)> onSeries)
    : config_(std::move(config)), directory_(directory), onSeries_(std::move(onSeries)) {}

DicomGateway::~DicomGateway() {
  stop();
}

std::string DicomGateway::streamNameFor(DcmDataset& dataset) {
  std::string kind;
  for (char c : valueOf(dataset, DCM_Modality)) {
    if (std::isalnum(static_cast<unsigned char>(c)) && kind.size() < 8)
      kind.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  auto series = valueOf(dataset, DCM_SeriesInstanceUID);
  if (series.empty()) series = valueOf(dataset, DCM_SOPInstanceUID);  // a series of its own
  auto key = valueOf(dataset, DCM_StudyInstanceUID) + "\n" + series;
  return "dicom-" + (kind.empty() ? std::string("img") : kind) + "-" +
         access::sha256Hex(key).substr(0, 10);
}

bool DicomGateway::start() {
  pipelines::dicom::installDcmtkLogBridge();  // DCMTK's own lines, formatted as ours
  std::error_code ec;
  std::filesystem::create_directories(config_.folder, ec);
  receiver_ = std::make_unique<pipelines::dicom::StoreReceiver>(
      config_.receiver,
      [this](std::unique_ptr<DcmDataset> dataset, const pipelines::dicom::StoreContext& context) {
        onObject(std::move(dataset), context);
      });
  return receiver_->start();
}

void DicomGateway::stop() {
  if (receiver_) receiver_->stop();
}

void DicomGateway::onObject(std::unique_ptr<DcmDataset> dataset,
                            const pipelines::dicom::StoreContext& context) {
  const auto stream = streamNameFor(*dataset);
  auto route = chooseDicomRoute(config_.routes, context, config_.defaultGroup);
  // Held until the object is kept: retention (which takes the same lock) never removes a series
  // under an object on its way in, and a series it removed comes back as a new one.
  pipelines::dicom::SeriesLock series(config_.folder / stream, true);
  if (!series.held()) throw std::runtime_error("cannot lock the series folder");
  std::unique_lock lock(mutex_);
  if (series.created()) registered_.erase(stream);  // new, or removed by retention since
  // The series' redaction record is on disk before any of its objects: the player never sees
  // an object without the decision that goes with it.
  decideRedaction(stream, context, route.burnedIn);
  if (!registered_.count(stream)) {
    // Registered before the object is kept: if the directory cannot take the stream (its
    // facility was removed, say), the peer hears a failure instead of feeding a stream nobody
    // may watch.
    const auto& group = route.group;
    auto tenant = group.substr(0, group.find('/'));
    if (directory_.ensureStream(kActor, tenant, stream, "dicom", "dicom:" + context.callingAe)) {
      try {
        directory_.share(kActor, stream, group);
      } catch (const access::StoreError& e) {
        log()->warn("stream {} not shared into {}: {}", stream, group, e.what());
      }
    }
    log()->info("DICOM series from {} ({}) is stream {}, shared into {}", context.callingAe,
                context.modality, stream, group);
  }
  registered_.insert(stream);
  lock.unlock();
  // Written and synced outside the lock: associations of other series keep going meanwhile.
  keep(*dataset.release(), config_.folder / stream);
  if (onSeries_) onSeries_(stream);  // the player only takes note; the answer goes out now
}

bool DicomGateway::decideRedaction(const std::string& stream,
                                   const pipelines::dicom::StoreContext& context,
                                   std::optional<pipelines::dicom::BurnedInPolicy> routePolicy) {
  using pipelines::dicom::SeriesRedaction;
  const auto folder = config_.folder / stream;
  SeriesRedaction after;
  // Read, changed and written under the folder's lock: an administrator's release (API, another
  // process) between two objects of the series is kept, never overwritten from a stale copy.
  auto before = pipelines::dicom::updateSeriesRedaction(folder, [&](SeriesRedaction& record) {
    // A route that names a policy applies it to all its objects; the default only to objects
    // that may carry text.
    if (routePolicy) record.everyObject = true;
    if (routePolicy || pipelines::dicom::mayCarryBurnedInText(context.burnedIn)) {
      auto policy =
          std::string(pipelines::dicom::burnedInPolicyName(routePolicy.value_or(config_.burnedIn)));
      // The strictest decision of the series' objects holds: block over redact over allow.
      auto rank = [](const std::string& p) {
        return p == "block" ? 3 : p == "redact" ? 2 : p == "allow" ? 1 : 0;
      };
      if (rank(policy) > rank(record.policy)) record.policy = policy;
    }
    for (const auto& rule : config_.masks) {
      if (!pipelines::dicom::maskRuleMatches(rule, context.burnedIn)) continue;
      for (const auto& box : rule.boxes)
        if (std::find(record.masks.begin(), record.masks.end(), box) == record.masks.end())
          record.masks.push_back(box);
    }
    after = record;
  });  // throws when it cannot be written: the peer hears 0xA700
  const auto previous = before.value_or(SeriesRedaction{});
  if (before && previous == after) return false;
  if (after.policy == previous.policy) return true;  // only masks (or the first record) changed
  if (after.policy == "block") {
    ++seriesBlocked_;
    log()->warn(
        "stream {}: burned-in annotation possible, blocked until an administrator releases it",
        stream);
  } else if (after.policy == "allow") {
    ++seriesAllowed_;
    log()->warn(
        "stream {}: burned-in annotation possible, played unredacted (allowed by the route)",
        stream);
    access::AuditEntry entry{kActor,
                             "dicom.burned-in.allow",
                             "stream:" + stream,
                             "success",
                             {{"reason", "the route allows burned-in annotation"}}};
    directory_.appendAudit(entry);
  } else if (after.policy == "redact") {
    ++seriesRedacted_;
    log()->info("stream {}: burned-in annotation possible, text will be redacted", stream);
  }
  return true;
}

DicomGateway::Stats DicomGateway::stats() const {
  Stats out;
  if (receiver_) {
    const auto& r = receiver_->stats();
    out.associations = r.associations;
    out.associationsRefused = r.associationsRefused;
    out.contextsRefused = r.contextsRefused;
    out.connectionsRefusedEarly = r.connectionsRefusedEarly;
    out.stored = r.stored;
    out.refused = r.refused;
  }
  out.seriesRedacted = seriesRedacted_;
  out.seriesBlocked = seriesBlocked_;
  out.seriesAllowed = seriesAllowed_;
  return out;
}

void DicomGateway::keep(DcmDataset& dataset, const std::filesystem::path& folder) {
  DcmFileFormat file(&dataset, OFFalse);  // takes the dataset over
  std::filesystem::create_directories(folder);
  auto sop = valueOf(dataset, DCM_SOPInstanceUID);
  // Named by a hash of the instance UID: a resent object replaces itself.
  auto name = access::sha256Hex(sop.empty() ? access::randomHex(16) : sop).substr(0, 24);
  auto temporary = folder / (name + ".tmp");
  OFCondition status = file.saveFile(temporary.c_str(), EXS_Unknown);
  if (status.bad()) {
    std::filesystem::remove(temporary);
    throw std::runtime_error(std::string("cannot write the object: ") + status.text());
  }
  syncFile(temporary);
  std::filesystem::rename(temporary, folder / (name + ".dcm"));  // the player sees whole files
}

DicomSeriesPlayer::DicomSeriesPlayer(std::filesystem::path folder, StreamLauncher& launcher,
                                     pipelines::IngestOptions ingest)
    : DicomSeriesPlayer(
          std::move(folder), [&launcher](const StreamPlan& plan) { launcher.launch(plan); },
          std::move(ingest),
          [&launcher](const std::string& stream) { return launcher.retire(stream); }) {}

DicomSeriesPlayer::DicomSeriesPlayer(std::filesystem::path folder,
                                     std::function<void(const StreamPlan&)> launch,
                                     pipelines::IngestOptions ingest,
                                     std::function<bool(const std::string&)> retire)
    : folder_(std::move(folder)),
      launch_(std::move(launch)),
      retire_(std::move(retire)),
      ingest_(std::move(ingest)) {}

void DicomSeriesPlayer::setRetention(std::chrono::seconds keepFor,
                                     std::function<void(const std::string&)> forget,
                                     std::chrono::seconds checkEvery) {
  keepFor_ = keepFor;
  forget_ = std::move(forget);
  retentionCheck_ = checkEvery;
}

DicomSeriesPlayer::~DicomSeriesPlayer() {
  stop();
}

void DicomSeriesPlayer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void DicomSeriesPlayer::start() {
  std::error_code ec;
  // Leftovers of writes cut short by a crash: never whole objects, never played.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder_, ec)) {
    if (entry.path().extension() == ".tmp") std::filesystem::remove(entry.path(), ec);
  }
  expireOld();  // before the scan: a series past its retention is not started to be removed
  scan();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    auto lastScan = std::chrono::steady_clock::now();
    auto lastExpiry = lastScan;
    while (!stopping_) {
      wake_.wait_for(lock, std::chrono::seconds(1),
                     [this] { return stopping_ || !pending_.empty(); });
      if (stopping_) break;
      auto pending = std::exchange(pending_, {});
      lock.unlock();
      for (const auto& stream : pending)
        launch(stream);
      if (std::chrono::steady_clock::now() - lastScan >= std::chrono::seconds(1)) {
        lastScan = std::chrono::steady_clock::now();
        scan();
      }
      if (std::chrono::steady_clock::now() - lastExpiry >= retentionCheck_) {
        lastExpiry = std::chrono::steady_clock::now();
        expireOld();
      }
      lock.lock();
    }
  });
}

void DicomSeriesPlayer::scan() {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
    const auto name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind("dicom-", 0) != 0) continue;
    for (const auto& file : std::filesystem::directory_iterator(entry.path(), ec)) {
      if (file.path().extension() == ".dcm") {
        launch(name);  // the player's thread (or start()'s, before the thread runs)
        break;
      }
    }
  }
}

void DicomSeriesPlayer::expireOld() {
  if (keepFor_.count() == 0) return;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - keepFor_;
  SeriesRemoval removal{[this](const std::string& stream) { return !retire_ || retire_(stream); },
                        [this](const std::string& stream) {
                          if (forget_) forget_(stream);
                        }};
  std::error_code ec;
  std::vector<std::filesystem::path> series;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, ec)) {
    // Never through a link: what retention removes is the series' own folder only.
    if (entry.is_directory() && !entry.is_symlink() &&
        entry.path().filename().string().rfind("dicom-", 0) == 0)
      series.push_back(entry.path());
  }
  for (const auto& folder : series) {
    if (newestObjectTime(folder) >= cutoff) continue;  // the common case: no lock taken
    const auto stream = folder.filename().string();
    try {
      auto outcome = expireSeries(folder, cutoff, removal);
      if (outcome == Expiry::Watched) {
        log()->debug("stream {} is past its retention but watched: removed after", stream);
        continue;
      }
      if (outcome != Expiry::Expired) continue;
      ++seriesExpired_;
      log()->info("stream {} removed: its newest object is older than the retention ({})", stream,
                  describeRetention(keepFor_));
    } catch (const std::exception& e) {
      log()->error("stream {} is past its retention and could not be removed: {}", stream,
                   e.what());
    }
    // Expired, or retired and then not removed: either way it no longer plays (the scan plays
    // what is still there again; the next check tries again).
    std::lock_guard lock(mutex_);
    playing_.erase(stream);
    pending_.erase(stream);
  }
}

void DicomSeriesPlayer::play(const std::string& stream) {
  {
    std::lock_guard lock(mutex_);
    if (playing_.count(stream) || !pending_.insert(stream).second) return;
  }
  wake_.notify_all();
}

void DicomSeriesPlayer::launch(const std::string& stream) {
  {
    std::lock_guard lock(mutex_);
    if (playing_.count(stream)) return;
  }
  // A blocked series waits for its release (seen by a later scan).
  if (!pipelines::dicom::seriesMayPlay(pipelines::dicom::readSeriesRedaction(folder_ / stream)))
    return;
  {
    std::lock_guard lock(mutex_);
    if (!playing_.insert(stream).second) return;
  }
  StreamPlan plan;
  plan.name = stream;
  plan.kind = "dicom";
  plan.ingest = ingest_;
  plan.ingest.source = "dicom://" + std::filesystem::absolute(folder_ / stream).string();
  plan.ingest.streamName = stream;
  plan.encodings = encodedSourceEncodings(plan.ingest.layers);
  plan.onDemand = onDemand_;
  launch_(plan);
}

std::vector<unsigned char> loadOrCreatePseudonymKey(const std::filesystem::path& dataDir) {
  auto path = dataDir / "dicom-pseudonym.key";
  std::vector<unsigned char> key(32);
  if (std::ifstream in{path, std::ios::binary}) {
    in.read(reinterpret_cast<char*>(key.data()), static_cast<std::streamsize>(key.size()));
    if (in.gcount() == static_cast<std::streamsize>(key.size())) return key;
    throw std::runtime_error(path.string() + " is shorter than 32 bytes");
  }
  auto hex = access::randomHex(key.size());
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  std::ofstream out(path, std::ios::binary);
  ::chmod(path.c_str(), S_IRUSR | S_IWUSR);
  out.write(reinterpret_cast<const char*>(key.data()), static_cast<std::streamsize>(key.size()));
  if (!out.flush()) throw std::runtime_error("cannot write " + path.string());
  return key;
}

}  // namespace medrelay::app
