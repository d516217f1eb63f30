#include "pipelines/dicom/object_check.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcelem.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>
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

std::string checkRleFragments(DcmDataset& dataset, uint16_t samples, uint16_t bitsAllocated) {
  DcmElement* element = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr)
    return "no pixel data";
  DcmPixelSequence* sequence = nullptr;
  if (static_cast<DcmPixelData*>(element)
          ->getEncapsulatedRepresentation(EXS_RLELossless, nullptr, sequence)
          .bad() ||
      sequence == nullptr)
    return "RLE pixel data not encapsulated";
  const uint32_t segments = uint32_t{samples} * (bitsAllocated / 8);
  // Item 0 is the offset table; each frame is one fragment after it (PS3.5 A.4.2, G.5).
  for (unsigned long i = 1; i < sequence->card(); ++i) {
    DcmPixelItem* fragment = nullptr;
    Uint8* bytes = nullptr;
    if (sequence->getItem(fragment, i).bad() || fragment == nullptr) return "RLE fragment missing";
    const Uint32 length = fragment->getLength();
    if (length < 64 || fragment->getUint8Array(bytes).bad() || bytes == nullptr)
      return "RLE fragment shorter than its header (pixel data damaged)";
    auto le32 = [&](size_t at) {
      return uint32_t{bytes[at]} | uint32_t{bytes[at + 1]} << 8 | uint32_t{bytes[at + 2]} << 16 |
             uint32_t{bytes[at + 3]} << 24;
    };
    const uint32_t count = le32(0);
    if (count < 1 || count > 15 || count != segments)
      return "RLE segment count does not match the pixel format (pixel data damaged)";
    uint32_t previous = 0;
    for (uint32_t k = 0; k < 15; ++k) {
      const uint32_t offset = le32(4 + 4 * k);
      if (k >= count) {
        if (offset != 0) return "RLE header offsets damaged (pixel data)";
        continue;
      }
      if ((k == 0 && offset != 64) || (k > 0 && offset <= previous) || offset >= length)
        return "RLE segment offset outside its fragment (pixel data damaged)";
      previous = offset;
    }
  }
  return "";
}

std::string checkJpegFragments(DcmDataset& dataset, E_TransferSyntax xfer) {
  DcmElement* element = nullptr;
  DcmPixelSequence* sequence = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, element).bad() || element == nullptr ||
      static_cast<DcmPixelData*>(element)
          ->getEncapsulatedRepresentation(xfer, nullptr, sequence)
          .bad() ||
      sequence == nullptr)
    return "JPEG pixel data not encapsulated";
  for (unsigned long i = 1; i < sequence->card(); ++i) {
    DcmPixelItem* fragment = nullptr;
    Uint8* data = nullptr;
    if (sequence->getItem(fragment, i).bad() || fragment == nullptr) return "JPEG fragment missing";
    const Uint32 length = fragment->getLength();
    if (length == 0 || fragment->getUint8Array(data).bad() || data == nullptr) continue;
    // The same walk as DCMTK's: marker by marker until a start of frame or anything else.
    for (Uint32 offset = 0; offset + 4 < length;) {
      const unsigned marker = (unsigned{data[offset]} << 8) | data[offset + 1];
      const unsigned segment = (unsigned{data[offset + 2]} << 8) | data[offset + 3];
      if (marker == 0xFF01) return "JPEG data damaged (a TEM marker in its headers; pixel data)";
      const bool startOfFrame = marker >= 0xFFC0 && marker <= 0xFFCF && marker != 0xFFC4 &&
                                marker != 0xFFC8 && marker != 0xFFCC;
      if (startOfFrame) break;
      if (marker == 0xFFFF) {
        offset += 1;  // a fill byte before a marker: DCMTK steps over it one byte at a time
      } else if ((marker >= 0xFFD0 && marker <= 0xFFD9) || (marker > 0xFF02 && marker <= 0xFFBF)) {
        offset += 2;  // restart, SOI, EOI, reserved: no length
      } else if (marker == 0xFFC4 || marker == 0xFFC8 || marker == 0xFFCC ||
                 (marker >= 0xFFDA && marker <= 0xFFFE)) {
        offset += segment + 2;
      } else {
        break;  // DCMTK stops here (syntax error)
      }
    }
  }
  return "";
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
  // the decoder when rendered (the player plays the frames that decode), except RLE, whose
  // decoder follows the offsets in each fragment's header without checking them.
  const E_TransferSyntax original = dataset.getOriginalXfer();
  if (original == EXS_RLELossless) return checkRleFragments(dataset, samples, bitsAllocated);
  if (original >= EXS_JPEGProcess1 && original <= EXS_JPEGProcess14SV1)
    return checkJpegFragments(dataset, original);
  if (dataset.getOriginalXfer() == EXS_Unknown || encapsulated) return "";
  // Files read from disk keep large values there until needed: the length is known anyway.
  if (pixels->getLength() < expected) return "pixel data shorter than its attributes announce";
  return "";
}

}  // namespace medrelay::pipelines::dicom
