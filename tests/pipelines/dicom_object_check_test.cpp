// The object check's defences against hostile bytes, each from a fuzz finding (tests/fuzz):
// the cap on what DCMTK may allocate for one element, RLE fragments whose header points
// outside them, and JPEG data that sends DCMTK's marker walk into a loop. Objects built with DCMTK
// (tests/support/dicom_test_images), then damaged.
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcistrmb.h>
#include <dcmtk/dcmdata/dcpixel.h>
#include <dcmtk/dcmdata/dcpixseq.h>
#include <dcmtk/dcmdata/dcpxitem.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <vector>

#include "pipelines/dicom/object_check.hpp"
#include "pipelines/dicom/series_playlist.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace medrelay::pipelines::dicom {
namespace {

using testing::DicomImageSpec;

TEST(DicomObjectCheckTest, NoElementValueBeyondTheCapIsAllocated) {
  // fuzz_dicom_object: tag (0A0A,CECE) in implicit little endian, length 0xCECECECE (3.4 GB),
  // one byte of value. DCMTK allocates the declared length before reading the value.
  const uint8_t bytes[] = {0x0A, 0x0A, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE,
                           0xCE, 0xCE, 0xCE, 0xCE, 0xCE, 0xCE};
  DcmInputBufferStream in;
  in.setBuffer(bytes, sizeof bytes);
  in.setEos();
  DcmFileFormat file;
  file.transferInit();
  OFCondition status = file.read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength);
  file.transferEnd();
  EXPECT_EQ(status, EC_MemoryExhausted);
  EXPECT_EQ(new (std::nothrow) uint8_t[kMaxDicomValueBytes + 1], nullptr);
  auto* fits = new (std::nothrow) uint8_t[4096];
  EXPECT_NE(fits, nullptr);
  delete[] fits;
}

// The object as bytes, as the receiver and the player read it; damaged in place.
class RleCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::registerDicomEncoders();
    DicomImageSpec spec;
    spec.photometric = "RGB";
    spec.left = {200, 10, 10};
    spec.right = {10, 200, 10};
    spec.frames = 2;
    spec.rows = spec.columns = 16;
    spec.syntax = EXS_RLELossless;
    auto path = std::filesystem::temp_directory_path() /
                ("rle-check-" + std::to_string(::getpid()) + ".dcm");
    testing::writeDicomImage(spec, path);
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    std::filesystem::remove(path);
  }
  // The RLE header of fragment `frame` (0-based): after (7FE0,0010) OB and undefined length,
  // the offset table item, then one item per frame (PS3.5 A.4).
  uint8_t* header(size_t frame) {
    const uint8_t pixelData[] = {0xE0, 0x7F, 0x10, 0x00};
    auto at = std::search(bytes.begin(), bytes.end(), pixelData, pixelData + 4);
    size_t offset = static_cast<size_t>(at - bytes.begin()) + 12;
    for (size_t item = 0; item <= frame + 1; ++item) {
      const uint32_t length = bytes[offset + 4] | bytes[offset + 5] << 8 | bytes[offset + 6] << 16 |
                              uint32_t{bytes[offset + 7]} << 24;
      if (item == frame + 1) break;
      offset += 8 + length;
    }
    return &bytes[offset + 8];
  }
  std::string check() {
    DcmInputBufferStream in;
    in.setBuffer(bytes.data(), static_cast<offile_off_t>(bytes.size()));
    in.setEos();
    DcmFileFormat file;
    file.transferInit();
    EXPECT_TRUE(file.read(in, EXS_Unknown, EGL_noChange, DCM_MaxReadLength).good());
    file.transferEnd();
    return checkImageObject(*file.getDataset(), ObjectLimits{});
  }
  std::vector<uint8_t> bytes;
};

TEST_F(RleCheckTest, ASoundRleObjectPasses) {
  EXPECT_EQ(check(), "");
  EXPECT_EQ(header(0)[0], 3);  // three segments: R, G, B
}

TEST_F(RleCheckTest, AnOffsetBeyondTheFragmentIsRefused) {
  // fuzz_series_playlist: offsets pointing ~800 MB past the fragment; DCMTK's decoder read there.
  header(1)[8] = 0x40, header(1)[9] = 0x30, header(1)[10] = 0x30, header(1)[11] = 0x2E;
  EXPECT_NE(check().find("pixel"), std::string::npos);
}

TEST_F(RleCheckTest, ASegmentCountAboveFifteenOrNotTheSamplesIsRefused) {
  header(0)[0] = 16;
  EXPECT_NE(check(), "");
  header(0)[0] = 2;
  EXPECT_NE(check(), "");
}

TEST_F(RleCheckTest, AnUnusedOffsetThatIsNotZeroIsRefused) {
  header(1)[4 + 4 * 6 + 3] = 0x40;  // offset of segment 7 of 3
  EXPECT_NE(check(), "");
}

// A 16x16 baseline JPEG object and the bytes of its first fragment, to damage.
class JpegCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::registerDicomEncoders();
    registerDicomCodecs();
    DicomImageSpec spec;
    spec.rows = spec.columns = 16;
    spec.syntax = EXS_JPEGProcess1;
    file_ = testing::makeDicomImage(spec);
    dataset().chooseRepresentation(EXS_JPEGProcess1, nullptr);
    dataset().updateOriginalXfer();
    ASSERT_EQ(check(), "");
    DcmElement* element = nullptr;
    dataset().findAndGetElement(DCM_PixelData, element);
    DcmPixelSequence* sequence = nullptr;
    static_cast<DcmPixelData*>(element)->getEncapsulatedRepresentation(EXS_JPEGProcess1, nullptr,
                                                                       sequence);
    DcmPixelItem* fragment = nullptr;
    sequence->getItem(fragment, 1);
    fragment->getUint8Array(bytes_);
    ASSERT_EQ(bytes_[1], 0xD8);  // SOI
  }
  DcmDataset& dataset() { return *file_->getDataset(); }
  std::string check() { return checkImageObject(dataset(), ObjectLimits{}); }

  std::unique_ptr<DcmFileFormat> file_;
  Uint8* bytes_ = nullptr;
};

TEST_F(JpegCheckTest, ATemMarkerInTheHeadersIsRefused) {
  // fuzz_series_playlist: DCMTK's walk over the markers before decoding stops moving at TEM
  // (FF01) and never returns.
  bytes_[2] = 0xFF, bytes_[3] = 0x01;
  EXPECT_NE(check().find("pixel"), std::string::npos);
}

TEST_F(JpegCheckTest, ATemMarkerBehindAFillByteIsRefused) {
  // fuzz_series_playlist (long run, 7 December): DCMTK's walk steps over a fill byte (FF FF)
  // one byte at a time, and so reached a TEM that a walk stopping at FFFF did not see.
  bytes_[2] = 0xFF, bytes_[3] = 0xFF, bytes_[4] = 0x01;
  EXPECT_NE(check().find("pixel"), std::string::npos);
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
