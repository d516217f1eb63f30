// The REST API under /api/v1/ (described in docs/openapi.yaml): sign-in with password or
// passcode, token refresh and sign-out, the caller's streams, and administration for system and
// tenant admins (memberships, shares, users, audit trail). Runs on its own small thread pools:
// password hashing is slow by design and must not stall signaling, nor other REST calls, so
// calls that check a secret (sign-in, unlock, passcode, one-time-code enrollment) have their
// own pool and short queue, rate limits per user and address, and a deadline.
// handle() is called on the signaling I/O thread; respond() runs on the pools.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <variant>

#include <nlohmann/json.hpp>

#include "access/authorizer.hpp"
#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"
#include "access/token_authority.hpp"
#include "app/admin_api.hpp"
#include "app/api_routes.hpp"
#include "app/sign_in_limiter.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class ApiService {
 public:
  static constexpr int64_t kAccessTokenSeconds = 15 * 60;
  static constexpr int64_t kRefreshTokenSeconds = 12 * 3600;
  // Calls queued or running at most; more are answered 503 at once.
  static constexpr int kMaxPendingCalls = 64;
  // Calls that check a secret (scrypt, ~0.1 s and 32 MiB each): their own threads, a short
  // queue (503 + Retry-After beyond it), and a deadline after which queued work is dropped.
  static constexpr int kSignInThreads = 2;
  static constexpr int kMaxPendingSignIns = 8;
  static constexpr std::chrono::seconds kSignInDeadline{10};
  // Token buckets: 20 at once per user name then one per 3 s; 100 per address then 2 per s
  // (429 + Retry-After beyond).
  static constexpr SignInLimiter::Rule kPerUser{20, 1.0 / 3};
  static constexpr SignInLimiter::Rule kPerAddress{100, 2};

  // `dicomFolder`: DATA_DIR/dicom (the admin API releases blocked series there).
  ApiService(access::DirectoryStore& store, access::DirectoryAuthorizer& authorizer,
             const access::TokenAuthority& tokens, signaling::SignalingBackend& relay,
             std::filesystem::path dicomFolder);
  ~ApiService();  // waits for running calls

  void handle(signaling::ApiRequest request, std::function<void(signaling::ApiResponse)> done);
  // Synchronous core, for the pool and for tests.
  signaling::ApiResponse respond(const signaling::ApiRequest& request);

  // Access + refresh token pair for a signed-in device, as the API returns it.
  nlohmann::json issueTokens(const std::string& user, const std::string& device);

 private:
  static bool checksASecret(const signaling::ApiRequest& request);
  void handleSignIn(signaling::ApiRequest request,
                    std::function<void(signaling::ApiResponse)> done);
  // respond() with errors turned into responses (never throws).
  signaling::ApiResponse respondSafely(const signaling::ApiRequest& request);
  signaling::ApiResponse signIn(const signaling::ApiRequest&, const nlohmann::json& body);
  signaling::ApiResponse unlock(const signaling::ApiRequest&, const nlohmann::json& body);
  signaling::ApiResponse refresh(const nlohmann::json& body);

  // The routes below /api/v1/ (administration excepted: AdminApi has its own table).
  struct Call {
    const signaling::ApiRequest& request;
    const nlohmann::json& body;
  };
  using SignedInHandler = signaling::ApiResponse (ApiService::*)(const Call&,
                                                                 const signaling::Principal&);
  void addRoutes();
  // The caller behind the bearer token, or the 401/403 to answer with.
  std::variant<signaling::Principal, signaling::ApiResponse> authenticate(
      const signaling::ApiRequest& request);
  // `handler` for a caller with a valid access token; 401 (WWW-Authenticate) otherwise.
  ApiRoutes<Call>::Handler signedIn(SignedInHandler handler);
  signaling::ApiResponse signOut(const Call&, const signaling::Principal& who);
  signaling::ApiResponse setPasscode(const Call&, const signaling::Principal& who);
  signaling::ApiResponse enrollOneTimeCodes(const Call&, const signaling::Principal& who);
  signaling::ApiResponse me(const Call&, const signaling::Principal& who);
  signaling::ApiResponse streams(const Call&, const signaling::Principal& who);
  signaling::ApiResponse iceServers(const Call&, const signaling::Principal& who);

  access::DirectoryStore& store_;
  access::DirectoryAuthorizer& authorizer_;
  const access::TokenAuthority& tokens_;
  signaling::SignalingBackend& relay_;
  AdminApi admin_;
  ApiRoutes<Call> routes_;
  std::atomic<int> pending_{0};
  std::atomic<int> signInsPending_{0};
  SignInLimiter limiter_{kPerUser, kPerAddress};
  boost::asio::thread_pool pool_{2};
  boost::asio::thread_pool signInPool_{kSignInThreads};
};

}  // namespace medrelay::app
