// medrelay: one binary, subcommands for each role (see DESIGN.md "Parts").
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "app/admin_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"MedRelay: live medical video relay"};
  app.require_subcommand(1);

  medrelay::app::AdminOptions adminOptions;
  medrelay::app::addAdminCommand(app, adminOptions);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::cerr << "medrelay: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
