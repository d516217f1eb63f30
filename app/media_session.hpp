// What the relay's signaling side keeps of one media session (a viewer or a publisher; a
// talker later): who owns it, on which stream, since when, the answer its client waits for, and
// the WebRTC peer that lives on the stream's media worker. MediaSessionTable holds them by id;
// RelayService and PublishService share both, and only add what their kind of session needs.
// Thread ownership: id, stream and start time are immutable, and so is the principal except
// its credential times (issuedAt, expiresAt), which renewal replaces and which are read only
// under the table's mutex (MediaSessionTable::renew, removeRefused); `peer` and the pending answer
// belong to the stream's worker thread. A session is shared (shared_ptr) between the table and the
// tasks posted to the worker, so it outlives whichever lets go last.
#pragma once

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "access/access_policy.hpp"
#include "access/authorizer.hpp"
#include "app/stream_registry.hpp"
#include "common/clock.hpp"
#include "relay/webrtc/sdp_fragment.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

// The HTTP status of an access refusal: 401 when the credential itself is no good (so the
// client signs in again), 404 for a stream that does not exist, 403 otherwise.
int refusalStatus(const std::string& code);

// Whether a running session may go on: a token that expired ends it; when the directory
// changed, the credential and then `mayContinue` (the permission for what the session does)
// are checked again. Called with the table's lock held (see MediaSessionTable::removeRefused).
access::AccessDecision reviewAccess(const signaling::Principal& principal, int64_t nowSeconds,
                                    bool directoryChanged, access::Authorizer& authorizer,
                                    const std::function<access::AccessDecision()>& mayContinue);

// `Peer` is the worker-side WebRTC object (ViewerSession, PublisherSession): it has close().
template <class Peer>
class MediaSession : public std::enable_shared_from_this<MediaSession<Peer>> {
 public:
  using AnswerCallback = std::function<void(signaling::Outcome<signaling::SessionAnswer>)>;

  // `offer`: the client's, for its ICE credentials (a PATCH with others asks for a restart).
  // The session keeps its stream alive: a stream taken out of the registry meanwhile (a series
  // past its retention) is freed only after its last session.
  MediaSession(std::string id, signaling::Principal principal, std::shared_ptr<Stream> stream,
               const relay::webrtc::TransportDescription& offer)
      : id_(std::move(id)),
        principal_(std::move(principal)),
        stream_(std::move(stream)),
        remoteIceUfrag_(offer.iceUfrag),
        remoteIcePwd_(offer.icePwd),
        started_(std::chrono::steady_clock::now()),
        startedWallMs_(medrelay::wallMs()) {}
  virtual ~MediaSession() = default;
  MediaSession(const MediaSession&) = delete;
  MediaSession& operator=(const MediaSession&) = delete;

  const std::string& id() const { return id_; }
  const std::string& owner() const { return principal_.userId; }
  const signaling::Principal& principal() const { return principal_; }
  Stream& stream() const { return *stream_; }
  bool sameRemoteIce(const std::string& ufrag, const std::string& pwd) const {
    return (ufrag.empty() || ufrag == remoteIceUfrag_) && (pwd.empty() || pwd == remoteIcePwd_);
  }
  int64_t startedWallMs() const { return startedWallMs_; }  // Unix ms, for presence
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

  // The audit record of the session's end: `action` ("unsubscribe", "unpublish"), `outcome`
  // ("success", "ended", "revoked"), how long it ran under `secondsKey`.
  access::AuditEntry endRecord(const std::string& action, const std::string& outcome,
                               const std::string& reason, const std::string& secondsKey) const;

  // MediaSessionTable only, under its lock: a renewed sign-in of the same user and device
  // extends the session's credential (a later expiry only).
  void renewCredential(const signaling::Principal& renewed) {
    auto& p = principal_;
    if (p.userName == renewed.userName && p.deviceId == renewed.deviceId &&
        renewed.expiresAt > p.expiresAt) {
      p.issuedAt = renewed.issuedAt;
      p.expiresAt = renewed.expiresAt;
    }
  }

  // Worker thread. The answer the client waits for arrives once: either the SDP or an error.
  void awaitAnswer(AnswerCallback done) { pendingAnswer_ = std::move(done); }
  bool deliverAnswer(const std::string& answerSdp) {
    auto done = std::exchange(pendingAnswer_, nullptr);
    if (done) done(signaling::SessionAnswer{id_, answerSdp});
    return static_cast<bool>(done);
  }
  bool failAnswer(signaling::SignalingError error) {
    auto done = std::exchange(pendingAnswer_, nullptr);
    if (done) done(std::move(error));
    return static_cast<bool>(done);
  }

  // Worker thread.
  std::unique_ptr<Peer> peer;

  // Any thread: closes and destroys the peer on the worker, never inside one of its callbacks.
  void destroyPeerLater() {
    stream_->room().worker().post([self = this->shared_from_this()] { self->destroyPeer(); });
  }
  // Worker thread only.
  void destroyPeer() {
    if (!peer) return;
    beforePeerCloses();
    peer->close();
    peer.reset();
  }

 protected:
  // Worker thread: what the kind of session undoes in the room before its peer goes.
  virtual void beforePeerCloses() {}

 private:
  const std::string id_;
  signaling::Principal principal_;
  const std::shared_ptr<Stream> stream_;
  const std::string remoteIceUfrag_, remoteIcePwd_;
  const std::chrono::steady_clock::time_point started_;
  const int64_t startedWallMs_;
  AnswerCallback pendingAnswer_;
};

// A WHIP/WHEP PATCH (RFC 9725 §4.3) on `session`: an RFC 8840 fragment whose candidates go to
// the peer on its worker. A fragment with other ICE credentials than the session's asks for an
// ICE restart, which the relay does not do: 422, and the client starts a new session.
// Any thread; nothing when the fragment was taken.
template <class Session>
std::optional<signaling::SignalingError> applyIceFragment(const std::shared_ptr<Session>& session,
                                                          const std::string& body) {
  auto fragment = relay::webrtc::parseSdpFragment(body);
  if (auto* failure = std::get_if<relay::webrtc::SdpError>(&fragment)) {
    return signaling::SignalingError{400, failure->code, failure->message};
  }
  auto parsed = std::get<relay::webrtc::SdpFragment>(std::move(fragment));
  if (!session->sameRemoteIce(parsed.iceUfrag, parsed.icePwd)) {
    return signaling::SignalingError{422, "ice-restart-unsupported",
                                     "This relay does not restart ICE; start a new session."};
  }
  session->stream().room().worker().post([session, parsed = std::move(parsed)] {
    if (!session->peer) return;
    for (const auto& candidate : parsed.candidates)
      session->peer->addRemoteCandidate(candidate);
    if (parsed.endOfCandidates) session->peer->addRemoteCandidate("");
  });
  return std::nullopt;
}

// The sessions of one kind, by id. Control plane only (a mutex, allocation): never on the
// packet path. Thread-safe.
template <class Session>
class MediaSessionTable {
 public:
  using Ptr = std::shared_ptr<Session>;

  // Adds `session`; an entry that `replaces` matches leaves the table and is returned.
  Ptr add(Ptr session, const std::function<bool(const Session&)>& replaces = nullptr) {
    std::lock_guard lock(mutex_);
    Ptr replaced;
    if (replaces) {
      for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
        if (!replaces(*it->second)) continue;
        replaced = it->second;
        sessions_.erase(it);
        break;
      }
    }
    sessions_[session->id()] = std::move(session);
    return replaced;
  }

  // The session `id` if `principal` owns it; null otherwise (someone else's looks absent).
  Ptr findOwned(const signaling::Principal& principal, const std::string& id) const {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end() || it->second->owner() != principal.userId) return nullptr;
    return it->second;
  }

  // Takes the session out; null when it was gone already (so each end is handled once).
  Ptr remove(const std::string& id) {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return nullptr;
    Ptr session = std::move(it->second);
    sessions_.erase(it);
    return session;
  }

  // Takes out every session `review` refuses (called under the lock), with the refusal.
  std::vector<std::pair<Ptr, access::AccessDecision>> removeRefused(
      const std::function<access::AccessDecision(const Session&)>& review) {
    std::vector<std::pair<Ptr, access::AccessDecision>> refused;
    std::lock_guard lock(mutex_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      auto decision = review(*it->second);
      if (decision.allowed) {
        ++it;
        continue;
      }
      refused.emplace_back(std::move(it->second), std::move(decision));
      it = sessions_.erase(it);
    }
    return refused;
  }

  // Calls `visit(session)` for each, under the lock (so: quick, and no call back into the table).
  template <class Visit>
  void forEach(Visit visit) const {
    std::lock_guard lock(mutex_);
    for (const auto& [id, session] : sessions_)
      visit(*session);
  }

  std::vector<Ptr> removeAll() {
    std::lock_guard lock(mutex_);
    std::vector<Ptr> all;
    for (auto& [id, session] : sessions_)
      all.push_back(std::move(session));
    sessions_.clear();
    return all;
  }

  // A renewed sign-in extends the sessions that user's device holds (later expiry only).
  void renew(const signaling::Principal& renewed) {
    std::lock_guard lock(mutex_);
    for (auto& [id, session] : sessions_)
      session->renewCredential(renewed);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Ptr> sessions_;
};

template <class Peer>
access::AuditEntry MediaSession<Peer>::endRecord(const std::string& action,
                                                 const std::string& outcome,
                                                 const std::string& reason,
                                                 const std::string& secondsKey) const {
  const auto& p = principal_;
  nlohmann::json details = {{"stream", stream_->name()},
                            {"session", id_},
                            {"device", p.deviceId},
                            {"address", p.remoteAddress},
                            {secondsKey, std::round(seconds() * 10) / 10}};
  if (!reason.empty()) details["reason"] = reason;
  return {"user:" + p.userName, action, "stream:" + stream_->name(), outcome, std::move(details)};
}

}  // namespace medrelay::app
