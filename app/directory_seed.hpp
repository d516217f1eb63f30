// The embedded default's directory: on a fresh data directory, a "demo" facility with a user
// "demo" who owns a group "demo"; streams the server carries are registered in the directory,
// and those new to it are shared into that group, so `medrelay admin token issue --user demo`
// can watch them at once. Later changes by administrators (unsharing, say) are kept across
// restarts: only streams the directory has never seen are shared automatically.
#pragma once

#include <string>
#include <vector>

#include "access/directory_store.hpp"

namespace medrelay::app {

struct SeedStream {
  std::string name, kind, source;
};

void seedEmbeddedDefault(access::DirectoryStore& store, const std::vector<SeedStream>& streams);

constexpr const char* kDemoTenant = "demo";
constexpr const char* kDemoUser = "demo";
constexpr const char* kDemoGroup = "demo/demo";

}  // namespace medrelay::app
