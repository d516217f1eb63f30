#include "app/dicom_options.hpp"

#include <CLI/CLI.hpp>

#include <regex>

#include "app/host_port.hpp"

namespace medrelay::app {

void addDicomOptions(CLI::App& command, DicomOptions& o) {
  command.add_option("--dicom-listen", o.listen, "DICOM C-STORE port HOST:PORT")
      ->capture_default_str()
      ->check([](const std::string& value) { return checkHostPort(value, "127.0.0.1:11112"); });
  command.add_option("--dicom-ae-title", o.aeTitle, "The gateway's AE title")
      ->capture_default_str()
      ->check([](const std::string& value) {
        static const std::regex pattern(R"([ -~]{1,16})");
        return std::regex_match(value, pattern) && value.find('\\') == std::string::npos
                   ? std::string()
                   : std::string("an AE title is 1 to 16 printable characters");
      });
  command.add_option("--dicom-calling-ae", o.callingAeTitles,
                     "Calling AE title allowed to send (repeatable; required unless loopback)");
  command
      .add_option("--dicom-profile", o.profile,
                  "De-identification: minimum (hospital: name and birth date), basic-keep-dates "
                  "(PS3.15 Basic Profile, dates kept) or strict (PS3.15 Basic Profile)")
      ->capture_default_str()
      ->check(CLI::IsMember({"minimum", "basic-keep-dates", "strict"}));
  command
      .add_option("--dicom-route", o.routes,
                  "Share rule CONDITIONS:TENANT/GROUP, conditions ae=, modality=, study= "
                  "joined by commas, and burned-in=redact|block|allow (repeatable, first match "
                  "wins)")
      ->check([](const std::string& value) {
        std::string error;
        return parseDicomRoute(value, error) ? std::string() : error;
      });
  command.add_option("--dicom-group", o.group, "TENANT/GROUP when no route matches")
      ->capture_default_str();
  command.add_option("--dicom-ct-window", o.ctWindow, "CT window preset")
      ->capture_default_str()
      ->check(CLI::IsMember({"soft-tissue", "brain", "lung", "bone"}));
  command
      .add_option("--dicom-burned-in", o.burnedIn,
                  "Objects that may carry patient data in their pixels: redact, block (until "
                  "released) or allow (audited), unless their route says")
      ->capture_default_str()
      ->check(CLI::IsMember({"redact", "block", "allow"}));
  command
      .add_option("--dicom-mask", o.masks,
                  "Fixed region to black out, CONDITIONS:X,Y,W,H[;X,Y,W,H], conditions "
                  "modality=, manufacturer=, model=, rows=, columns= (repeatable)")
      ->check([](const std::string& value) {
        std::string error;
        return pipelines::dicom::parseMaskRule(value, error) ? std::string() : error;
      });
}

DicomGatewayConfig dicomGatewayConfig(const DicomOptions& options,
                                      const std::filesystem::path& dataDir) {
  DicomGatewayConfig config;
  config.receiver.aeTitle = options.aeTitle;
  config.receiver.bindAddress = hostOf(options.listen);
  config.receiver.port = portOf(options.listen);
  config.receiver.loopbackOnly = isLoopbackHost(hostOf(options.listen));
  config.receiver.callingAeTitles = {options.callingAeTitles.begin(),
                                     options.callingAeTitles.end()};
  if (!config.receiver.loopbackOnly && config.receiver.callingAeTitles.empty()) {
    throw std::runtime_error(
        "a DICOM port reachable from other hosts accepts only configured senders: add "
        "--dicom-calling-ae TITLE (or listen on 127.0.0.1)");
  }
  if (options.profile == "strict" || options.profile == "basic-keep-dates") {
    config.receiver.profile = options.profile == "strict"
                                  ? pipelines::dicom::DeidProfile::BasicConfidentiality
                                  : pipelines::dicom::DeidProfile::BasicKeepDates;
    config.receiver.pseudonymKey = loadOrCreatePseudonymKey(dataDir);
  }
  config.burnedIn = pipelines::dicom::parseBurnedInPolicy(options.burnedIn)
                        .value_or(pipelines::dicom::BurnedInPolicy::Redact);
  for (const auto& text : options.masks) {
    std::string error;
    config.masks.push_back(*pipelines::dicom::parseMaskRule(text, error));  // validated
  }
  for (const auto& text : options.routes) {
    std::string error;
    config.routes.push_back(*parseDicomRoute(text, error));  // validated by the CLI
  }
  config.defaultGroup = options.group;
  config.folder = dataDir / "dicom";
  return config;
}

}  // namespace medrelay::app
