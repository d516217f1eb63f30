#include "relay/router/packet_pool.hpp"

#include <algorithm>

namespace medrelay::relay::router {

PacketPool::PacketPool(size_t initial, size_t maximum) : maximum_(std::max(initial, maximum)) {
  grow(initial);
}

void PacketPool::grow(size_t count) {
  if (count == 0) return;
  chunks_.push_back(std::make_unique<PacketBuffer[]>(count));
  PacketBuffer* chunk = chunks_.back().get();
  free_.reserve(allocated_ + count);
  for (size_t i = 0; i < count; ++i) {
    chunk[i].pool = this;
    free_.push_back(&chunk[i]);
  }
  allocated_ += count;
}

PacketRef PacketPool::acquire() {
  if (free_.empty()) grow(std::min(kChunk, maximum_ - allocated_));
  if (free_.empty()) return PacketRef();
  PacketBuffer* buffer = free_.back();
  free_.pop_back();
  buffer->size = 0;
  return PacketRef(buffer);
}

}  // namespace medrelay::relay::router
