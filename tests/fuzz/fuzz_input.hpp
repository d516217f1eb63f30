// Splitting one fuzz input into the several datagrams a stateful target needs: each chunk is a
// 2-byte big-endian length and that many bytes (a short last chunk keeps what is there), so
// libFuzzer's mutations keep the boundaries they found. `joinChunks` builds seeds that way.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace medrelay::fuzz {

template <class Visit>
void forEachChunk(std::span<const uint8_t> input, size_t maxChunks, Visit&& visit) {
  for (size_t n = 0; n < maxChunks && input.size() >= 2; ++n) {
    size_t length = (size_t{input[0]} << 8) | input[1];
    input = input.subspan(2);
    if (length > input.size()) length = input.size();
    visit(input.first(length));
    input = input.subspan(length);
  }
}

inline std::vector<uint8_t> joinChunks(const std::vector<std::vector<uint8_t>>& chunks) {
  std::vector<uint8_t> out;
  for (const auto& chunk : chunks) {
    out.push_back(static_cast<uint8_t>(chunk.size() >> 8));
    out.push_back(static_cast<uint8_t>(chunk.size()));
    out.insert(out.end(), chunk.begin(), chunk.end());
  }
  return out;
}

}  // namespace medrelay::fuzz
