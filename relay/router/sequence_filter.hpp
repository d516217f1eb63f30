// Which packets of one RTP source a producer may forward, by sequence number (RFC 3550 A.1 in
// spirit): each sequence number once, reordering within a window, and a big jump only once the
// source confirms it with the next number. Forwarding a duplicate with other bytes would let the
// consumers encrypt two plaintexts under one SRTP index (one AES-GCM nonce), and anyone who can
// send a datagram to a plain RTP ingest port can produce one; so duplicates and packets older
// than the window are refused here, before anything is forwarded.
// One media worker thread (the producer's); no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "relay/rtp/sequence_unwrapper.hpp"

namespace medrelay::relay::router {

class SequenceFilter {
 public:
  // Reordering accepted: at most this far behind the newest. Below the retransmission cache's
  // 1024 slots, so a packet the cache can no longer tell apart is never accepted.
  static constexpr int64_t kWindow = 1000;
  // A forward jump of at least this many is held back until confirmed (RFC 3550 MAX_DROPOUT).
  static constexpr int64_t kMaxDropout = 3000;

  enum class Verdict {
    Accept,     // new: forward it
    Duplicate,  // this sequence number was accepted before
    TooOld,     // further behind the newest than the window
    Jump,       // far ahead of the newest: refused until the next number confirms it
    Resync,     // a jump confirmed: the numbering restarted here; forward it as a new start
  };
  struct Decision {
    Verdict verdict = Verdict::Accept;
    int64_t extended = 0;  // the extended sequence number when accepted (Accept or Resync)
  };

  Decision check(uint16_t sequence);
  void reset();

 private:
  static constexpr size_t kSlots = 1024;  // power of two, > kWindow
  void mark(int64_t extended) { seen_[static_cast<size_t>(extended) & (kSlots - 1)] = extended; }

  rtp::SequenceUnwrapper unwrapper_;
  bool started_ = false;
  int64_t newest_ = 0;
  bool pendingJump_ = false;
  uint16_t jumpConfirmation_ = 0;  // the number that confirms the pending jump
  std::array<int64_t, kSlots> seen_;
};

}  // namespace medrelay::relay::router
