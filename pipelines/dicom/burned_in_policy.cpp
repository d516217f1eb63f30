#include "pipelines/dicom/burned_in_policy.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "common/conditions.hpp"

namespace medrelay::pipelines::dicom {

namespace {

std::string stringOf(DcmDataset& dataset, const DcmTagKey& tag) {
  OFString value;
  return dataset.findAndGetOFStringArray(tag, value).good() ? value.c_str() : "";
}

// Modalities whose images are screens as much as pictures: labels, dates and IDs on them.
constexpr std::array<std::string_view, 8> kTextModalities = {"US", "SC", "ES", "OT",
                                                             "XC", "GM", "SM", "IVUS"};

bool isTextSopClass(const std::string& uid) {
  for (const char* candidate :
       {UID_SecondaryCaptureImageStorage, UID_MultiframeSingleBitSecondaryCaptureImageStorage,
        UID_MultiframeGrayscaleByteSecondaryCaptureImageStorage,
        UID_MultiframeGrayscaleWordSecondaryCaptureImageStorage,
        UID_MultiframeTrueColorSecondaryCaptureImageStorage, UID_UltrasoundImageStorage,
        UID_UltrasoundMultiframeImageStorage, UID_VLEndoscopicImageStorage,
        UID_VideoEndoscopicImageStorage, UID_VLPhotographicImageStorage,
        UID_VideoPhotographicImageStorage, UID_VLMicroscopicImageStorage}) {
    if (uid == candidate) return true;
  }
  return false;
}

void syncAndClose(int fd, const std::filesystem::path& path) {
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot sync " + path.filename().string());
  }
  ::close(fd);
}

}  // namespace

std::optional<BurnedInPolicy> parseBurnedInPolicy(std::string_view name) {
  if (name == "redact") return BurnedInPolicy::Redact;
  if (name == "block") return BurnedInPolicy::Block;
  if (name == "allow") return BurnedInPolicy::Allow;
  return std::nullopt;
}

std::string_view burnedInPolicyName(BurnedInPolicy policy) {
  switch (policy) {
    case BurnedInPolicy::Block:
      return "block";
    case BurnedInPolicy::Allow:
      return "allow";
    case BurnedInPolicy::Redact:
      break;
  }
  return "redact";
}

BurnedInFacts burnedInFacts(DcmDataset& dataset) {
  BurnedInFacts facts;
  facts.burnedIn = trimmedSpaces(stringOf(dataset, DCM_BurnedInAnnotation));
  std::transform(facts.burnedIn.begin(), facts.burnedIn.end(), facts.burnedIn.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  facts.modality = trimmedSpaces(stringOf(dataset, DCM_Modality));
  facts.sopClass = trimmedSpaces(stringOf(dataset, DCM_SOPClassUID));
  facts.imageType = stringOf(dataset, DCM_ImageType);
  facts.manufacturer = trimmedSpaces(stringOf(dataset, DCM_Manufacturer));
  facts.model = trimmedSpaces(stringOf(dataset, DCM_ManufacturerModelName));
  dataset.findAndGetUint16(DCM_Rows, facts.rows);
  dataset.findAndGetUint16(DCM_Columns, facts.columns);
  return facts;
}

bool mayCarryBurnedInText(const BurnedInFacts& facts) {
  if (facts.burnedIn == "YES") return true;
  if (facts.burnedIn == "NO") return false;
  // Absent (or not YES/NO): decide by what the object is.
  if (std::find(kTextModalities.begin(), kTextModalities.end(), facts.modality) !=
      kTextModalities.end())
    return true;
  if (isTextSopClass(facts.sopClass)) return true;
  // XA/RF screen captures are derived or secondary images of an angiography system.
  const auto type = lowercase(facts.imageType);
  return (facts.modality == "XA" || facts.modality == "RF") &&
         (type.find("secondary") != std::string::npos || type.find("derived") != std::string::npos);
}

std::optional<MaskRule> parseMaskRule(const std::string& text, std::string& error) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    error = "expected CONDITIONS:X,Y,W,H[;X,Y,W,H], for example modality=US:0,0,640,48";
    return std::nullopt;
  }
  MaskRule rule;
  auto conditions = parseConditions(std::string_view(text).substr(0, colon), error);
  if (!conditions) return std::nullopt;
  for (const auto& [key, value] : *conditions) {
    if (key == "modality") {
      rule.modality = value;
    } else if (key == "manufacturer") {
      rule.manufacturer = value;
    } else if (key == "model") {
      rule.model = value;
    } else if (key == "rows" || key == "columns") {
      auto number = std::strtoul(value.c_str(), nullptr, 10);
      if (number == 0 || number > 65535) {
        error = key + " must be a number of pixels";
        return std::nullopt;
      }
      (key == "rows" ? rule.rows : rule.columns) = static_cast<uint16_t>(number);
    } else {
      error = "unknown condition \"" + key +
              "\" (expected modality, manufacturer, model, rows or columns)";
      return std::nullopt;
    }
  }
  std::stringstream regions(text.substr(colon + 1));
  for (std::string region; std::getline(regions, region, ';');) {
    Box box;
    char c1 = 0, c2 = 0, c3 = 0;
    std::stringstream in(region);
    if (!(in >> box.x >> c1 >> box.y >> c2 >> box.width >> c3 >> box.height) || c1 != ',' ||
        c2 != ',' || c3 != ',' || box.x < 0 || box.y < 0 || box.width <= 0 || box.height <= 0 ||
        box.x > 65535 || box.y > 65535 || box.width > 65535 || box.height > 65535) {
      error = "region \"" + region + "\" is not X,Y,WIDTH,HEIGHT in pixels";
      return std::nullopt;
    }
    rule.boxes.push_back(box);
  }
  if (rule.boxes.empty() || rule.boxes.size() > 64) {
    error = "a mask rule needs 1 to 64 regions";
    return std::nullopt;
  }
  return rule;
}

bool maskRuleMatches(const MaskRule& rule, const BurnedInFacts& facts) {
  auto same = [](const std::string& want, const std::string& have) {
    return want.empty() || lowercase(want) == lowercase(have);
  };
  return same(rule.modality, facts.modality) && same(rule.manufacturer, facts.manufacturer) &&
         same(rule.model, facts.model) && (rule.rows == 0 || rule.rows == facts.rows) &&
         (rule.columns == 0 || rule.columns == facts.columns);
}

std::optional<SeriesRedaction> readSeriesRedaction(const std::filesystem::path& folder) {
  std::ifstream in(folder / kRedactionFile);
  if (!in) return std::nullopt;
  SeriesRedaction record;
  SeriesRedaction blocked;
  blocked.policy = "block";
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) {
    if (++lines > 1000) return blocked;
    std::stringstream words(line);
    std::string key;
    words >> key;
    if (key == "policy") {
      words >> record.policy;
      if (record.policy != "none" && !parseBurnedInPolicy(record.policy)) return blocked;
    } else if (key == "released") {
      std::string value;
      words >> value;
      record.released = value == "yes";
    } else if (key == "objects") {
      std::string value;
      words >> value;
      record.everyObject = value == "all";
    } else if (key == "mask") {
      Box box;
      if (!(words >> box.x >> box.y >> box.width >> box.height)) return blocked;
      record.masks.push_back(box);
    } else if (!key.empty()) {
      return blocked;  // written by something else: fail closed
    }
  }
  return record;
}

void writeSeriesRedaction(const std::filesystem::path& folder, const SeriesRedaction& record) {
  std::string text = "policy " + record.policy + "\nreleased " + (record.released ? "yes" : "no") +
                     "\nobjects " + (record.everyObject ? "all" : "suspected") + "\n";
  for (const auto& box : record.masks) {
    text += "mask " + std::to_string(box.x) + " " + std::to_string(box.y) + " " +
            std::to_string(box.width) + " " + std::to_string(box.height) + "\n";
  }
  std::filesystem::create_directories(folder);
  auto temporary = folder / (std::string(kRedactionFile) + ".part");
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot write the series' redaction record");
  }
  syncAndClose(fd, temporary);
  std::filesystem::rename(temporary, folder / kRedactionFile);
}

bool seriesMayPlay(const std::optional<SeriesRedaction>& record) {
  return !record || record->policy != "block" || record->released;
}

std::optional<SeriesRedaction> updateSeriesRedaction(
    const std::filesystem::path& folder, const std::function<void(SeriesRedaction&)>& change) {
  std::filesystem::create_directories(folder);
  const auto lockPath = folder / (std::string(kRedactionFile) + ".lock");
  int lock = ::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) ::close(lock);
    throw std::runtime_error("cannot lock the series' redaction record");
  }
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }  // closing drops the flock
  } unlock{lock};
  auto before = readSeriesRedaction(folder);
  SeriesRedaction after = before.value_or(SeriesRedaction{});
  change(after);
  if (!before || after != *before) writeSeriesRedaction(folder, after);
  return before;
}

ReleaseOutcome releaseBlockedSeries(const std::filesystem::path& folder) {
  if (!std::filesystem::is_directory(folder)) return ReleaseOutcome::NoSeries;
  auto outcome = ReleaseOutcome::NotBlocked;
  updateSeriesRedaction(folder, [&outcome](SeriesRedaction& record) {
    if (record.policy != "block") return;
    outcome = record.released ? ReleaseOutcome::AlreadyReleased : ReleaseOutcome::Released;
    record.released = true;
  });
  return outcome;
}

std::string burnedInState(const std::optional<SeriesRedaction>& record) {
  if (!record) return "per-object";
  if (record->policy == "block") return record->released ? "released" : "block";
  return record->policy;
}

}  // namespace medrelay::pipelines::dicom
