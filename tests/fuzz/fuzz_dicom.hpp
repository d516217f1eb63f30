// DICOM in memory for the DICOM fuzz targets: reading an object from bytes as the gateway does
// (DcmFileFormat over a DcmInputBufferStream: the preamble and meta header when present, else a
// bare dataset with its transfer syntax guessed, which is what a C-STORE delivers), writing one
// to bytes for seeds, and the seed objects (tests/support/dicom_test_images, small).
#pragma once

#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/oflog/oflog.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <vector>

#include "common/logger.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace medrelay::fuzz {

// Quiet logs: a warning per input would cost more than the parsing.
inline void quietDicomLogs() {
  static const bool done = [] {
    setLogLevel("off");
    OFLog::configure(OFLogger::OFF_LOG_LEVEL);
    return true;
  }();
  (void)done;
}

inline std::unique_ptr<DcmFileFormat> readDicom(const uint8_t* data, size_t size) {
  auto file = std::make_unique<DcmFileFormat>();
  DcmInputBufferStream in;
  in.setBuffer(data, static_cast<offile_off_t>(size));
  in.setEos();
  file->transferInit();
  OFCondition status = file->read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  file->transferEnd();
  if (status.bad()) return nullptr;
  return file;
}

inline std::vector<uint8_t> dicomBytes(const testing::DicomImageSpec& spec) {
  auto path = std::filesystem::temp_directory_path() /
              ("medrelay-fuzz-seed-" + std::to_string(::getpid()) + ".dcm");
  testing::writeDicomImage(spec, path);
  std::ifstream in(path, std::ios::binary);
  std::vector<uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  return bytes;
}

// A handful of real-looking objects: small, each a different path through the readers.
inline std::vector<std::vector<uint8_t>> dicomSeeds() {
  using testing::DicomImageSpec;
  testing::registerDicomEncoders();
  std::vector<std::vector<uint8_t>> seeds;
  auto add = [&](DicomImageSpec spec) {
    spec.rows = spec.rows == 64 ? 16 : spec.rows;
    spec.columns = spec.columns == 64 ? 16 : spec.columns;
    try {
      seeds.push_back(dicomBytes(spec));
    } catch (const std::exception&) {
    }
  };
  DicomImageSpec mr;  // MR slice, MONOCHROME2 8-bit, explicit little endian
  mr.modality = "MR";
  mr.position = {{0, 0, 10}};
  mr.orientation = {{1, 0, 0, 0, 1, 0}};
  mr.instanceNumber = 3;
  add(mr);
  DicomImageSpec ct;  // CT, 16-bit signed with a rescale and a window
  ct.modality = "CT";
  ct.bitsAllocated = 16;
  ct.bitsStored = 12;
  ct.signedPixels = true;
  ct.left = {-1000};
  ct.right = {400};
  ct.rescaleIntercept = -1024;
  ct.window = {{40, 400}};
  ct.imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  add(ct);
  DicomImageSpec us;  // US cine: RGB, 4 frames, frame time
  us.photometric = "RGB";
  us.left = {200, 10, 10};
  us.right = {10, 200, 10};
  us.frames = 4;
  us.frameStep = 5;
  us.frameTimeMs = 33.3;
  us.burnedIn = "YES";
  add(us);
  DicomImageSpec rle = us;  // RLE lossless multi-frame
  rle.syntax = EXS_RLELossless;
  add(rle);
  DicomImageSpec jpeg = mr;  // JPEG baseline
  jpeg.syntax = EXS_JPEGProcess1;
  add(jpeg);
  DicomImageSpec ybr;  // native YBR_FULL_422
  ybr.photometric = "YBR_FULL_422";
  ybr.left = {100, 128, 128};
  ybr.right = {200, 100, 150};
  ybr.cineRate = 10;
  ybr.frames = 2;
  add(ybr);
  DicomImageSpec mono1 = mr;  // MONOCHROME1, implicit little endian
  mono1.photometric = "MONOCHROME1";
  mono1.syntax = EXS_LittleEndianImplicit;
  add(mono1);
  return seeds;
}

}  // namespace medrelay::fuzz
