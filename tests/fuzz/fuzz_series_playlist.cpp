// The series player's reading of the files the gateway wrote (pipelines/dicom/series_playlist):
// the input is one file of a series folder; SeriesPlaylist reads it from disk (loadFile: large
// values stay on disk until needed), checks it against the limits, plays it and renders its
// first frames through DCMTK's decoders (native, RLE, JPEG, JPEG-LS). Whatever it accepts must
// lie within the limits, and whatever it renders within the dimensions it announced.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "pipelines/dicom/series_playlist.hpp"
#include "tests/fuzz/fuzz_dicom.hpp"

using namespace medrelay::pipelines::dicom;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  medrelay::fuzz::quietDicomLogs();
  static const auto folder = [] {
    auto path = std::filesystem::temp_directory_path() /
                ("medrelay-fuzz-series-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
    return path;
  }();
  const auto file = folder / "object.dcm";
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  SeriesPlaylist::Settings settings;
  SeriesPlaylist playlist(settings);
  playlist.addFolder(folder);
  for (size_t i = 0; i < playlist.objectCount(); ++i) {
    if (playlist.frameCount(i) > settings.limits.maxFrames) __builtin_trap();
    playlist.facts(i);
  }
  const auto& entries = playlist.entries();
  for (size_t i = 0; i < entries.size() && i < 3; ++i) {
    RenderedFrame frame;
    std::string error;
    playlist.caption(i);
    if (!playlist.render(entries[i], frame, error)) continue;
    if (frame.width <= 0 || frame.height <= 0 ||
        static_cast<uint32_t>(frame.width) > settings.limits.maxColumns ||
        static_cast<uint32_t>(frame.height) > settings.limits.maxRows ||
        frame.pixels.size() < static_cast<size_t>(frame.stride()) * frame.height)
      __builtin_trap();
  }
  std::filesystem::remove(file);
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  return medrelay::fuzz::dicomSeeds();
}
