// Options of `medrelay serve`. Defaults are the embedded default: everything on one machine,
// data in ./medrelay-data, HTTPS on 127.0.0.1:8443, a demo camera.
#pragma once

#include "common/cli_fwd.hpp"

#include <chrono>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "app/dicom_options.hpp"

namespace medrelay::app {

struct StreamSource {
  std::string name;  // [A-Za-z0-9._-]{1,64}
  std::string uri;   // test://..., rtsp://...
};

struct ServeOptions {
  std::filesystem::path dataDir = "medrelay-data";
  std::string listen = "127.0.0.1:8443";  // HOST:PORT, [v6]:PORT; port 0 picks a free one
  // /metrics over HTTPS on its own address (never the public port); "off" for none.
  std::string metricsListen = "127.0.0.1:9464";
  // What one client may make the signaling server spend (see signaling::ServerLimits).
  int maxConnections = 4096;
  int maxConnectionsPerAddress = 256;
  double connectionsPerAddressPerSecond = 50;  // new TCP connections (bursts of twice as many)
  int maxWebSocketsPerUser = 8;
  // Viewing sessions per user and how fast one user may open them (SubscribeLimitsConfig);
  // benchmarks that watch as one user with hundreds of viewers raise them.
  int maxSessionsPerUser = 16;
  double subscribesPerUserPerSecond = 5;
  double subscribesPerAddressPerSecond = 20;  // a hospital's NAT is one address
  int requestTimeoutSeconds = 15;
  std::filesystem::path webRoot;          // empty: the installed or source-tree web/ folder
  std::vector<std::string> iceAddresses;  // empty: every non-loopback interface (+ loopback)
  bool iceTcp = false;                    // passive TCP candidates beside UDP (RFC 6544)
  std::string mediaPorts;                 // MIN-MAX for ICE candidates, empty: any port
  std::pair<uint16_t, uint16_t> mediaPortRange() const;  // {0, 0} when not set
  std::vector<std::string> streamArgs;                   // --stream NAME=URI, validated
  bool demo = true;
  std::string demoSize = "1280x720";
  int demoFps = 30;
  // Ceiling for cameras we transcode (H.265, High-profile H.264, MJPEG, ...): larger pictures
  // are scaled down into WIDTHxHEIGHT keeping their aspect ratio, never up; the encoder's rate.
  // Cameras passed through keep their own size and rate.
  std::string transcodeMaxSize = "1280x720";
  int transcodeMaxBitrateKbps = 2000;
  // Layers of every stream the relay encodes (pipelines/layer_ladder): viewers on thin links
  // get a lower one. 1 spares the CPU: the top layer only.
  int layers = 3;
  // A camera that sends nothing for this long is restarted (one that never sent: twice this;
  // sources that wait for their sender, such as an SRT listener, are never restarted for that).
  int sourceStallSeconds = 10;
  // Encode only what someone watches: these run their ingest only from their first viewer to
  // `ingestLingerSeconds` after their last one (a reload finds them warm). DICOM series do so
  // unless --dicom-always-on; cameras (RTSP, SRT caller) and the demo when named here.
  std::vector<std::string> onDemandStreams;  // --on-demand NAME
  bool dicomOnDemand = true;
  // How long a DICOM series stays after its newest object came in (dicom_retention.hpp): the
  // relay is not the archive. 0 keeps series forever.
  std::chrono::seconds dicomRetention{30 * 86400};
  int ingestLingerSeconds = 30;
  // STUN/TURN servers for clients behind firewalls (WHIP/WHEP Link headers, the viewer page).
  // TURN credentials are minted per user with the TURN server's shared secret (coturn
  // use-auth-secret), read from a file so it is never on a command line.
  std::vector<std::string> iceServers;
  std::filesystem::path turnSecretFile;
  int turnCredentialHours = 12;  // a shift: an allocation outliving it cannot be refreshed
  // Where events are POSTed (app/webhook_config.hpp); empty: no webhooks.
  std::filesystem::path webhooksFile;
  int workers = 0;  // 0: one per core
  std::string logLevel = "info";
  std::string ingestExecutable;  // empty: this executable (/proc/self/exe)

  // The DICOM gateway (C-STORE in, one stream per series), in-process.
  bool dicom = true;
  DicomOptions dicomOptions;

  std::string listenHost() const;
  uint16_t listenPort() const;
  std::vector<StreamSource> streams() const;
};

// "1280x720" -> {1280, 720}; the string was validated by the option's check.
std::pair<int, int> parseVideoSize(const std::string& size);

// Registers `serve` on `parent`; `run` is called with the parsed options.
CLI::App* addServeCommand(CLI::App& parent, ServeOptions& options);

}  // namespace medrelay::app
