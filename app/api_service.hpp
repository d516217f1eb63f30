// The REST API under /api/v1/ (described in docs/openapi.yaml): sign-in with password or
// passcode, token refresh and sign-out, the caller's streams, and administration for system and
// tenant admins (memberships, shares, users, audit trail). Runs on its own small thread pool:
// password hashing is slow by design and must not stall signaling.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>

#include <nlohmann/json.hpp>

#include "access/authorizer.hpp"
#include "access/directory_authorizer.hpp"
#include "access/directory_store.hpp"
#include "access/token_authority.hpp"
#include "app/admin_api.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::app {

class ApiService {
 public:
  static constexpr int64_t kAccessTokenSeconds = 15 * 60;
  static constexpr int64_t kRefreshTokenSeconds = 12 * 3600;
  // Calls queued or running at most; more are answered 503 at once.
  static constexpr int kMaxPendingCalls = 64;

  ApiService(access::DirectoryStore& store, access::DirectoryAuthorizer& authorizer,
             const access::TokenAuthority& tokens, signaling::SignalingBackend& relay);
  ~ApiService();  // waits for running calls

  void handle(signaling::ApiRequest request, std::function<void(signaling::ApiResponse)> done);
  // Synchronous core, for the pool and for tests.
  signaling::ApiResponse respond(const signaling::ApiRequest& request);

  // Access + refresh token pair for a signed-in device, as the API returns it.
  nlohmann::json issueTokens(const std::string& user, const std::string& device);

 private:
  signaling::ApiResponse signIn(const signaling::ApiRequest&, const nlohmann::json& body);
  signaling::ApiResponse unlock(const signaling::ApiRequest&, const nlohmann::json& body);
  signaling::ApiResponse refresh(const nlohmann::json& body);
  signaling::ApiResponse routeAuthenticated(const signaling::ApiRequest&,
                                            const signaling::Principal&,
                                            const nlohmann::json& body);

  access::DirectoryStore& store_;
  access::DirectoryAuthorizer& authorizer_;
  const access::TokenAuthority& tokens_;
  signaling::SignalingBackend& relay_;
  AdminApi admin_{store_};
  std::atomic<int> pending_{0};
  boost::asio::thread_pool pool_{2};
};

}  // namespace medrelay::app
