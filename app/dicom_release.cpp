#include "app/dicom_release.hpp"

#include "common/logger.hpp"
#include "pipelines/dicom/burned_in_policy.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("dicom");
  return logger;
}

bool isSeriesName(const std::string& stream) {
  // Stream names never hold a path separator or a dot-only name; checked again here because
  // the name becomes a folder.
  return !stream.empty() && stream != "." && stream != ".." &&
         stream.find('/') == std::string::npos && stream.find('\0') == std::string::npos;
}

}  // namespace

void releaseDicomSeries(access::DirectoryStore& store, const std::filesystem::path& dicomFolder,
                        const std::string& stream, const std::string& actor) {
  bool dicom = false;
  for (const auto& s : store.listStreams())
    dicom = dicom || (s.name == stream && s.kind == "dicom");
  if (!dicom || !isSeriesName(stream)) {
    throw access::StoreError("not-found", "there is no DICOM stream named " + stream);
  }
  using pipelines::dicom::ReleaseOutcome;
  switch (pipelines::dicom::releaseBlockedSeries(dicomFolder / stream)) {
    case ReleaseOutcome::NoSeries:
      throw access::StoreError("not-found", "no series is kept for stream " + stream);
    case ReleaseOutcome::NotBlocked:
      throw access::StoreError("conflict", "stream " + stream + " is not blocked");
    case ReleaseOutcome::AlreadyReleased:
      return;
    case ReleaseOutcome::Released:
      break;
  }
  access::AuditEntry entry{actor, "dicom.burned-in.release", "stream:" + stream, "success", {}};
  store.appendAudit(entry);
  log()->warn("stream {}: blocked series released by {}", stream, actor);
}

std::string dicomBurnedInState(const std::filesystem::path& dicomFolder,
                               const std::string& stream) {
  if (!isSeriesName(stream) || !std::filesystem::is_directory(dicomFolder / stream)) return "";
  return pipelines::dicom::burnedInState(
      pipelines::dicom::readSeriesRedaction(dicomFolder / stream));
}

}  // namespace medrelay::app
