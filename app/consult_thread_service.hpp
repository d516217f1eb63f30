// The consult thread beside each stream, as the relay serves it: who may read and write it (the
// same people who may watch the stream, checked on every call, so removal from the group ends
// access to the thread as it ends the video), how often one may read and post, the audit of
// every read (posts are audited by the store, with the message), and what a client sees of a
// message (the author's display name). Delivery to those watching is the caller's
// (RelayService).
// Threads: read() and post() are called from the signaling threads and return at once; the
// store's work (SQLite, which may wait seconds for a lock another process holds) runs on this
// service's own thread, never on a signaling I/O thread; `done` is called from there. The
// destructor waits for queued work.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
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
  using PageDone =
      std::function<void(signaling::Outcome<std::vector<signaling::ThreadMessageInfo>>)>;
  using PostDone = std::function<void(signaling::Outcome<signaling::ThreadMessageInfo>)>;

  ConsultThreadService(access::ConsultThreads& store, access::Authorizer& authorizer);
  ~ConsultThreadService();

  void read(const signaling::Principal& principal, const std::string& stream, int64_t beforeId,
            size_t limit, PageDone done);
  void post(const signaling::Principal& principal, const std::string& stream,
            const std::string& text, PostDone done);
  std::string metricsText() const;

  // Per user: a clinician types a few lines a minute and pages back now and then; beyond this
  // a client floods the thread everyone watching reads, or the audit trail.
  struct Rate {
    double perSecond, burst;
  };
  static constexpr Rate kPosts{1, 10};
  static constexpr Rate kReads{5, 20};
  // Requests queued for the store at most; more are answered 503 at once.
  static constexpr int kMaxPending = 64;

 private:
  // Takes one token of `user` in `buckets`; false beyond the rule. Quick, any thread.
  bool admit(std::map<std::string, TokenBucket>& buckets, const Rate& rate,
             const std::string& user);
  // Runs `work` on the service's thread unless too much is queued already (then false).
  bool enqueue(std::function<void()> work);
  std::optional<signaling::SignalingError> mayUse(const signaling::Principal& principal,
                                                  const std::string& stream,
                                                  const std::string& action);
  signaling::ThreadMessageInfo info(const access::ThreadMessage& message);
  signaling::Outcome<std::vector<signaling::ThreadMessageInfo>> readNow(
      const signaling::Principal& principal, const std::string& stream, int64_t beforeId,
      size_t limit);
  signaling::Outcome<signaling::ThreadMessageInfo> postNow(const signaling::Principal& principal,
                                                           const std::string& stream,
                                                           const std::string& text);

  access::ConsultThreads& store_;
  access::Authorizer& authorizer_;
  std::mutex rateMutex_;
  std::map<std::string, TokenBucket> postRate_, readRate_;  // by user; guarded by rateMutex_
  std::atomic<uint64_t> posted_{0}, read_{0}, refused_{0};
  std::atomic<int> pending_{0};
  boost::asio::thread_pool pool_{1};  // last: its thread goes before the members it uses
};

}  // namespace medrelay::app
