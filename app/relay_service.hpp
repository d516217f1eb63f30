// The relay as the signaling server sees it (SignalingBackend): authenticates tokens, lists and
// authorizes streams, and runs viewer sessions on the stream's media worker.
// Thread-safe: called from the signaling thread(s); sessions themselves live on media workers,
// and the session table (MediaSessionTable) has its own mutex (control plane only, never the
// packet path).
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "access/authorizer.hpp"
#include "access/token_authority.hpp"
#include "app/ice_server_directory.hpp"
#include "app/media_session.hpp"
#include "app/publish_service.hpp"
#include "app/stream_registry.hpp"
#include "app/subscribe_limits.hpp"
#include "common/burst_log.hpp"
#include "relay/transport/certificate.hpp"
#include "relay/transport/ice_transport.hpp"
#include "relay/webrtc/viewer_session.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class ConsultThreadService;

class RelayService final : public signaling::SignalingBackend {
 public:
  RelayService(const access::TokenAuthority& tokens, access::Authorizer& authorizer,
               StreamRegistry& streams, std::shared_ptr<relay::transport::Certificate> certificate,
               relay::transport::IceConfig ice);
  ~RelayService() override;

  signaling::Outcome<signaling::Principal> authenticate(std::string_view bearerToken) override;
  void renew(const signaling::Principal& principal) override;
  std::vector<signaling::StreamInfo> listStreams(const signaling::Principal&) override;
  void subscribe(const signaling::Principal& principal, const std::string& stream,
                 const std::string& offerSdp, const signaling::SubscribeRequest& request,
                 std::weak_ptr<signaling::SessionObserver> observer,
                 std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done) override;
  std::optional<signaling::SignalingError> addRemoteCandidate(
      const signaling::Principal&, const std::string& sessionId, const std::string& mid,
      const std::string& candidate) override;
  std::optional<signaling::SignalingError> patchSession(const signaling::Principal&,
                                                        const std::string& sessionId,
                                                        const std::string& sdpFragment) override;
  bool unsubscribe(const signaling::Principal&, const std::string& sessionId) override;
  std::optional<signaling::SignalingError> pinLayer(const signaling::Principal&,
                                                    const std::string& sessionId,
                                                    std::optional<int> layer) override;
  std::optional<signaling::SignalingError> point(const signaling::Principal&,
                                                 const std::string& sessionId,
                                                 const signaling::PointerMark& mark) override;
  void readThread(const signaling::Principal&, const std::string& stream, int64_t beforeId,
                  size_t limit,
                  std::function<void(signaling::Outcome<std::vector<signaling::ThreadMessageInfo>>)>
                      done) override;
  void postToThread(
      const signaling::Principal&, const std::string& stream, const std::string& text,
      std::function<void(signaling::Outcome<signaling::ThreadMessageInfo>)> done) override;
  // Where consult threads are kept (set once at start, before the signaling server runs; none:
  // the relay keeps no threads). It must outlive the signaling server's use of this service.
  void setConsultThreads(ConsultThreadService* threads) { threads_ = threads; }
  void publish(const signaling::Principal& principal, const std::string& stream,
               const std::string& offerSdp,
               std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done) override;
  bool unpublish(const signaling::Principal&, const std::string& sessionId) override;
  // Subscribe limits (set once at start, before the signaling server runs).
  void setSubscribeLimits(const SubscribeLimitsConfig& config) { limits_.configure(config); }
  // Where WHIP goes (set once at start, before the signaling server runs).
  void setPublishService(PublishService* publishing) { publishing_ = publishing; }
  void handleApi(signaling::ApiRequest request,
                 std::function<void(signaling::ApiResponse)> done) override;
  // Where /api/v1/ calls go (set once at start, before the signaling server runs).
  void setApiHandler(
      std::function<void(signaling::ApiRequest, std::function<void(signaling::ApiResponse)>)>
          handler) {
    api_ = std::move(handler);
  }
  // What listings show of a DICOM series' burned-in decision (dicom_release.hpp; set once at
  // start, before the signaling server runs; called on the signaling thread).
  void setBurnedInLookup(std::function<std::string(const std::string& stream)> lookup) {
    burnedInOf_ = std::move(lookup);
  }
  // What clients are told to reach the relay through (set once at start, before the
  // signaling server runs).
  void setIceServers(IceServerDirectory servers) { iceServers_ = std::move(servers); }
  std::vector<signaling::IceServer> iceServers(const signaling::Principal& principal) override;
  std::string metricsText() override;
  // More /metrics text (the API's, the audit writer's, the DICOM receiver's...), appended on
  // every scrape. Thread-safe; the source must stay valid while the service runs.
  void addMetricsSource(std::function<std::string()> source);
  bool healthy() override;

  // Ends every session (server shutdown); blocks until the workers have closed them.
  void closeAll();

  // Called on the authorizer's thread after the directory changed (streams added there are
  // started, say). Setting another (or none) waits for a call in progress to end.
  void setDirectoryChangedHook(std::function<void()> hook);
  // Called (any thread, quick) when a viewer session starts or ends: who watches changed.
  void setWatchersChangedHook(std::function<void()> hook);

 private:
  class Session;
  bool forget(const std::string& sessionId);  // false if it was already gone
  // Who watches what now: stream -> user -> since (Unix ms, their earliest session). Kept
  // until a session starts or ends: every open socket re-lists after each change, and one
  // walk over the sessions serves them all.
  using WatcherMap = std::map<std::string, std::map<std::string, int64_t>>;
  std::shared_ptr<const WatcherMap> watchersByStream() const;
  // From the authorizer's thread: ends sessions whose token expired or whose access was revoked.
  void reviewSessions(bool directoryChanged);
  void auditSessionEnd(const Session& session, const std::string& outcome,
                       const std::string& reason);

  const access::TokenAuthority& tokens_;
  access::Authorizer& authorizer_;
  std::function<void(signaling::ApiRequest, std::function<void(signaling::ApiResponse)>)> api_;
  StreamRegistry& streams_;
  std::shared_ptr<relay::transport::Certificate> certificate_;
  relay::transport::IceConfig ice_;
  MediaSessionTable<Session> sessions_;
  std::mutex mutex_;  // guards metricsSources_
  PublishService* publishing_ = nullptr;
  ConsultThreadService* threads_ = nullptr;
  // The viewer sessions `include` picks, with their observers (copied under the table's lock,
  // called outside it).
  std::vector<std::pair<std::string, std::weak_ptr<signaling::SessionObserver>>> observersOf(
      const std::function<bool(const Session&)>& include) const;
  IceServerDirectory iceServers_;
  std::atomic<uint64_t> subscribesGranted_{0}, subscribesDenied_{0};
  std::atomic<uint64_t> pointerMarksForwarded_{0}, pointerMarksRefused_{0};
  SubscribeLimits limits_;
  BurstLog limitLog_;
  std::vector<std::function<std::string()>> metricsSources_;  // guarded by mutex_
  std::function<std::string(const std::string&)> burnedInOf_;
  std::mutex hookMutex_;                    // held while the hook runs
  std::function<void()> directoryChanged_;  // guarded by hookMutex_
  std::mutex watchersHookMutex_;            // held while the hook runs
  std::function<void()> watchersChanged_;   // guarded by watchersHookMutex_
  void watchersChanged();
  mutable std::mutex watchersCacheMutex_;
  mutable std::shared_ptr<const WatcherMap> watchersCache_;  // guarded; null: to compute
  uint64_t watchersGeneration_ = 0;  // guarded by watchersCacheMutex_; counts changes
};

}  // namespace medrelay::app
