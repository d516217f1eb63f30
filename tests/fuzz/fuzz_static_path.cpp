#include <filesystem>
#include <string>
#include <vector>

#include "signaling/static_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto root = std::filesystem::temp_directory_path();
  std::string target(reinterpret_cast<const char*>(data), size);
  if (auto file = medrelay::signaling::resolveStaticFile(root, target)) {
    // Whatever resolves must lie inside the root.
    auto canonicalRoot = std::filesystem::canonical(root).string() + "/";
    if (file->string().rfind(canonicalRoot, 0) != 0) __builtin_trap();
  }
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  for (std::string s : {"/", "/index.html", "/../etc/passwd", "/%2e%2e/x", "/a/b/../c", "/x%00y"}) {
    seeds.emplace_back(s.begin(), s.end());
  }
  return seeds;
}
