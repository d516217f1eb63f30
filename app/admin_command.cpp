#include "app/admin_command.hpp"

#include <chrono>
#include <iostream>

#include "access/token_authority.hpp"

namespace medrelay::app {

namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Prints a viewer token alone on stdout: scripts capture it with $(...).
void issueToken(const AdminOptions& options) {
  auto authority = access::TokenAuthority::openOrCreate(options.dataDir);
  access::TokenClaims claims;
  claims.user = options.user;
  // A token is always bound to a device; an operator-issued one gets its own device id.
  claims.device = options.device.empty() ? "cli-" + access::randomHex(8) : options.device;
  claims.tokenId = access::randomHex(12);
  claims.issuedAt = nowSeconds();
  claims.expiresAt = claims.issuedAt + options.ttlSeconds;
  std::cout << authority.issue(claims) << std::endl;
}

}  // namespace

void addAdminCommand(CLI::App& parent, AdminOptions& options) {
  auto* admin = parent.add_subcommand("admin", "Administer a MedRelay data directory");
  admin->add_option("--data-dir", options.dataDir, "Data directory")->capture_default_str();
  admin->require_subcommand(1);

  auto* token = admin->add_subcommand("token", "Viewer access tokens");
  token->require_subcommand(1);
  auto* issue = token->add_subcommand("issue", "Print a viewer token (usable as a Bearer token)");
  issue->add_option("--user", options.user, "User name")
      ->required()
      ->check([](const std::string& name) {
        bool ok = !name.empty() && name.size() <= 64;
        for (char c : name)
          ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                      c == '-' || c == '@');
        return ok ? std::string() : "user names are 1-64 characters of A-Z a-z 0-9 . _ - @";
      });
  issue->add_option("--device", options.device, "Device id to bind the token to");
  issue->add_option("--ttl", options.ttlSeconds, "Lifetime in seconds")
      ->check(CLI::Range(int64_t{60}, int64_t{7 * 24 * 3600}))
      ->capture_default_str();
  issue->callback([&options] { issueToken(options); });
}

}  // namespace medrelay::app
