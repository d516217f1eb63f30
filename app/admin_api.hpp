// /api/v1/admin/...: the administration the console (/console/) and scripts use. A system admin
// may do everything; a tenant admin only inside their own facility (its users, groups,
// departments, streams, and collaborations it is part of). Every change goes through the
// DirectoryStore, which validates names and records the change in the audit trail.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

#include "access/directory_store.hpp"
#include "app/api_routes.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

// What the caller may administer.
struct AdminScope {
  std::string user;
  bool system = false;
  std::string tenant;  // a tenant admin's facility ("" if none)
  bool covers(const std::string& t) const { return system || (!tenant.empty() && t == tenant); }
  bool any() const { return system || !tenant.empty(); }
};

// Threads: handle() runs on ApiService's request pool, several calls at once; the class keeps no
// state of its own between calls (the store serialises its writes), so it needs no lock.
class AdminApi {
 public:
  // `dicomFolder`: DATA_DIR/dicom, where the series of DICOM streams are kept.
  AdminApi(access::DirectoryStore& store, std::filesystem::path dicomFolder);
  AdminApi(const AdminApi&) = delete;  // the routes point at this object
  AdminApi& operator=(const AdminApi&) = delete;

  // The caller's admin scope, from the store (a role revoked a moment ago no longer counts).
  AdminScope scopeOf(const std::string& user);

  // `segments`: the decoded path segments after /api/v1/admin/.
  signaling::ApiResponse handle(const signaling::ApiRequest& request, const AdminScope& scope,
                                const std::vector<std::string>& segments,
                                const nlohmann::json& body);

 private:
  struct Call {
    const signaling::ApiRequest& request;
    const AdminScope& scope;
    const nlohmann::json& body;
    std::string actor;  // "user:NAME", as the audit trail names the caller
  };

  // The routes, one resource each (the table is in admin_api.cpp, in this order).
  void addFacilityRoutes();  // /tenants, /departments, /devices
  void addUserRoutes();      // /users[/{user}[/...]]
  void addGroupRoutes();     // /groups[/{group}/members[/{user}]]
  void addStreamRoutes();    // /streams[/{stream}/release|one-time-code|shares/{group}]
  void addCollaborationRoutes();
  void addAuditRoutes();  // /audit, /audit/verify

  signaling::ApiResponse addUser(const Call& c);
  signaling::ApiResponse setUserDetails(const Call& c, const access::UserRecord& user);
  signaling::ApiResponse share(const Call& c, const std::string& stream, const std::string& group);
  signaling::ApiResponse verifyAudit(const Call& c);
  signaling::ApiResponse queryAudit(const Call& c);

  // 404 when the named record does not exist, 403 when it lies outside the caller's scope, else
  // the answer of `then`.
  template <class Then>
  signaling::ApiResponse withUser(const Call& c, const std::string& name, Then then);
  template <class Then>
  signaling::ApiResponse withGroup(const Call& c, const std::string& name, Then then);
  template <class Then>
  signaling::ApiResponse withStream(const Call& c, const std::string& name, Then then);

  std::optional<access::UserRecord> findUser(const std::string& name);
  std::optional<access::GroupRecord> findGroup(const std::string& spec);
  std::optional<access::StreamRecord> findStream(const std::string& name);

  access::DirectoryStore& store_;
  std::filesystem::path dicomFolder_;
  ApiRoutes<Call> routes_;
};

}  // namespace medrelay::app
