// `medrelay gateway`: the DICOM gateway on its own (a separate process, for example run by a
// different service account next to the PACS), receiving C-STORE, de-identifying and keeping
// series under DATA_DIR/dicom and registering their streams in the directory; a `medrelay serve`
// on the same data directory plays them within a second. Parsing hostile network input away
// from the relay process is its other use.
#pragma once

#include "common/cli_fwd.hpp"

#include <filesystem>
#include <string>

#include "app/dicom_options.hpp"

namespace medrelay::app {

struct GatewayOptions {
  std::filesystem::path dataDir = "medrelay-data";
  DicomOptions dicom;
  std::string logLevel = "info";
};

CLI::App* addGatewayCommand(CLI::App& parent, GatewayOptions& options);
int runGateway(const GatewayOptions& options);  // until SIGINT/SIGTERM

}  // namespace medrelay::app
