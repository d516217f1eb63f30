#include "app/serve_options.hpp"

#include <CLI/CLI.hpp>

#include <optional>
#include <regex>

#include "app/dicom_retention.hpp"
#include "app/host_port.hpp"
#include "signaling/ice_servers.hpp"

namespace medrelay::app {

namespace {

bool validStreamName(const std::string& name) {
  static const std::regex pattern("[A-Za-z0-9._-]{1,64}");
  return std::regex_match(name, pattern);
}

// WIDTHxHEIGHT, even (encoders need it), from 64x64 to 3840x2160.
std::string checkVideoSize(const std::string& value) {
  static const std::regex pattern(R"((\d{2,4})x(\d{2,4}))");
  std::smatch m;
  if (!std::regex_match(value, m, pattern) || std::stoi(m[1]) < 64 || std::stoi(m[2]) < 64 ||
      std::stoi(m[1]) > 3840 || std::stoi(m[2]) > 2160 || std::stoi(m[1]) % 2 ||
      std::stoi(m[2]) % 2) {
    return "expected an even WIDTHxHEIGHT between 64x64 and 3840x2160";
  }
  return "";
}

// MIN-MAX, 1024 <= MIN <= MAX <= 65535.
std::optional<std::pair<uint16_t, uint16_t>> parsePortRange(const std::string& value) {
  static const std::regex pattern(R"((\d{4,5})-(\d{4,5}))");
  std::smatch m;
  if (!std::regex_match(value, m, pattern)) return std::nullopt;
  int low = std::stoi(m[1]), high = std::stoi(m[2]);
  if (low < 1024 || high > 65535 || low > high) return std::nullopt;
  return std::pair{static_cast<uint16_t>(low), static_cast<uint16_t>(high)};
}

}  // namespace

std::pair<uint16_t, uint16_t> ServeOptions::mediaPortRange() const {
  return parsePortRange(mediaPorts).value_or(std::pair<uint16_t, uint16_t>{0, 0});
}

std::pair<int, int> parseVideoSize(const std::string& size) {
  auto x = size.find('x');
  return {std::stoi(size.substr(0, x)), std::stoi(size.substr(x + 1))};
}

std::string ServeOptions::listenHost() const {
  return hostOf(listen);
}

std::vector<StreamSource> ServeOptions::streams() const {
  std::vector<StreamSource> out;
  for (const auto& arg : streamArgs) {
    auto eq = arg.find('=');
    out.push_back({arg.substr(0, eq), arg.substr(eq + 1)});
  }
  return out;
}

uint16_t ServeOptions::listenPort() const {
  return static_cast<uint16_t>(std::stoi(listen.substr(listen.rfind(':') + 1)));
}

CLI::App* addServeCommand(CLI::App& parent, ServeOptions& options) {
  auto* serve = parent.add_subcommand("serve", "Run the relay (signaling, WHEP, router, ingest)");
  // Everything below may also come from a file (TOML, keys are the long option names), so that
  // settings and secrets (camera passwords) live in /etc, not on a command line.
  serve->set_config("--config", "", "Read options from this TOML file (keys: long option names)");
  serve->add_option("--data-dir", options.dataDir, "Data directory")->capture_default_str();
  serve->add_option("--listen", options.listen, "HTTPS/WSS address HOST:PORT")
      ->capture_default_str()
      ->check([](const std::string& value) {
        return checkHostPort(value, "127.0.0.1:8443 or [::1]:8443");
      });
  serve
      ->add_option("--metrics-listen", options.metricsListen,
                   "HTTPS address HOST:PORT for /metrics (Prometheus), or off")
      ->capture_default_str()
      ->check([](const std::string& value) {
        return value == "off" ? std::string() : checkHostPort(value, "127.0.0.1:9464 or off");
      });
  serve->add_option("--max-connections", options.maxConnections, "TCP connections open at once")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--max-connections-per-address", options.maxConnectionsPerAddress,
                   "TCP connections open at once from one client address")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--connections-per-address-per-second", options.connectionsPerAddressPerSecond,
                   "New TCP connections one client address may open per second (bursts of "
                   "twice as many; raise it when a whole hospital comes through one NAT address)")
      ->check(CLI::Range(1.0, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--max-websockets-per-user", options.maxWebSocketsPerUser,
                   "App-protocol connections signed in as one user at once")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve
      ->add_option("--max-sessions-per-user", options.maxSessionsPerUser,
                   "Streams one user may watch at once (all their devices together)")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  serve
      ->add_option("--subscribes-per-user-per-second", options.subscribesPerUserPerSecond,
                   "How fast one user may start watching (bursts of twice as many)")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--subscribes-per-address-per-second", options.subscribesPerAddressPerSecond,
                   "How fast one client address may start sessions (bursts of twice as many)")
      ->check(CLI::Range(0.1, 1e6))
      ->capture_default_str();
  serve
      ->add_option("--request-timeout", options.requestTimeoutSeconds,
                   "Seconds an HTTP request may take to arrive (then 408)")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  serve->add_option("--web-root", options.webRoot, "Folder with the viewer page");
  serve->add_option("--ice-address", options.iceAddresses,
                    "Local address for ICE host candidates (repeatable; default: all interfaces)");
  // Off by default: libnice (0.1.21) accepts and keeps every connection made to a passive
  // candidate, unbounded; the shared media port will take TCP with limits of its own.
  serve->add_flag("--ice-tcp", options.iceTcp,
                  "Also offer passive TCP candidates (RFC 6544) for viewers whose UDP is "
                  "blocked; only where the media ports are not open to untrusted networks");
  serve
      ->add_option("--media-ports", options.mediaPorts,
                   "Ports MIN-MAX for media (ICE over UDP and TCP): one firewall rule; each "
                   "viewer and publisher takes one port of each while connected")
      ->check([](const std::string& value) {
        return parsePortRange(value) ? std::string()
                                     : std::string("expected MIN-MAX within 1024-65535");
      });
  serve
      ->add_option("--stream", options.streamArgs,
                   "Extra stream NAME=URI (rtsp://..., test://..., whip:// for WHIP publishers)")
      ->check([](const std::string& value) {
        auto eq = value.find('=');
        if (eq == std::string::npos || !validStreamName(value.substr(0, eq)) ||
            value.size() == eq + 1) {
          return std::string("expected NAME=URI with NAME of [A-Za-z0-9._-]{1,64}");
        }
        return std::string();
      });
  serve->add_flag("!--no-demo", options.demo, "Do not run the demo camera");
  serve->add_option("--demo-size", options.demoSize, "Demo picture size WIDTHxHEIGHT")
      ->capture_default_str()
      ->check(checkVideoSize);
  serve->add_option("--demo-fps", options.demoFps, "Demo frame rate")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  serve
      ->add_option("--transcode-max-size", options.transcodeMaxSize,
                   "Largest picture WIDTHxHEIGHT of transcoded cameras (scaled down to fit)")
      ->capture_default_str()
      ->check(checkVideoSize);
  serve
      ->add_option("--transcode-max-bitrate", options.transcodeMaxBitrateKbps,
                   "Bit rate (kbit/s) of transcoded cameras")
      ->capture_default_str()
      ->check(CLI::Range(100, 50000));
  serve
      ->add_option("--layers", options.layers,
                   "Layers of every encoded stream, each half the size of the one above (1-3)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3));
  serve
      ->add_option("--on-demand", options.onDemandStreams,
                   "Run this stream's camera (RTSP, SRT caller, test://) only while someone "
                   "watches it and for --ingest-linger-seconds after (repeatable)")
      ->check([](const std::string& name) {
        return validStreamName(name) ? std::string() : std::string("not a stream name");
      });
  serve->add_flag("!--dicom-always-on", options.dicomOnDemand,
                  "Keep every DICOM series encoding even while nobody watches it (by default "
                  "a series encodes only while watched)");
  serve
      ->add_option_function<std::string>(
          "--dicom-retention",
          [&options](const std::string& text) { options.dicomRetention = *parseRetention(text); },
          "Remove a DICOM series (stream, directory entry, files) once its newest object is "
          "this old and nobody watches it: 30d, 12h, 90m, 45s; 0 keeps series forever "
          "(default 30d)")
      ->check([](const std::string& text) {
        return parseRetention(text) ? std::string()
                                    : std::string("a number and d, h, m or s (30d), or 0");
      });
  serve
      ->add_option("--ingest-linger-seconds", options.ingestLingerSeconds,
                   "How long an on-demand source keeps running after its last viewer left")
      ->capture_default_str()
      ->check(CLI::Range(0, 3600));
  serve
      ->add_option("--source-stall-seconds", options.sourceStallSeconds,
                   "Restart a camera that sends nothing for this long")
      ->capture_default_str()
      ->check(CLI::Range(1, 600));
  serve
      ->add_option("--ice-server", options.iceServers,
                   "STUN or TURN server for clients (repeatable): stun:HOST[:PORT], "
                   "turn:HOST[:PORT][?transport=udp|tcp], turns:HOST[:PORT]")
      ->check([](const std::string& value) {
        return signaling::validIceServerUri(value)
                   ? std::string()
                   : std::string(
                         "expected stun:HOST[:PORT], turn:HOST[:PORT][?transport=udp|tcp] "
                         "or turns:HOST[:PORT]");
      });
  serve->add_option("--turn-secret-file", options.turnSecretFile,
                    "File with the TURN server's shared secret (coturn static-auth-secret)");
  serve->add_option("--webhooks", options.webhooksFile,
                    "JSON file of endpoints that get signed event POSTs (stream live/down, "
                    "shared into a group); readable by the relay's user only");
  serve
      ->add_option("--turn-credential-hours", options.turnCredentialHours,
                   "Lifetime of the TURN credentials handed to clients")
      ->capture_default_str()
      ->check(CLI::Range(1, 168));
  serve->add_option("--workers", options.workers, "Media worker threads (0: one per core)")
      ->check(CLI::Range(0, 256));
  serve->add_option("--log-level", options.logLevel, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}))
      ->capture_default_str();
  serve->add_option("--ingest-executable", options.ingestExecutable,
                    "Executable run as `<exe> ingest ...` for sources (default: this one)");
  serve->add_flag("!--no-dicom", options.dicom, "Do not run the DICOM gateway");
  addDicomOptions(*serve, options.dicomOptions);
  return serve;
}

}  // namespace medrelay::app
