#include "app/admin_command.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>

#include "access/directory_store.hpp"
#include "access/token_authority.hpp"
#include "app/dicom_release.hpp"
#include "common/clock.hpp"

namespace medrelay::app {

namespace {

const char* kActor = "admin-cli";

// Runs one operation on the data directory's store; a refusal is one line on stderr, exit 1.
template <class Operation>
void withStore(const AdminOptions& options, Operation operation) {
  try {
    std::filesystem::create_directories(options.dataDir);
    auto store = access::openSqliteDirectoryStore(options.dataDir.string());
    operation(*store);
  } catch (const access::StoreError& e) {
    std::cerr << "medrelay admin: " << e.what() << std::endl;
    std::exit(1);
  } catch (const std::exception& e) {
    std::cerr << "medrelay admin: " << e.what() << std::endl;
    std::exit(1);
  }
}

// Prints a viewer token alone on stdout (scripts capture it with $(...)), after registering
// the device it is bound to: the policy only admits tokens of registered, active devices.
void issueToken(const AdminOptions& options) {
  withStore(options, [&](access::DirectoryStore& store) {
    std::string device = options.device.empty() ? "cli-" + access::randomHex(8) : options.device;
    if (store.registerDevice(kActor, options.user, device, "cli") != "active") {
      throw access::StoreError("forbidden", "device " + device + " is revoked");
    }
    auto authority = access::TokenAuthority::openOrCreate(options.dataDir);
    access::TokenClaims claims;
    claims.user = options.user;
    claims.device = device;
    claims.tokenId = access::randomHex(12);
    claims.issuedAt = medrelay::wallSeconds();
    claims.expiresAt = claims.issuedAt + options.ttlSeconds;
    std::cout << authority.issue(claims) << std::endl;
  });
}

void listStreams(const AdminOptions& options) {
  withStore(options, [&](access::DirectoryStore& store) {
    auto streams = store.listStreams();
    if (options.json) {
      auto out = nlohmann::json::array();
      for (const auto& s : streams) {
        out.push_back({{"name", s.name},
                       {"kind", s.kind},
                       {"state", s.state},
                       {"state_detail", s.stateDetail},
                       {"tenant", s.tenant},
                       {"source", s.source},
                       {"groups", s.groups},
                       {"one_time_code", s.requiresOneTimeCode}});
        if (s.kind == "dicom") {
          auto burnedIn = dicomBurnedInState(options.dataDir / "dicom", s.name);
          out.back()["burned_in"] =
              burnedIn.empty() ? nlohmann::json(nullptr) : nlohmann::json(burnedIn);
        }
      }
      std::cout << out.dump(2) << std::endl;
      return;
    }
    for (const auto& s : streams) {
      std::cout << s.name << "\t" << s.kind << "\t" << s.state << "\t" << s.tenant << "\t";
      for (size_t i = 0; i < s.groups.size(); ++i)
        std::cout << (i ? "," : "") << s.groups[i];
      std::cout << "\n";
    }
  });
}

int64_t parseTime(const std::string& text, int64_t fallback) {
  if (text.empty()) return fallback;
  try {
    return std::stoll(text);  // milliseconds since the epoch
  } catch (...) {
    throw access::StoreError("invalid", "times are milliseconds since the Unix epoch");
  }
}

void exportAudit(const AdminOptions& options) {
  withStore(options, [&](access::DirectoryStore& store) {
    access::AuditQuery query;
    query.user = options.user;
    query.stream = options.stream;
    query.group = options.group;
    query.fromMs = parseTime(options.since, 0);
    query.toMs = parseTime(options.until, INT64_MAX);
    query.limit = 1'000'000;
    auto records = store.queryAudit(query);
    if (options.format == "csv") std::cout << access::AuditLog::csvHeader() << "\n";
    for (const auto& r : records) {
      std::cout << (options.format == "csv" ? access::AuditLog::toCsvRow(r)
                                            : access::AuditLog::toJsonLine(r))
                << "\n";
    }
  });
}

// Exit 1 when the chain is broken or does not reach an exported head given with --head.
void verifyAudit(const AdminOptions& options) {
  std::optional<access::AuditHead> expected;
  if (!options.head.empty()) {
    expected = access::AuditHead::parse(options.head);
    if (!expected) {
      std::cerr << "medrelay admin: --head is SEQ:MAC or SEQ:MAC:SIGNATURE, as `audit head` "
                   "prints it"
                << std::endl;
      std::exit(1);
    }
  }
  withStore(options, [&](access::DirectoryStore& store) {
    auto result = store.verifyAudit(expected);
    if (result.intact) {
      std::cout << "audit log intact: " << result.records << " records";
      if (result.legacyRecords > 0) {
        std::cout << " (" << result.legacyRecords << " legacy unkeyed records first)";
      }
      if (expected) std::cout << ", reaching head " << expected->seq;
      std::cout << std::endl;
      return;
    }
    std::cout << "audit log BROKEN at record " << *result.firstBrokenSeq << ": " << result.problem
              << " (" << result.records << " records)" << std::endl;
    std::exit(1);
  });
}

// The current head, SEQ:MAC:SIGNATURE: keep it outside this machine (a ticket, a log server)
// and give it to `audit verify --head` later to detect a cut or rewritten log.
void printAuditHead(const AdminOptions& options) {
  withStore(options, [&](access::DirectoryStore& store) {
    std::cout << store.auditHead().text() << std::endl;
  });
}

std::string validName(const std::string& name) {
  try {
    access::checkName("name", name);
    return {};
  } catch (const access::StoreError& e) {
    return e.what();
  }
}

}  // namespace

void addAdminCommand(CLI::App& parent, AdminOptions& o) {
  auto* admin = parent.add_subcommand("admin", "Administer a MedRelay data directory");
  admin->add_option("--data-dir", o.dataDir, "Data directory")->capture_default_str();
  admin->require_subcommand(1);
  auto run = [&o](auto operation) { return [&o, operation] { withStore(o, operation); }; };

  // tenant add NAME
  auto* tenant = admin->add_subcommand("tenant", "Facilities")->require_subcommand(1);
  auto* tenantAdd = tenant->add_subcommand("add", "Add a facility");
  tenantAdd->add_option("NAME", o.name)->required()->check(validName);
  tenantAdd->callback(run([&o](access::DirectoryStore& s) { s.addTenant(kActor, o.name); }));

  // department add --tenant T NAME
  auto* department = admin->add_subcommand("department", "Departments")->require_subcommand(1);
  auto* departmentAdd = department->add_subcommand("add", "Add a department to a facility");
  departmentAdd->add_option("--tenant", o.tenant)->required();
  departmentAdd->add_option("NAME", o.name)->required()->check(validName);
  departmentAdd->callback(
      run([&o](access::DirectoryStore& s) { s.addDepartment(kActor, o.tenant, o.name); }));

  // user add|disable|enable|permission
  auto* user = admin->add_subcommand("user", "Users")->require_subcommand(1);
  auto* userAdd = user->add_subcommand("add", "Add a user to a facility");
  userAdd->add_option("--tenant", o.tenant)->required();
  userAdd->add_option("NAME", o.name)->required()->check(validName);
  userAdd->add_option("--password", o.password, "Sign-in password (stored as a scrypt hash)");
  userAdd->add_option("--display-name", o.displayName);
  userAdd->callback(run([&o](access::DirectoryStore& s) {
    s.addUser(kActor, o.tenant, o.name, o.displayName, access::UserStatus::Active);
    if (!o.password.empty()) s.setPassword(kActor, o.name, o.password);
  }));
  auto* userDepartment = user->add_subcommand(
      "department", "Put a user in a department of their facility (\"\" for none)");
  userDepartment->add_option("USER", o.user)->required();
  userDepartment->add_option("DEPARTMENT", o.name)->required();
  userDepartment->callback(
      run([&o](access::DirectoryStore& s) { s.setUserDepartment(kActor, o.user, o.name); }));
  auto* userDisable = user->add_subcommand("disable", "Disable a user (stops their video now)");
  userDisable->add_option("USER", o.user)->required();
  userDisable->callback(run([&o](access::DirectoryStore& s) {
    s.setUserStatus(kActor, o.user, access::UserStatus::Disabled);
  }));
  auto* userEnable = user->add_subcommand("enable", "Enable a user again");
  userEnable->add_option("USER", o.user)->required();
  userEnable->callback(run([&o](access::DirectoryStore& s) {
    s.setUserStatus(kActor, o.user, access::UserStatus::Active);
  }));
  auto* userPassword = user->add_subcommand("password", "Set a user's password");
  userPassword->add_option("USER", o.user)->required();
  userPassword->add_option("PASSWORD", o.password)->required();
  userPassword->callback(
      run([&o](access::DirectoryStore& s) { s.setPassword(kActor, o.user, o.password); }));
  auto* passcode = user->add_subcommand("passcode", "Set a user's app passcode");
  passcode->add_option("USER", o.user)->required();
  passcode->add_option("PASSCODE", o.password)->required();
  passcode->callback(
      run([&o](access::DirectoryStore& s) { s.setPasscode(kActor, o.user, o.password); }));
  auto* totp = user->add_subcommand(
      "one-time-codes", "Enroll the user's authenticator app; prints the otpauth:// URI");
  totp->add_option("USER", o.user)->required();
  totp->callback(run([&o](access::DirectoryStore& s) {
    std::cout << s.enrollOneTimeCodes(kActor, o.user) << std::endl;
  }));
  auto* role = user->add_subcommand("role", "Grant or revoke an admin role")->require_subcommand(1);
  for (bool grant : {true, false}) {
    auto* sub = role->add_subcommand(grant ? "grant" : "revoke", "system-admin or tenant-admin");
    sub->add_option("USER", o.user)->required();
    sub->add_option("ROLE", o.role)
        ->required()
        ->check(CLI::IsMember({"system-admin", "tenant-admin"}));
    sub->callback(run(
        [&o, grant](access::DirectoryStore& s) { s.setAdminRole(kActor, o.user, o.role, grant); }));
  }
  auto* permission =
      user->add_subcommand("permission", "Grant or revoke a permission")->require_subcommand(1);
  for (bool grant : {true, false}) {
    auto* sub = permission->add_subcommand(grant ? "grant" : "revoke",
                                           "view-live, view-dicom, search-images, publish or "
                                           "watch-unseen (watch without being listed)");
    sub->add_option("USER", o.user)->required();
    sub->add_option("PERMISSION", o.permission)->required();
    sub->callback(run([&o, grant](access::DirectoryStore& s) {
      s.setPermission(kActor, o.user, o.permission, grant);
    }));
  }

  // device revoke|list
  auto* device = admin->add_subcommand("device", "Users' devices")->require_subcommand(1);
  auto* deviceRevoke = device->add_subcommand("revoke", "Revoke a device (stops its video now)");
  deviceRevoke->add_option("USER", o.user)->required();
  deviceRevoke->add_option("DEVICE", o.device)->required();
  deviceRevoke->callback(
      run([&o](access::DirectoryStore& s) { s.revokeDevice(kActor, o.user, o.device); }));
  auto* deviceList = device->add_subcommand("list", "A user's devices");
  deviceList->add_option("USER", o.user)->required();
  deviceList->callback(run([&o](access::DirectoryStore& s) {
    for (const auto& d : s.listDevices(o.user))
      std::cout << d.uuid << "\t" << d.platform << "\t" << d.status << "\n";
  }));

  // group add, group member add|remove
  auto* group = admin->add_subcommand("group", "Chat groups")->require_subcommand(1);
  auto* groupAdd = group->add_subcommand("add", "Add a group to a facility");
  groupAdd->add_option("--tenant", o.tenant)->required();
  groupAdd->add_option("NAME", o.name)->required()->check(validName);
  groupAdd->callback(
      run([&o](access::DirectoryStore& s) { s.addGroup(kActor, o.tenant, o.name); }));
  auto* member = group->add_subcommand("member", "Group members")->require_subcommand(1);
  auto* memberAdd = member->add_subcommand("add", "Add (or change the role of) a member");
  memberAdd->add_option("GROUP", o.group, "NAME, or FACILITY/NAME when ambiguous")->required();
  memberAdd->add_option("USER", o.user)->required();
  memberAdd->add_option("--role", o.role)->check(CLI::IsMember({"owner", "admin", "member"}));
  memberAdd->callback(
      run([&o](access::DirectoryStore& s) { s.addMember(kActor, o.group, o.user, o.role); }));
  auto* memberRemove = member->add_subcommand("remove", "Remove a member (stops their video now)");
  memberRemove->add_option("GROUP", o.group)->required();
  memberRemove->add_option("USER", o.user)->required();
  memberRemove->callback(
      run([&o](access::DirectoryStore& s) { s.removeMember(kActor, o.group, o.user); }));

  // stream add|remove|share|unshare|one-time-code|release|list
  auto* stream =
      admin->add_subcommand("stream", "Streams and where they are shared")->require_subcommand(1);
  auto* streamAdd = stream->add_subcommand("add", "Register a stream in the directory");
  streamAdd->add_option("--tenant", o.tenant)->required();
  streamAdd->add_option("NAME", o.name)->required()->check(validName);
  streamAdd->add_option("--kind", o.kind)->check(CLI::IsMember({"camera", "dicom"}));
  streamAdd->add_option("--source", o.source);
  streamAdd->callback(run([&o](access::DirectoryStore& s) {
    if (!s.ensureStream(kActor, o.tenant, o.name, o.kind, o.source)) {
      throw access::StoreError("conflict", "there is already a stream named " + o.name);
    }
  }));
  auto* streamRemove = stream->add_subcommand(
      "remove",
      "Remove a stream and its shares (its viewers stop now; a running relay stops "
      "a camera of the directory)");
  streamRemove->add_option("NAME", o.name)->required();
  streamRemove->add_option("--reason", o.reason, "Kept in the audit trail")->capture_default_str();
  streamRemove->callback(
      run([&o](access::DirectoryStore& s) { s.removeStream(kActor, o.name, o.reason); }));
  auto* share = stream->add_subcommand("share", "Share a stream into a group");
  share->add_option("STREAM", o.stream)->required();
  share->add_option("GROUP", o.group)->required();
  share->callback(run([&o](access::DirectoryStore& s) { s.share(kActor, o.stream, o.group); }));
  auto* unshare = stream->add_subcommand("unshare", "Withdraw a share (stops its viewers now)");
  unshare->add_option("STREAM", o.stream)->required();
  unshare->add_option("GROUP", o.group)->required();
  unshare->callback(run([&o](access::DirectoryStore& s) { s.unshare(kActor, o.stream, o.group); }));
  auto* requireCode = stream->add_subcommand(
      "one-time-code", "Whether subscribing needs a one-time code (on|off); DICOM streams, say");
  requireCode->add_option("STREAM", o.stream)->required();
  requireCode->add_option("SETTING", o.role)->required()->check(CLI::IsMember({"on", "off"}));
  requireCode->callback(run([&o](access::DirectoryStore& s) {
    s.setStreamRequiresOneTimeCode(kActor, o.stream, o.role == "on");
  }));
  auto* release = stream->add_subcommand(
      "release", "Let a DICOM series blocked for possible burned-in patient text play");
  release->add_option("STREAM", o.stream)->required();
  release->callback(run([&o](access::DirectoryStore& s) {
    releaseDicomSeries(s, o.dataDir / "dicom", o.stream, kActor);
  }));
  auto* streamList = stream->add_subcommand("list", "List streams");
  streamList->add_flag("--json", o.json, "A JSON array of {name, kind, state, ...}");
  streamList->callback([&o] { listStreams(o); });

  // collaboration request|accept|end
  auto* collaboration = admin->add_subcommand("collaboration", "Collaborations between facilities")
                            ->require_subcommand(1);
  auto* request = collaboration->add_subcommand("request", "FROM asks TO to collaborate");
  request->add_option("FROM", o.tenant)->required();
  request->add_option("TO", o.other)->required();
  request->callback(
      run([&o](access::DirectoryStore& s) { s.requestCollaboration(kActor, o.tenant, o.other); }));
  auto* accept = collaboration->add_subcommand("accept", "TO accepts FROM's request");
  accept->add_option("TO", o.tenant)->required();
  accept->add_option("FROM", o.other)->required();
  accept->callback(
      run([&o](access::DirectoryStore& s) { s.acceptCollaboration(kActor, o.tenant, o.other); }));
  auto* end = collaboration->add_subcommand("end", "End a collaboration");
  end->add_option("A", o.tenant)->required();
  end->add_option("B", o.other)->required();
  end->callback(
      run([&o](access::DirectoryStore& s) { s.endCollaboration(kActor, o.tenant, o.other); }));

  // token issue --user USER
  auto* token = admin->add_subcommand("token", "Viewer access tokens")->require_subcommand(1);
  auto* issue = token->add_subcommand("issue", "Print a viewer token (usable as a Bearer token)");
  issue->add_option("--user", o.user, "User name")->required()->check(validName);
  issue->add_option("--device", o.device, "Device id to bind the token to (registered if new)");
  issue->add_option("--ttl", o.ttlSeconds, "Lifetime in seconds")
      ->check(CLI::Range(int64_t{5}, int64_t{15 * 60}))
      ->capture_default_str();
  issue->callback([&o] { issueToken(o); });

  // audit verify|export
  auto* audit = admin->add_subcommand("audit", "The audit trail")->require_subcommand(1);
  auto* verify =
      audit->add_subcommand("verify", "Check the keyed chain; report the first broken record");
  verify->add_option("--head", o.head,
                     "A head printed earlier by `audit head` (SEQ:MAC[:SIGNATURE]): also check "
                     "that the log still reaches it unchanged");
  verify->callback([&o] { verifyAudit(o); });
  audit->add_subcommand("head", "Print the chain's head (SEQ:MAC:SIGNATURE) to keep elsewhere")
      ->callback([&o] { printAuditHead(o); });
  auto* exportCommand = audit->add_subcommand("export", "Print records as JSON lines or CSV");
  exportCommand->add_option("--format", o.format)->check(CLI::IsMember({"jsonl", "csv"}));
  exportCommand->add_option("--user", o.user);
  exportCommand->add_option("--stream", o.stream);
  exportCommand->add_option("--group", o.group);
  exportCommand->add_option("--since", o.since, "Milliseconds since the epoch");
  exportCommand->add_option("--until", o.until, "Milliseconds since the epoch");
  exportCommand->callback([&o] { exportAudit(o); });
}

}  // namespace medrelay::app
