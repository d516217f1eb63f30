#include "pipelines/dicom/series_playlist.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcrledrg.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmimage/diregist.h>  // colour images (RGB, YBR) for DicomImage
#include <dcmtk/dcmimgle/dcmimage.h>
#include <dcmtk/dcmjpeg/djdecode.h>
#include <dcmtk/dcmjpls/djdecode.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <mutex>

#include "common/logger.hpp"

namespace medrelay::pipelines::dicom {

namespace {

auto log() {
  static auto logger = medrelay::logger("dicom");
  return logger;
}

using Millis = std::chrono::milliseconds;
constexpr Millis kShortestFrame{5};
constexpr Millis kLongestFrame{2000};

std::string stringOf(DcmDataset& dataset, const DcmTagKey& tag) {
  OFString value;
  if (dataset.findAndGetOFString(tag, value).bad()) return "";
  return value.c_str();
}

// Captions go onto the picture: printable ASCII only, bounded.
std::string printable(const std::string& text, size_t limit) {
  std::string out;
  for (char c : text) {
    if (out.size() >= limit) break;
    out.push_back(c >= 0x20 && c < 0x7F ? c : ' ');
  }
  while (!out.empty() && out.back() == ' ')
    out.pop_back();
  return out;
}

std::optional<Millis> positiveMillis(double value) {
  if (!(value > 0) || !std::isfinite(value)) return std::nullopt;
  return std::clamp(Millis(static_cast<long>(std::lround(value))), kShortestFrame, kLongestFrame);
}

}  // namespace

void registerDicomCodecs() {
  static std::once_flag once;
  std::call_once(once, [] {
    DJDecoderRegistration::registerCodecs();
    DJLSDecoderRegistration::registerCodecs();
    DcmRLEDecoderRegistration::registerCodecs();
  });
}

std::optional<CtWindow> parseCtWindow(std::string_view name) {
  if (name == "soft-tissue") return CtWindow::SoftTissue;
  if (name == "brain") return CtWindow::Brain;
  if (name == "lung") return CtWindow::Lung;
  if (name == "bone") return CtWindow::Bone;
  return std::nullopt;
}

WindowLevel ctWindowLevel(CtWindow window) {
  switch (window) {  // centre and width in Hounsfield units, the usual radiology presets
    case CtWindow::Brain:
      return {40, 80};
    case CtWindow::Lung:
      return {-600, 1500};
    case CtWindow::Bone:
      return {400, 1800};
    case CtWindow::SoftTissue:
      break;
  }
  return {50, 400};
}

struct SeriesPlaylist::Object {
  DcmFileFormat file;
  E_TransferSyntax xfer = EXS_Unknown;
  unsigned long frames = 1;
  std::string modality, description;
  long instanceNumber = 0;
  std::optional<std::array<double, 3>> position;
  std::optional<std::array<double, 6>> orientation;
  std::optional<Millis> frameDuration;
  std::optional<WindowLevel> minMaxWindow;  // set once its range joined the series'
  bool originalCt = false;                  // CT presets apply
  BurnedInFacts facts;
  std::string name;  // file name, for log lines
};

namespace {

// Original CT images (not secondary captures or derived, presentation-ready objects). A CT
// image without Image Type (type 1, but seen) counts as original.
bool isOriginalCt(DcmDataset& dataset) {
  OFString sopClass, type;
  dataset.findAndGetOFString(DCM_SOPClassUID, sopClass);
  if (sopClass != UID_CTImageStorage && sopClass != UID_EnhancedCTImageStorage) return false;
  if (dataset.findAndGetOFString(DCM_ImageType, type, 0).bad() || type.empty()) return true;
  return type == "ORIGINAL";
}

// The fragments of an encapsulated pixel data element (the offset table item excluded).
std::optional<unsigned long> fragmentCount(DcmDataset& dataset, E_TransferSyntax xfer) {
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr)
    return std::nullopt;
  DcmPixelSequence* sequence = nullptr;
  if (static_cast<DcmPixelData*>(element)
          ->getEncapsulatedRepresentation(xfer, nullptr, sequence)
          .bad() ||
      sequence == nullptr)
    return std::nullopt;
  return sequence->card() > 0 ? sequence->card() - 1 : 0;
}

}  // namespace

SeriesPlaylist::SeriesPlaylist(Settings settings) : settings_(settings) {
  registerDicomCodecs();
}

SeriesPlaylist::~SeriesPlaylist() = default;

size_t SeriesPlaylist::addFolder(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (entry.path().extension() == ".dcm" && !seenFiles_.count(entry.path().filename()))
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  size_t added = 0;
  for (const auto& file : files) {
    seenFiles_.insert(file.filename());
    if (addFile(file)) ++added;
  }
  if (added) rebuild();
  return added;
}

bool SeriesPlaylist::addFile(const std::filesystem::path& path) {
  auto object = std::make_unique<Object>();
  object->name = path.filename();
  // Large values (the pixel data) stay on disk until a frame needs them.
  OFCondition status = object->file.loadFile(path.c_str());
  DcmDataset& dataset = *object->file.getDataset();
  std::string problem = status.bad() ? status.text() : checkImageObject(dataset, settings_.limits);
  if (!problem.empty()) {
    log()->warn("{}: not a readable image ({}); skipped", object->name, problem);
    return false;
  }
  object->xfer = dataset.getOriginalXfer();
  Sint32 frames = 1;
  if (dataset.findAndGetSint32(DCM_NumberOfFrames, frames).good() && frames > 1)
    object->frames = static_cast<unsigned long>(frames);
  if (object->frames > 1 && DcmXfer(object->xfer).isEncapsulated()) {
    // Each frame needs one fragment at least: fewer fragments than frames means the object is
    // short. DCMTK cannot find any frame's start then, so the object is told (in memory only)
    // the number it holds, and plays those.
    auto fragments = fragmentCount(dataset, object->xfer);
    if (!fragments || *fragments == 0) {
      log()->warn("{}: compressed pixel data holds no fragment; skipped", object->name);
      return false;
    }
    if (*fragments < object->frames) {
      log()->warn("{}: declares {} frames but holds {} fragments; playing {}", object->name,
                  object->frames, *fragments, *fragments);
      object->frames = *fragments;
      dataset.putAndInsertString(DCM_NumberOfFrames, std::to_string(*fragments).c_str());
    }
  }
  object->originalCt = isOriginalCt(dataset);
  object->facts = burnedInFacts(dataset);
  object->modality = stringOf(dataset, DCM_Modality);
  object->description = stringOf(dataset, DCM_SeriesDescription);
  Sint32 instance = 0;
  if (dataset.findAndGetSint32(DCM_InstanceNumber, instance).good())
    object->instanceNumber = instance;
  std::array<double, 3> position{};
  std::array<double, 6> orientation{};
  bool hasPosition = true, hasOrientation = true;
  for (unsigned long i = 0; i < 3; ++i)
    hasPosition =
        hasPosition && dataset.findAndGetFloat64(DCM_ImagePositionPatient, position[i], i).good();
  for (unsigned long i = 0; i < 6; ++i)
    hasOrientation =
        hasOrientation &&
        dataset.findAndGetFloat64(DCM_ImageOrientationPatient, orientation[i], i).good();
  if (hasPosition) object->position = position;
  if (hasOrientation) object->orientation = orientation;

  // Cine timing: Frame Time (ms), else the mean of Frame Time Vector, else a rate.
  Float64 value = 0;
  if (dataset.findAndGetFloat64(DCM_FrameTime, value).good())
    object->frameDuration = positiveMillis(value);
  if (!object->frameDuration) {
    double sum = 0;
    unsigned long count = 0;
    for (unsigned long i = 0; dataset.findAndGetFloat64(DCM_FrameTimeVector, value, i).good();
         ++i) {
      if (value > 0) sum += value, ++count;
    }
    if (count) object->frameDuration = positiveMillis(sum / count);
  }
  for (const auto& rateTag : {DCM_CineRate, DCM_RecommendedDisplayFrameRate}) {
    Sint32 rate = 0;
    if (!object->frameDuration && dataset.findAndGetSint32(rateTag, rate).good() && rate > 0)
      object->frameDuration = positiveMillis(1000.0 / rate);
  }
  objects_.push_back(std::move(object));
  return true;
}

void SeriesPlaylist::rebuild() {
  std::vector<size_t> cine, slices;
  for (size_t i = 0; i < objects_.size(); ++i)
    (objects_[i]->frames > 1 ? cine : slices).push_back(i);
  std::stable_sort(cine.begin(), cine.end(), [&](size_t a, size_t b) {
    return objects_[a]->instanceNumber < objects_[b]->instanceNumber;
  });

  // Slices: distance along the normal of the first slice's orientation, when every slice has a
  // position; Instance Number otherwise.
  std::optional<std::array<double, 3>> normal;
  for (size_t i : slices) {
    if (const auto& o = objects_[i]->orientation) {
      const auto& v = *o;
      normal = std::array<double, 3>{v[1] * v[5] - v[2] * v[4], v[2] * v[3] - v[0] * v[5],
                                     v[0] * v[4] - v[1] * v[3]};
      break;
    }
  }
  bool byPosition = normal && std::all_of(slices.begin(), slices.end(), [&](size_t i) {
                      return objects_[i]->position.has_value();
                    });
  auto sliceKey = [&](size_t i) {
    if (!byPosition) return static_cast<double>(objects_[i]->instanceNumber);
    const auto& p = *objects_[i]->position;
    return p[0] * (*normal)[0] + p[1] * (*normal)[1] + p[2] * (*normal)[2];
  };
  std::stable_sort(slices.begin(), slices.end(),
                   [&](size_t a, size_t b) { return sliceKey(a) < sliceKey(b); });

  entries_.clear();
  captions_.clear();
  auto prefix = [&](const Object& o) {
    std::string text = printable(o.modality, 16);
    auto description = printable(o.description, 48);
    if (!description.empty()) text += (text.empty() ? "" : "  |  ") + description;
    return text.empty() ? text : text + "  |  ";
  };
  for (size_t i : cine) {
    const auto& o = *objects_[i];
    for (unsigned long f = 0; f < o.frames; ++f) {
      entries_.push_back({i, f, o.frameDuration.value_or(settings_.defaultFrameDuration)});
      captions_.push_back(prefix(o) + "frame " + std::to_string(f + 1) + "/" +
                          std::to_string(o.frames));
    }
  }
  for (size_t n = 0; n < slices.size(); ++n) {
    const auto& o = *objects_[slices[n]];
    entries_.push_back({slices[n], 0, settings_.sliceDuration});
    captions_.push_back(prefix(o) + "slice " + std::to_string(n + 1) + "/" +
                        std::to_string(slices.size()));
  }
}

unsigned long SeriesPlaylist::frameCount(size_t object) const {
  return object < objects_.size() ? objects_[object]->frames : 0;
}

const BurnedInFacts& SeriesPlaylist::facts(size_t object) const {
  static const BurnedInFacts none;
  return object < objects_.size() ? objects_[object]->facts : none;
}

std::string SeriesPlaylist::caption(size_t entryIndex) const {
  return entryIndex < captions_.size() ? captions_[entryIndex] : std::string();
}

namespace {

// Selects the file's first usable VOI window; false when it has none. A width below 1 is no
// window (PS3.3 C.11.2.1.2: "shall be >= 1"), nor is one wider than any 32-bit value range.
bool usableWindow(DicomImage& image) {
  for (unsigned long i = 0; i < image.getWindowCount(); ++i) {
    double center = 0, width = 0;
    if (!image.setWindow(i) || !image.getWindow(center, width)) continue;
    if (std::isfinite(center) && std::isfinite(width) && width >= 1 && width < 4.3e9) return true;
  }
  return false;
}

}  // namespace

bool SeriesPlaylist::render(const PlaylistEntry& entry, RenderedFrame& out, std::string& error) {
  if (entry.object >= objects_.size()) {
    error = "no such object";
    return false;
  }
  Object& o = *objects_[entry.object];
  // One frame at a time: compressed objects decode only the frame shown.
  DicomImage image(&o.file, o.xfer, CIF_UsePartialAccessToPixelData, entry.frame, 1);
  if (image.getStatus() != EIS_Normal) {
    error = std::string(o.name) + ": " + DicomImage::getString(image.getStatus());
    return false;
  }
  if (image.isMonochrome()) {
    if (o.originalCt) {
      auto window = ctWindowLevel(settings_.ctWindow);
      image.setWindow(window.center, window.width);
    } else if (usableWindow(image)) {
      // set by usableWindow
    } else if (image.getVoiLutCount() > 0) {
      image.setVoiLut(0);
    } else {
      // The series' range: every object's first frame rendered widens it, so the slices of a
      // volume share one window instead of each stretching its own values.
      if (!o.minMaxWindow) {
        double low = 0, high = 0;
        if (image.getMinMaxValues(low, high) && std::isfinite(low) && std::isfinite(high)) {
          seriesLow_ = std::min(seriesLow_.value_or(low), low);
          seriesHigh_ = std::max(seriesHigh_.value_or(high), high);
        }
        o.minMaxWindow = WindowLevel{0, 0};  // this object's range is in the series' now
      }
      if (seriesLow_ && seriesHigh_) {
        image.setWindow((*seriesLow_ + *seriesHigh_) / 2,
                        std::max(1.0, *seriesHigh_ - *seriesLow_ + 1));
      } else {
        image.setMinMaxWindow(0);
      }
    }
  }
  const auto* data = static_cast<const uint8_t*>(image.getOutputData(8, 0, 0));
  if (!data) {
    error = o.name + ": the frame could not be rendered";
    return false;
  }
  out.width = static_cast<int>(image.getWidth());
  out.height = static_cast<int>(image.getHeight());
  out.color = !image.isMonochrome();
  const size_t rowBytes = static_cast<size_t>(out.width) * (out.color ? 3 : 1);
  const size_t stride = static_cast<size_t>(out.stride());
  out.pixels.assign(stride * static_cast<size_t>(out.height), 0);
  for (int y = 0; y < out.height; ++y)
    std::memcpy(out.pixels.data() + y * stride, data + y * rowBytes, rowBytes);
  return true;
}

}  // namespace medrelay::pipelines::dicom
