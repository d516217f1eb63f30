// CLI11's App, declared for headers that only pass a CLI::App& (the option sets of each
// command). CLI11 is header-only and costs 6-10 s of compile time in every file that includes
// it (measured under ASan), so only the .cpp files that build commands include <CLI/CLI.hpp>.
#pragma once

namespace CLI {
class App;
}  // namespace CLI
