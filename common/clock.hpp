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

// The wall clock as RTCP carries it (RFC 3550 §4): 32.32 fixed-point seconds since 1900.
inline uint64_t ntpNow() {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const uint64_t seconds = static_cast<uint64_t>(micros / 1'000'000) + 2'208'988'800ull;
  const uint64_t fraction = (static_cast<uint64_t>(micros % 1'000'000) << 32) / 1'000'000;
  return (seconds << 32) | fraction;
}

}  // namespace medrelay
