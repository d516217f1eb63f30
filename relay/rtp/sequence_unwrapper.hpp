// Extends 16-bit RTP sequence numbers to 64 bits across wrap-around, tolerating reordering in
// both directions (the nearest interpretation within ±32768 wins). One per stream; one thread.
#pragma once

#include <cstdint>

namespace medrelay::relay::rtp {

class SequenceUnwrapper {
 public:
  int64_t unwrap(uint16_t sequenceNumber) {
    if (!started_) {
      started_ = true;
      last_ = sequenceNumber + (int64_t{1} << 16);  // room to step back below the first
      return last_;
    }
    auto delta = static_cast<int16_t>(sequenceNumber - static_cast<uint16_t>(last_));
    int64_t value = last_ + delta;
    if (value > last_) last_ = value;
    return value;
  }
  // What unwrap() would return, without moving the state (nullopt-free: before the first
  // packet it returns what the first unwrap() will).
  int64_t peek(uint16_t sequenceNumber) const {
    if (!started_) return sequenceNumber + (int64_t{1} << 16);
    auto delta = static_cast<int16_t>(sequenceNumber - static_cast<uint16_t>(last_));
    return last_ + delta;
  }
  void reset() { started_ = false; }

 private:
  bool started_ = false;
  int64_t last_ = 0;
};

}  // namespace medrelay::relay::rtp
