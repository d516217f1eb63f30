// The producer's recent packets by sequence number, for NACK answers and fast joins: a ring
// indexed by the low bits of the unwrapped sequence number, bounded by count and media age.
// One media worker thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

#include "relay/router/packet_pool.hpp"

namespace medrelay::relay::router {

class RetransmissionBuffer {
 public:
  static constexpr size_t kSlots = 1024;               // power of two
  static constexpr uint32_t kMaxAgeTicks = 90000 * 2;  // 2 s of 90 kHz media time

  void insert(int64_t extendedSequence, uint32_t timestamp, PacketRef packet);
  // The packet with this 16-bit sequence number if still held and not too old.
  const PacketRef* find(uint16_t sequence) const;
  const PacketRef* findExtended(int64_t extendedSequence) const;
  int64_t newest() const { return newest_; }
  bool empty() const { return newest_ < 0; }
  void clear();

 private:
  struct Slot {
    int64_t sequence = -1;
    uint32_t timestamp = 0;
    PacketRef packet;
  };
  std::array<Slot, kSlots> slots_;
  int64_t newest_ = -1;
  uint32_t newestTimestamp_ = 0;
};

}  // namespace medrelay::relay::router
