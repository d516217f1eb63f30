// `serve --config FILE`: the options read from a TOML file (keys are the long option names),
// so camera passwords need not be on a command line; the command line still wins.
#include "app/serve_options.hpp"

#include <CLI/CLI.hpp>

#include "app/config_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace medrelay::app {
namespace {

class ServeOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    file = std::filesystem::temp_directory_path() /
           ("medrelay-serve-" + std::to_string(::getpid()) + ".toml");
  }
  void TearDown() override { std::filesystem::remove(file); }

  // Parses `medrelay serve ARGS...`; throws CLI11's errors.
  ServeOptions parse(std::vector<std::string> args) {
    CLI::App app("medrelay");
    ServeOptions options;
    addServeCommand(app, options);
    args.insert(args.begin(), {"medrelay", "serve"});
    args = expandConfigFile(args, {"serve", "gateway"});                // as main() does
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11 takes them so
    app.parse(reversed);
    return options;
  }

  std::filesystem::path file;
};

TEST_F(ServeOptionsTest, OptionsComeFromTheFileAndTheCommandLineWins) {
  std::ofstream(file) << "listen = \"127.0.0.1:18443\"\n"
                         "max-sessions-per-user = 40\n"
                         "no-demo = true\n"
                         "stream = [\"or1=rtsp://user:secret@192.0.2.10/stream\", "
                         "\"ward3=whip://\"]\n";
  auto fromFile = parse({"--config", file.string()});
  EXPECT_EQ(fromFile.listen, "127.0.0.1:18443");
  EXPECT_EQ(fromFile.listenPort(), 18443);
  EXPECT_EQ(fromFile.maxSessionsPerUser, 40);
  EXPECT_FALSE(fromFile.demo);
  auto streams = fromFile.streams();
  ASSERT_EQ(streams.size(), 2u);
  EXPECT_EQ(streams[0].name, "or1");
  EXPECT_EQ(streams[0].uri, "rtsp://user:secret@192.0.2.10/stream");
  EXPECT_EQ(streams[1].name, "ward3");

  auto overridden = parse({"--config", file.string(), "--max-sessions-per-user", "3"});
  EXPECT_EQ(overridden.maxSessionsPerUser, 3);
  EXPECT_EQ(overridden.listen, "127.0.0.1:18443");
}

TEST_F(ServeOptionsTest, BadValuesInTheFileAreRefusedLikeOnTheCommandLine) {
  std::ofstream(file) << "max-sessions-per-user = 0\n";
  EXPECT_THROW(parse({"--config", file.string()}), CLI::ParseError);
  std::ofstream(file) << "stream = [\"not a stream\"]\n";
  EXPECT_THROW(parse({"--config", file.string()}), CLI::ParseError);
  std::ofstream(file) << "no-such-option = 1\n";
  EXPECT_THROW(parse({"--config", file.string()}), CLI::ParseError);
  // A file named but missing is an error, never silently nothing.
  EXPECT_THROW(parse({"--config", (file.string() + ".missing")}), std::runtime_error);
}

TEST_F(ServeOptionsTest, IceServersAndTheConnectionRateAreOptionsChecked) {
  auto options =
      parse({"--ice-server", "stun:stun.hospital.example:3478", "--ice-server",
             "turn:turn.hospital.example:443?transport=tcp", "--turn-secret-file",
             "/etc/medrelay/turn-secret", "--connections-per-address-per-second", "400"});
  EXPECT_EQ(options.iceServers,
            (std::vector<std::string>{"stun:stun.hospital.example:3478",
                                      "turn:turn.hospital.example:443?transport=tcp"}));
  EXPECT_EQ(options.turnSecretFile, "/etc/medrelay/turn-secret");
  EXPECT_EQ(options.turnCredentialHours, 12);
  EXPECT_EQ(options.connectionsPerAddressPerSecond, 400);
  EXPECT_THROW(parse({"--ice-server", "https://turn.example"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--connections-per-address-per-second", "0"}), CLI::ValidationError);
  EXPECT_THROW(parse({"--turn-credential-hours", "0"}), CLI::ValidationError);
}

TEST_F(ServeOptionsTest, MediaPortsAndIceTcpAreOptionsChecked) {
  auto defaults = parse({});
  EXPECT_FALSE(defaults.iceTcp) << "libnice keeps every TCP connection: opt in";
  EXPECT_EQ(defaults.mediaPortRange(), (std::pair<uint16_t, uint16_t>{0, 0}));
  auto options = parse({"--ice-tcp", "--media-ports", "40000-40999"});
  EXPECT_TRUE(options.iceTcp);
  EXPECT_EQ(options.mediaPortRange(), (std::pair<uint16_t, uint16_t>{40000, 40999}));
  for (const char* bad : {"40999-40000", "80-90", "40000", "40000-70000", "a-b", "40000-40999x"})
    EXPECT_THROW(parse({"--media-ports", bad}), CLI::ValidationError) << bad;
}

TEST_F(ServeOptionsTest, DicomRetentionDefaultsToThirtyDaysAndTakesUnitsOrZero) {
  EXPECT_EQ(parse({}).dicomRetention, std::chrono::seconds(30 * 86400));
  EXPECT_EQ(parse({"--dicom-retention", "12h"}).dicomRetention, std::chrono::seconds(12 * 3600));
  EXPECT_EQ(parse({"--dicom-retention", "0"}).dicomRetention, std::chrono::seconds(0));
  for (const char* bad : {"12", "12x", "-1d", "1.5d"})
    EXPECT_THROW(parse({"--dicom-retention", bad}), CLI::ValidationError) << bad;
}

}  // namespace
}  // namespace medrelay::app
