#include "app/api_service.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <chrono>
#include <initializer_list>
#include <string_view>
#include <variant>

#include "app/api_common.hpp"
#include "common/logger.hpp"
#include "signaling/ice_servers.hpp"

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
      admin_(store, std::move(dicomFolder)) {
  addRoutes();
}

ApiService::~ApiService() {
  signInPool_.join();
  pool_.join();
}

// On the decoded path, as routing sees it: an escaped spelling of a sign-in must not skip the
// sign-in pool and its limits.
bool ApiService::checksASecret(const ApiRequest& r) {
  auto segments = decodedPathSegments(r.path);
  if (!segments) return false;
  auto is = [&](std::initializer_list<std::string_view> path) {
    return std::equal(segments->begin(), segments->end(), path.begin(), path.end());
  };
  return (r.method == "POST" &&
          (is({"api", "v1", "auth", "sign-in"}) || is({"api", "v1", "auth", "unlock"}) ||
           is({"api", "v1", "me", "one-time-codes"}))) ||
         (r.method == "PUT" && is({"api", "v1", "me", "passcode"}));
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
  if (auto segments = decodedPathSegments(request.path);
      segments && segments->size() == 4 && (*segments)[2] == "auth") {
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
  auto segments = decodedPathSegments(request.path);  // "api", "v1", ...
  if (!segments) return fail(400, "bad-request", "The path has a broken escape.");
  if (segments->size() < 2 || (*segments)[0] != "api" || (*segments)[1] != "v1") {
    return fail(404, "not-found", "There is no such API resource.");
  }
  segments->erase(segments->begin(), segments->begin() + 2);
  if (!segments->empty() && segments->front() == "admin") {
    // Administration has a table of its own, for the caller's admin scope.
    auto who = authenticate(request);
    if (auto* refusal = std::get_if<ApiResponse>(&who)) return std::move(*refusal);
    const auto& user = std::get<signaling::Principal>(who).userName;
    return admin_.handle(request, admin_.scopeOf(user),
                         std::vector<std::string>(segments->begin() + 1, segments->end()), body);
  }
  return routes_.dispatch(request.method, *segments, Call{request, body});
}

std::variant<signaling::Principal, ApiResponse> ApiService::authenticate(
    const ApiRequest& request) {
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
  return who;
}

ApiRoutes<ApiService::Call>::Handler ApiService::signedIn(SignedInHandler handler) {
  return [this, handler = std::move(handler)](const Call& c, const RouteParams&) {
    auto who = authenticate(c.request);
    if (auto* refusal = std::get_if<ApiResponse>(&who)) return std::move(*refusal);
    return (this->*handler)(c, std::get<signaling::Principal>(who));
  };
}

void ApiService::addRoutes() {
  using V = boost::beast::http::verb;
  routes_.add({V::post}, "/auth/sign-in",
              [this](const Call& c, const RouteParams&) { return signIn(c.request, c.body); });
  routes_.add({V::post}, "/auth/unlock",
              [this](const Call& c, const RouteParams&) { return unlock(c.request, c.body); });
  routes_.add({V::post}, "/auth/refresh",
              [this](const Call& c, const RouteParams&) { return refresh(c.body); });
  routes_.add({V::post}, "/auth/sign-out", signedIn(&ApiService::signOut));
  routes_.add({V::put}, "/me/passcode", signedIn(&ApiService::setPasscode));
  routes_.add({V::post}, "/me/one-time-codes", signedIn(&ApiService::enrollOneTimeCodes));
  routes_.add({V::get}, "/me", signedIn(&ApiService::me));
  routes_.add({V::get}, "/streams", signedIn(&ApiService::streams));
  routes_.add({V::get}, "/ice-servers", signedIn(&ApiService::iceServers));
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

ApiResponse ApiService::signOut(const Call&, const signaling::Principal& who) {
  store_.signOut("user:" + who.userName, who.userName, who.deviceId, nowSeconds());
  return noContent();
}

// The passcode turns a registered device into fresh tokens (/auth/unlock): setting it takes the
// password, so a stolen access token cannot become lasting access. Every refresh token of the
// user's devices ends with the old passcode; the caller gets a fresh pair.
ApiResponse ApiService::setPasscode(const Call& c, const signaling::Principal& who) {
  auto passcode = field(c.body, "passcode", 64);
  auto password = field(c.body, "password", 256);
  if (!passcode || !password) {
    return fail(400, "bad-request", "Send passcode and password as strings.");
  }
  auto check = store_.checkPassword(who.userName, *password, c.request.remoteAddress, nowSeconds());
  if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
  store_.setPasscode("user:" + who.userName, who.userName, *passcode);
  return reply(200, issueTokens(who.userName, who.deviceId));
}

// Enrolling a new authenticator replaces the second factor: it takes the password too, so a
// stolen access token alone cannot.
ApiResponse ApiService::enrollOneTimeCodes(const Call& c, const signaling::Principal& who) {
  auto password = field(c.body, "password", 256);
  if (!password) return fail(400, "bad-request", "Send password as a string.");
  auto check = store_.checkPassword(who.userName, *password, c.request.remoteAddress, nowSeconds());
  if (check.result != access::CredentialCheck::Ok) return credentialFailure(check);
  return reply(200,
               {{"otpauth_uri", store_.enrollOneTimeCodes("user:" + who.userName, who.userName)}});
}

ApiResponse ApiService::me(const Call&, const signaling::Principal& who) {
  auto scope = admin_.scopeOf(who.userName);
  return reply(200,
               {{"user", who.userName},
                {"device_id", who.deviceId},
                {"expires_at", who.expiresAt},
                {"system_admin", scope.system},
                {"tenant_admin_of", scope.tenant.empty() ? json(nullptr) : json(scope.tenant)}});
}

ApiResponse ApiService::streams(const Call&, const signaling::Principal& who) {
  json out = json::array();
  for (const auto& s : relay_.listStreams(who)) {
    out.push_back(signaling::toJson(s));
  }
  return reply(200, out);
}

// The STUN/TURN servers (with this user's TURN credential) for RTCPeerConnection's
// configuration: a client behind a firewall that blocks UDP reaches the relay through TURN.
ApiResponse ApiService::iceServers(const Call&, const signaling::Principal& who) {
  return reply(200, json{{"iceServers", signaling::iceServersJson(relay_.iceServers(who))}});
}

}  // namespace medrelay::app
