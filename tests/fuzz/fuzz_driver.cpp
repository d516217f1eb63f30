// Stand-in for libFuzzer's main when the compiler has none: feeds each target's seeds and then
// `iterations` deterministic mutations of them (bit flips, truncations, splices, random bytes).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
std::vector<std::vector<uint8_t>> fuzzSeeds();

int main(int argc, char** argv) {
  long iterations = argc > 1 ? std::strtol(argv[1], nullptr, 10) : 10000;
  auto seeds = fuzzSeeds();
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
