#include "pipelines/dicom/frame_redactor.hpp"

#include <algorithm>
#include <chrono>

namespace medrelay::pipelines::dicom {

FrameRedactor::FrameRedactor(Renderer renderer) : renderer_(std::move(renderer)) {}

GrayView FrameRedactor::grayOf(const RenderedFrame& frame, std::vector<uint8_t>& storage) {
  if (!frame.color) return {frame.pixels.data(), frame.width, frame.height, frame.stride()};
  storage.resize(static_cast<size_t>(frame.width) * frame.height);
  const size_t stride = static_cast<size_t>(frame.stride());
  for (int y = 0; y < frame.height; ++y) {
    const uint8_t* row = frame.pixels.data() + y * stride;
    for (int x = 0; x < frame.width; ++x) {
      const uint8_t* p = row + 3 * x;  // BT.601 luma, integer weights summing to 256
      storage[static_cast<size_t>(y) * frame.width + x] =
          static_cast<uint8_t>((77 * p[0] + 150 * p[1] + 29 * p[2]) >> 8);
    }
  }
  return {storage.data(), frame.width, frame.height, frame.width};
}

void FrameRedactor::blackOut(RenderedFrame& frame, const std::vector<Box>& boxes) {
  const int bytes = frame.color ? 3 : 1;
  const size_t stride = static_cast<size_t>(frame.stride());
  for (const auto& box : boxes) {
    const int x0 = std::clamp(box.x, 0, frame.width), y0 = std::clamp(box.y, 0, frame.height);
    const int x1 = std::clamp(box.x + box.width, 0, frame.width);
    const int y1 = std::clamp(box.y + box.height, 0, frame.height);
    for (int y = y0; y < y1; ++y)
      std::fill_n(frame.pixels.data() + y * stride + static_cast<size_t>(x0) * bytes,
                  static_cast<size_t>(x1 - x0) * bytes, uint8_t{0});
  }
}

std::optional<std::vector<Box>> FrameRedactor::boxesFor(size_t object, unsigned long frames,
                                                        const RenderedFrame& first) {
  if (auto it = boxes_.find(object); it != boxes_.end()) return it->second;
  if (!detector_) detector_.emplace();
  std::string error;
  if (!detector_->ready(error)) return std::nullopt;
  std::vector<unsigned long> samples{0};
  if (frames > 2) samples.push_back(frames / 2);
  if (frames > 1) samples.push_back(frames - 1);
  std::vector<Box> found;
  const auto started = std::chrono::steady_clock::now();
  for (unsigned long f : samples) {
    RenderedFrame other;
    const RenderedFrame* frame = &first;
    if (f != 0) {
      if (!renderer_ || !renderer_(object, f, other)) continue;  // reported by the renderer
      frame = &other;
    }
    std::vector<uint8_t> storage;
    auto boxes = detector_->detect(grayOf(*frame, storage));
    stats_.framesScanned++;
    stats_.boxesFound += boxes.size();
    for (const auto& box : boxes) {
      if (std::find(found.begin(), found.end(), box) == found.end()) found.push_back(box);
    }
  }
  stats_.detectMicros +=
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count());
  stats_.objectsScanned++;
  return boxes_[object] = found;
}

bool FrameRedactor::apply(size_t object, unsigned long frames, const BurnedInFacts& facts,
                          RenderedFrame& frame) {
  if (!seriesMayPlay()) {
    stats_.framesWithheld++;
    return false;
  }
  std::vector<Box> boxes = record_ ? record_->masks : std::vector<Box>{};
  // Detection unless an administrator allowed or released the series (then only the masks).
  const bool allowed = record_ && (record_->policy == "allow" || record_->released);
  const bool suspected = mayCarryBurnedInText(facts) || (record_ && record_->everyObject);
  if (!allowed && suspected) {
    auto found = boxesFor(object, frames, frame);
    if (!found) {  // no detector: never show what may carry patient data
      stats_.framesWithheld++;
      return false;
    }
    boxes.insert(boxes.end(), found->begin(), found->end());
  }
  if (!boxes.empty()) {
    blackOut(frame, boxes);
    stats_.framesRedacted++;
  }
  return true;
}

}  // namespace medrelay::pipelines::dicom
