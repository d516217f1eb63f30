#include "access/access_policy.hpp"

#include <optional>

namespace medrelay::access {

namespace {

AccessDecision deny(std::string code, std::string reason) {
  return {false, std::move(code), std::move(reason)};
}

bool tenantsMayMeet(const Directory& directory, int64_t a, int64_t b) {
  return a == b || directory.collaborations.count({a, b}) > 0;
}

// The checks that do not depend on the stream.
std::optional<AccessDecision> checkPrincipal(const Directory& directory, std::string_view user,
                                             std::string_view device, const DirectoryUser** found) {
  auto u = directory.users.find(user);
  if (u == directory.users.end()) return deny("unknown-user", "This user is not in the directory.");
  if (u->second.status != UserStatus::Active) {
    return deny("user-inactive", "This user account is not active.");
  }
  auto d = directory.devices.find({u->second.id, std::string(device)});
  if (d == directory.devices.end()) {
    return deny("unknown-device", "This device is not registered for this user.");
  }
  if (!d->second.active) return deny("device-revoked", "This device has been revoked.");
  *found = &u->second;
  return std::nullopt;
}

enum class Action { Watch, Publish };

AccessDecision decideStream(const Directory& directory, const DirectoryUser& user,
                            const DirectoryStream& stream, Action action = Action::Watch) {
  if (action == Action::Publish) {
    if (stream.kind == "dicom") {
      return deny("not-publishable", "DICOM streams come from the gateway, not from publishers.");
    }
    if (!user.permissions.count("publish")) {
      return deny("missing-permission", "You do not have permission to publish video.");
    }
  } else if (!user.permissions.count(std::string(permissionForKind(stream.kind)))) {
    return deny("missing-permission", stream.kind == "dicom"
                                          ? "You do not have permission to view DICOM video."
                                          : "You do not have permission to view live video.");
  }
  bool memberAcrossBoundary = false;
  auto [begin, end] = directory.shares.equal_range(stream.id);
  for (auto it = begin; it != end; ++it) {
    auto group = directory.groups.find(it->second);
    if (group == directory.groups.end()) continue;
    if (!directory.memberships.count({group->second.id, user.id})) continue;
    if (tenantsMayMeet(directory, user.tenant, group->second.tenant) &&
        tenantsMayMeet(directory, stream.tenant, group->second.tenant)) {
      return {true, "", ""};
    }
    memberAcrossBoundary = true;
  }
  if (memberAcrossBoundary) {
    return deny("tenant-boundary",
                "The stream is shared across facilities without an accepted collaboration.");
  }
  return deny("not-shared", "The stream is not shared into any of your groups.");
}

}  // namespace

std::string_view permissionForKind(std::string_view kind) {
  return kind == "dicom" ? "view-dicom" : "view-live";
}

AccessDecision decideWatch(const Directory& directory, std::string_view user,
                           std::string_view device, std::string_view stream) {
  const DirectoryUser* found = nullptr;
  if (auto denied = checkPrincipal(directory, user, device, &found)) return *denied;
  auto s = directory.streams.find(stream);
  if (s == directory.streams.end()) return deny("not-found", "There is no such stream.");
  return decideStream(directory, *found, s->second);
}

AccessDecision decidePublish(const Directory& directory, std::string_view user,
                             std::string_view device, std::string_view stream) {
  const DirectoryUser* found = nullptr;
  if (auto denied = checkPrincipal(directory, user, device, &found)) return *denied;
  auto s = directory.streams.find(stream);
  if (s == directory.streams.end()) return deny("not-found", "There is no such stream.");
  return decideStream(directory, *found, s->second, Action::Publish);
}

AccessDecision decideCredential(const Directory& directory, std::string_view user,
                                std::string_view device, int64_t issuedAt) {
  const DirectoryUser* found = nullptr;
  if (auto denied = checkPrincipal(directory, user, device, &found)) return *denied;
  const auto& state = directory.devices.at({found->id, std::string(device)});
  if (issuedAt < state.tokensValidAfter) {
    return deny("signed-out", "This sign-in has ended; sign in again.");
  }
  return {true, "", ""};
}

std::vector<std::string> watchableStreams(const Directory& directory, std::string_view user,
                                          std::string_view device) {
  std::vector<std::string> out;
  const DirectoryUser* found = nullptr;
  if (checkPrincipal(directory, user, device, &found)) return out;
  for (const auto& [name, stream] : directory.streams) {
    if (decideStream(directory, *found, stream).allowed) out.push_back(name);
  }
  return out;
}

}  // namespace medrelay::access
