// Outbound SRTP index bookkeeping for one session: the RFC 3711 §3.3.1 rollover counter per
// SSRC, and a guard that an index is never protected twice with other bytes. Reusing an index
// with other plaintext repeats an AES-GCM nonce (or an AES-CM keystream), which breaks
// confidentiality and, for GCM, authenticity too. The relay's producers and consumers already
// never forward two different packets under one sequence number; this is the last line: each
// protected packet's tag is remembered for the most recent kWindow indices of its SSRC, and a
// packet whose index was used with a different tag is refused (and wiped) before it can be sent.
// Resending the very same packet (a NACK answered without RTX) gives the same tag and passes.
// Indices older than the window are refused outright: nothing can vouch for them.
// One thread (the session's worker); allocates only when an SSRC is first seen.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <optional>

namespace medrelay::relay::transport {

class SrtpIndexGuard {
 public:
  // Recent indices remembered per SSRC: ~2 s of a 2.5 Mbit/s stream, longer than the packets a
  // viewer can still usefully ask to be resent.
  static constexpr size_t kWindow = 512;
  // SSRCs a session may send (video, its RTX, audio, with room to spare). State is never
  // evicted: forgetting an SSRC's rollover counter could repeat an index.
  static constexpr size_t kMaxSources = 8;

  enum class Refusal { None, TooManySources, TooOld, Reused };

  struct Reservation {
    uint64_t index = 0;  // the 48-bit packet index: ROC << 16 | SEQ
    size_t source = 0;
  };

  // The index this packet would be protected under; nullopt (with `refusal` set) for a source
  // beyond kMaxSources or an index older than the window. Updates nothing until commit().
  std::optional<Reservation> reserve(uint32_t ssrc, uint16_t sequence);
  // After protecting under `reservation`: records the packet's tag (its first 8 bytes). False
  // when the index was already used with another tag: the caller must not send this packet.
  bool commit(const Reservation& reservation, uint64_t tag);

  Refusal lastRefusal() const { return lastRefusal_; }
  uint64_t refused() const { return refused_; }

 private:
  struct Source {
    uint32_t ssrc = 0;
    uint32_t roc = 0;
    uint16_t highest = 0;
    bool started = false;
    std::bitset<kWindow> used;
    std::array<uint32_t, kWindow> indexLow{};  // low 32 bits of the index held in each slot
    std::array<uint64_t, kWindow> tag{};
  };
  uint64_t highestIndex(const Source& s) const { return (uint64_t{s.roc} << 16) | s.highest; }

  std::array<std::unique_ptr<Source>, kMaxSources> sources_{};
  size_t count_ = 0;
  Refusal lastRefusal_ = Refusal::None;
  uint64_t refused_ = 0;
};

}  // namespace medrelay::relay::transport
