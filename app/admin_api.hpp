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

class AdminApi {
 public:
  // `dicomFolder`: DATA_DIR/dicom, where the series of DICOM streams are kept.
  AdminApi(access::DirectoryStore& store, std::filesystem::path dicomFolder)
      : store_(store), dicomFolder_(std::move(dicomFolder)) {}

  // The caller's admin scope, from the store (a role revoked a moment ago no longer counts).
  AdminScope scopeOf(const std::string& user);

  // `parts`: the decoded path segments after /api/v1/admin/.
  signaling::ApiResponse handle(const signaling::ApiRequest& request, const AdminScope& scope,
                                const std::vector<std::string>& parts, const nlohmann::json& body);

 private:
  signaling::ApiResponse tenants(const signaling::ApiRequest&, const AdminScope&,
                                 const nlohmann::json& body);
  signaling::ApiResponse departments(const signaling::ApiRequest&, const AdminScope&,
                                     const nlohmann::json& body);
  signaling::ApiResponse users(const signaling::ApiRequest&, const AdminScope&,
                               const std::vector<std::string>& parts, const nlohmann::json& body);
  signaling::ApiResponse devices(const signaling::ApiRequest&, const AdminScope&);
  signaling::ApiResponse groups(const signaling::ApiRequest&, const AdminScope&,
                                const std::vector<std::string>& parts, const nlohmann::json& body);
  signaling::ApiResponse streams(const signaling::ApiRequest&, const AdminScope&,
                                 const std::vector<std::string>& parts, const nlohmann::json& body);
  signaling::ApiResponse collaborations(const signaling::ApiRequest&, const AdminScope&,
                                        const std::vector<std::string>& parts,
                                        const nlohmann::json& body);
  signaling::ApiResponse audit(const signaling::ApiRequest&, const AdminScope&,
                               const std::vector<std::string>& parts);

  std::optional<access::UserRecord> findUser(const std::string& name);
  std::optional<access::GroupRecord> findGroup(const std::string& spec);
  std::optional<access::StreamRecord> findStream(const std::string& name);

  access::DirectoryStore& store_;
  std::filesystem::path dicomFolder_;
};

}  // namespace medrelay::app
