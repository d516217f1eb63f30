// The directory's records: tenants, departments, users, groups and their members, streams and
// their shares, collaborations between facilities, devices, the listings administration shows,
// and the serving relay's stream state. Each change is atomic and audited with it. Errors throw
// StoreError ("invalid", "not-found", "conflict"). Implementations say which threads may call.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/directory.hpp"
#include "access/sqlite_database.hpp"

namespace medrelay::access {

struct StreamRecord {
  std::string name, kind, tenant, source;
  // As the serving relay last reported it (live, connecting, stalled, failed, down), or offline
  // when no relay serves it.
  std::string state;
  std::string stateDetail;
  std::vector<std::string> groups;  // shared into, as TENANT/NAME
  bool requiresOneTimeCode = false;
};

struct DeviceRecord {
  std::string user, uuid, platform, status;
  int64_t lastSeen = 0;
  int64_t tokensValidAfter = 0;  // access tokens issued before this (seconds) are void
};

struct UserRecord {
  std::string name, displayName, tenant, department, phone, status;
  std::vector<std::string> permissions;
  std::vector<std::string> adminRoles;  // "system-admin", "tenant-admin"
};

struct MemberRecord {
  std::string user, role;
};

struct GroupRecord {
  std::string name, tenant;
  std::vector<MemberRecord> members;
};

struct DepartmentRecord {
  std::string tenant, name;
};

struct CollaborationRecord {
  std::string requester, partner, status;  // requested | accepted | ended
};

class DirectoryRecords {
 public:
  virtual ~DirectoryRecords() = default;

  virtual void addTenant(const std::string& actor, const std::string& name) = 0;
  virtual void addDepartment(const std::string& actor, const std::string& tenant,
                             const std::string& name) = 0;
  // New users get "view-live" and "view-dicom" unless told otherwise.
  virtual void addUser(const std::string& actor, const std::string& tenant, const std::string& name,
                       const std::string& displayName, UserStatus status) = 0;
  // Display name (at most 128 bytes) and phone number (digits, spaces and + - ( ), at most 32).
  virtual void setUserDetails(const std::string& actor, const std::string& user,
                              const std::string& displayName, const std::string& phone) = 0;
  // Empty `department` clears it; the department must belong to the user's facility.
  virtual void setUserDepartment(const std::string& actor, const std::string& user,
                                 const std::string& department) = 0;
  virtual void setUserStatus(const std::string& actor, const std::string& user,
                             UserStatus status) = 0;
  virtual void setPermission(const std::string& actor, const std::string& user,
                             const std::string& permission, bool granted) = 0;
  // role: "system-admin" (everything) or "tenant-admin" (the user's own facility).
  virtual void setAdminRole(const std::string& actor, const std::string& user,
                            const std::string& role, bool granted) = 0;
  // Registers (or finds) a device; returns its status ("active" | "revoked").
  virtual std::string registerDevice(const std::string& actor, const std::string& user,
                                     const std::string& uuid, const std::string& platform) = 0;
  virtual void revokeDevice(const std::string& actor, const std::string& user,
                            const std::string& uuid) = 0;
  virtual std::vector<DeviceRecord> listDevices(const std::string& user) = 0;
  virtual void addGroup(const std::string& actor, const std::string& tenant,
                        const std::string& name) = 0;
  virtual void addMember(const std::string& actor, const std::string& group,
                         const std::string& user, const std::string& role) = 0;
  virtual void removeMember(const std::string& actor, const std::string& group,
                            const std::string& user) = 0;
  // Adds the stream if it is new; returns true when it was added.
  virtual bool ensureStream(const std::string& actor, const std::string& tenant,
                            const std::string& name, const std::string& kind,
                            const std::string& source) = 0;
  virtual void share(const std::string& actor, const std::string& stream,
                     const std::string& group) = 0;
  virtual void unshare(const std::string& actor, const std::string& stream,
                       const std::string& group) = 0;
  // Removes the stream and its shares (a DICOM series past its retention, say); its viewers'
  // sessions end at the next review, which finds no permission to watch it. Throws
  // StoreError("not-found") when there is no such stream.
  virtual void removeStream(const std::string& actor, const std::string& stream,
                            const std::string& reason) = 0;
  virtual std::vector<StreamRecord> listStreams() = 0;
  // Whether watching the stream needs a one-time code at subscribe time (DICOM streams, say).
  virtual void setStreamRequiresOneTimeCode(const std::string& actor, const std::string& stream,
                                            bool required) = 0;
  // Listings for administration, ordered by name.
  virtual std::vector<std::string> listTenants() = 0;
  virtual std::vector<DepartmentRecord> listDepartments() = 0;
  virtual std::vector<UserRecord> listUsers() = 0;
  virtual std::vector<GroupRecord> listGroups() = 0;
  virtual std::vector<CollaborationRecord> listCollaborations() = 0;
  // The serving relay reports its sources' state (not an admin change: not audited).
  virtual void setStreamState(const std::string& stream, const std::string& state,
                              const std::string& detail) = 0;
  // Collaboration: `requester` asks, `partner` accepts; either side may end it.
  virtual void requestCollaboration(const std::string& actor, const std::string& requester,
                                    const std::string& partner) = 0;
  virtual void acceptCollaboration(const std::string& actor, const std::string& partner,
                                   const std::string& requester) = 0;
  virtual void endCollaboration(const std::string& actor, const std::string& a,
                                const std::string& b) = 0;
};

// Names of tenants, users, groups and streams: 1-64 of A-Z a-z 0-9 . _ - @, not starting with
// a dot or dash. Throws StoreError("invalid") naming `what` otherwise.
void checkName(const std::string& what, const std::string& name);

// Phone numbers: at most 32 of 0-9, space, + - ( ). Throws StoreError("invalid") otherwise.
void checkPhone(const std::string& phone);

std::string_view userStatusName(UserStatus status);
std::optional<UserStatus> parseUserStatus(std::string_view text);

}  // namespace medrelay::access
