// Merges key-frame requests from many viewers into few upstream requests: at most one per
// kMinInterval, repeated every kRetryInterval until a key frame arrives (the request or the
// key frame may be lost). Reports upward through its Listener. One media worker thread.
#pragma once

#include <cstdint>

namespace medrelay::relay::router {

class KeyFrameRequestManager {
 public:
  static constexpr int64_t kMinIntervalMs = 300;
  static constexpr int64_t kRetryIntervalMs = 1000;

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onKeyFrameRequestDue() = 0;
  };

  explicit KeyFrameRequestManager(Listener& listener) : listener_(listener) {}

  void request(int64_t nowMs);  // a viewer needs a key frame
  void onKeyFrame();            // one arrived: nothing pending any more
  void tick(int64_t nowMs);     // call regularly (per packet is fine): retries
  bool pending() const { return pending_; }
  uint64_t requestsSent() const { return sent_; }

 private:
  void send(int64_t nowMs);
  Listener& listener_;
  bool pending_ = false;
  bool keyFrameSinceSend_ = true;
  int64_t lastSentMs_ = -1'000'000;
  uint64_t sent_ = 0;
};

}  // namespace medrelay::relay::router
