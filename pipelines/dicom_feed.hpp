// Feeds a DICOM series folder (written by the gateway, already de-identified) into an ingest
// pipeline's appsrc "frames" as raw video, in real time and looping: each playlist entry is
// rendered (and kept, within a memory budget), pushed, captioned on the "overlay" textoverlay,
// and shown for its own duration. The folder is looked at again every second, so slices that
// arrive later join the sweep without a restart.
// Threads: load(), outputSize(), nominalFps() and start() from the ingest child's main thread
// before the feed runs; then everything below `private:` belongs to the feed's own thread
// (run()), and only stop() (any thread, idempotent; joins the feed thread) and stopping_ under
// mutex_ cross between them. redactionStats() from any thread (atomic counters).
#pragma once

#include <gst/gst.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "pipelines/dicom/frame_redactor.hpp"
#include "pipelines/dicom/series_playlist.hpp"

namespace medrelay::pipelines {

class DicomFeed {
 public:
  DicomFeed(std::filesystem::path folder, dicom::SeriesPlaylist::Settings settings);
  ~DicomFeed();  // stop()

  enum class LoadFailure { None, NoImages, Blocked, Undecodable };
  // Reads the folder and renders the first frame; false with `error` when nothing can be shown
  // (failure() says why: no images, a blocked series, or nothing that decodes).
  bool load(std::string& error);
  LoadFailure failure() const { return failure_; }
  // The picture the encoders get: the first frame's size, scaled to fit maxWidth x maxHeight
  // (small images scaled up to at least 320 on the long side), even numbers.
  std::pair<int, int> outputSize(int maxWidth, int maxHeight) const;
  int nominalFps() const;  // from the first entry's duration, at least 1

  void start(GstElement* pipeline);  // pushes from its own thread until stop()
  void stop();

  static constexpr size_t kCacheBudgetBytes = size_t{256} << 20;

  const dicom::RedactionStats& redactionStats() const { return redactor_.stats(); }
  // The caption as textoverlay needs it: markup-escaped plain text.
  static std::string captionMarkup(const std::string& caption);

 private:
  using Key = std::pair<size_t, unsigned long>;  // object, frame
  std::shared_ptr<const dicom::RenderedFrame> frameFor(const dicom::PlaylistEntry& entry);
  void push(const dicom::RenderedFrame& frame, const std::string& caption);
  void run();
  void readRecord();

  std::filesystem::path folder_;
  dicom::SeriesPlaylist playlist_;
  dicom::FrameRedactor redactor_;
  std::optional<dicom::SeriesRedaction> record_;
  LoadFailure failure_ = LoadFailure::None;
  std::map<Key, std::shared_ptr<const dicom::RenderedFrame>> cache_;
  size_t cachedBytes_ = 0;
  std::set<Key> reported_;  // (object, 0 skipped / 1 withheld): one log line each, not per frame
  std::shared_ptr<const dicom::RenderedFrame> first_;
  GstElement* source_ = nullptr;
  GstElement* overlay_ = nullptr;
  int capsWidth_ = 0, capsHeight_ = 0;
  bool capsColor_ = false;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace medrelay::pipelines
