// What the relay asks before and during every viewing: may this user, on this device, watch
// this stream? Implemented over the directory (DirectoryAuthorizer); the relay never reads the
// database. Revocation reaches the relay through the review callback.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/access_policy.hpp"
#include "access/audit_log.hpp"

namespace medrelay::access {

// Watching a stream without being listed among its watchers (a hospital's IT on call, say).
inline constexpr std::string_view kWatchUnseen = "watch-unseen";

// How a user appears to the others watching the same stream.
struct Person {
  std::string displayName;  // the user name when none is set
  std::string department;   // "" when none
  std::string facility;     // the user's tenant
};

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  // Thread-safe and fast (a snapshot lookup, no I/O).
  virtual AccessDecision mayWatch(const std::string& user, const std::string& device,
                                  const std::string& stream) = 0;
  // The same for publishing into `stream` (WHIP), with the stream's source ("whip" for streams
  // fed by publishers) in `source` when the stream exists.
  virtual AccessDecision mayPublish(const std::string& user, const std::string& device,
                                    const std::string& stream, std::string& source) = 0;
  // Does a credential (access token) issued at `issuedAt` still count? Checked at every
  // authentication and while sessions run (sign-out ends them).
  virtual AccessDecision checkCredential(const std::string& user, const std::string& device,
                                         int64_t issuedAt) = 0;
  // For a stream that asks for a one-time code: is `code` this user's current one (and not used
  // before)? Allowed at once for streams that do not ask, and for an hour after a good code on
  // the same device and stream (a reconnect must not ask again). Writes to the store (the code
  // is spent), so it is not for hot paths.
  virtual AccessDecision checkOneTimeCode(const std::string& user, const std::string& device,
                                          const std::string& stream, const std::string& code) = 0;
  virtual std::vector<std::string> watchableStreams(const std::string& user,
                                                    const std::string& device) = 0;
  // Whether `user` holds `permission` (kWatchUnseen, say). Thread-safe, a snapshot lookup.
  virtual bool hasPermission(const std::string& user, std::string_view permission) = 0;
  // Thread-safe, a snapshot lookup. nullopt for a user the directory does not know.
  virtual std::optional<Person> person(const std::string& user) = 0;
  // Called from the authorizer's own thread several times a second; `directoryChanged` says
  // whether decisions may differ from the last call. The relay re-checks its sessions there.
  virtual void setReviewCallback(std::function<void(bool directoryChanged)> callback) = 0;
  // Appends to the audit trail: queued and written in order by a writer thread (never on the
  // caller's thread, never dropped; blocks only while the queue is full), all of it on disk
  // when the authorizer is destroyed.
  virtual void audit(const AuditEntry& entry) = 0;
};

}  // namespace medrelay::access
