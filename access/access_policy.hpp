// The one rule for who may watch what (DESIGN.md, "Access model"): an active user on an active
// device, holding the permission the stream's kind needs, who is a member of a group the stream
// is shared into, with tenant boundaries crossed only where a collaboration was accepted.
// Pure functions over a Directory snapshot: every path (WS, WHEP, REST) asks the same question.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/directory.hpp"

namespace medrelay::access {

struct AccessDecision {
  bool allowed = false;
  // Why not: "unknown-user", "user-inactive", "unknown-device", "device-revoked", "not-found",
  // "missing-permission", "tenant-boundary", "not-shared". Empty when allowed.
  std::string code;
  std::string reason;  // one sentence for people
};

AccessDecision decideWatch(const Directory& directory, std::string_view user,
                           std::string_view device, std::string_view stream);

// May `user` on `device` publish video into `stream` (WHIP)? The same rule as watching, with the
// "publish" permission in place of the viewing one; DICOM streams are never published.
AccessDecision decidePublish(const Directory& directory, std::string_view user,
                             std::string_view device, std::string_view stream);

// Whether an access token issued at `issuedAt` (seconds) for `user` on `device` still counts:
// the user is active, the device registered and active, and not signed out since.
AccessDecision decideCredential(const Directory& directory, std::string_view user,
                                std::string_view device, int64_t issuedAt);

// The streams `user` on `device` may watch, by name, sorted.
std::vector<std::string> watchableStreams(const Directory& directory, std::string_view user,
                                          std::string_view device);

// The permission a stream kind needs: "view-live" for cameras, "view-dicom" for DICOM video.
std::string_view permissionForKind(std::string_view kind);

}  // namespace medrelay::access
