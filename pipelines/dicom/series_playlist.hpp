// A DICOM series as a sequence of video frames: what plays in which order, for how long, and
// how each frame looks on screen.
//  - Multi-frame objects (ultrasound and XA cine) play all their frames at their own timing
//    (Frame Time, else Cine Rate or Recommended Display Frame Rate), in Instance Number order.
//  - Single-frame objects (CT, MR slices) make a slice sweep ordered by position along the slice
//    normal (Image Position/Orientation Patient), Instance Number when positions are missing.
//  - Monochrome frames get a window: a CT preset (brain, lung, bone, soft tissue) for original
//    CT images only (secondary captures and derived objects are presentation-ready: their own
//    window stays), else the file's first usable VOI window (a width of 0, negative or beyond
//    any pixel range is no window), else its VOI LUT, else the min/max of the series (one window
//    for all its objects, so neither a cine nor a sweep flickers). MONOCHROME1 is shown inverted as
//    the standard says; RGB and YBR come out as RGB. Compressed syntaxes decode through DCMTK's
//    codecs (registerDicomCodecs).
// Objects come from de-identified files the gateway wrote, checked with the same limits as the
// network path (object_check.hpp); unreadable ones are skipped with a log line and never
// retried, so one bad file cannot stop a series. An encapsulated multi-frame object holding
// fewer fragments than the frames it declares plays the frames it holds (logged once).
#pragma once

#include <dcmtk/dcmdata/dcfilefo.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/object_check.hpp"

namespace medrelay::pipelines::dicom {

// Registers DCMTK's JPEG, JPEG-LS and RLE decoders once per process (idempotent).
void registerDicomCodecs();

enum class CtWindow { SoftTissue, Brain, Lung, Bone };
std::optional<CtWindow> parseCtWindow(std::string_view name);  // "soft-tissue", "brain", ...
struct WindowLevel {
  double center, width;
};
WindowLevel ctWindowLevel(CtWindow window);

struct RenderedFrame {
  int width = 0, height = 0;
  bool color = false;           // RGB, 3 bytes per pixel; else GRAY8
  std::vector<uint8_t> pixels;  // top row first, rows padded to a multiple of 4 bytes
  int stride() const { return (width * (color ? 3 : 1) + 3) & ~3; }
};

struct PlaylistEntry {
  size_t object = 0;        // index into the playlist's objects
  unsigned long frame = 0;  // frame within that object
  std::chrono::milliseconds duration{};
};

// Threads: one owner thread (the ingest child's feeder); not safe to share.
class SeriesPlaylist {
 public:
  struct Settings {
    CtWindow ctWindow = CtWindow::SoftTissue;
    std::chrono::milliseconds sliceDuration{100};        // per slice of a sweep
    std::chrono::milliseconds defaultFrameDuration{40};  // cine without any timing attribute
    ObjectLimits limits;                                 // the network path's, by default
  };

  explicit SeriesPlaylist(Settings settings);
  ~SeriesPlaylist();

  // Reads the *.dcm files of `folder` not read before; returns how many became playable.
  size_t addFolder(const std::filesystem::path& folder);

  const std::vector<PlaylistEntry>& entries() const { return entries_; }
  size_t objectCount() const { return objects_.size(); }
  unsigned long frameCount(size_t object) const;
  // What the object's attributes say about burned-in text (for the redactor).
  const BurnedInFacts& facts(size_t object) const;
  // Renders one entry; false (with `error`) when the decoder refuses that frame.
  bool render(const PlaylistEntry& entry, RenderedFrame& out, std::string& error);
  // Non-identifying caption: modality, series description, "frame 12/100" or "slice 3/40".
  std::string caption(size_t entryIndex) const;

 private:
  struct Object;
  bool addFile(const std::filesystem::path& file);
  void rebuild();

  Settings settings_;
  std::vector<std::unique_ptr<Object>> objects_;
  std::set<std::string> seenFiles_;
  std::vector<PlaylistEntry> entries_;
  std::vector<std::string> captions_;
  std::optional<double> seriesLow_, seriesHigh_;  // min/max window of the series (render)
};

}  // namespace medrelay::pipelines::dicom
