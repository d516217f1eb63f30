#include "app/api_service.hpp"

#include <boost/asio/post.hpp>

#include <chrono>

#include "app/api_common.hpp"
#include "common/logger.hpp"

namespace medrelay::app {

namespace {

using nlohmann::json;
using signaling::ApiRequest;
using signaling::ApiResponse;
using namespace api;

auto log() {
  static auto logger = medrelay::logger("api");
  return logger;
}

ApiResponse credentialFailure(const access::CredentialCheck& check) {
  if (check.result == access::CredentialCheck::Locked) {
    auto response = fail(423, "locked",
                         "Too many failed attempts; try again in " +
                             std::to_string(check.retryAfterSeconds) + " s.");
    response.headers.emplace_back("Retry-After", std::to_string(check.retryAfterSeconds));
    return response;
  }
  if (check.result == access::CredentialCheck::Inactive) {
    return fail(403, "inactive", "This account or device is not active.");
  }
  return fail(401, "bad-credentials", "The user name or secret is wrong.");
}

}  // namespace

ApiService::ApiService(access::DirectoryStore& store, access::DirectoryAuthorizer& authorizer,
                       const access::TokenAuthority& tokens, signaling::SignalingBackend& relay,
                       std::filesystem::path dicomFolder)
    : store_(store),
      authorizer_(authorizer),
      tokens_(tokens),
      relay_(relay),
      admin_(store, std::move(dicomFolder)) {}

ApiService::~ApiService() {
  signInPool_.join();
  pool_.join();
}

bool ApiService::checksASecret(const ApiRequest& r) {
  return (r.method == "POST" &&
          (r.path == "/api/v1/auth/sign-in" || r.path == "/api/v1/auth/unlock" ||
           r.path == "/api/v1/me/one-time-codes")) ||
         (r.method == "PUT" && r.path == "/api/v1/me/passcode");
}

ApiResponse ApiService::respondSafely(const ApiRequest& request) {
  try {
    return respond(request);
  } catch (const access::StoreError& e) {
    auto response = fromStoreError(e);
    if (response.status >= 500) {
      log()->error("{} {} failed in the store ({}): {}", request.method, request.path, e.code(),
                   e.what());
    }
    return response;
  } catch (const std::exception& e) {
    log()->error("{} {} failed: {}", request.method, request.path, e.what());
    return fail(500, "internal", "The request could not be completed.");
  }
}

void ApiService::handle(ApiRequest request, std::function<void(ApiResponse)> done) {
  if (checksASecret(request)) return handleSignIn(std::move(request), std::move(done));
  if (pending_.fetch_add(1) >= kMaxPendingCalls) {
    pending_.fetch_sub(1);
    auto busy = fail(503, "busy", "The server is busy; try again in a moment.");
    busy.headers.emplace_back("Retry-After", "1");
    return done(std::move(busy));
  }
  boost::asio::post(pool_, [this, request = std::move(request), done = std::move(done)] {
    auto response = respondSafely(request);
    pending_.fetch_sub(1);
    done(std::move(response));
  });
}

void ApiService::handleSignIn(ApiRequest request, std::function<void(ApiResponse)> done) {
  // The user name of a sign-in or unlock, for its bucket (the body is small: at most a few KiB
  // reach here). Other calls that check a secret count per address only.
  std::string user;
  if (request.path.rfind("/api/v1/auth/", 0) == 0) {
    auto body = json::parse(request.body, nullptr, false);
    if (body.is_object()) user = field(body, "user", 64).value_or("");
  }
  auto now = std::chrono::steady_clock::now();
  if (int64_t wait = limiter_.admit(user, request.remoteAddress, now); wait > 0) {
    auto limited = fail(429, "too-many-sign-ins",
                        "Too many sign-in attempts; try again in " + std::to_string(wait) + " s.");
    limited.headers.emplace_back("Retry-After", std::to_string(wait));
    return done(std::move(limited));
  }
  // Sign-ins cost ~0.1 s and 32 MiB of scrypt each: a flood must not queue, and must not hold
  // up the rest of the API.
  if (signInsPending_.fetch_add(1) >= kMaxPendingSignIns) {
    signInsPending_.fetch_sub(1);
    auto busy = fail(503, "busy", "Too many sign-ins at once; try again in a moment.");
    busy.headers.emplace_back("Retry-After", "1");
    return done(std::move(busy));
  }
  auto deadline = now + kSignInDeadline;
  boost::asio::post(signInPool_,
                    [this, deadline, request = std::move(request), done = std::move(done)] {
                      ApiResponse response;
                      // Work nobody waits for any more is dropped before the scrypt is spent on it.
                      if (std::chrono::steady_clock::now() > deadline ||
                          (request.clientGone && request.clientGone())) {
                        response = fail(503, "expired", "The sign-in waited too long; try again.");
                        response.headers.emplace_back("Retry-After", "1");
                      } else {
                        response = respondSafely(request);
                      }
                      signInsPending_.fetch_sub(1);
                      done(std::move(response));
                    });
}

json ApiService::issueTokens(const std::string& user, const std::string& device) {
  int64_t now = nowSeconds();
  // A sign-out voids tokens issued up to the end of its second; a sign-in right after it must
  // not produce a token that is void already.
  int64_t issuedAt = now;
  for (const auto& d : store_.listDevices(user)) {
    if (d.uuid == device) issuedAt = std::max(issuedAt, d.tokensValidAfter);
  }
  access::TokenClaims claims{user, device, access::randomHex(12), issuedAt,
                             now + kAccessTokenSeconds};
  return {{"access_token", tokens_.issue(claims)},
          {"token_type", "Bearer"},
          {"expires_in", kAccessTokenSeconds},
          {"refresh_token", store_.issueRefreshToken(user, device, kRefreshTokenSeconds, now)},
          {"user", user},
          {"device_id", device}};
}

ApiResponse ApiService::respond(const ApiRequest& request) {
  json body = json::object();
  if (!request.body.empty()) {
    if (request.contentType.rfind("application/json", 0) != 0) {
      return fail(415, "unsupported-media-type", "Send JSON (application/json).");
    }
    body = json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
      return fail(400, "bad-json", "The body is not a JSON object.");
    }
  }
  if (request.method == "POST" && request.path == "/api/v1/auth/sign-in") {
    return signIn(request, body);
  }
  if (request.method == "POST" && request.path == "/api/v1/auth/unlock") {
    return unlock(request, body);
  }
  if (request.method == "POST" && request.path == "/api/v1/auth/refresh") return refresh(body);

  if (request.bearerToken.empty()) {
    auto response = fail(401, "unauthorized", "A bearer token is required.");
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
    return response;
  }
  auto principal = relay_.authenticate(request.bearerToken);
  if (auto* failure = std::get_if<signaling::SignalingError>(&principal)) {
    auto response = fail(failure->httpStatus, failure->code, failure->message);
    response.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return response;
  }
  auto& who = std::get<signaling::Principal>(principal);
  who.remoteAddress = request.remoteAddress;
  auto parts = pathSegments(request.path);  // "api", "v1", ...
  if (!parts) return fail(400, "bad-request", "The path has a broken escape.");
  if (parts->size() >= 3 && (*parts)[2] == "admin") {
    return admin_.handle(request, admin_.scopeOf(who.userName),
                         std::vector<std::string>(parts->begin() + 3, parts->end()), body);
  }
  return routeAuthenticated(request, who, body);
}

ApiResponse ApiService::signIn(const ApiRequest& request, const json& body) {
  auto user = field(body, "user", 64);
  auto password = field(body, "password", 256);
  auto device = field(body, "device_id", 64);
  if (!user || !password || !device) {
    return fail(400, "bad-request", "Send user, password and device_id as strings.");
  }
  auto check = store_.checkPassword(*user, *password, request.remoteAddress, nowSeconds());
  if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
  std::string platform = field(body, "platform", 64).value_or("");
  if (store_.registerDevice("user:" + *user, *user, *device, platform) != "active") {
    return fail(403, "device-revoked", "This device has been revoked.");
  }
  log()->info("{} signed in on a device from {}", *user, request.remoteAddress);
  return reply(200, issueTokens(*user, *device));
}

ApiResponse ApiService::unlock(const ApiRequest&, const json& body) {
  auto user = field(body, "user", 64);
  auto device = field(body, "device_id", 64);
  auto passcode = field(body, "passcode", 64);
  if (!user || !device || !passcode) {
    return fail(400, "bad-request", "Send user, device_id and passcode as strings.");
  }
  auto check = store_.checkPasscode(*user, *device, *passcode, nowSeconds());
  if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
  return reply(200, issueTokens(*user, *device));
}

ApiResponse ApiService::refresh(const json& body) {
  auto token = field(body, "refresh_token", 256);
  auto device = field(body, "device_id", 64);
  if (!token || !device) {
    return fail(400, "bad-request", "Send refresh_token and device_id as strings.");
  }
  auto outcome = store_.redeemRefreshToken(*token, nowSeconds());
  if (!outcome.ok) {
    return fail(401, outcome.code == "reused" ? "refresh-token-reused" : "invalid-refresh-token",
                outcome.code == "reused"
                    ? "This refresh token was already used; the device must sign in again."
                    : "The refresh token is not valid.");
  }
  if (outcome.device != *device) {
    // A device's refresh token presented by another device: treat it as stolen and end the
    // owner's sign-in, as for a reused token.
    store_.signOut("system", outcome.user, outcome.device, nowSeconds());
    log()->warn("refresh token of {}'s device presented by another device; sign-in ended",
                outcome.user);
    return fail(401, "refresh-token-misused",
                "This refresh token belongs to another device; that device must sign in again.");
  }
  // The device and user must still be allowed to sign in at all.
  auto credential = authorizer_.checkCredential(outcome.user, outcome.device, nowSeconds());
  if (!credential.allowed) return fail(403, credential.code, credential.reason);
  return reply(200, issueTokens(outcome.user, outcome.device));
}

ApiResponse ApiService::routeAuthenticated(const ApiRequest& request,
                                           const signaling::Principal& who, const json& body) {
  if (request.method == "POST" && request.path == "/api/v1/auth/sign-out") {
    store_.signOut("user:" + who.userName, who.userName, who.deviceId, nowSeconds());
    return noContent();
  }
  if (request.method == "PUT" && request.path == "/api/v1/me/passcode") {
    // The passcode turns a registered device into fresh tokens (/auth/unlock): setting it takes
    // the password, so a stolen access token cannot become lasting access. Every refresh token
    // of the user's devices ends with the old passcode; the caller gets a fresh pair.
    auto passcode = field(body, "passcode", 64);
    auto password = field(body, "password", 256);
    if (!passcode || !password) {
      return fail(400, "bad-request", "Send passcode and password as strings.");
    }
    auto check = store_.checkPassword(who.userName, *password, request.remoteAddress, nowSeconds());
    if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
    store_.setPasscode("user:" + who.userName, who.userName, *passcode);
    return reply(200, issueTokens(who.userName, who.deviceId));
  }
  if (request.method == "POST" && request.path == "/api/v1/me/one-time-codes") {
    // Enrolling a new authenticator replaces the second factor: it takes the password too, so a
    // stolen access token alone cannot.
    auto password = field(body, "password", 256);
    if (!password) return fail(400, "bad-request", "Send password as a string.");
    auto check = store_.checkPassword(who.userName, *password, request.remoteAddress, nowSeconds());
    if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
    return reply(
        200, {{"otpauth_uri", store_.enrollOneTimeCodes("user:" + who.userName, who.userName)}});
  }
  if (request.method == "GET" && request.path == "/api/v1/me") {
    auto scope = admin_.scopeOf(who.userName);
    return reply(200,
                 {{"user", who.userName},
                  {"device_id", who.deviceId},
                  {"expires_at", who.expiresAt},
                  {"system_admin", scope.system},
                  {"tenant_admin_of", scope.tenant.empty() ? json(nullptr) : json(scope.tenant)}});
  }
  if (request.method == "GET" && request.path == "/api/v1/streams") {
    json out = json::array();
    for (const auto& s : relay_.listStreams(who)) {
      out.push_back(signaling::toJson(s));
    }
    return reply(200, out);
  }
  return fail(404, "not-found", "There is no such API resource.");
}

}  // namespace medrelay::app
