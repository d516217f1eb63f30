// Per-module loggers over spdlog. Thread-safe: any thread may log.
// Never log tokens, passwords, ICE passwords, keys or anything identifying a patient.
#pragma once

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace medrelay {

// Returns the logger named `module` ("relay.ice", "signaling", ...), creating it on first use
// with the process-wide sink and level.
std::shared_ptr<spdlog::logger> logger(const std::string& module);

// Sets the level of every existing and future module logger ("debug", "info", "warn", ...).
void setLogLevel(const std::string& level);

}  // namespace medrelay
