#include "app/dicom_gateway.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <fstream>
#include <stdexcept>

#include "access/digest.hpp"
#include "access/token_authority.hpp"
#include "common/logger.hpp"

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
  std::lock_guard lock(mutex_);
  if (!registered_.count(stream)) {
    // Registered before the object is kept: if the directory cannot take the stream (its
    // facility was removed, say), the peer hears a failure instead of feeding a stream nobody
    // may watch.
    auto group = routeDicomObject(config_.routes, context, config_.defaultGroup);
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
  keep(*dataset.release(), config_.folder / stream);
  registered_.insert(stream);
  if (onSeries_) onSeries_(stream);
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
    : folder_(std::move(folder)), launcher_(launcher), ingest_(std::move(ingest)) {}

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
  scan();
  thread_ = std::thread([this] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
      lock.unlock();
      scan();
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
        play(name);
        break;
      }
    }
  }
}

void DicomSeriesPlayer::play(const std::string& stream) {
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
  plan.encodings = encodedSourceEncodings();
  launcher_.launch(plan);
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
