// Stand-in for libFuzzer's main when the compiler has none: feeds each target's seeds and the
// files of the corpus folders named after the count (tests/fuzz/corpus/<target>/: what libFuzzer
// starts from, reproducers of fixed defects included), then `iterations` deterministic mutations
// of them (bit flips, truncations, splices, random bytes).
//   fuzz_X_replay [iterations] [corpus folder...]
//   fuzz_X_replay --write-seeds FOLDER   writes fuzzSeeds() as seed-N files (makes the corpus)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::vector<uint8_t>> fuzzSeeds();

int main(int argc, char** argv) {
  if (argc == 3 && std::strcmp(argv[1], "--write-seeds") == 0) {
    std::filesystem::create_directories(argv[2]);
    auto seeds = fuzzSeeds();
    for (size_t i = 0; i < seeds.size(); ++i) {
      std::ofstream out(std::filesystem::path(argv[2]) / ("seed-" + std::to_string(i)),
                        std::ios::binary);
      out.write(reinterpret_cast<const char*>(seeds[i].data()),
                static_cast<std::streamsize>(seeds[i].size()));
    }
    std::printf("%zu seeds written to %s\n", seeds.size(), argv[2]);
    return 0;
  }
  long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  auto seeds = fuzzSeeds();
  for (int i = 2; i < argc; ++i) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(argv[i], ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      seeds.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  seeds.push_back({});
  for (const auto& seed : seeds)
    LLVMFuzzerTestOneInput(seed.data(), seed.size());
  std::mt19937 random(12345);
  std::vector<uint8_t> input;
  for (long i = 0; i < iterations; ++i) {
    input = seeds[random() % seeds.size()];
    switch (random() % 4) {
      case 0:  // flip bits
        for (int k = 0; k < 1 + static_cast<int>(random() % 8) && !input.empty(); ++k) {
          input[random() % input.size()] ^= static_cast<uint8_t>(1u << (random() % 8));
        }
        break;
      case 1:  // truncate
        if (!input.empty()) input.resize(random() % input.size());
        break;
      case 2: {  // splice another seed's tail
        const auto& other = seeds[random() % seeds.size()];
        if (!other.empty())
          input.insert(input.end(), other.begin() + random() % other.size(), other.end());
        break;
      }
      default:  // random bytes
        input.resize(random() % 1500);
        for (auto& b : input)
          b = static_cast<uint8_t>(random());
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("%ld inputs, no crash\n", iterations + static_cast<long>(seeds.size()));
  return 0;
}
