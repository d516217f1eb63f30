#include "relay/transport/srtp_index_guard.hpp"

namespace medrelay::relay::transport {

std::optional<SrtpIndexGuard::Reservation> SrtpIndexGuard::reserve(uint32_t ssrc,
                                                                   uint16_t sequence) {
  size_t at = 0;
  while (at < count_ && sources_[at]->ssrc != ssrc)
    ++at;
  if (at == count_) {
    if (count_ == kMaxSources) {
      lastRefusal_ = Refusal::TooManySources;
      ++refused_;
      return std::nullopt;
    }
    sources_[count_] = std::make_unique<Source>();
    sources_[count_]->ssrc = ssrc;
    ++count_;
  }
  const Source& s = *sources_[at];
  if (!s.started) return Reservation{sequence, at};
  // RFC 3711 §3.3.1: the rollover counter that puts this sequence number closest to the
  // highest one sent so far.
  uint32_t roc = s.roc;
  if (s.highest < 32768) {
    if (sequence > s.highest + 32768 && roc > 0) --roc;
  } else if (sequence < s.highest - 32768) {
    ++roc;
  }
  const uint64_t index = (uint64_t{roc} << 16) | sequence;
  if (index + kWindow <= highestIndex(s)) {
    lastRefusal_ = Refusal::TooOld;
    ++refused_;
    return std::nullopt;
  }
  return Reservation{index, at};
}

bool SrtpIndexGuard::commit(const Reservation& r, uint64_t tag) {
  Source& s = *sources_[r.source];
  const size_t slot = static_cast<size_t>(r.index % kWindow);
  const auto low = static_cast<uint32_t>(r.index);
  if (s.started && s.used[slot] && s.indexLow[slot] == low && s.tag[slot] != tag) {
    lastRefusal_ = Refusal::Reused;
    ++refused_;
    return false;
  }
  if (!s.started || r.index > highestIndex(s)) {
    s.roc = static_cast<uint32_t>(r.index >> 16);
    s.highest = static_cast<uint16_t>(r.index);
    s.started = true;
  }
  s.used[slot] = true;
  s.indexLow[slot] = low;
  s.tag[slot] = tag;
  return true;
}

}  // namespace medrelay::relay::transport
