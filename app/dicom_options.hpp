// The DICOM gateway's options, the same for `medrelay serve` (gateway in-process) and
// `medrelay gateway` (on its own, writing into the data directory that serve plays from).
#pragma once

#include "common/cli_fwd.hpp"

#include <filesystem>
#include <string>
#include <vector>

#include "app/dicom_gateway.hpp"

namespace medrelay::app {

struct DicomOptions {
  std::string listen = "127.0.0.1:11112";
  std::string aeTitle = "MEDRELAY";
  std::vector<std::string> callingAeTitles;  // empty: any (loopback listen only)
  std::string profile = "minimum";           // "basic-keep-dates", "strict" (README)
  std::vector<std::string> routes;           // CONDITIONS:TENANT/GROUP, validated
  std::string group = "demo/demo";           // when no route matches
  std::string ctWindow = "soft-tissue";
  std::string burnedIn = "redact";  // for routes that name no policy
  std::vector<std::string> masks;   // CONDITIONS:X,Y,W,H[;...], validated
};

void addDicomOptions(CLI::App& command, DicomOptions& options);

// Throws std::runtime_error for a port reachable from other hosts without allowed senders.
DicomGatewayConfig dicomGatewayConfig(const DicomOptions& options,
                                      const std::filesystem::path& dataDir);

}  // namespace medrelay::app
