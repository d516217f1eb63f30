#include "app/gateway_command.hpp"

#include <CLI/CLI.hpp>

#include <signal.h>

#include <iostream>

#include "access/directory_store.hpp"
#include "app/dicom_gateway.hpp"
#include "app/directory_seed.hpp"
#include "app/relay_app.hpp"
#include "common/logger.hpp"

namespace medrelay::app {

CLI::App* addGatewayCommand(CLI::App& parent, GatewayOptions& options) {
  auto* gateway = parent.add_subcommand(
      "gateway", "Run the DICOM gateway alone (serve plays what it receives)");
  gateway->set_config("--config", "", "Read options from this TOML file (keys: long option names)");
  gateway->add_option("--data-dir", options.dataDir, "Data directory (shared with serve)")
      ->capture_default_str();
  gateway->add_option("--log-level", options.logLevel, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  addDicomOptions(*gateway, options.dicom);
  return gateway;
}

int runGateway(const GatewayOptions& options) {
  setLogLevel(options.logLevel);
  std::filesystem::create_directories(options.dataDir);
  auto store = access::openSqliteDirectoryStore(options.dataDir.string());
  seedEmbeddedDefault(*store, {}, options.dataDir);  // a fresh directory gets its demo group
  DicomGateway gateway(dicomGatewayConfig(options.dicom, options.dataDir), *store);
  if (!gateway.start()) return 1;
  std::cout << "MedRelay DICOM gateway: C-STORE to AE title " << options.dicom.aeTitle << " at "
            << options.dicom.listen << ", series kept in " << (options.dataDir / "dicom").string()
            << std::endl;
  waitForStopSignal();
  gateway.stop();
  return 0;
}

}  // namespace medrelay::app
