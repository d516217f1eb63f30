// The REST API as a client reaches it (signaling/http_session -> app/api_service): raw HTTP
// request bytes through Beast's request parser with the server's limits, the ApiRequest the
// session builds from them (path, query, bearer token, content type, body), then
// ApiService::respond over a real SQLite directory with a system admin, a tenant admin and a
// viewer: JSON bodies of every route (admin users, groups, streams, shares, audit...), path
// segment and query decoding. Calls that check a secret (scrypt: 0.1 s and 32 MiB each) are left
// out; their body parsing is the same. Every answer must be JSON (NDJSON for the audit trail).
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"
#include "access/token_authority.hpp"
#include "app/api_service.hpp"
#include "common/logger.hpp"
#include "signaling/http_common.hpp"
#include "signaling/server_limits.hpp"

namespace {

namespace http = boost::beast::http;
using namespace medrelay;
using signaling::ApiRequest;
using signaling::ApiResponse;

struct Relay : signaling::SignalingBackend {
  signaling::Outcome<signaling::Principal> authenticate(std::string_view token) override {
    for (const char* user : {"root", "tadmin", "viewer"})
      if (token == user) return signaling::Principal{user, user, "dev-1", 1, 0, ""};
    return signaling::SignalingError{401, "unauthorized", "bad token"};
  }
  void renew(const signaling::Principal&) override {}
  std::vector<signaling::StreamInfo> listStreams(const signaling::Principal&) override {
    return {};
  }
  void subscribe(const signaling::Principal&, const std::string&, const std::string&,
                 const signaling::SubscribeRequest&, std::weak_ptr<signaling::SessionObserver>,
                 std::function<void(signaling::Outcome<signaling::SessionAnswer>)>) override {}
  void publish(const signaling::Principal&, const std::string&, const std::string&,
               std::function<void(signaling::Outcome<signaling::SessionAnswer>)>) override {}
  bool unpublish(const signaling::Principal&, const std::string&) override { return false; }
  std::optional<signaling::SignalingError> addRemoteCandidate(const signaling::Principal&,
                                                              const std::string&,
                                                              const std::string&,
                                                              const std::string&) override {
    return std::nullopt;
  }
  std::optional<signaling::SignalingError> patchSession(const signaling::Principal&,
                                                        const std::string&,
                                                        const std::string&) override {
    return std::nullopt;
  }
  bool unsubscribe(const signaling::Principal&, const std::string&) override { return false; }
  void handleApi(ApiRequest, std::function<void(ApiResponse)> done) override { done({}); }
  std::string metricsText() override { return ""; }
  bool healthy() override { return true; }
};

struct World {
  World() {
    setLogLevel("off");
    // tmpfs when there is one: SQLite syncs every change.
    auto base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                    : std::filesystem::temp_directory_path();
    dir = base / ("medrelay-fuzz-api-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    store = access::openSqliteDirectoryStore(dir.string());
    store->addTenant("system", "north");
    store->addTenant("system", "south");
    store->addUser("system", "north", "root", "Root", access::UserStatus::Active);
    store->setAdminRole("system", "root", "system-admin", true);
    store->addUser("system", "north", "tadmin", "Tenant admin", access::UserStatus::Active);
    store->setAdminRole("system", "tadmin", "tenant-admin", true);
    store->addUser("system", "south", "viewer", "Viewer", access::UserStatus::Active);
    store->addGroup("system", "north", "cardio");
    authorizer = std::make_unique<access::DirectoryAuthorizer>(*store);
    api = std::make_unique<app::ApiService>(*store, *authorizer, tokens, relay, dir / "dicom");
  }
  ~World() {
    api.reset();
    authorizer.reset();
    store.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<access::DirectoryStore> store;
  std::unique_ptr<access::DirectoryAuthorizer> authorizer;
  access::TokenAuthority tokens{std::vector<uint8_t>(32, 9)};
  Relay relay;
  std::unique_ptr<app::ApiService> api;
};

bool checksASecret(const ApiRequest& r) {
  return (r.method == "POST" &&
          (r.path == "/api/v1/auth/sign-in" || r.path == "/api/v1/auth/unlock" ||
           r.path == "/api/v1/me/one-time-codes")) ||
         (r.method == "PUT" && r.path == "/api/v1/me/passcode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World world;
  static const signaling::ServerLimits limits;
  http::request_parser<http::string_body> parser;
  parser.eager(true);
  parser.body_limit(limits.maxBodyBytes);
  parser.header_limit(static_cast<std::uint32_t>(limits.maxHeaderBytes));
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_done()) return 0;
  auto request = parser.release();
  std::string target(request.target());
  ApiRequest call;
  call.method = std::string(request.method_string());
  call.path = std::string(signaling::targetPath(target));
  if (call.path.rfind("/api/v1/", 0) != 0 || checksASecret(call)) return 0;
  auto question = target.find('?');
  if (question != std::string::npos) call.query = target.substr(question + 1);
  call.bearerToken = signaling::bearerToken(request);
  auto type = request[http::field::content_type];
  call.contentType = std::string(type.data(), type.size());
  call.body = request.body();
  call.remoteAddress = "198.51.100.7";
  ApiResponse response;
  try {
    response = world.api->respond(call);
  } catch (const access::StoreError&) {
    return 0;  // respondSafely turns these into 4xx/5xx answers
  }
  if (response.status < 100 || response.status > 599) __builtin_trap();
  // JSON, or for the audit trail NDJSON (one JSON object per line).
  std::string_view body = response.body;
  const bool lines = response.contentType == "application/x-ndjson";
  while (!body.empty()) {
    auto end = lines ? body.find('\n') : std::string_view::npos;
    auto parsed = nlohmann::json::parse(body.substr(0, end), nullptr, false);
    if (parsed.is_discarded()) __builtin_trap();
    body.remove_prefix(end == std::string_view::npos ? body.size() : end + 1);
  }
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  std::vector<std::vector<uint8_t>> seeds;
  auto add = [&](const std::string& method, const std::string& target, const std::string& token,
                 const std::string& body) {
    std::string text = method + " " + target + " HTTP/1.1\r\nHost: relay\r\n";
    if (!token.empty()) text += "Authorization: Bearer " + token + "\r\n";
    if (!body.empty()) {
      text += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
              "\r\n";
    }
    text += "\r\n" + body;
    seeds.emplace_back(text.begin(), text.end());
  };
  add("GET", "/api/v1/me", "viewer", "");
  add("GET", "/api/v1/me/streams", "viewer", "");
  add("POST", "/api/v1/auth/refresh", "", R"({"refresh_token":"abc","device_id":"d1"})");
  add("POST", "/api/v1/auth/sign-out", "viewer", R"({"device_id":"dev-1"})");
  add("POST", "/api/v1/admin/users", "root",
      R"({"tenant":"north","user":"alice","display_name":"Alice","status":"active"})");
  add("PATCH", "/api/v1/admin/users/alice", "tadmin",
      R"({"display_name":"A. L.","phone":"+1 555","department":""})");
  add("POST", "/api/v1/admin/groups/north%2Fcardio/members", "root",
      R"({"user":"alice","role":"member"})");
  add("POST", "/api/v1/admin/streams", "root",
      R"({"tenant":"north","name":"cam-1","kind":"camera","source":"rtsp://10.0.0.1/x"})");
  add("GET", "/api/v1/admin/audit?limit=10&user=root", "root", "");
  add("GET", "/api/v1/admin/users?tenant=north", "tadmin", "");
  add("DELETE", "/api/v1/admin/users/alice/devices/d1", "root", "");
  add("POST", "/api/v1/admin/collaborations", "root", R"({"from":"north","to":"south"})");
  return seeds;
}
