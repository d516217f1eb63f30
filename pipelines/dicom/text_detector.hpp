// Finds text in a rendered frame with Tesseract's layout analysis (Debian's libtesseract; no
// words need to be recognised, only where text lines are). Burned-in annotations of modalities
// are light on dark as often as dark on light, so the frame is analysed as it is and inverted,
// and small pictures are enlarged first (Tesseract wants text lines over ~10 pixels high).
// Candidates are checked by recognition (English data): speckle and fine rings look like lines
// of blobs to layout analysis, so a candidate stays only when characters are read in it.
// One TessBaseAPI per detector: a detector belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace medrelay::pipelines::dicom {

struct Box {
  int x = 0, y = 0, width = 0, height = 0;
  bool operator==(const Box&) const = default;
};

// An 8-bit grey picture (rows padded to `stride`).
struct GrayView {
  const uint8_t* pixels = nullptr;
  int width = 0, height = 0, stride = 0;
};

class TextDetector {
 public:
  TextDetector();
  ~TextDetector();
  TextDetector(const TextDetector&) = delete;
  TextDetector& operator=(const TextDetector&) = delete;

  // False (with the reason) when Tesseract cannot be initialised; a caller that needs redaction
  // must then not show the frame at all.
  bool ready(std::string& error) const;
  // Boxes around the text lines found, in the frame's pixels, each padded by a few pixels.
  std::vector<Box> detect(const GrayView& frame);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Full recognition (for tests and measurements): the characters Tesseract reads in the frame,
// both polarities, upper-cased, whitespace removed.
std::string recogniseText(const GrayView& frame);

}  // namespace medrelay::pipelines::dicom
