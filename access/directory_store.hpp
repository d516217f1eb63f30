// The access directory's storage, behind an interface narrow enough for a second backend
// (PostgreSQL) to follow: named operations in the directory's own terms, each one atomic and
// audited together with its change. Names identify things (users, tenants, streams are unique;
// a group is "NAME" when unique, else "TENANT/NAME"). Errors throw StoreError with a code:
// "invalid" (bad input), "not-found", "conflict" (already exists, would break a rule).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "access/audit_log.hpp"
#include "access/directory.hpp"

namespace medrelay::access {

struct StreamRecord {
  std::string name, kind, tenant, source;
  std::string state;  // as the serving relay last reported it: live, connecting, down, offline
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

// Outcome of checking a password or passcode. Never says which part was wrong.
struct CredentialCheck {
  enum Result { Ok, BadCredentials, Locked, Inactive } result = BadCredentials;
  int64_t retryAfterSeconds = 0;  // when Locked
};

struct RefreshOutcome {
  bool ok = false;
  std::string user, device;
  std::string code;  // "invalid", "expired", "reused" (a rotated token came back: theft)
};

class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

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
  // Stores only a slow salted hash (scrypt). Empty `password` clears it.
  virtual void setPassword(const std::string& actor, const std::string& user,
                           const std::string& password) = 0;
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

  // Sign-in. Secrets are compared inside the store and never leave it. Five wrong passwords in
  // a row from one `source` (the client's address) lock the account for that source only, for
  // 1 s doubling with each further failure up to an hour; success from that source resets its
  // count. From all sources together, 50 failures within 15 minutes lock the account for the
  // rest of that window (kSignInCeiling). Unknown names count and lock alike. Passcodes lock
  // per device the same way, and a registered device's passcode unlock is not stopped by a
  // password lock. Wrong one-time codes lock the account (password sign-in too) as before.
  static constexpr int64_t kSignInCeiling = 50;
  static constexpr int64_t kSignInCeilingWindowSeconds = 15 * 60;
  virtual CredentialCheck checkPassword(const std::string& user, const std::string& password,
                                        const std::string& source, int64_t now) = 0;
  // Also revokes every refresh token of the user's devices: whoever signed in under the old
  // passcode signs in again.
  virtual void setPasscode(const std::string& actor, const std::string& user,
                           const std::string& passcode) = 0;
  virtual CredentialCheck checkPasscode(const std::string& user, const std::string& device,
                                        const std::string& passcode, int64_t now) = 0;
  // One-time codes: a fresh TOTP key for the user (replacing any earlier one); returns the
  // otpauth:// URI an authenticator app enrolls from. The check allows one step of clock drift,
  // takes each code once, and counts failures like wrong passwords (same lock).
  virtual std::string enrollOneTimeCodes(const std::string& actor, const std::string& user) = 0;
  virtual CredentialCheck checkOneTimeCode(const std::string& user, const std::string& code,
                                           int64_t now) = 0;
  // Opaque refresh token ("id.secret"); only a hash of the secret is stored.
  virtual std::string issueRefreshToken(const std::string& user, const std::string& device,
                                        int64_t lifetimeSeconds, int64_t now) = 0;
  // Single use: a redeemed token is spent. Presenting a spent token again revokes every
  // refresh token of that device (someone else has a copy).
  virtual RefreshOutcome redeemRefreshToken(const std::string& token, int64_t now) = 0;
  // Ends the device's sign-in: refresh tokens revoked, access tokens issued until now void.
  virtual void signOut(const std::string& actor, const std::string& user, const std::string& device,
                       int64_t now) = 0;

  virtual std::shared_ptr<const Directory> loadDirectory() = 0;
  // Changes whenever any process commits a change: poll it to notice admin changes.
  virtual int64_t changeCounter() = 0;

  // The audit trail in the same database (admin changes append their own records).
  virtual void appendAudit(const AuditEntry& entry) = 0;
  // Several records in one transaction (the asynchronous audit writer's batches).
  virtual void appendAuditBatch(const std::vector<AuditEntry>& entries) = 0;
  // The chain with the key; with `expected` (a head exported earlier) also that the record it
  // names is unchanged and still there (a cut tail fails).
  virtual AuditVerification verifyAudit(
      const std::optional<AuditHead>& expected = std::nullopt) = 0;
  // The current end of the chain, signed with the key: export it to detect truncation.
  virtual AuditHead auditHead() = 0;
  virtual std::vector<AuditRecord> queryAudit(const AuditQuery& query) = 0;
};

// Opens (creating and migrating) `<dataDir>/medrelay.db`, with the audit key
// `<dataDir>/audit-key` (created on first start; StoreError "storage" when it is missing but
// the log was keyed with it).
std::unique_ptr<DirectoryStore> openSqliteDirectoryStore(const std::string& dataDir);

// Names of tenants, users, groups and streams: 1-64 of A-Z a-z 0-9 . _ - @, not starting with
// a dot or dash. Throws StoreError("invalid") naming `what` otherwise.
void checkName(const std::string& what, const std::string& name);

// Phone numbers: at most 32 of 0-9, space, + - ( ). Throws StoreError("invalid") otherwise.
void checkPhone(const std::string& phone);

std::string_view userStatusName(UserStatus status);
std::optional<UserStatus> parseUserStatus(std::string_view text);

}  // namespace medrelay::access
