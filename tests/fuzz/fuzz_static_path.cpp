#include <filesystem>
#include <string>
#include <vector>

#include "signaling/request_target.hpp"
#include "signaling/static_files.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto root = std::filesystem::temp_directory_path();
  std::string target(reinterpret_cast<const char*>(data), size);
  if (auto file = medrelay::signaling::resolveStaticFile(root, target)) {
    // Whatever resolves must lie inside the root.
    auto canonicalRoot = std::filesystem::canonical(root).string() + "/";
    if (file->string().rfind(canonicalRoot, 0) != 0) __builtin_trap();
  }
  // The API's decoders (Boost.URL): no decoded segment is empty or holds a control character,
  // and a query value holds none either.
  auto controlIn = [](const std::string& text) {
    for (char c : text)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
    return false;
  };
  auto question = target.find('?');
  if (auto segments = medrelay::signaling::decodedPathSegments(target.substr(0, question))) {
    for (const auto& segment : *segments)
      if (segment.empty() || controlIn(segment)) __builtin_trap();
  }
  if (question != std::string::npos) {
    auto value = medrelay::signaling::queryValue(target.substr(question + 1), "a");
    if (controlIn(value)) __builtin_trap();
  }
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  for (std::string s : {"/", "/index.html", "/../etc/passwd", "/%2e%2e/x", "/a/b/../c", "/x%00y",
                        "/api/v1/admin/groups/a%2Fb?a=x+y%21&b"}) {
    seeds.emplace_back(s.begin(), s.end());
  }
  return seeds;
}
