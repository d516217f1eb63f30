// Preallocated RTP packet buffers with intrusive reference counts: the producer reads a packet
// into one, and every consumer and the retransmission cache share that one buffer through
// PacketRef handles (no per-packet allocation on the forward path). A buffer is immutable once
// the producer has published it.
// Owned by one media worker: acquire() and the last release happen on that worker's thread.
// The count is atomic so that packets can later cross to other workers' queues.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace medrelay::relay::router {

constexpr size_t kPacketCapacity = 1500;

class PacketPool;

struct PacketBuffer {
  std::atomic<uint32_t> refs{0};
  PacketPool* pool = nullptr;
  uint16_t size = 0;
  alignas(16) uint8_t bytes[kPacketCapacity];
};

class PacketRef {
 public:
  PacketRef() = default;
  explicit PacketRef(PacketBuffer* buffer) : buffer_(buffer) {
    if (buffer_) buffer_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  PacketRef(const PacketRef& other) : PacketRef(other.buffer_) {}
  PacketRef(PacketRef&& other) noexcept : buffer_(other.buffer_) { other.buffer_ = nullptr; }
  PacketRef& operator=(PacketRef other) noexcept {
    std::swap(buffer_, other.buffer_);
    return *this;
  }
  ~PacketRef() { reset(); }

  void reset();
  explicit operator bool() const { return buffer_ != nullptr; }
  std::span<const uint8_t> data() const { return {buffer_->bytes, buffer_->size}; }
  // Writable view for the one who filled it, before publishing.
  std::span<uint8_t> writable() { return {buffer_->bytes, kPacketCapacity}; }
  void setSize(size_t size) { buffer_->size = static_cast<uint16_t>(size); }
  uint32_t useCount() const { return buffer_ ? buffer_->refs.load(std::memory_order_relaxed) : 0; }

 private:
  PacketBuffer* buffer_ = nullptr;
};

// Starts with `initial` buffers and grows by chunks when empty, up to `maximum`: retransmission
// caches legitimately hold ~1024 packets per producer, so the right size depends on how many
// streams a worker carries. Growth allocates only while warming up; steady state reuses.
class PacketPool {
 public:
  static constexpr size_t kChunk = 1024;
  explicit PacketPool(size_t initial, size_t maximum = 262144);
  PacketPool(const PacketPool&) = delete;
  PacketPool& operator=(const PacketPool&) = delete;

  PacketRef acquire();  // an empty ref only when `maximum` buffers are all in use
  size_t available() const { return free_.size(); }
  size_t capacity() const { return allocated_; }

 private:
  friend class PacketRef;
  void release(PacketBuffer* buffer) { free_.push_back(buffer); }

  void grow(size_t count);

  std::vector<std::unique_ptr<PacketBuffer[]>> chunks_;
  std::vector<PacketBuffer*> free_;
  size_t allocated_ = 0;
  size_t maximum_;
};

inline void PacketRef::reset() {
  if (buffer_ && buffer_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    buffer_->pool->release(buffer_);
  }
  buffer_ = nullptr;
}

}  // namespace medrelay::relay::router
