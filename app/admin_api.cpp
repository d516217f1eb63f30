#include "app/admin_api.hpp"

#include <charconv>
#include <variant>

#include "app/api_common.hpp"
#include "app/dicom_release.hpp"

namespace medrelay::app {

namespace {

using nlohmann::json;
using signaling::ApiRequest;
using signaling::ApiResponse;
using namespace api;

ApiResponse outOfScope() {
  return fail(403, "forbidden", "This belongs to a facility you do not administer.");
}

ApiResponse noRoute() {
  return fail(404, "not-found", "There is no such API resource.");
}

json userJson(const access::UserRecord& u) {
  return {{"name", u.name},
          {"display_name", u.displayName},
          {"tenant", u.tenant},
          {"department", u.department},
          {"phone", u.phone},
          {"status", u.status},
          {"permissions", u.permissions},
          {"admin_roles", u.adminRoles}};
}

json deviceJson(const access::DeviceRecord& d) {
  return {{"user", d.user},
          {"uuid", d.uuid},
          {"platform", d.platform},
          {"status", d.status},
          {"last_seen", d.lastSeen}};
}

// What creates something inside a facility: {"tenant": T, "name": N}, with T in the caller's
// scope. Either the two names or the error to answer with.
struct TenantAndName {
  std::string tenant, name;
};
std::variant<TenantAndName, ApiResponse> tenantAndName(const json& body, const AdminScope& scope) {
  auto tenant = field(body, "tenant", 64);
  auto name = field(body, "name", 64);
  if (!tenant || !name) return fail(400, "bad-request", "Send tenant and name as strings.");
  if (!scope.covers(*tenant)) return outOfScope();
  return TenantAndName{*tenant, *name};
}

std::optional<int64_t> parseMillis(const std::string& text) {
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

}  // namespace

AdminScope AdminApi::scopeOf(const std::string& user) {
  AdminScope scope;
  scope.user = user;
  if (auto me = findUser(user); me && me->status == "active") {
    for (const auto& role : me->adminRoles) {
      if (role == "system-admin") scope.system = true;
      if (role == "tenant-admin") scope.tenant = me->tenant;
    }
  }
  return scope;
}

std::optional<access::UserRecord> AdminApi::findUser(const std::string& name) {
  for (auto& u : store_.listUsers()) {
    if (u.name == name) return std::move(u);
  }
  return std::nullopt;
}

std::optional<access::StreamRecord> AdminApi::findStream(const std::string& name) {
  for (auto& s : store_.listStreams()) {
    if (s.name == name) return std::move(s);
  }
  return std::nullopt;
}

// "TENANT/NAME", or "NAME" when only one facility has a group of that name.
std::optional<access::GroupRecord> AdminApi::findGroup(const std::string& spec) {
  auto slash = spec.find('/');
  std::optional<access::GroupRecord> found;
  for (auto& g : store_.listGroups()) {
    bool match = slash == std::string::npos
                     ? g.name == spec
                     : g.tenant == spec.substr(0, slash) && g.name == spec.substr(slash + 1);
    if (!match) continue;
    if (found)
      throw access::StoreError(
          "conflict", "several facilities have a group " + spec + "; name it as FACILITY/GROUP");
    found = std::move(g);
  }
  return found;
}

ApiResponse AdminApi::handle(const ApiRequest& request, const AdminScope& scope,
                             const std::vector<std::string>& parts, const json& body) {
  if (!scope.any()) return fail(403, "forbidden", "This needs an administrator.");
  if (parts.empty()) return noRoute();
  const auto& what = parts[0];
  if (what == "tenants" && parts.size() == 1) return tenants(request, scope, body);
  if (what == "departments" && parts.size() == 1) return departments(request, scope, body);
  if (what == "users") return users(request, scope, parts, body);
  if (what == "devices" && parts.size() == 1) return devices(request, scope);
  if (what == "groups") return groups(request, scope, parts, body);
  if (what == "streams") return streams(request, scope, parts, body);
  if (what == "collaborations") return collaborations(request, scope, parts, body);
  if (what == "audit") return audit(request, scope, parts);
  return noRoute();
}

ApiResponse AdminApi::tenants(const ApiRequest& request, const AdminScope& scope,
                              const json& body) {
  if (request.method == "GET") {
    // Every admin sees the facilities' names: a tenant admin needs them to ask for a
    // collaboration. Nothing else about other facilities is shown.
    json out = json::array();
    for (const auto& name : store_.listTenants())
      out.push_back({{"name", name}, {"administered", scope.covers(name)}});
    return reply(200, out);
  }
  if (request.method == "POST") {
    if (!scope.system) return fail(403, "forbidden", "Only a system admin adds facilities.");
    auto name = field(body, "name", 64);
    if (!name) return fail(400, "bad-request", "Send name as a string.");
    store_.addTenant("user:" + scope.user, *name);
    return reply(201, {{"name", *name}});
  }
  return fail(405, "method-not-allowed", "Use GET or POST.");
}

ApiResponse AdminApi::departments(const ApiRequest& request, const AdminScope& scope,
                                  const json& body) {
  if (request.method == "GET") {
    json out = json::array();
    for (const auto& d : store_.listDepartments()) {
      if (scope.covers(d.tenant)) out.push_back({{"tenant", d.tenant}, {"name", d.name}});
    }
    return reply(200, out);
  }
  if (request.method == "POST") {
    auto target = tenantAndName(body, scope);
    if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
    const auto& [tenant, name] = std::get<TenantAndName>(target);
    store_.addDepartment("user:" + scope.user, tenant, name);
    return reply(201, {{"tenant", tenant}, {"name", name}});
  }
  return fail(405, "method-not-allowed", "Use GET or POST.");
}

ApiResponse AdminApi::users(const ApiRequest& request, const AdminScope& scope,
                            const std::vector<std::string>& parts, const json& body) {
  const auto& m = request.method;
  const std::string actor = "user:" + scope.user;
  if (parts.size() == 1) {
    if (m == "GET") {
      json out = json::array();
      for (const auto& u : store_.listUsers()) {
        if (scope.covers(u.tenant)) out.push_back(userJson(u));
      }
      return reply(200, out);
    }
    if (m != "POST") return fail(405, "method-not-allowed", "Use GET or POST.");
    auto target = tenantAndName(body, scope);
    if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
    const auto& [tenant, name] = std::get<TenantAndName>(target);
    auto displayName = field(body, "display_name", 128);
    auto password = field(body, "password", 256);
    auto department = field(body, "department", 64);
    auto phone = field(body, "phone", 32);
    if (body.contains("phone") && !phone) {
      return fail(400, "bad-request", "phone is a string of at most 32 bytes.");
    }
    if (body.contains("display_name") && !displayName) {
      return fail(400, "bad-request", "display_name is a string of at most 128 bytes.");
    }
    if (body.contains("password") && (!password || password->size() < 8)) {
      return fail(400, "bad-request", "password is a string of 8 to 256 bytes.");
    }
    if (body.contains("department") && !department) {
      return fail(400, "bad-request", "department is a string of at most 64 bytes.");
    }
    if (phone) access::checkPhone(*phone);  // before anything is created
    store_.addUser(actor, tenant, name, displayName.value_or(""), access::UserStatus::Active);
    if (password) store_.setPassword(actor, name, *password);
    if (department) store_.setUserDepartment(actor, name, *department);
    if (phone) store_.setUserDetails(actor, name, displayName.value_or(""), *phone);
    return reply(201, userJson(*findUser(name)));
  }

  auto user = findUser(parts[1]);
  if (!user) return fail(404, "not-found", "There is no user named " + parts[1] + ".");
  if (!scope.covers(user->tenant)) return outOfScope();
  if (parts.size() == 2 && m == "GET") return reply(200, userJson(*user));
  const std::string& aspect = parts.size() >= 3 ? parts[2] : "";
  if (parts.size() == 3 && aspect == "status" && m == "PUT") {
    auto status = access::parseUserStatus(field(body, "status", 16).value_or(""));
    if (!status) return fail(400, "bad-request", "status is active, disabled or pre-registered.");
    store_.setUserStatus(actor, user->name, *status);
    return noContent();
  }
  if (parts.size() == 3 && aspect == "details" && m == "PUT") {
    // {"display_name": "...", "phone": "..."}; an absent member keeps its value.
    std::string displayName = user->displayName, phone = user->phone;
    for (auto [name, target, max] : {std::tuple{"display_name", &displayName, size_t{128}},
                                     std::tuple{"phone", &phone, size_t{32}}}) {
      auto it = body.find(name);
      if (it == body.end()) continue;
      if (!it->is_string() || it->get<std::string>().size() > max) {
        return fail(
            400, "bad-request",
            std::string(name) + " is a string of at most " + std::to_string(max) + " bytes.");
      }
      *target = it->get<std::string>();
    }
    store_.setUserDetails(actor, user->name, displayName, phone);
    return noContent();
  }
  if (parts.size() == 3 && aspect == "department" && m == "PUT") {
    // An empty string or null clears the department.
    auto it = body.find("department");
    if (it == body.end() || !(it->is_null() || it->is_string()) ||
        (it->is_string() && it->get<std::string>().size() > 64)) {
      return fail(400, "bad-request", "department is a string (empty to clear) or null.");
    }
    store_.setUserDepartment(actor, user->name, it->is_null() ? "" : it->get<std::string>());
    return noContent();
  }
  if (parts.size() == 3 && aspect == "password" && m == "PUT") {
    auto password = field(body, "password", 256);
    if (!password || password->size() < 8) {
      return fail(400, "bad-request", "password is a string of 8 to 256 bytes.");
    }
    store_.setPassword(actor, user->name, *password);
    return noContent();
  }
  if (parts.size() == 4 && aspect == "permissions" && (m == "PUT" || m == "DELETE")) {
    store_.setPermission(actor, user->name, parts[3], m == "PUT");
    return noContent();
  }
  if (parts.size() == 4 && aspect == "roles" && (m == "PUT" || m == "DELETE")) {
    if (!scope.system) return fail(403, "forbidden", "Only a system admin grants admin roles.");
    store_.setAdminRole(actor, user->name, parts[3], m == "PUT");
    return noContent();
  }
  if (parts.size() == 3 && aspect == "one-time-codes" && m == "POST") {
    return reply(200, {{"otpauth_uri", store_.enrollOneTimeCodes(actor, user->name)}});
  }
  if (parts.size() == 3 && aspect == "devices" && m == "GET") {
    json out = json::array();
    for (const auto& d : store_.listDevices(user->name))
      out.push_back(deviceJson(d));
    return reply(200, out);
  }
  if (parts.size() == 4 && aspect == "devices" && m == "DELETE") {
    store_.revokeDevice(actor, user->name, parts[3]);
    return noContent();
  }
  return noRoute();
}

ApiResponse AdminApi::devices(const ApiRequest& request, const AdminScope& scope) {
  if (request.method != "GET") return fail(405, "method-not-allowed", "Use GET.");
  json out = json::array();
  for (const auto& u : store_.listUsers()) {
    if (!scope.covers(u.tenant)) continue;
    for (const auto& d : store_.listDevices(u.name))
      out.push_back(deviceJson(d));
  }
  return reply(200, out);
}

ApiResponse AdminApi::groups(const ApiRequest& request, const AdminScope& scope,
                             const std::vector<std::string>& parts, const json& body) {
  const auto& m = request.method;
  const std::string actor = "user:" + scope.user;
  if (parts.size() == 1) {
    if (m == "GET") {
      std::map<std::string, std::vector<std::string>> streamsOf;  // "tenant/group" -> streams
      for (const auto& s : store_.listStreams()) {
        for (const auto& g : s.groups)
          streamsOf[g].push_back(s.name);
      }
      json out = json::array();
      for (const auto& g : store_.listGroups()) {
        if (!scope.covers(g.tenant)) continue;
        json members = json::array();
        for (const auto& member : g.members)
          members.push_back({{"user", member.user}, {"role", member.role}});
        std::string id = g.tenant + "/" + g.name;
        out.push_back({{"id", id},
                       {"name", g.name},
                       {"tenant", g.tenant},
                       {"members", members},
                       {"streams", streamsOf[id]}});
      }
      return reply(200, out);
    }
    if (m != "POST") return fail(405, "method-not-allowed", "Use GET or POST.");
    auto target = tenantAndName(body, scope);
    if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
    const auto& [tenant, name] = std::get<TenantAndName>(target);
    store_.addGroup(actor, tenant, name);
    return reply(201, {{"id", tenant + "/" + name}, {"name", name}, {"tenant", tenant}});
  }
  // /groups/{group}/members[/{user}]
  if (parts.size() < 3 || parts[2] != "members") return noRoute();
  auto group = findGroup(parts[1]);
  if (!group) return fail(404, "not-found", "There is no group named " + parts[1] + ".");
  if (!scope.covers(group->tenant)) return outOfScope();
  std::string spec = group->tenant + "/" + group->name;
  if (m == "POST" && parts.size() == 3) {
    auto user = field(body, "user", 64);
    if (!user) return fail(400, "bad-request", "Send user as a string.");
    auto role =
        body.contains("role") ? field(body, "role", 16) : std::optional<std::string>("member");
    if (!role) return fail(400, "bad-request", "role is owner, admin or member.");
    store_.addMember(actor, spec, *user, *role);
    return noContent();
  }
  if (m == "DELETE" && parts.size() == 4) {
    store_.removeMember(actor, spec, parts[3]);
    return noContent();
  }
  return noRoute();
}

ApiResponse AdminApi::streams(const ApiRequest& request, const AdminScope& scope,
                              const std::vector<std::string>& parts, const json& body) {
  const auto& m = request.method;
  if (parts.size() == 1 && m == "GET") {
    json out = json::array();
    for (const auto& s : store_.listStreams()) {
      if (!scope.covers(s.tenant)) continue;
      json entry = {{"name", s.name},
                    {"kind", s.kind},
                    {"state", s.state},
                    {"state_detail", s.stateDetail},
                    {"tenant", s.tenant},
                    {"groups", s.groups},
                    {"one_time_code", s.requiresOneTimeCode}};
      if (s.kind == "dicom") {
        auto burnedIn = dicomBurnedInState(dicomFolder_, s.name);
        entry["burned_in"] = burnedIn.empty() ? json(nullptr) : json(burnedIn);
      }
      out.push_back(std::move(entry));
    }
    return reply(200, out);
  }
  // /streams/{stream}/release: a DICOM series blocked for possible burned-in text may play.
  if (parts.size() == 3 && parts[2] == "release" && m == "POST") {
    auto stream = findStream(parts[1]);
    if (!stream) return fail(404, "not-found", "There is no stream named " + parts[1] + ".");
    if (!scope.covers(stream->tenant)) return outOfScope();
    releaseDicomSeries(store_, dicomFolder_, stream->name, "user:" + scope.user);
    return noContent();
  }
  // /streams/{stream}/one-time-code  {"required": true|false}
  if (parts.size() == 3 && parts[2] == "one-time-code" && m == "PUT") {
    auto stream = findStream(parts[1]);
    if (!stream) return fail(404, "not-found", "There is no stream named " + parts[1] + ".");
    if (!scope.covers(stream->tenant)) return outOfScope();
    auto required = body.find("required");
    if (required == body.end() || !required->is_boolean()) {
      return fail(400, "bad-request", "Send required as true or false.");
    }
    store_.setStreamRequiresOneTimeCode("user:" + scope.user, stream->name, required->get<bool>());
    return noContent();
  }
  // /streams/{stream}/shares/{group}
  if (parts.size() != 4 || parts[2] != "shares" || (m != "PUT" && m != "DELETE")) {
    return noRoute();
  }
  auto stream = findStream(parts[1]);
  if (!stream) return fail(404, "not-found", "There is no stream named " + parts[1] + ".");
  auto group = findGroup(parts[3]);
  if (!group) return fail(404, "not-found", "There is no group named " + parts[3] + ".");
  std::string spec = group->tenant + "/" + group->name;
  // Sharing is the stream owner's decision; withdrawing may come from either side.
  bool allowed = m == "PUT" ? scope.covers(stream->tenant)
                            : scope.covers(stream->tenant) || scope.covers(group->tenant);
  if (!allowed) return outOfScope();
  if (m == "PUT") {
    store_.share("user:" + scope.user, stream->name, spec);
  } else {
    store_.unshare("user:" + scope.user, stream->name, spec);
  }
  return noContent();
}

ApiResponse AdminApi::collaborations(const ApiRequest& request, const AdminScope& scope,
                                     const std::vector<std::string>& parts, const json& body) {
  const auto& m = request.method;
  const std::string actor = "user:" + scope.user;
  if (parts.size() == 1 && m == "GET") {
    json out = json::array();
    for (const auto& c : store_.listCollaborations()) {
      if (!scope.covers(c.requester) && !scope.covers(c.partner)) continue;
      out.push_back({{"requester", c.requester}, {"partner", c.partner}, {"status", c.status}});
    }
    return reply(200, out);
  }
  if (parts.size() == 1 && m == "POST") {
    auto requester = field(body, "requester", 64);
    auto partner = field(body, "partner", 64);
    if (!requester || !partner) {
      return fail(400, "bad-request", "Send requester and partner as strings.");
    }
    if (!scope.covers(*requester)) return outOfScope();
    store_.requestCollaboration(actor, *requester, *partner);
    return reply(201, {{"requester", *requester}, {"partner", *partner}, {"status", "requested"}});
  }
  // /collaborations/{requester}/{partner}[/accept]
  if (parts.size() == 4 && parts[3] == "accept" && m == "POST") {
    if (!scope.covers(parts[2])) return outOfScope();  // only the asked facility accepts
    store_.acceptCollaboration(actor, parts[2], parts[1]);
    return noContent();
  }
  if (parts.size() == 3 && m == "DELETE") {
    if (!scope.covers(parts[1]) && !scope.covers(parts[2])) return outOfScope();
    store_.endCollaboration(actor, parts[1], parts[2]);
    return noContent();
  }
  return noRoute();
}

ApiResponse AdminApi::audit(const ApiRequest& request, const AdminScope& scope,
                            const std::vector<std::string>& parts) {
  if (request.method != "GET") return fail(405, "method-not-allowed", "Use GET.");
  // The trail spans every facility; it is for system admins.
  if (!scope.system) return fail(403, "forbidden", "The audit trail is for system admins.");
  if (parts.size() == 2 && parts[1] == "verify") {
    std::optional<access::AuditHead> expected;
    auto headText = queryValue(request.query, "head");
    if (!headText.empty()) {
      expected = access::AuditHead::parse(headText);
      if (!expected) return fail(400, "bad-request", "head is SEQ:MAC or SEQ:MAC:SIGNATURE.");
    }
    auto result = store_.verifyAudit(expected);
    auto head = store_.auditHead();
    json out = {{"intact", result.intact},
                {"records", result.records},
                {"legacy_records", result.legacyRecords},
                {"head", head.text()}};
    if (!result.intact) {
      out["first_broken_seq"] = *result.firstBrokenSeq;
      out["problem"] = result.problem;
    }
    return reply(200, out);
  }
  if (parts.size() != 1) return noRoute();
  access::AuditQuery q;
  q.user = queryValue(request.query, "user");
  q.stream = queryValue(request.query, "stream");
  q.group = queryValue(request.query, "group");
  for (const auto* filter : {&q.user, &q.stream, &q.group}) {
    if (filter->size() > 128) return fail(400, "bad-request", "Filters are at most 128 bytes.");
  }
  auto from = queryValue(request.query, "from");
  auto to = queryValue(request.query, "to");
  auto fromMs = parseMillis(from), toMs = parseMillis(to);
  if ((!from.empty() && !fromMs) || (!to.empty() && !toMs)) {
    return fail(400, "bad-request", "from and to are milliseconds since the epoch.");
  }
  if (fromMs) q.fromMs = *fromMs;
  if (toMs) q.toMs = *toMs;
  auto limit = parseMillis(queryValue(request.query, "limit"));
  q.limit = limit ? static_cast<size_t>(std::min<int64_t>(*limit, 100000)) : 100000;
  auto order = queryValue(request.query, "order");
  if (!order.empty() && order != "asc" && order != "desc") {
    return fail(400, "bad-request", "order is asc or desc.");
  }
  q.newestFirst = order == "desc";
  std::string format = queryValue(request.query, "format");
  if (!format.empty() && format != "jsonl" && format != "csv") {
    return fail(400, "bad-request", "format is jsonl or csv.");
  }
  bool csv = format == "csv";
  std::string text = csv ? access::AuditLog::csvHeader() + "\n" : "";
  for (const auto& r : store_.queryAudit(q)) {
    text += csv ? access::AuditLog::toCsvRow(r) : access::AuditLog::toJsonLine(r);
    text += "\n";
  }
  signaling::ApiResponse response{
      200, csv ? "text/csv; charset=utf-8" : "application/x-ndjson", text, {}};
  if (!format.empty()) {
    response.headers.emplace_back(
        "Content-Disposition",
        "attachment; filename=\"audit." + std::string(csv ? "csv" : "jsonl") + "\"");
  }
  return response;
}

}  // namespace medrelay::app
