// DICOM images generated for tests with DCMTK: any photometric interpretation, bit depth and
// transfer syntax, with a picture the tests can check after decoding (left half `left`, right
// half `right`, per sample), and the attributes the gateway reads (timing, position, window).
#pragma once

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace medrelay::testing {

struct DicomImageSpec {
  std::string sopClass;  // empty: multi-frame US for frames > 1, else MR (or CT if modality CT)
  std::string modality = "US";
  // MONOCHROME1, RGB, YBR_FULL, YBR_FULL_422 (native: Y Y Cb Cr per pair of pixels; the
  // halves' first sample is Y, the others Cb and Cr)
  std::string photometric = "MONOCHROME2";
  uint16_t rows = 64, columns = 64;
  int frames = 1;
  uint16_t bitsAllocated = 8, bitsStored = 8;
  bool signedPixels = false;
  // Stored values of the left and right halves, one per sample (1 or 3). Frame f adds
  // f * frameStep to every sample so frames can be told apart.
  std::vector<int> left{0}, right{255};
  int frameStep = 0;
  std::optional<double> frameTimeMs, rescaleIntercept;
  std::optional<int> cineRate, instanceNumber;
  std::optional<std::array<double, 2>> window;  // centre, width
  std::optional<std::array<double, 3>> position;
  std::optional<std::array<double, 6>> orientation;
  std::string studyUid, seriesUid;  // empty: fresh ones
  std::string seriesDescription;
  std::string imageType, burnedIn, manufacturer, model;  // written when not empty
  // Stored samples as they go into Pixel Data (8-bit, interleaved), instead of the halves.
  std::vector<uint8_t> pixels;
  std::string patientName = "TEST^PATIENT";
  E_TransferSyntax syntax = EXS_LittleEndianExplicit;
};

void registerDicomEncoders();  // JPEG, JPEG-LS, RLE encoders (idempotent)
// Builds the object in `spec.syntax` (throws std::runtime_error if DCMTK cannot encode it).
std::unique_ptr<DcmFileFormat> makeDicomImage(const DicomImageSpec& spec);
void writeDicomImage(const DicomImageSpec& spec, const std::filesystem::path& file);

}  // namespace medrelay::testing
