// DirectoryStore on SQLite, composed of its parts (records, credentials, sign-in sessions,
// snapshots, audit, consult threads), each over one shared connection guarded by one mutex (the
// server calls it from the signaling thread and the directory watcher; the admin CLI from its only
// thread).
#include "access/directory_store.hpp"
#include "access/sqlite_store_state.hpp"

namespace medrelay::access {

namespace {

class SqliteDirectoryStore final : public DirectoryStore {
 public:
  explicit SqliteDirectoryStore(const std::string& dataDir)
      : state_(dataDir),
        records_(makeSqliteDirectoryRecords(state_)),
        credentials_(makeSqliteCredentials(state_)),
        sessions_(makeSqliteSignInSessions(state_)),
        snapshots_(makeSqliteSnapshot(state_)),
        audit_(makeSqliteAuditStore(state_)),
        threads_(makeSqliteConsultThreads(state_, dataDir)) {}

  // DirectoryRecords
  void addTenant(const std::string& actor, const std::string& name) override {
    records_->addTenant(actor, name);
  }
  void addDepartment(const std::string& actor, const std::string& tenant,
                     const std::string& name) override {
    records_->addDepartment(actor, tenant, name);
  }
  void addUser(const std::string& actor, const std::string& tenant, const std::string& name,
               const std::string& displayName, UserStatus status) override {
    records_->addUser(actor, tenant, name, displayName, status);
  }
  void setUserDetails(const std::string& actor, const std::string& user,
                      const std::string& displayName, const std::string& phone) override {
    records_->setUserDetails(actor, user, displayName, phone);
  }
  void setUserDepartment(const std::string& actor, const std::string& user,
                         const std::string& department) override {
    records_->setUserDepartment(actor, user, department);
  }
  void setUserStatus(const std::string& actor, const std::string& user,
                     UserStatus status) override {
    records_->setUserStatus(actor, user, status);
  }
  void setPermission(const std::string& actor, const std::string& user,
                     const std::string& permission, bool granted) override {
    records_->setPermission(actor, user, permission, granted);
  }
  void setAdminRole(const std::string& actor, const std::string& user, const std::string& role,
                    bool granted) override {
    records_->setAdminRole(actor, user, role, granted);
  }
  std::string registerDevice(const std::string& actor, const std::string& user,
                             const std::string& uuid, const std::string& platform) override {
    return records_->registerDevice(actor, user, uuid, platform);
  }
  void revokeDevice(const std::string& actor, const std::string& user,
                    const std::string& uuid) override {
    records_->revokeDevice(actor, user, uuid);
  }
  std::vector<DeviceRecord> listDevices(const std::string& user) override {
    return records_->listDevices(user);
  }
  void addGroup(const std::string& actor, const std::string& tenant,
                const std::string& name) override {
    records_->addGroup(actor, tenant, name);
  }
  void addMember(const std::string& actor, const std::string& group, const std::string& user,
                 const std::string& role) override {
    records_->addMember(actor, group, user, role);
  }
  void removeMember(const std::string& actor, const std::string& group,
                    const std::string& user) override {
    records_->removeMember(actor, group, user);
  }
  bool ensureStream(const std::string& actor, const std::string& tenant, const std::string& name,
                    const std::string& kind, const std::string& source) override {
    return records_->ensureStream(actor, tenant, name, kind, source);
  }
  void share(const std::string& actor, const std::string& stream,
             const std::string& group) override {
    records_->share(actor, stream, group);
  }
  void unshare(const std::string& actor, const std::string& stream,
               const std::string& group) override {
    records_->unshare(actor, stream, group);
  }
  void removeStream(const std::string& actor, const std::string& stream,
                    const std::string& reason) override {
    records_->removeStream(actor, stream, reason);
  }
  std::vector<StreamRecord> listStreams() override { return records_->listStreams(); }
  void setStreamRequiresOneTimeCode(const std::string& actor, const std::string& stream,
                                    bool required) override {
    records_->setStreamRequiresOneTimeCode(actor, stream, required);
  }
  std::vector<std::string> listTenants() override { return records_->listTenants(); }
  std::vector<DepartmentRecord> listDepartments() override { return records_->listDepartments(); }
  std::vector<UserRecord> listUsers() override { return records_->listUsers(); }
  std::vector<GroupRecord> listGroups() override { return records_->listGroups(); }
  std::vector<CollaborationRecord> listCollaborations() override {
    return records_->listCollaborations();
  }
  void setStreamState(const std::string& stream, const std::string& state,
                      const std::string& detail) override {
    records_->setStreamState(stream, state, detail);
  }
  void requestCollaboration(const std::string& actor, const std::string& requester,
                            const std::string& partner) override {
    records_->requestCollaboration(actor, requester, partner);
  }
  void acceptCollaboration(const std::string& actor, const std::string& partner,
                           const std::string& requester) override {
    records_->acceptCollaboration(actor, partner, requester);
  }
  void endCollaboration(const std::string& actor, const std::string& a,
                        const std::string& b) override {
    records_->endCollaboration(actor, a, b);
  }

  // CredentialStore
  void setPassword(const std::string& actor, const std::string& user,
                   const std::string& password) override {
    credentials_->setPassword(actor, user, password);
  }
  CredentialCheck checkPassword(const std::string& user, const std::string& password,
                                const std::string& source, int64_t now) override {
    return credentials_->checkPassword(user, password, source, now);
  }
  void setPasscode(const std::string& actor, const std::string& user,
                   const std::string& passcode) override {
    credentials_->setPasscode(actor, user, passcode);
  }
  CredentialCheck checkPasscode(const std::string& user, const std::string& device,
                                const std::string& passcode, int64_t now) override {
    return credentials_->checkPasscode(user, device, passcode, now);
  }
  std::string enrollOneTimeCodes(const std::string& actor, const std::string& user) override {
    return credentials_->enrollOneTimeCodes(actor, user);
  }
  CredentialCheck checkOneTimeCode(const std::string& user, const std::string& code,
                                   int64_t now) override {
    return credentials_->checkOneTimeCode(user, code, now);
  }

  // SignInSessions
  std::string issueRefreshToken(const std::string& user, const std::string& device,
                                int64_t lifetimeSeconds, int64_t now) override {
    return sessions_->issueRefreshToken(user, device, lifetimeSeconds, now);
  }
  RefreshOutcome redeemRefreshToken(const std::string& token, int64_t now) override {
    return sessions_->redeemRefreshToken(token, now);
  }
  void signOut(const std::string& actor, const std::string& user, const std::string& device,
               int64_t now) override {
    sessions_->signOut(actor, user, device, now);
  }

  // DirectorySnapshots
  std::shared_ptr<const Directory> loadDirectory() override { return snapshots_->loadDirectory(); }
  int64_t changeCounter() override { return snapshots_->changeCounter(); }

  // AuditStore
  void appendAudit(const AuditEntry& entry) override { audit_->appendAudit(entry); }
  void appendAuditBatch(const std::vector<AuditEntry>& entries) override {
    audit_->appendAuditBatch(entries);
  }
  AuditVerification verifyAudit(const std::optional<AuditHead>& expected) override {
    return audit_->verifyAudit(expected);
  }
  AuditHead auditHead() override { return audit_->auditHead(); }
  std::vector<AuditRecord> queryAudit(const AuditQuery& query) override {
    return audit_->queryAudit(query);
  }

  // ConsultThreads
  ThreadMessage postThreadMessage(const std::string& author, const std::string& stream,
                                  const std::string& text, int64_t nowMs) override {
    return threads_->postThreadMessage(author, stream, text, nowMs);
  }
  std::vector<ThreadMessage> readThread(const std::string& stream, int64_t beforeId,
                                        size_t limit) override {
    return threads_->readThread(stream, beforeId, limit);
  }

 private:
  SqliteStoreState state_;  // before the parts: they hold references to it
  std::unique_ptr<DirectoryRecords> records_;
  std::unique_ptr<CredentialStore> credentials_;
  std::unique_ptr<SignInSessions> sessions_;
  std::unique_ptr<DirectorySnapshots> snapshots_;
  std::unique_ptr<AuditStore> audit_;
  std::unique_ptr<ConsultThreads> threads_;
};

}  // namespace

std::unique_ptr<DirectoryStore> openSqliteDirectoryStore(const std::string& dataDir) {
  return std::make_unique<SqliteDirectoryStore>(dataDir);
}

}  // namespace medrelay::access
