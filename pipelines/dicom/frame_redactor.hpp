// Blacks out burned-in text in rendered DICOM frames before they are encoded: the boxes text
// detection finds plus the series' fixed masks. Detection runs once per object: on the one
// frame of a single-frame object, and on the first, middle and last frame of a cine (the
// overlay of a modality's screen is static; the union of the three covers labels whose text
// changes, such as a clock), so a frame is never shown before its object's boxes are known.
// Owned by the thread that renders (DicomFeed's); not thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/series_playlist.hpp"
#include "pipelines/dicom/text_detector.hpp"

namespace medrelay::pipelines::dicom {

// Counters for /metrics (read from any thread).
struct RedactionStats {
  std::atomic<uint64_t> objectsScanned{0};  // objects text detection ran on
  std::atomic<uint64_t> framesScanned{0};   // frames text detection ran on
  std::atomic<uint64_t> boxesFound{0};      // text boxes found (before merging)
  std::atomic<uint64_t> framesRedacted{0};  // frames shown with at least one box blacked out
  std::atomic<uint64_t> framesWithheld{0};  // frames not shown: blocked, or detection unavailable
  std::atomic<uint64_t> detectMicros{0};    // time spent in detection
};

class FrameRedactor {
 public:
  // Renders frame `frame` of object `object` (for the cine samples).
  using Renderer = std::function<bool(size_t object, unsigned long frame, RenderedFrame& out)>;

  explicit FrameRedactor(Renderer renderer);

  // The series' record (re-read by the caller every second); nullopt: decide per object.
  void setRecord(std::optional<SeriesRedaction> record) { record_ = std::move(record); }
  bool seriesMayPlay() const { return dicom::seriesMayPlay(record_); }

  // Makes `frame` (of `object`, which has `frames` frames and these facts) safe to show;
  // false when it must not be shown at all.
  bool apply(size_t object, unsigned long frames, const BurnedInFacts& facts, RenderedFrame& frame);

  const RedactionStats& stats() const { return stats_; }

  static void blackOut(RenderedFrame& frame, const std::vector<Box>& boxes);
  static GrayView grayOf(const RenderedFrame& frame, std::vector<uint8_t>& storage);

 private:
  std::optional<std::vector<Box>> boxesFor(size_t object, unsigned long frames,
                                           const RenderedFrame& first);

  Renderer renderer_;
  std::optional<SeriesRedaction> record_;
  std::optional<TextDetector> detector_;      // made on first use: objects without text never pay
  std::map<size_t, std::vector<Box>> boxes_;  // per object
  RedactionStats stats_;
};

}  // namespace medrelay::pipelines::dicom
