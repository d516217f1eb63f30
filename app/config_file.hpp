// `serve --config FILE` and `gateway --config FILE`: CLI11 2.1 (Debian 12) reads a --config only
// for the top-level app, never for a subcommand's, so it silently ignored the file (camera
// passwords then had to go on the command line). This expands the file into options before the
// parse. Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace medrelay::app {

// `args`: the whole command line (program name first). When args[1] is one of `subcommands` and
// `--config FILE` (or `--config=FILE`) follows, returns the command line with that pair replaced
// by the file's top-level TOML keys as `--KEY VALUE` (a list gives one per element, `true` a bare
// flag, `false` nothing), placed before the command line's own options; a key also given on the
// command line is left out, so the command line wins. Otherwise returns `args` unchanged.
// Throws std::runtime_error naming the file when it cannot be read or parsed.
std::vector<std::string> expandConfigFile(const std::vector<std::string>& args,
                                          const std::vector<std::string>& subcommands);

}  // namespace medrelay::app
