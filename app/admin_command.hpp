// `medrelay admin ...`: command-line administration of a data directory, the same operations
// the REST API offers, for operators' scripts. Runs in its own process; a running server on the
// same data directory notices every change within its directory poll (100 ms).
// Exit status: 0 done, 1 refused (the reason on stderr), 2 bad usage (CLI11).
#pragma once

#include "common/cli_fwd.hpp"

#include <filesystem>
#include <string>

namespace medrelay::app {

struct AdminOptions {
  std::filesystem::path dataDir = "medrelay-data";
  // Positional and option values of whichever subcommand runs.
  std::string tenant, name, user, group, stream, device, role = "member", password, displayName;
  std::string kind = "camera", source, permission, format = "jsonl", other;
  std::string reason = "removed by an administrator";
  std::string since, until, head;
  bool json = false;
  int64_t ttlSeconds = 15 * 60;  // access tokens live 15 minutes at most
};

// Registers `admin` and its subcommands on `parent`. Handlers run when CLI11 dispatches and
// exit the process with status 1 on a refused operation.
void addAdminCommand(CLI::App& parent, AdminOptions& options);

}  // namespace medrelay::app
