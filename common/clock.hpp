// The clocks every module reads, in one place: a monotonic clock for intervals and timers, and
// the wall clock for what is stored or shown (token lifetimes, audit records). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>

namespace medrelay {

// Monotonic milliseconds (steady_clock): intervals, timeouts, rates. Never stored.
inline int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Wall-clock milliseconds since the Unix epoch: audit records, stored times.
inline int64_t wallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Wall-clock seconds since the Unix epoch: token lifetimes, lockouts.
inline int64_t wallSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace medrelay
