// medrelay: one binary, subcommands for each role (see DESIGN.md "Parts").
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "app/admin_command.hpp"
#include "app/config_file.hpp"
#include "app/gateway_command.hpp"
#include "app/relay_app.hpp"
#include "app/serve_options.hpp"
#include "pipelines/ingest_main.hpp"
#include "pipelines/ingest_options.hpp"

int main(int argc, char** argv) {
  CLI::App app{"MedRelay: live medical video relay"};
  app.require_subcommand(1);

  medrelay::app::ServeOptions serveOptions;
  auto* serve = medrelay::app::addServeCommand(app, serveOptions);

  medrelay::pipelines::IngestOptions ingestOptions;
  auto* ingest = app.add_subcommand("ingest", "Run one source's pipeline (started by serve)");
  ingest->group("");  // internal: hidden from --help
  medrelay::pipelines::addIngestOptions(*ingest, ingestOptions);

  medrelay::app::GatewayOptions gatewayOptions;
  auto* gateway = medrelay::app::addGatewayCommand(app, gatewayOptions);

  medrelay::app::AdminOptions adminOptions;
  medrelay::app::addAdminCommand(app, adminOptions);

  try {
    // serve/gateway --config FILE: expanded here (CLI11 2.1 ignores a subcommand's --config).
    auto args = medrelay::app::expandConfigFile(std::vector<std::string>(argv, argv + argc),
                                                {"serve", "gateway"});
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 takes them so
    app.parse(reversed);
    if (serve->parsed()) {
      medrelay::app::prepareProcessSignals();
      return medrelay::app::runServe(serveOptions);
    }
    if (ingest->parsed()) return medrelay::pipelines::runIngest(ingestOptions);
    if (gateway->parsed()) {
      medrelay::app::prepareProcessSignals();
      return medrelay::app::runGateway(gatewayOptions);
    }
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "medrelay: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
