// `medrelay admin ...`: command-line administration on a data directory. Runs in its own
// process, on the caller's thread; changes reach a running server through the shared data dir.
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace medrelay::app {

struct AdminOptions {
  std::filesystem::path dataDir = "medrelay-data";
  std::string user;
  std::string device;
  int64_t ttlSeconds = 8 * 3600;
};

// Registers `admin` and its subcommands on `parent`; the handlers run when CLI11 dispatches.
void addAdminCommand(CLI::App& parent, AdminOptions& options);

}  // namespace medrelay::app
