// What the listener and every connection of one SignalingServer share: the configuration, the
// backend, the io_context and TLS context, limits and counters, and the open WebSocket
// sessions (to tell them about stream changes). Owned by SignalingServer; the io_context's
// threads read it; the members that change (limits, stats, the socket set) are thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/burst_log.hpp"
#include "signaling/connection_limits.hpp"
#include "signaling/server.hpp"
#include "signaling/server_limits.hpp"
#include "signaling/signaling_backend.hpp"

namespace medrelay::signaling {

class WebSocketSession;

struct ServerContext {
  ServerContext(ServerConfig c, SignalingBackend& b)
      : config(std::move(c)),
        backend(b),
        tls(boost::asio::ssl::context::tls_server),
        limits(config.limits, stats) {}

  ServerConfig config;
  SignalingBackend& backend;
  boost::asio::io_context io;
  boost::asio::ssl::context tls;
  ServerStats stats;
  ConnectionLimits limits;
  // One log line per burst of refusals, per kind.
  BurstLog connectionRefusals, requestRefusals, webSocketRefusals, accessLog{1000};

  std::mutex socketsMutex;
  std::set<std::weak_ptr<WebSocketSession>, std::owner_less<std::weak_ptr<WebSocketSession>>>
      sockets;
};

// The server's own counters in Prometheus text (appended to the backend's on /metrics).
std::string serverMetricsText(const ServerContext& context);

}  // namespace medrelay::signaling
