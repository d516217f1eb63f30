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

namespace {
using V = boost::beast::http::verb;
}  // namespace

AdminApi::AdminApi(access::DirectoryStore& store, std::filesystem::path dicomFolder)
    : store_(store), dicomFolder_(std::move(dicomFolder)) {
  addFacilityRoutes();
  addUserRoutes();
  addGroupRoutes();
  addStreamRoutes();
  addCollaborationRoutes();
  addAuditRoutes();
}

ApiResponse AdminApi::handle(const ApiRequest& request, const AdminScope& scope,
                             const std::vector<std::string>& segments, const json& body) {
  if (!scope.any()) return fail(403, "forbidden", "This needs an administrator.");
  return routes_.dispatch(request.method, segments,
                          Call{request, scope, body, "user:" + scope.user});
}

void AdminApi::addFacilityRoutes() {
  routes_.add({V::get}, "/tenants", [this](const Call& c, const RouteParams&) {
    // Every admin sees the facilities' names: a tenant admin needs them to ask for a
    // collaboration. Nothing else about other facilities is shown.
    json out = json::array();
    for (const auto& name : store_.listTenants())
      out.push_back({{"name", name}, {"administered", c.scope.covers(name)}});
    return reply(200, out);
  });
  routes_.add({V::post}, "/tenants", [this](const Call& c, const RouteParams&) {
    if (!c.scope.system) return fail(403, "forbidden", "Only a system admin adds facilities.");
    auto name = field(c.body, "name", 64);
    if (!name) return fail(400, "bad-request", "Send name as a string.");
    store_.addTenant(c.actor, *name);
    return reply(201, {{"name", *name}});
  });
  routes_.add({V::get}, "/departments", [this](const Call& c, const RouteParams&) {
    json out = json::array();
    for (const auto& d : store_.listDepartments()) {
      if (c.scope.covers(d.tenant)) out.push_back({{"tenant", d.tenant}, {"name", d.name}});
    }
    return reply(200, out);
  });
  routes_.add({V::post}, "/departments", [this](const Call& c, const RouteParams&) {
    auto target = tenantAndName(c.body, c.scope);
    if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
    const auto& [tenant, name] = std::get<TenantAndName>(target);
    store_.addDepartment(c.actor, tenant, name);
    return reply(201, {{"tenant", tenant}, {"name", name}});
  });
  routes_.add({V::get}, "/devices", [this](const Call& c, const RouteParams&) {
    json out = json::array();
    for (const auto& u : store_.listUsers()) {
      if (!c.scope.covers(u.tenant)) continue;
      for (const auto& d : store_.listDevices(u.name))
        out.push_back(deviceJson(d));
    }
    return reply(200, out);
  });
}

// Runs `then(user)` for the user named `name` when it exists and lies in the caller's scope.
template <class Then>
ApiResponse AdminApi::withUser(const Call& c, const std::string& name, Then then) {
  auto user = findUser(name);
  if (!user) return fail(404, "not-found", "There is no user named " + name + ".");
  if (!c.scope.covers(user->tenant)) return outOfScope();
  return then(*user);
}

void AdminApi::addUserRoutes() {
  routes_.add({V::get}, "/users", [this](const Call& c, const RouteParams&) {
    json out = json::array();
    for (const auto& u : store_.listUsers()) {
      if (c.scope.covers(u.tenant)) out.push_back(userJson(u));
    }
    return reply(200, out);
  });
  routes_.add({V::post}, "/users",
              [this](const Call& c, const RouteParams&) { return addUser(c); });
  routes_.add({V::get}, "/users/{user}", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [](const access::UserRecord& u) { return reply(200, userJson(u)); });
  });
  routes_.add({V::put}, "/users/{user}/status", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [&](const access::UserRecord& u) {
      auto status = access::parseUserStatus(field(c.body, "status", 16).value_or(""));
      if (!status) return fail(400, "bad-request", "status is active, disabled or pre-registered.");
      store_.setUserStatus(c.actor, u.name, *status);
      return noContent();
    });
  });
  routes_.add({V::put}, "/users/{user}/details", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [&](const access::UserRecord& u) { return setUserDetails(c, u); });
  });
  routes_.add({V::put}, "/users/{user}/department", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [&](const access::UserRecord& u) {
      // An empty string or null clears the department.
      auto it = c.body.find("department");
      if (it == c.body.end() || !(it->is_null() || it->is_string()) ||
          (it->is_string() && it->get<std::string>().size() > 64)) {
        return fail(400, "bad-request", "department is a string (empty to clear) or null.");
      }
      store_.setUserDepartment(c.actor, u.name, it->is_null() ? "" : it->get<std::string>());
      return noContent();
    });
  });
  routes_.add({V::put}, "/users/{user}/password", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [&](const access::UserRecord& u) {
      auto password = field(c.body, "password", 256);
      if (!password || password->size() < 8) {
        return fail(400, "bad-request", "password is a string of 8 to 256 bytes.");
      }
      store_.setPassword(c.actor, u.name, *password);
      return noContent();
    });
  });
  routes_.add({V::put, V::delete_}, "/users/{user}/permissions/{permission}",
              [this](const Call& c, const RouteParams& p) {
                return withUser(c, p[0], [&](const access::UserRecord& u) {
                  store_.setPermission(c.actor, u.name, p[1], c.request.method == "PUT");
                  return noContent();
                });
              });
  routes_.add({V::put, V::delete_}, "/users/{user}/roles/{role}",
              [this](const Call& c, const RouteParams& p) {
                return withUser(c, p[0], [&](const access::UserRecord& u) {
                  if (!c.scope.system) {
                    return fail(403, "forbidden", "Only a system admin grants admin roles.");
                  }
                  store_.setAdminRole(c.actor, u.name, p[1], c.request.method == "PUT");
                  return noContent();
                });
              });
  routes_.add({V::post}, "/users/{user}/one-time-codes",
              [this](const Call& c, const RouteParams& p) {
                return withUser(c, p[0], [&](const access::UserRecord& u) {
                  return reply(200, {{"otpauth_uri", store_.enrollOneTimeCodes(c.actor, u.name)}});
                });
              });
  routes_.add({V::get}, "/users/{user}/devices", [this](const Call& c, const RouteParams& p) {
    return withUser(c, p[0], [&](const access::UserRecord& u) {
      json out = json::array();
      for (const auto& d : store_.listDevices(u.name))
        out.push_back(deviceJson(d));
      return reply(200, out);
    });
  });
  routes_.add({V::delete_}, "/users/{user}/devices/{device}",
              [this](const Call& c, const RouteParams& p) {
                return withUser(c, p[0], [&](const access::UserRecord& u) {
                  store_.revokeDevice(c.actor, u.name, p[1]);
                  return noContent();
                });
              });
}

ApiResponse AdminApi::addUser(const Call& c) {
  auto target = tenantAndName(c.body, c.scope);
  if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
  const auto& [tenant, name] = std::get<TenantAndName>(target);
  const auto& body = c.body;
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
  store_.addUser(c.actor, tenant, name, displayName.value_or(""), access::UserStatus::Active);
  if (password) store_.setPassword(c.actor, name, *password);
  if (department) store_.setUserDepartment(c.actor, name, *department);
  if (phone) store_.setUserDetails(c.actor, name, displayName.value_or(""), *phone);
  return reply(201, userJson(*findUser(name)));
}

// {"display_name": "...", "phone": "..."}; an absent member keeps its value.
ApiResponse AdminApi::setUserDetails(const Call& c, const access::UserRecord& user) {
  std::string displayName = user.displayName, phone = user.phone;
  for (auto [name, target, max] : {std::tuple{"display_name", &displayName, size_t{128}},
                                   std::tuple{"phone", &phone, size_t{32}}}) {
    auto it = c.body.find(name);
    if (it == c.body.end()) continue;
    if (!it->is_string() || it->get<std::string>().size() > max) {
      return fail(400, "bad-request",
                  std::string(name) + " is a string of at most " + std::to_string(max) + " bytes.");
    }
    *target = it->get<std::string>();
  }
  store_.setUserDetails(c.actor, user.name, displayName, phone);
  return noContent();
}

void AdminApi::addGroupRoutes() {
  routes_.add({V::get}, "/groups", [this](const Call& c, const RouteParams&) {
    std::map<std::string, std::vector<std::string>> streamsOf;  // "tenant/group" -> streams
    for (const auto& s : store_.listStreams()) {
      for (const auto& g : s.groups)
        streamsOf[g].push_back(s.name);
    }
    json out = json::array();
    for (const auto& g : store_.listGroups()) {
      if (!c.scope.covers(g.tenant)) continue;
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
  });
  routes_.add({V::post}, "/groups", [this](const Call& c, const RouteParams&) {
    auto target = tenantAndName(c.body, c.scope);
    if (auto* error = std::get_if<ApiResponse>(&target)) return *error;
    const auto& [tenant, name] = std::get<TenantAndName>(target);
    store_.addGroup(c.actor, tenant, name);
    return reply(201, {{"id", tenant + "/" + name}, {"name", name}, {"tenant", tenant}});
  });
  routes_.add({V::post}, "/groups/{group}/members", [this](const Call& c, const RouteParams& p) {
    return withGroup(c, p[0], [&](const std::string& spec) {
      auto user = field(c.body, "user", 64);
      if (!user) return fail(400, "bad-request", "Send user as a string.");
      auto role = c.body.contains("role") ? field(c.body, "role", 16)
                                          : std::optional<std::string>("member");
      if (!role) return fail(400, "bad-request", "role is owner, admin or member.");
      store_.addMember(c.actor, spec, *user, *role);
      return noContent();
    });
  });
  routes_.add({V::delete_}, "/groups/{group}/members/{user}",
              [this](const Call& c, const RouteParams& p) {
                return withGroup(c, p[0], [&](const std::string& spec) {
                  store_.removeMember(c.actor, spec, p[1]);
                  return noContent();
                });
              });
}

// Runs `then("TENANT/GROUP")` when the group exists and lies in the caller's scope.
template <class Then>
ApiResponse AdminApi::withGroup(const Call& c, const std::string& name, Then then) {
  auto group = findGroup(name);
  if (!group) return fail(404, "not-found", "There is no group named " + name + ".");
  if (!c.scope.covers(group->tenant)) return outOfScope();
  return then(group->tenant + "/" + group->name);
}

void AdminApi::addStreamRoutes() {
  routes_.add({V::get}, "/streams", [this](const Call& c, const RouteParams&) {
    json out = json::array();
    for (const auto& s : store_.listStreams()) {
      if (!c.scope.covers(s.tenant)) continue;
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
  });
  // Removes the stream and its shares; a camera of the directory stops on the relays, and a
  // DICOM series or --stream camera can no longer be watched. {"reason": "..."} optional.
  routes_.add({V::delete_}, "/streams/{stream}", [this](const Call& c, const RouteParams& p) {
    return withStream(c, p[0], [&](const access::StreamRecord& stream) {
      std::string reason = "removed through the API";
      if (c.body.contains("reason")) {
        auto given = field(c.body, "reason", 200);
        if (!given)
          return fail(400, "bad-request", "Send reason as a string of up to 200 characters.");
        reason = *given;
      }
      store_.removeStream(c.actor, stream.name, reason);
      return noContent();
    });
  });
  // A DICOM series blocked for possible burned-in text may play.
  routes_.add({V::post}, "/streams/{stream}/release", [this](const Call& c, const RouteParams& p) {
    return withStream(c, p[0], [&](const access::StreamRecord& stream) {
      releaseDicomSeries(store_, dicomFolder_, stream.name, c.actor);
      return noContent();
    });
  });
  // {"required": true|false}
  routes_.add({V::put}, "/streams/{stream}/one-time-code",
              [this](const Call& c, const RouteParams& p) {
                return withStream(c, p[0], [&](const access::StreamRecord& stream) {
                  auto required = c.body.find("required");
                  if (required == c.body.end() || !required->is_boolean()) {
                    return fail(400, "bad-request", "Send required as true or false.");
                  }
                  store_.setStreamRequiresOneTimeCode(c.actor, stream.name, required->get<bool>());
                  return noContent();
                });
              });
  routes_.add({V::put, V::delete_}, "/streams/{stream}/shares/{group}",
              [this](const Call& c, const RouteParams& p) { return share(c, p[0], p[1]); });
}

// Runs `then(stream)` when the stream exists and lies in the caller's scope.
template <class Then>
ApiResponse AdminApi::withStream(const Call& c, const std::string& name, Then then) {
  auto stream = findStream(name);
  if (!stream) return fail(404, "not-found", "There is no stream named " + name + ".");
  if (!c.scope.covers(stream->tenant)) return outOfScope();
  return then(*stream);
}

// PUT shares `stream` into `group`, DELETE withdraws it.
ApiResponse AdminApi::share(const Call& c, const std::string& streamName,
                            const std::string& groupName) {
  auto stream = findStream(streamName);
  if (!stream) return fail(404, "not-found", "There is no stream named " + streamName + ".");
  auto group = findGroup(groupName);
  if (!group) return fail(404, "not-found", "There is no group named " + groupName + ".");
  std::string spec = group->tenant + "/" + group->name;
  // Sharing is the stream owner's decision; withdrawing may come from either side.
  bool sharing = c.request.method == "PUT";
  bool allowed = sharing ? c.scope.covers(stream->tenant)
                         : c.scope.covers(stream->tenant) || c.scope.covers(group->tenant);
  if (!allowed) return outOfScope();
  if (sharing) {
    store_.share(c.actor, stream->name, spec);
  } else {
    store_.unshare(c.actor, stream->name, spec);
  }
  return noContent();
}

void AdminApi::addCollaborationRoutes() {
  routes_.add({V::get}, "/collaborations", [this](const Call& c, const RouteParams&) {
    json out = json::array();
    for (const auto& collaboration : store_.listCollaborations()) {
      if (!c.scope.covers(collaboration.requester) && !c.scope.covers(collaboration.partner))
        continue;
      out.push_back({{"requester", collaboration.requester},
                     {"partner", collaboration.partner},
                     {"status", collaboration.status}});
    }
    return reply(200, out);
  });
  routes_.add({V::post}, "/collaborations", [this](const Call& c, const RouteParams&) {
    auto requester = field(c.body, "requester", 64);
    auto partner = field(c.body, "partner", 64);
    if (!requester || !partner) {
      return fail(400, "bad-request", "Send requester and partner as strings.");
    }
    if (!c.scope.covers(*requester)) return outOfScope();
    store_.requestCollaboration(c.actor, *requester, *partner);
    return reply(201, {{"requester", *requester}, {"partner", *partner}, {"status", "requested"}});
  });
  routes_.add({V::post}, "/collaborations/{requester}/{partner}/accept",
              [this](const Call& c, const RouteParams& p) {
                if (!c.scope.covers(p[1])) return outOfScope();  // only the asked facility accepts
                store_.acceptCollaboration(c.actor, p[1], p[0]);
                return noContent();
              });
  routes_.add({V::delete_}, "/collaborations/{requester}/{partner}",
              [this](const Call& c, const RouteParams& p) {
                if (!c.scope.covers(p[0]) && !c.scope.covers(p[1])) return outOfScope();
                store_.endCollaboration(c.actor, p[0], p[1]);
                return noContent();
              });
}

void AdminApi::addAuditRoutes() {
  // The trail spans every facility; it is for system admins.
  routes_.add({V::get}, "/audit", [this](const Call& c, const RouteParams&) {
    if (!c.scope.system) return fail(403, "forbidden", "The audit trail is for system admins.");
    return queryAudit(c);
  });
  routes_.add({V::get}, "/audit/verify", [this](const Call& c, const RouteParams&) {
    if (!c.scope.system) return fail(403, "forbidden", "The audit trail is for system admins.");
    return verifyAudit(c);
  });
}

ApiResponse AdminApi::verifyAudit(const Call& c) {
  std::optional<access::AuditHead> expected;
  auto headText = queryValue(c.request.query, "head");
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

ApiResponse AdminApi::queryAudit(const Call& c) {
  const auto& query = c.request.query;
  access::AuditQuery q;
  q.user = queryValue(query, "user");
  q.stream = queryValue(query, "stream");
  q.group = queryValue(query, "group");
  for (const auto* filter : {&q.user, &q.stream, &q.group}) {
    if (filter->size() > 128) return fail(400, "bad-request", "Filters are at most 128 bytes.");
  }
  auto from = queryValue(query, "from");
  auto to = queryValue(query, "to");
  auto fromMs = parseMillis(from), toMs = parseMillis(to);
  if ((!from.empty() && !fromMs) || (!to.empty() && !toMs)) {
    return fail(400, "bad-request", "from and to are milliseconds since the epoch.");
  }
  if (fromMs) q.fromMs = *fromMs;
  if (toMs) q.toMs = *toMs;
  auto limit = parseMillis(queryValue(query, "limit"));
  q.limit = limit ? static_cast<size_t>(std::min<int64_t>(*limit, 100000)) : 100000;
  auto order = queryValue(query, "order");
  if (!order.empty() && order != "asc" && order != "desc") {
    return fail(400, "bad-request", "order is asc or desc.");
  }
  q.newestFirst = order == "desc";
  std::string format = queryValue(query, "format");
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
