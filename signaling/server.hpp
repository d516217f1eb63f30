// HTTPS + WSS (Boost.Beast), shaped like Beast's server-flex example: a Listener per port, an
// HttpSession per connection (TLS, request limits, a route table: the viewer page and other
// static files, /healthz, WHEP and WHIP, /api/v1/), upgraded to a WebSocketSession on /ws for
// the JSON app protocol (WsProtocol). /metrics is served on a separate listen address
// (loopback by default), never on the public port.
// Runs its own io_context on its own thread(s); every connection lives on its own strand.
// Talks to the relay only through SignalingBackend.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "signaling/server_limits.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

struct ServerConfig {
  std::string listenAddress = "127.0.0.1";
  uint16_t port = 8443;  // 0: the kernel picks one (tests)
  // /metrics (and /healthz) over HTTPS on their own address; empty: no metrics listener.
  std::string metricsAddress = "127.0.0.1";
  uint16_t metricsPort = 9464;  // 0: the kernel picks one
  bool metrics = true;
  std::filesystem::path dataDir = "medrelay-data";
  std::filesystem::path webRoot;
  ServerLimits limits;
  int threads = 2;
};

struct ServerContext;
class Listener;

class SignalingServer {
 public:
  SignalingServer(ServerConfig config, SignalingBackend& backend);
  ~SignalingServer();  // stop()
  SignalingServer(const SignalingServer&) = delete;
  SignalingServer& operator=(const SignalingServer&) = delete;

  // Binds and starts serving; throws std::runtime_error with a clear message on failure.
  void start();
  uint16_t port() const;
  uint16_t metricsPort() const;  // 0 without a metrics listener
  void stop();
  // Tells every signed-in WebSocket client that its stream list changed.
  void notifyStreamsChanged();
  // The server's own counters (connections, refusals) in Prometheus text.
  std::string metricsText() const;

 private:
  std::unique_ptr<ServerContext> context_;
  std::shared_ptr<Listener> public_, metrics_;
  std::vector<std::thread> threads_;
};

}  // namespace medrelay::signaling
