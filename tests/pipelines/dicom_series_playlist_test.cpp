// Series rendering on files DCMTK writes in the test: every photometric interpretation and
// transfer syntax we accept decodes to the picture that was encoded (left half / right half
// values), CT presets map Hounsfield units as radiologists expect, cine frames keep their timing,
// slices play in position order, and bad files are skipped without stopping the series.
#include <gtest/gtest.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>

#include <fstream>
#include <random>

#include "pipelines/dicom/series_playlist.hpp"
#include "tests/support/dicom_test_images.hpp"

namespace medrelay::pipelines::dicom {
namespace {

using namespace std::chrono_literals;
using testing::DicomImageSpec;

class SeriesPlaylistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder = std::filesystem::temp_directory_path() /
             ("playlist-test-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(folder);
  }
  void TearDown() override { std::filesystem::remove_all(folder); }

  std::filesystem::path write(const DicomImageSpec& spec, const std::string& name) {
    auto path = folder / name;
    testing::writeDicomImage(spec, path);
    return path;
  }

  // Renders entry `index` of a playlist over the folder.
  RenderedFrame renderOne(SeriesPlaylist& playlist, size_t index = 0) {
    RenderedFrame frame;
    std::string error;
    EXPECT_TRUE(playlist.render(playlist.entries().at(index), frame, error)) << error;
    return frame;
  }

  // The mean of sample `s` over the middle of the left or right half (away from the edge, where
  // lossy codecs blur).
  static double halfMean(const RenderedFrame& frame, bool right, int s = 0) {
    const int channels = frame.color ? 3 : 1;
    double sum = 0;
    int count = 0;
    for (int y = frame.height / 4; y < 3 * frame.height / 4; ++y) {
      for (int x = right ? 5 * frame.width / 8 : frame.width / 8;
           x < (right ? 7 * frame.width / 8 : 3 * frame.width / 8); ++x) {
        sum += frame.pixels[static_cast<size_t>(y * frame.stride() + x * channels + s)];
        ++count;
      }
    }
    return sum / count;
  }

  SeriesPlaylist::Settings settings;
  std::filesystem::path folder;
};

TEST_F(SeriesPlaylistTest, Monochrome2And1ShowDarkAndBrightTheRightWayRound) {
  DicomImageSpec spec;
  spec.left = {20};
  spec.right = {230};
  spec.window = std::array<double, 2>{128, 256};
  write(spec, "a.dcm");
  SeriesPlaylist mono2(settings);
  ASSERT_EQ(mono2.addFolder(folder), 1u);
  auto frame = renderOne(mono2);
  EXPECT_FALSE(frame.color);
  EXPECT_EQ(frame.width, 64);
  EXPECT_LT(halfMean(frame, false), 40);
  EXPECT_GT(halfMean(frame, true), 210);

  std::filesystem::remove(folder / "a.dcm");
  spec.photometric = "MONOCHROME1";  // low values are white
  write(spec, "b.dcm");
  SeriesPlaylist mono1(settings);
  ASSERT_EQ(mono1.addFolder(folder), 1u);
  frame = renderOne(mono1);
  EXPECT_GT(halfMean(frame, false), 210);
  EXPECT_LT(halfMean(frame, true), 40);
}

TEST_F(SeriesPlaylistTest, RgbAndYbrComeOutAsRgb) {
  DicomImageSpec rgb;
  rgb.photometric = "RGB";
  rgb.left = {250, 10, 10};   // red
  rgb.right = {10, 10, 250};  // blue
  write(rgb, "rgb.dcm");
  DicomImageSpec ybr = rgb;
  ybr.photometric = "YBR_FULL";
  // The same red and blue in YCbCr (PS3.3 C.7.6.3.1.2 full-range equations).
  auto toYbr = [](double r, double g, double b) {
    return std::vector<int>{static_cast<int>(0.299 * r + 0.587 * g + 0.114 * b + 0.5),
                            static_cast<int>(-0.1687 * r - 0.3313 * g + 0.5 * b + 128.5),
                            static_cast<int>(0.5 * r - 0.4187 * g - 0.0813 * b + 128.5)};
  };
  ybr.left = toYbr(250, 10, 10);
  ybr.right = toYbr(10, 10, 250);
  ybr.instanceNumber = 2;
  write(ybr, "ybr.dcm");
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 2u);
  for (size_t i = 0; i < 2; ++i) {
    auto frame = renderOne(playlist, i);
    ASSERT_TRUE(frame.color) << i;
    EXPECT_NEAR(halfMean(frame, false, 0), 250, 4) << i;
    EXPECT_NEAR(halfMean(frame, false, 2), 10, 4) << i;
    EXPECT_NEAR(halfMean(frame, true, 0), 10, 4) << i;
    EXPECT_NEAR(halfMean(frame, true, 2), 250, 4) << i;
  }
}

struct SyntaxCase {
  E_TransferSyntax syntax;
  bool lossless;
};

TEST_F(SeriesPlaylistTest, EveryAcceptedTransferSyntaxDecodes) {
  const SyntaxCase cases[] = {
      {EXS_LittleEndianImplicit, true}, {EXS_BigEndianExplicit, true}, {EXS_JPEGProcess1, false},
      {EXS_JPEGProcess2_4, false},      {EXS_JPEGProcess14SV1, true},  {EXS_JPEGLSLossless, true},
      {EXS_JPEGLSLossy, false},         {EXS_RLELossless, true},
  };
  for (const auto& c : cases) {
    for (const std::string photometric : {"MONOCHROME2", "RGB"}) {
      SCOPED_TRACE(std::string(DcmXfer(c.syntax).getXferName()) + " " + photometric);
      std::filesystem::remove_all(folder);
      std::filesystem::create_directories(folder);
      DicomImageSpec spec;
      spec.syntax = c.syntax;
      spec.photometric = photometric;
      spec.frames = 3;
      spec.frameStep = 10;
      spec.left = photometric == "RGB" ? std::vector<int>{200, 40, 40} : std::vector<int>{30};
      spec.right = photometric == "RGB" ? std::vector<int>{40, 40, 200} : std::vector<int>{200};
      spec.window = std::array<double, 2>{128, 256};
      write(spec, "x.dcm");
      SeriesPlaylist playlist(settings);
      ASSERT_EQ(playlist.addFolder(folder), 1u);
      ASSERT_EQ(playlist.entries().size(), 3u);
      auto frame = renderOne(playlist, 2);  // the last frame: +20 on every sample
      const double tolerance = c.lossless ? 1.5 : 8;
      EXPECT_NEAR(halfMean(frame, false, 0), photometric == "RGB" ? 220 : 50, tolerance);
      EXPECT_NEAR(halfMean(frame, true, 0), photometric == "RGB" ? 60 : 220, tolerance);
      if (photometric == "RGB") {
        EXPECT_NEAR(halfMean(frame, true, 2), 220, tolerance);
      }
    }
  }
}

TEST_F(SeriesPlaylistTest, CtPresetsMapHounsfieldUnits) {
  DicomImageSpec ct;
  ct.modality = "CT";
  ct.bitsAllocated = 16;
  ct.bitsStored = 12;
  ct.rescaleIntercept = -1024;
  ct.left = {1024};                               // 0 HU: water
  ct.right = {2024};                              // 1000 HU: bone
  ct.window = std::array<double, 2>{-600, 1500};  // the file's own VOI: ignored for CT presets
  write(ct, "ct.dcm");
  struct Expected {
    CtWindow window;
    double water, bone;
  };
  // (HU - (centre - width/2)) / width * 255, clamped.
  for (const auto& e :
       {Expected{CtWindow::SoftTissue, 95.6, 255}, Expected{CtWindow::Brain, 0, 255},
        Expected{CtWindow::Lung, 229.5, 255}, Expected{CtWindow::Bone, 70.8, 212.5}}) {
    settings.ctWindow = e.window;
    SeriesPlaylist playlist(settings);
    ASSERT_EQ(playlist.addFolder(folder), 1u);
    auto frame = renderOne(playlist);
    EXPECT_NEAR(halfMean(frame, false), e.water, 3) << static_cast<int>(e.window);
    EXPECT_NEAR(halfMean(frame, true), e.bone, 3) << static_cast<int>(e.window);
  }
  EXPECT_EQ(parseCtWindow("lung"), CtWindow::Lung);
  EXPECT_EQ(parseCtWindow("soft-tissue"), CtWindow::SoftTissue);
  EXPECT_FALSE(parseCtWindow("liver").has_value());
}

TEST_F(SeriesPlaylistTest, CinePlaysEveryFrameAtItsOwnTiming) {
  DicomImageSpec cine;
  cine.frames = 12;
  cine.frameTimeMs = 33.3;
  cine.seriesDescription = "Cardiac 4CH";
  write(cine, "cine.dcm");
  DicomImageSpec rate = cine;
  rate.frames = 4;
  rate.frameTimeMs.reset();
  rate.cineRate = 10;
  rate.instanceNumber = 2;
  write(rate, "rate.dcm");
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 2u);
  const auto& entries = playlist.entries();
  ASSERT_EQ(entries.size(), 16u);
  EXPECT_EQ(entries[0].duration, 33ms);
  EXPECT_EQ(entries[11].frame, 11u);
  EXPECT_EQ(entries[12].duration, 100ms);
  EXPECT_EQ(playlist.caption(0), "US  |  Cardiac 4CH  |  frame 1/12");
  EXPECT_EQ(playlist.caption(15), "US  |  Cardiac 4CH  |  frame 4/4");
}

TEST_F(SeriesPlaylistTest, SlicesPlayInPositionOrderWhateverTheirFileOrder) {
  // Five axial MR slices; each slice's brightness tells its place along z. Files and instance
  // numbers are in the opposite order, so only the position can give the right sweep.
  const int order[] = {3, 0, 4, 1, 2};
  for (int i = 0; i < 5; ++i) {
    DicomImageSpec slice;
    slice.modality = "MR";
    slice.left = slice.right = {40 + 40 * order[i]};
    slice.window = std::array<double, 2>{128, 256};
    slice.position = std::array<double, 3>{-100, -100, -50.0 + 5.0 * order[i]};
    slice.orientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
    slice.instanceNumber = 10 - order[i];
    write(slice, "slice" + std::to_string(i) + ".dcm");
  }
  settings.sliceDuration = 80ms;
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 5u);
  ASSERT_EQ(playlist.entries().size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    auto frame = renderOne(playlist, i);
    EXPECT_NEAR(halfMean(frame, false), 40 + 40 * static_cast<double>(i), 2) << i;
    EXPECT_EQ(playlist.entries()[i].duration, 80ms);
  }
  EXPECT_EQ(playlist.caption(4), "MR  |  slice 5/5");

  // One more slice without a position: the sweep falls back to instance numbers.
  DicomImageSpec loose;
  loose.modality = "MR";
  loose.left = loose.right = {250};
  loose.window = std::array<double, 2>{128, 256};
  loose.instanceNumber = 1;
  write(loose, "slice9.dcm");
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  ASSERT_EQ(playlist.entries().size(), 6u);
  EXPECT_NEAR(halfMean(renderOne(playlist, 0), false), 250, 2);  // instance 1 first
  EXPECT_NEAR(halfMean(renderOne(playlist, 1), false), 200, 2);  // then instance 6 (z = -30)
}

TEST_F(SeriesPlaylistTest, BadFilesAreSkippedAndGoodOnesStillPlay) {
  DicomImageSpec good;
  good.frames = 2;
  write(good, "good.dcm");
  { std::ofstream(folder / "text.dcm") << "this is not DICOM"; }
  // A JPEG object whose second frame's compressed data is garbage: it loads, but that frame
  // must fail to render with an error rather than crash.
  DicomImageSpec jpeg;
  jpeg.syntax = EXS_JPEGProcess14SV1;
  jpeg.instanceNumber = 5;
  jpeg.frames = 2;
  auto path = write(jpeg, "garbled.dcm");
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto secondFrame = bytes.rfind("\xFF\xD8\xFF");  // start of image marker of the last frame
  ASSERT_NE(secondFrame, std::string::npos);
  for (size_t i = secondFrame + 2; i < secondFrame + 60 && i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(0x5A);
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 2u);  // the text file is skipped
  RenderedFrame frame;
  std::string error;
  EXPECT_TRUE(playlist.render(playlist.entries()[0], frame, error)) << error;
  size_t failures = 0;
  for (const auto& entry : playlist.entries()) {
    error.clear();
    if (!playlist.render(entry, frame, error)) {
      ++failures;
      EXPECT_FALSE(error.empty());
    }
  }
  EXPECT_EQ(failures, 1u);                    // the garbled frame only
  EXPECT_EQ(playlist.addFolder(folder), 0u);  // nothing is read twice
}

// Issue 13: an MR whose files carry Window Width 0 was a flat grey picture. A width of 0 (or
// negative) is no window: the min/max of the object applies.
TEST_F(SeriesPlaylistTest, WindowWidthZeroFallsBackToMinMax) {
  DicomImageSpec spec;
  spec.modality = "MR";
  spec.bitsAllocated = 16;
  spec.bitsStored = 12;
  spec.left = {100};
  spec.right = {900};
  spec.window = std::array<double, 2>{500, 0};
  write(spec, "mr.dcm");
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  auto frame = renderOne(playlist);
  EXPECT_LT(halfMean(frame, false), 30);
  EXPECT_GT(halfMean(frame, true), 220);
}

// Issue 13: the CT preset overrode the window of presentation-ready objects. A secondary
// capture of a CT keeps its own window (here one that shows 0 black and 1000 white, where the
// soft-tissue preset would make both halves white); an original CT image gets the preset.
TEST_F(SeriesPlaylistTest, CtPresetOnlyForOriginalCtImages) {
  DicomImageSpec spec;
  spec.modality = "CT";
  spec.sopClass = UID_SecondaryCaptureImageStorage;
  spec.bitsAllocated = 16;
  spec.bitsStored = 16;
  spec.left = {1000};  // 1000 HU with intercept -1000: 0 HU; preset soft tissue: grey 50%
  spec.right = {2000};
  spec.rescaleIntercept = -1000;
  spec.window = std::array<double, 2>{500, 1000};  // the file's: 0 HU black, 1000 HU white
  write(spec, "sc.dcm");
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  auto frame = renderOne(playlist);
  EXPECT_LT(halfMean(frame, false), 10);
  EXPECT_GT(halfMean(frame, true), 245);

  std::filesystem::remove(folder / "sc.dcm");
  spec.sopClass = UID_CTImageStorage;
  spec.imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  write(spec, "ct.dcm");
  SeriesPlaylist original(settings);
  ASSERT_EQ(original.addFolder(folder), 1u);
  auto ct = renderOne(original);
  EXPECT_NEAR(halfMean(ct, false), 96, 12);  // 0 HU in the 50/400 preset: (0-50+200)/400*255
  EXPECT_GT(halfMean(ct, true), 245);
}

// Issue 13: a file in the data directory declaring 2,147,483,647 frames made the playlist
// builder spin; the network path's limits apply to files read from disk too.
TEST_F(SeriesPlaylistTest, FilesBeyondTheLimitsAreSkipped) {
  DicomImageSpec spec;
  auto image = testing::makeDicomImage(spec);
  image->getDataset()->putAndInsertString(DCM_NumberOfFrames, "2147483647");
  ASSERT_TRUE(image->saveFile((folder / "huge.dcm").c_str(), EXS_LittleEndianExplicit).good());
  write(spec, "fine.dcm");
  SeriesPlaylist playlist(settings);
  EXPECT_EQ(playlist.addFolder(folder), 1u);
  EXPECT_EQ(playlist.entries().size(), 1u);
}

// Issue 13: a multi-frame JPEG object declaring 96 frames but holding 10 fragments never
// played. The frames that are there play; the object counts as 10 frames.
TEST_F(SeriesPlaylistTest, MultiFrameJpegWithFewerFragmentsPlaysWhatIsThere) {
  DicomImageSpec spec;
  spec.frames = 10;
  spec.frameStep = 10;
  spec.syntax = EXS_JPEGProcess1;
  auto image = testing::makeDicomImage(spec);
  image->getDataset()->putAndInsertString(DCM_NumberOfFrames, "96");
  ASSERT_TRUE(image->saveFile((folder / "short.dcm").c_str(), EXS_JPEGProcess1).good());
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  ASSERT_EQ(playlist.entries().size(), 10u);
  for (size_t i = 0; i < playlist.entries().size(); ++i) {
    auto frame = renderOne(playlist, i);
    EXPECT_EQ(frame.width, 64);
  }
}

// Issue 13: a YBR_FULL_422 uncompressed secondary capture (two bytes per pixel) was refused
// with "pixel data shorter than its attributes announce". It plays, in colour.
TEST_F(SeriesPlaylistTest, YbrFull422NativeSecondaryCapturePlays) {
  DicomImageSpec spec;
  spec.modality = "OT";
  spec.sopClass = UID_SecondaryCaptureImageStorage;
  spec.photometric = "YBR_FULL_422";
  spec.left = {40, 128, 128};
  spec.right = {220, 128, 128};
  write(spec, "ybr.dcm");
  SeriesPlaylist playlist(settings);
  ASSERT_EQ(playlist.addFolder(folder), 1u);
  auto frame = renderOne(playlist);
  EXPECT_TRUE(frame.color);
  EXPECT_LT(halfMean(frame, false), 60);
  EXPECT_GT(halfMean(frame, true), 200);
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
