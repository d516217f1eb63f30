#include "relay/router/sequence_filter.hpp"

namespace medrelay::relay::router {

void SequenceFilter::reset() {
  unwrapper_.reset();
  started_ = false;
  pendingJump_ = false;
}

SequenceFilter::Decision SequenceFilter::check(uint16_t sequence) {
  if (!started_) {
    started_ = true;
    pendingJump_ = false;
    seen_.fill(-1);
    newest_ = unwrapper_.unwrap(sequence);
    mark(newest_);
    return {Verdict::Accept, newest_};
  }
  const int64_t extended = unwrapper_.peek(sequence);
  const int64_t delta = extended - newest_;
  if (delta >= kMaxDropout) {
    if (pendingJump_ && sequence == jumpConfirmation_) {
      // Two numbers in a row far from the old ones: the source restarted its numbering.
      reset();
      return {Verdict::Resync, check(sequence).extended};
    }
    pendingJump_ = true;
    jumpConfirmation_ = static_cast<uint16_t>(sequence + 1);
    return {Verdict::Jump, 0};
  }
  if (delta <= -kWindow) {
    // Far behind: either very late or a jump backwards. A backward restart is confirmed the
    // same way as a forward one.
    if (pendingJump_ && sequence == jumpConfirmation_) {
      reset();
      return {Verdict::Resync, check(sequence).extended};
    }
    pendingJump_ = true;
    jumpConfirmation_ = static_cast<uint16_t>(sequence + 1);
    return {Verdict::TooOld, 0};
  }
  if (seen_[static_cast<size_t>(extended) & (kSlots - 1)] == extended) {
    return {Verdict::Duplicate, 0};
  }
  unwrapper_.unwrap(sequence);
  mark(extended);
  if (extended > newest_) newest_ = extended;
  pendingJump_ = false;
  return {Verdict::Accept, extended};
}

}  // namespace medrelay::relay::router
