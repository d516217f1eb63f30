#include "relay/router/packet_pool.hpp"

namespace medrelay::relay::router {

PacketPool::PacketPool(size_t count) {
  storage_.reserve(count);
  free_.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    storage_.push_back(std::make_unique<PacketBuffer>());
    storage_.back()->pool = this;
    free_.push_back(storage_.back().get());
  }
}

PacketRef PacketPool::acquire() {
  if (free_.empty()) return PacketRef();
  PacketBuffer* buffer = free_.back();
  free_.pop_back();
  buffer->size = 0;
  return PacketRef(buffer);
}

}  // namespace medrelay::relay::router
