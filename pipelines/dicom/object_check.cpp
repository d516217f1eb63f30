#include "pipelines/dicom/object_check.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmdata/dcxfer.h>

#include <new>

// DCMTK allocates element values with nothrow new[] and sizes them by the declared length
// (DcmElement::newValueField), before any of the bytes arrive: cap that allocation here
// (object_check.hpp). The throwing operator it calls is the usual one (the sanitizers' in their
// builds), so delete[] stays matched. Defined in this file because every DICOM path links it.
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  if (size > medrelay::pipelines::dicom::kMaxDicomValueBytes) return nullptr;
  try {
    return ::operator new[](size);
  } catch (...) {
    return nullptr;
  }
}

namespace medrelay::pipelines::dicom {

std::optional<uint64_t> nativeFrameBytes(const std::string& photometric, uint16_t rows,
                                         uint16_t columns, uint16_t samples,
                                         uint16_t bitsAllocated) {
  const uint64_t pixels = uint64_t{rows} * columns;
  const uint64_t bytesPerSample = bitsAllocated / 8;
  if (photometric == "YBR_FULL_422" || photometric == "YBR_PARTIAL_422") {
    // Two pixels share one Cb and one Cr: Y1 Y2 Cb Cr per pair of pixels on each row.
    if (samples != 3 || columns % 2 != 0) return std::nullopt;
    return pixels * 2 * bytesPerSample;
  }
  if (photometric == "YBR_PARTIAL_420" || photometric == "YBR_ICT" || photometric == "YBR_RCT")
    return std::nullopt;  // PS3.3 C.7.6.3.1.2: compressed transfer syntaxes only
  return pixels * samples * bytesPerSample;
}

std::string checkImageObject(DcmDataset& dataset, const ObjectLimits& limits) {
  OFString sopClass;
  if (dataset.findAndGetOFString(DCM_SOPClassUID, sopClass).bad() ||
      !dcmIsaStorageSOPClassUID(sopClass.c_str(), ESSC_Image)) {
    return "not an image storage object";
  }
  Uint16 rows = 0, columns = 0, bitsAllocated = 0, samples = 1;
  if (dataset.findAndGetUint16(DCM_Rows, rows).bad() ||
      dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
      dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated).bad()) {
    return "rows, columns or bits allocated missing";
  }
  // Optional attributes keep their defaults when absent (DCMTK zeroes the output on failure).
  Uint16 value = 0;
  if (dataset.findAndGetUint16(DCM_SamplesPerPixel, value).good()) samples = value;
  Sint32 frames = 1, count = 0;
  if (dataset.findAndGetSint32(DCM_NumberOfFrames, count).good()) frames = count;
  if (rows == 0 || columns == 0 || rows > limits.maxRows || columns > limits.maxColumns ||
      frames < 1 || static_cast<uint32_t>(frames) > limits.maxFrames || samples < 1 ||
      samples > 4 || (bitsAllocated != 8 && bitsAllocated != 16)) {
    return "absurd dimensions";
  }
  OFString photometric;
  dataset.findAndGetOFString(DCM_PhotometricInterpretation, photometric);
  DcmXfer xfer(dataset.getOriginalXfer());
  const bool encapsulated = dataset.getOriginalXfer() != EXS_Unknown && xfer.isEncapsulated();
  auto frameBytes = nativeFrameBytes(photometric.c_str(), rows, columns, samples, bitsAllocated);
  // Compressed data may use the compressed-only interpretations; size it as full colour then.
  if (!frameBytes && encapsulated)
    frameBytes = uint64_t{rows} * columns * samples * (bitsAllocated / 8);
  if (!frameBytes) return "photometric interpretation not valid for uncompressed pixel data";
  const uint64_t expected = *frameBytes * static_cast<uint64_t>(frames);
  if (expected > limits.maxPixelBytes) return "too large";
  DcmElement* pixels = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, pixels).bad() || pixels == nullptr) {
    return "no pixel data";
  }
  // Native (uncompressed) pixel data must hold every frame; encapsulated data is checked by
  // the decoder when rendered (the player plays the frames that decode).
  if (dataset.getOriginalXfer() == EXS_Unknown || encapsulated) return "";
  // Files read from disk keep large values there until needed: the length is known anyway.
  if (pixels->getLength() < expected) return "pixel data shorter than its attributes announce";
  return "";
}

}  // namespace medrelay::pipelines::dicom
