#include "pipelines/dicom/text_detector.hpp"

#include <tesseract/baseapi.h>
#include <tesseract/pageiterator.h>
#include <tesseract/resultiterator.h>

#include <algorithm>
#include <cctype>

namespace medrelay::pipelines::dicom {

namespace {

constexpr int kPadding = 3;         // around each line, in frame pixels: antialiased edges
constexpr int kEnlargeBelow = 400;  // long side under this: analysed at twice the size

// The frame, inverted or not, enlarged `scale` times (nearest neighbour keeps edges sharp).
std::vector<uint8_t> prepared(const GrayView& frame, bool invert, int scale) {
  const int width = frame.width * scale, height = frame.height * scale;
  std::vector<uint8_t> out(static_cast<size_t>(width) * height);
  for (int y = 0; y < height; ++y) {
    const uint8_t* row = frame.pixels + static_cast<size_t>(y / scale) * frame.stride;
    uint8_t* dst = out.data() + static_cast<size_t>(y) * width;
    for (int x = 0; x < width; ++x) {
      uint8_t v = row[x / scale];
      dst[x] = invert ? static_cast<uint8_t>(255 - v) : v;
    }
  }
  return out;
}

int scaleFor(const GrayView& frame) {
  return std::max(frame.width, frame.height) < kEnlargeBelow ? 2 : 1;
}

}  // namespace

struct TextDetector::Impl {
  tesseract::TessBaseAPI api;       // layout analysis: where lines might be
  tesseract::TessBaseAPI verifier;  // recognition: whether a candidate holds characters
  bool ready = false;
};

TextDetector::TextDetector() : impl_(std::make_unique<Impl>()) {
  // Layout analysis needs no language data; it finds text lines from the shapes of blobs.
  impl_->api.InitForAnalysePage();
  impl_->api.SetPageSegMode(tesseract::PSM_SPARSE_TEXT);  // scattered labels, not a page
  impl_->api.SetVariable("debug_file", "/dev/null");      // no "Estimating resolution" lines
  // Speckle (ultrasound) and fine rings look like lines of blobs to layout analysis: a
  // candidate is kept only when recognition reads characters in it with some confidence.
  impl_->verifier.SetVariable("debug_file", "/dev/null");
  impl_->ready = impl_->verifier.Init(nullptr, "eng", tesseract::OEM_LSTM_ONLY) == 0;
  impl_->verifier.SetPageSegMode(tesseract::PSM_SINGLE_LINE);
}

TextDetector::~TextDetector() {
  impl_->api.End();
  impl_->verifier.End();
}

namespace {

constexpr int kMaxCandidates = 96;  // per polarity; beyond this the rest count as text
constexpr float kMinConfidence = 55;

// Whether recognition reads a word with confidence in the rectangle (in the prepared image's
// pixels): two alphanumeric characters, or one read with high confidence.
bool holdsCharacters(tesseract::TessBaseAPI& api, int left, int top, int width, int height) {
  api.SetRectangle(left, top, width, height);
  if (api.Recognize(nullptr) != 0) return true;  // cannot tell: keep it (fail closed)
  std::unique_ptr<tesseract::ResultIterator> it(api.GetIterator());
  if (!it) return false;
  do {
    std::unique_ptr<char[]> word(it->GetUTF8Text(tesseract::RIL_WORD));
    const float confidence = it->Confidence(tesseract::RIL_WORD);
    if (!word || confidence < kMinConfidence) continue;
    int alnum = 0;
    for (const char* c = word.get(); *c; ++c)
      alnum += std::isalnum(static_cast<unsigned char>(*c)) ? 1 : 0;
    if (alnum >= 2 || (alnum == 1 && confidence >= 80)) return true;
  } while (it->Next(tesseract::RIL_WORD));
  return false;
}

}  // namespace

bool TextDetector::ready(std::string& error) const {
  if (!impl_->ready) error = "Tesseract layout analysis could not be initialised";
  return impl_->ready;
}

std::vector<Box> TextDetector::detect(const GrayView& frame) {
  std::vector<Box> boxes;
  if (!impl_->ready || frame.width <= 0 || frame.height <= 0) return boxes;
  const int scale = scaleFor(frame);
  auto toFrame = [&](int left, int top, int right, int bottom) {
    Box box{left / scale - kPadding, top / scale - kPadding,
            (right - left) / scale + 2 * kPadding + 1, (bottom - top) / scale + 2 * kPadding + 1};
    box.x = std::max(0, box.x);
    box.y = std::max(0, box.y);
    box.width = std::min(box.width, frame.width - box.x);
    box.height = std::min(box.height, frame.height - box.y);
    return box;
  };
  for (bool invert : {false, true}) {
    auto image = prepared(frame, invert, scale);
    impl_->api.SetImage(image.data(), frame.width * scale, frame.height * scale, 1,
                        frame.width * scale);
    impl_->verifier.SetImage(image.data(), frame.width * scale, frame.height * scale, 1,
                             frame.width * scale);
    std::unique_ptr<tesseract::PageIterator> it(impl_->api.AnalyseLayout());
    if (!it) continue;
    std::vector<Box> kept, doubtful;
    int candidates = 0;
    do {
      int left = 0, top = 0, right = 0, bottom = 0;
      if (!it->BoundingBox(tesseract::RIL_TEXTLINE, &left, &top, &right, &bottom)) continue;
      // Burned-in labels are small: a "line" taller than a sixteenth of the picture (32 pixels
      // at least) is a structure of the image, or speckle.
      if ((bottom - top) / scale > std::max(32, frame.height / 16)) continue;
      const bool verified = ++candidates > kMaxCandidates ||
                            holdsCharacters(impl_->verifier, left, top, right - left, bottom - top);
      (verified ? kept : doubtful).push_back(toFrame(left, top, right, bottom));
    } while (it->Next(tesseract::RIL_TEXTLINE));
    impl_->api.Clear();
    impl_->verifier.Clear();
    // A doubtful piece on the row of a verified line, close to it, is the rest of that label
    // (layout analysis splits lines where spacing or background changes).
    for (bool grew = true; grew;) {
      grew = false;
      for (auto d = doubtful.begin(); d != doubtful.end();) {
        bool near = std::any_of(kept.begin(), kept.end(), [&](const Box& k) {
          const int overlap = std::min(k.y + k.height, d->y + d->height) - std::max(k.y, d->y);
          const int gap = std::max(d->x - (k.x + k.width), k.x - (d->x + d->width));
          return overlap * 2 > std::min(k.height, d->height) && gap < 2 * k.height;
        });
        if (near) {
          kept.push_back(*d);
          d = doubtful.erase(d);
          grew = true;
        } else {
          ++d;
        }
      }
    }
    // Labels are lines: a verified piece is widened by its height on each side (characters
    // layout analysis left out at its ends), and pieces of one row closer than three heights
    // become one box (the spaces between words are text's too).
    for (auto& box : kept) {
      const int grow = box.height;
      box.x = std::max(0, box.x - grow);
      box.width = std::min(frame.width - box.x, box.width + 2 * grow);
    }
    for (bool merged = true; merged;) {
      merged = false;
      for (size_t i = 0; i < kept.size() && !merged; ++i) {
        for (size_t j = i + 1; j < kept.size() && !merged; ++j) {
          Box& a = kept[i];
          const Box& b = kept[j];
          const int overlap = std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y);
          const int gap = std::max(b.x - (a.x + a.width), a.x - (b.x + b.width));
          if (overlap * 2 <= std::min(a.height, b.height) || gap > 3 * std::max(a.height, b.height))
            continue;
          const int x0 = std::min(a.x, b.x), y0 = std::min(a.y, b.y);
          const int x1 = std::max(a.x + a.width, b.x + b.width);
          const int y1 = std::max(a.y + a.height, b.y + b.height);
          a = {x0, y0, x1 - x0, y1 - y0};
          kept.erase(kept.begin() + static_cast<long>(j));
          merged = true;
        }
      }
    }
    for (const auto& box : kept) {
      if (box.width > 0 && box.height > 0 &&
          std::find(boxes.begin(), boxes.end(), box) == boxes.end())
        boxes.push_back(box);
    }
  }
  return boxes;
}

std::string recogniseText(const GrayView& frame) {
  tesseract::TessBaseAPI api;
  api.SetVariable("debug_file", "/dev/null");
  if (api.Init(nullptr, "eng") != 0) return "<tesseract has no English data>";
  api.SetPageSegMode(tesseract::PSM_SPARSE_TEXT);
  std::string text;
  const int scale = scaleFor(frame);
  for (bool invert : {false, true}) {
    auto image = prepared(frame, invert, scale);
    api.SetImage(image.data(), frame.width * scale, frame.height * scale, 1, frame.width * scale);
    std::unique_ptr<char[]> utf8(api.GetUTF8Text());
    if (!utf8) continue;
    for (const char* c = utf8.get(); *c; ++c) {
      if (!std::isspace(static_cast<unsigned char>(*c)))
        text.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(*c))));
    }
  }
  api.End();
  return text;
}

}  // namespace medrelay::pipelines::dicom
