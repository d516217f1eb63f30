#include "common/logger.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <mutex>

namespace medrelay {

namespace {
std::mutex& registryMutex() {
  static std::mutex mutex;
  return mutex;
}
spdlog::level::level_enum& currentLevel() {
  static spdlog::level::level_enum level = spdlog::level::info;
  return level;
}
}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& module) {
  std::lock_guard lock(registryMutex());
  if (auto existing = spdlog::get(module)) return existing;
  // Logs go to stderr so that stdout stays clean for command output (token issue, --json).
  auto created = spdlog::stderr_color_mt(module);
  created->set_level(currentLevel());
  return created;
}

void setLogLevel(const std::string& level) {
  std::lock_guard lock(registryMutex());
  currentLevel() = spdlog::level::from_str(level);
  spdlog::set_level(currentLevel());
  spdlog::apply_all([](const std::shared_ptr<spdlog::logger>& l) { l->set_level(currentLevel()); });
}

}  // namespace medrelay
