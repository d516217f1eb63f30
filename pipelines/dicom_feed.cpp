#include "pipelines/dicom_feed.hpp"

#include <gst/app/gstappsrc.h>

#include <algorithm>

#include "common/logger.hpp"

namespace medrelay::pipelines {

namespace {

auto log() {
  static auto logger = medrelay::logger("ingest");
  return logger;
}

constexpr auto kRescanEvery = std::chrono::seconds(1);
constexpr auto kMostBehind = std::chrono::seconds(1);  // later than this: start timing afresh

}  // namespace

DicomFeed::DicomFeed(std::filesystem::path folder, dicom::SeriesPlaylist::Settings settings)
    : folder_(std::move(folder)),
      playlist_(settings),
      redactor_([this](size_t object, unsigned long frame, dicom::RenderedFrame& out) {
        std::string error;
        return playlist_.render({object, frame, {}}, out, error);
      }) {}

std::string DicomFeed::captionMarkup(const std::string& caption) {
  std::unique_ptr<gchar, decltype(&g_free)> escaped(
      g_markup_escape_text(caption.c_str(), static_cast<gssize>(caption.size())), g_free);
  return escaped.get();
}

void DicomFeed::readRecord() {
  auto record = dicom::readSeriesRedaction(folder_);
  if (record == record_ && !cache_.empty()) return;
  // Another decision (a release, masks for a new device): frames made under the old one go.
  record_ = record;
  redactor_.setRecord(record);
  cache_.clear();
  cachedBytes_ = 0;
}

DicomFeed::~DicomFeed() {
  stop();
}

bool DicomFeed::load(std::string& error) {
  if (!std::filesystem::is_directory(folder_)) {
    error = "no such folder: " + folder_.string();
    return false;
  }
  readRecord();
  if (!redactor_.seriesMayPlay()) {
    failure_ = LoadFailure::Blocked;
    error = "the series is blocked (burned-in annotation) until an administrator releases it";
    return false;
  }
  playlist_.addFolder(folder_);
  for (const auto& entry : playlist_.entries()) {
    if ((first_ = frameFor(entry))) return true;
  }
  failure_ = playlist_.entries().empty() ? LoadFailure::NoImages : LoadFailure::Undecodable;
  error = playlist_.entries().empty() ? "no readable DICOM image in " + folder_.string()
                                      : "no frame of " + folder_.string() + " could be rendered";
  return false;
}

std::pair<int, int> DicomFeed::outputSize(int maxWidth, int maxHeight) const {
  double width = first_ ? first_->width : maxWidth, height = first_ ? first_->height : maxHeight;
  double scale = std::min({1.0, maxWidth / width, maxHeight / height});
  if (std::max(width, height) * scale < 320) scale = 320 / std::max(width, height);
  auto even = [](double v) { return std::max(16, static_cast<int>(v) & ~1); };
  return {even(width * scale), even(height * scale)};
}

int DicomFeed::nominalFps() const {
  if (playlist_.entries().empty()) return 1;
  auto ms = std::max<long>(1, playlist_.entries().front().duration.count());
  return std::clamp(static_cast<int>(1000 / ms), 1, 60);
}

std::shared_ptr<const dicom::RenderedFrame> DicomFeed::frameFor(const dicom::PlaylistEntry& entry) {
  Key key{entry.object, entry.frame};
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  auto frame = std::make_shared<dicom::RenderedFrame>();
  std::string error;
  if (!playlist_.render(entry, *frame, error)) {
    // Once per object: a short or damaged object must not write a line per frame per loop.
    if (reported_.insert({entry.object, 0}).second)
      log()->warn("DICOM frame skipped: {} (further failures of this object are not logged)",
                  error);
    return nullptr;
  }
  // Burned-in text goes before the frame can be cached, encoded or shown.
  if (!redactor_.apply(entry.object, playlist_.frameCount(entry.object),
                       playlist_.facts(entry.object), *frame)) {
    if (reported_.insert({entry.object, 1}).second)
      log()->warn("DICOM frame withheld: it may carry patient data that cannot be redacted");
    return nullptr;
  }
  if (cachedBytes_ + frame->pixels.size() <= kCacheBudgetBytes) {
    cachedBytes_ += frame->pixels.size();
    cache_.emplace(key, frame);
  }
  return frame;
}

void DicomFeed::start(GstElement* pipeline) {
  source_ = gst_bin_get_by_name(GST_BIN(pipeline), "frames");
  overlay_ = gst_bin_get_by_name(GST_BIN(pipeline), "overlay");
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void DicomFeed::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (source_) gst_object_unref(source_);
  if (overlay_) gst_object_unref(overlay_);
  source_ = overlay_ = nullptr;
  capsWidth_ = 0;
}

void DicomFeed::push(const dicom::RenderedFrame& frame, const std::string& caption) {
  if (!source_) return;
  if (frame.width != capsWidth_ || frame.height != capsHeight_ || frame.color != capsColor_) {
    GstCaps* caps = gst_caps_new_simple(
        "video/x-raw", "format", G_TYPE_STRING, frame.color ? "RGB" : "GRAY8", "width", G_TYPE_INT,
        frame.width, "height", G_TYPE_INT, frame.height, "framerate", GST_TYPE_FRACTION,
        nominalFps(), 1, "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, nullptr);
    gst_app_src_set_caps(GST_APP_SRC(source_), caps);
    gst_caps_unref(caps);
    capsWidth_ = frame.width;
    capsHeight_ = frame.height;
    capsColor_ = frame.color;
  }
  if (overlay_) g_object_set(overlay_, "text", captionMarkup(caption).c_str(), nullptr);
  GstBuffer* buffer = gst_buffer_new_memdup(frame.pixels.data(), frame.pixels.size());
  gst_app_src_push_buffer(GST_APP_SRC(source_), buffer);  // takes the buffer
}

void DicomFeed::run() {
  using Clock = std::chrono::steady_clock;
  auto due = Clock::now();
  auto lastScan = due;
  size_t index = 0, failedInARow = 0;
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    if (Clock::now() - lastScan >= kRescanEvery) {
      lastScan = Clock::now();
      readRecord();
      if (size_t added = playlist_.addFolder(folder_)) {
        log()->info("DICOM series: {} more object(s), {} frames", added,
                    playlist_.entries().size());
      }
    }
    auto delay = std::chrono::milliseconds(100);
    if (!playlist_.entries().empty()) {
      if (index >= playlist_.entries().size()) index = 0;
      const auto entry = playlist_.entries()[index];
      if (auto frame = frameFor(entry)) {
        push(*frame, playlist_.caption(index));
        delay = entry.duration;
        failedInARow = 0;
      } else {
        // A frame that cannot be shown takes no screen time; a whole loop of them waits a bit.
        delay = ++failedInARow >= playlist_.entries().size() ? std::chrono::milliseconds(100)
                                                             : std::chrono::milliseconds(0);
      }
      ++index;
    }
    due += delay;
    if (Clock::now() - due > kMostBehind) due = Clock::now();
    lock.lock();
    wake_.wait_until(lock, due, [this] { return stopping_; });
  }
}

}  // namespace medrelay::pipelines
