// HTTPS + WSS on one port (Boost.Beast): the viewer page and other static files, /healthz,
// /metrics, WHEP (POST/PATCH/DELETE /whep/...), and the JSON app protocol on /ws.
// Runs its own io_context on its own thread(s); every connection lives on its own strand.
// Talks to the relay only through SignalingBackend.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

struct ServerConfig {
  std::string listenAddress = "127.0.0.1";
  uint16_t port = 8443;  // 0: the kernel picks one (tests)
  std::filesystem::path dataDir = "medrelay-data";
  std::filesystem::path webRoot;
  size_t maxBodyBytes = 64 * 1024;
  int threads = 1;
};

class SignalingServer {
 public:
  SignalingServer(ServerConfig config, SignalingBackend& backend);
  ~SignalingServer();  // stop()
  SignalingServer(const SignalingServer&) = delete;
  SignalingServer& operator=(const SignalingServer&) = delete;

  // Binds and starts serving; throws std::runtime_error with a clear message on failure.
  void start();
  uint16_t port() const;
  void stop();
  // Tells every signed-in WebSocket client that its stream list changed.
  void notifyStreamsChanged();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace medrelay::signaling
