#include "app/config_file.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <stdexcept>

namespace medrelay::app {

std::vector<std::string> expandConfigFile(const std::vector<std::string>& args,
                                          const std::vector<std::string>& subcommands) {
  if (args.size() < 2 ||
      std::find(subcommands.begin(), subcommands.end(), args[1]) == subcommands.end()) {
    return args;
  }
  std::string file;
  std::vector<std::string> rest;  // the command line after the subcommand, without --config
  std::set<std::string> given;    // option names the command line sets itself
  for (size_t i = 2; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg == "--config" && i + 1 < args.size()) {
      file = args[++i];
      continue;
    }
    if (arg.rfind("--config=", 0) == 0) {
      file = arg.substr(9);
      continue;
    }
    if (arg.rfind("--", 0) == 0) given.insert(arg.substr(2, arg.find('=') - 2));
    rest.push_back(arg);
  }
  if (file.empty()) return args;
  if (!std::filesystem::is_regular_file(file)) {
    throw std::runtime_error("the configuration file " + file + " does not exist");
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(file);
  } catch (const std::exception& e) {
    throw std::runtime_error("the configuration file " + file + " cannot be read: " + e.what());
  }
  std::vector<std::string> out{args[0], args[1]};
  for (const auto& item : items) {
    if (!item.parents.empty() || item.name.empty() || item.name == "++" || item.name == "--") {
      continue;  // sections are not ours; "++"/"--" are CLI11's section markers
    }
    if (given.count(item.name)) continue;  // the command line wins
    const std::string option = "--" + item.name;
    if (item.inputs.size() == 1 && item.inputs[0] == "true") {
      out.push_back(option);
    } else if (item.inputs.size() == 1 && item.inputs[0] == "false") {
      continue;
    } else {
      for (const auto& value : item.inputs) {
        out.push_back(option);
        out.push_back(value);
      }
    }
  }
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

}  // namespace medrelay::app
