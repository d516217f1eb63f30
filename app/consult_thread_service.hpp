// The consult thread beside each stream, as the relay serves it: who may read and write it (the
// same people who may watch the stream, checked on every call, so removal from the group ends
// access to the thread as it ends the video), how fast one may post, the audit of every read
// (posts are audited by the store, with the message), and what a client sees of a message
// (the author's display name). Delivery to those watching is the caller's (RelayService).
// Thread-safe: called from the signaling threads; the store and the authorizer are.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "access/authorizer.hpp"
#include "access/consult_threads.hpp"
#include "common/token_bucket.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class ConsultThreadService {
 public:
  ConsultThreadService(access::ConsultThreads& store, access::Authorizer& authorizer);

  signaling::Outcome<std::vector<signaling::ThreadMessageInfo>> read(
      const signaling::Principal& principal, const std::string& stream, int64_t beforeId,
      size_t limit);
  signaling::Outcome<signaling::ThreadMessageInfo> post(const signaling::Principal& principal,
                                                        const std::string& stream,
                                                        const std::string& text);
  std::string metricsText() const;

  // Posts per user: a clinician types a few lines a minute; beyond this a client floods the
  // thread everyone watching reads.
  static constexpr double kPostsPerSecond = 1;
  static constexpr double kPostBurst = 10;

 private:
  std::optional<signaling::SignalingError> mayUse(const signaling::Principal& principal,
                                                  const std::string& stream,
                                                  const std::string& action);
  signaling::ThreadMessageInfo info(const access::ThreadMessage& message);

  access::ConsultThreads& store_;
  access::Authorizer& authorizer_;
  std::mutex rateMutex_;
  std::map<std::string, TokenBucket> postRate_;  // by user; guarded by rateMutex_
  std::atomic<uint64_t> posted_{0}, read_{0}, refused_{0};
};

}  // namespace medrelay::app
