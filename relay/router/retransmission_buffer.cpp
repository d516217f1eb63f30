#include "relay/router/retransmission_buffer.hpp"

namespace medrelay::relay::router {

void RetransmissionBuffer::insert(int64_t sequence, uint32_t timestamp, PacketRef packet) {
  if (newest_ >= 0 && sequence <= newest_ - static_cast<int64_t>(kSlots)) return;  // too old
  Slot& slot = slots_[static_cast<size_t>(sequence) & (kSlots - 1)];
  slot.sequence = sequence;
  slot.timestamp = timestamp;
  slot.packet = std::move(packet);
  if (sequence > newest_) {
    newest_ = sequence;
    newestTimestamp_ = timestamp;
  }
}

const PacketRef* RetransmissionBuffer::findExtended(int64_t sequence) const {
  if (newest_ < 0 || sequence > newest_ || sequence <= newest_ - static_cast<int64_t>(kSlots)) {
    return nullptr;
  }
  const Slot& slot = slots_[static_cast<size_t>(sequence) & (kSlots - 1)];
  if (slot.sequence != sequence || !slot.packet) return nullptr;
  if (static_cast<uint32_t>(newestTimestamp_ - slot.timestamp) > kMaxAgeTicks) return nullptr;
  return &slot.packet;
}

const PacketRef* RetransmissionBuffer::find(uint16_t sequence) const {
  if (newest_ < 0) return nullptr;
  auto delta = static_cast<int16_t>(sequence - static_cast<uint16_t>(newest_));
  return findExtended(newest_ + delta);
}

void RetransmissionBuffer::clear() {
  for (auto& slot : slots_) {
    slot.sequence = -1;
    slot.packet.reset();
  }
  newest_ = -1;
}

}  // namespace medrelay::relay::router
