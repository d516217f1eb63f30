// The embedded default's directory: on a fresh data directory, a "demo" facility with a user
// "demo" who owns a group "demo" and a system administrator "admin" (both with random initial
// passwords, kept in DATA_DIR/initial-passwords for the server to print); streams the server
// carries are registered in the directory, and those new to it are shared into that group, so
// `medrelay admin token issue --user demo` can watch them at once. Later changes by administrators
// (unsharing, say) are kept across restarts: only streams the directory has never seen are shared
// automatically.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "access/directory_store.hpp"

namespace medrelay::app {

struct SeedStream {
  std::string name, kind, source;
};

struct InitialPasswords {
  std::string demo, admin;
};

// `dataDir` empty: no password file (tests).
void seedEmbeddedDefault(access::DirectoryStore& store, const std::vector<SeedStream>& streams,
                         const std::filesystem::path& dataDir = {});
// The passwords the seed chose, while the file is there (an operator may delete it).
std::optional<InitialPasswords> readInitialPasswords(const std::filesystem::path& dataDir);

constexpr const char* kDemoTenant = "demo";
constexpr const char* kDemoUser = "demo";
constexpr const char* kDemoGroup = "demo/demo";
constexpr const char* kAdminUser = "admin";
constexpr const char* kInitialPasswordsFile = "initial-passwords";

}  // namespace medrelay::app
