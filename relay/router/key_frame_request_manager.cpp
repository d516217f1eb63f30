#include "relay/router/key_frame_request_manager.hpp"

namespace medrelay::relay::router {

void KeyFrameRequestManager::request(int64_t nowMs) {
  pending_ = true;
  if (nowMs - lastSentMs_ >= kMinIntervalMs) send(nowMs);
}

void KeyFrameRequestManager::onKeyFrame() {
  pending_ = false;
  keyFrameSinceSend_ = true;
}

void KeyFrameRequestManager::tick(int64_t nowMs) {
  if (!pending_) return;
  // A request made after the last key frame is new and goes out as soon as the throttle
  // allows; otherwise the earlier request is still in flight and is only retried.
  int64_t wait = keyFrameSinceSend_ ? kMinIntervalMs : kRetryIntervalMs;
  if (nowMs - lastSentMs_ >= wait) send(nowMs);
}

void KeyFrameRequestManager::send(int64_t nowMs) {
  lastSentMs_ = nowMs;
  keyFrameSinceSend_ = false;
  ++sent_;
  listener_.onKeyFrameRequestDue();
}

}  // namespace medrelay::relay::router
