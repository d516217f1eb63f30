// WHIP publishing (RFC 9725): a client POSTs a sendonly offer to /whip/{stream} and its video
// feeds that stream's producer through the relay's own WebRTC stack. Only streams declared with
// a whip:// source take publishers; the publisher needs the "publish" permission and a group the
// stream is shared into (access::decidePublish), checked again whenever the directory changes.
// One publisher per stream: a new one (a phone that reconnected) replaces the old.
// Thread-safe like RelayService, whose signaling calls it serves; each publisher's
// PublisherSession lives on its stream's media worker.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "access/authorizer.hpp"
#include "app/media_session.hpp"
#include "app/stream_registry.hpp"
#include "relay/transport/certificate.hpp"
#include "relay/transport/ice_transport.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class PublishService {
 public:
  // The stream fed by publishers under that name, made on first use if the directory declares
  // it with a whip source; nullptr if it cannot be.
  using StreamProvider =
      std::function<std::shared_ptr<Stream>(const std::string& name, const std::string& source)>;
  // A published stream went live or lost its publisher (for the directory's stream state).
  using StateListener =
      std::function<void(const std::string& stream, StreamState state, const std::string& detail)>;

  PublishService(access::Authorizer& authorizer, StreamProvider streams,
                 std::shared_ptr<relay::transport::Certificate> certificate,
                 relay::transport::IceConfig ice, StateListener stateChanged);
  ~PublishService();  // closeAll()

  void publish(const signaling::Principal& principal, const std::string& stream,
               const std::string& offerSdp,
               std::function<void(signaling::Outcome<signaling::SessionAnswer>)> done);
  // nullopt when `sessionId` is not a publisher session of this principal.
  std::optional<std::optional<signaling::SignalingError>> patch(
      const signaling::Principal& principal, const std::string& sessionId,
      const std::string& sdpFragment);
  bool unpublish(const signaling::Principal& principal, const std::string& sessionId);
  // From the authorizer's thread: ends publishers whose token expired or access was revoked.
  void review(bool directoryChanged);
  void closeAll();

 private:
  class Publisher;
  // Takes the stream's current publisher out and the stream down; false if it was gone already.
  bool forget(const std::string& id);
  // The stream's state and its reason, for the viewer list and the directory alike.
  void report(Stream& stream, StreamState state, const std::string& detail);
  void audit(const Publisher& publisher, const std::string& outcome, const std::string& reason);

  access::Authorizer& authorizer_;
  StreamProvider streams_;
  std::shared_ptr<relay::transport::Certificate> certificate_;
  relay::transport::IceConfig ice_;
  StateListener stateChanged_;
  MediaSessionTable<Publisher> publishers_;  // at most one per stream
};

}  // namespace medrelay::app
