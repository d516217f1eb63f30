#include "app/consult_thread_service.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>

#include "access/sqlite_database.hpp"
#include "app/media_session.hpp"
#include "common/clock.hpp"
#include "common/logger.hpp"
#include "common/prometheus_text.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("threads");
  return logger;
}

signaling::SignalingError error(int status, std::string code, std::string message,
                                int64_t retryAfterSeconds = 0) {
  return signaling::SignalingError{status, std::move(code), std::move(message), retryAfterSeconds};
}

}  // namespace

ConsultThreadService::ConsultThreadService(access::ConsultThreads& store,
                                           access::Authorizer& authorizer)
    : store_(store), authorizer_(authorizer) {}

ConsultThreadService::~ConsultThreadService() {
  pool_.join();  // the queued requests run (and answer) first
}

bool ConsultThreadService::admit(std::map<std::string, TokenBucket>& buckets, const Rate& rate,
                                 const std::string& user) {
  std::lock_guard lock(rateMutex_);
  auto now = medrelay::steadyMs();
  if (buckets.size() > 10'000) {  // forget the users who have been quiet a while
    for (auto it = buckets.begin(); it != buckets.end();)
      it = it->second.full(now) ? buckets.erase(it) : std::next(it);
  }
  auto [it, added] = buckets.try_emplace(user, rate.perSecond, rate.burst);
  return it->second.take(now);
}

bool ConsultThreadService::enqueue(std::function<void()> work) {
  if (pending_.fetch_add(1) >= kMaxPending) {
    pending_.fetch_sub(1);
    return false;
  }
  boost::asio::post(pool_, [this, work = std::move(work)] {
    work();
    pending_.fetch_sub(1);
  });
  return true;
}

std::optional<signaling::SignalingError> ConsultThreadService::mayUse(
    const signaling::Principal& principal, const std::string& stream, const std::string& action) {
  auto decision = authorizer_.mayWatch(principal.userName, principal.deviceId, stream);
  if (decision.allowed) return std::nullopt;
  ++refused_;
  authorizer_.audit({"user:" + principal.userName,
                     action,
                     "stream:" + stream,
                     "denied",
                     {{"device", principal.deviceId},
                      {"address", principal.remoteAddress},
                      {"reason", decision.code}}});
  if (decision.code == "not-found")
    return error(404, "not-found", "There is no stream named " + stream + ".");
  return error(refusalStatus(decision.code), decision.code, decision.reason);
}

signaling::ThreadMessageInfo ConsultThreadService::info(const access::ThreadMessage& message) {
  signaling::ThreadMessageInfo out{message.id,   message.stream, message.author,  message.author,
                                   message.atMs, message.text,   message.readable};
  if (auto person = authorizer_.person(message.author); person && !person->displayName.empty())
    out.displayName = person->displayName;
  return out;
}

void ConsultThreadService::read(const signaling::Principal& principal, const std::string& stream,
                                int64_t beforeId, size_t limit, PageDone done) {
  // Limits first: a flood of reads must not become a flood of queries and audit records.
  if (!admit(readRate_, kReads, principal.userName)) {
    ++refused_;
    return done(error(429, "rate-limited", "Too many thread requests; wait a moment.", 1));
  }
  auto work = [this, principal, stream, beforeId, limit, done] {
    done(readNow(principal, stream, beforeId, limit));
  };
  if (!enqueue(std::move(work))) {
    ++refused_;
    done(error(503, "busy", "The relay is busy with threads; try again in a moment.", 1));
  }
}

void ConsultThreadService::post(const signaling::Principal& principal, const std::string& stream,
                                const std::string& text, PostDone done) {
  if (!admit(postRate_, kPosts, principal.userName)) {
    ++refused_;
    return done(error(429, "rate-limited", "Too many messages; wait a moment.", 1));
  }
  auto work = [this, principal, stream, text, done] { done(postNow(principal, stream, text)); };
  if (!enqueue(std::move(work))) {
    ++refused_;
    done(error(503, "busy", "The relay is busy with threads; try again in a moment.", 1));
  }
}

signaling::Outcome<std::vector<signaling::ThreadMessageInfo>> ConsultThreadService::readNow(
    const signaling::Principal& principal, const std::string& stream, int64_t beforeId,
    size_t limit) {
  if (auto refusal = mayUse(principal, stream, "thread.read")) return *refusal;
  std::vector<access::ThreadMessage> page;
  try {
    page = store_.readThread(stream, beforeId, limit);
  } catch (const access::StoreError& e) {
    if (e.code() == "not-found")
      return error(404, "not-found", "There is no stream named " + stream + ".");
    log()->error("reading the thread of {} failed: {}", stream, e.what());
    return error(500, "storage", "The thread could not be read; try again.");
  }
  ++read_;
  // Who read what of a thread (its messages may be clinical), never the text.
  nlohmann::json details = {{"device", principal.deviceId},
                            {"address", principal.remoteAddress},
                            {"messages", page.size()}};
  if (beforeId > 0) details["before"] = beforeId;
  authorizer_.audit(
      {"user:" + principal.userName, "thread.read", "stream:" + stream, "granted", details});
  std::vector<signaling::ThreadMessageInfo> out;
  out.reserve(page.size());
  for (const auto& message : page)
    out.push_back(info(message));
  return out;
}

signaling::Outcome<signaling::ThreadMessageInfo> ConsultThreadService::postNow(
    const signaling::Principal& principal, const std::string& stream, const std::string& text) {
  if (auto refusal = mayUse(principal, stream, "thread.message")) return *refusal;
  try {
    auto stored = store_.postThreadMessage(principal.userName, stream, text, medrelay::wallMs());
    ++posted_;
    return info(stored);
  } catch (const access::StoreError& e) {
    ++refused_;
    if (e.code() == "invalid") {
      return error(400, "bad-request",
                   "A message is 1 to 2000 bytes of text (UTF-8, no control characters).");
    }
    if (e.code() == "not-found")
      return error(404, "not-found", "There is no stream named " + stream + ".");
    log()->error("posting to the thread of {} failed: {}", stream, e.what());
    return error(500, "storage", "The message could not be saved; try again.");
  }
}

std::string ConsultThreadService::metricsText() const {
  PrometheusText out;
  out.family("medrelay_thread_messages_total", "counter",
             "Consult-thread messages posted, and requests refused (access, rate, busy, bad "
             "text).");
  out.sample("medrelay_thread_messages_total", {{"outcome", "posted"}}, posted_.load());
  out.sample("medrelay_thread_messages_total", {{"outcome", "refused"}}, refused_.load());
  out.family("medrelay_thread_reads_total", "counter", "Pages of consult threads read.");
  out.sample("medrelay_thread_reads_total", {}, read_.load());
  return out.text();
}

}  // namespace medrelay::app
