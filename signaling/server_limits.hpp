// What one client may make the signaling server spend, and the counters of what was refused.
// Configuration is fixed at start; the counters are atomics any thread may bump and /metrics
// reads. At every limit the client gets a clear answer (HTTP 429/431/408/413/503 with
// Retry-After where it helps, a WebSocket close code, or a closed connection before TLS when it
// would cost a handshake), the counter moves, and a burst costs one log line.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace medrelay::signaling {

struct ServerLimits {
  // TCP connections open at once, in total and per client address (a hospital's phones may
  // share one NAT address: generous), and new connections per address per second.
  size_t maxConnections = 4096;
  size_t maxConnectionsPerAddress = 256;
  double newConnectionsPerAddressPerSecond = 50;
  double newConnectionsPerAddressBurst = 100;
  // WebSocket connections signed in as one user at once, media sessions per connection, and
  // messages per connection per second.
  size_t maxWebSocketsPerUser = 8;
  size_t maxSessionsPerWebSocket = 8;
  double webSocketMessagesPerSecond = 50;
  double webSocketMessageBurst = 100;
  size_t maxWebSocketMessageBytes = 64 * 1024;
  size_t maxWebSocketQueueBytes = 4 * 1024 * 1024;  // unread replies to a client that stalls
  // HTTP: header and body sizes; TLS handshake, whole-request and idle keep-alive deadlines.
  size_t maxHeaderBytes = 16 * 1024;
  size_t maxBodyBytes = 64 * 1024;
  std::chrono::seconds handshakeTimeout{10};
  std::chrono::seconds requestTimeout{15};
  std::chrono::seconds idleTimeout{60};
};

struct ServerStats {
  std::atomic<uint64_t> connectionsAccepted{0};
  std::atomic<uint64_t> refusedTotal{0}, refusedPerAddress{0}, refusedRate{0};
  std::atomic<uint64_t> handshakeFailures{0};
  std::atomic<uint64_t> headerTooLarge{0}, bodyTooLarge{0}, requestTimeouts{0}, badRequests{0};
  std::atomic<uint64_t> webSocketsRefusedPerUser{0}, webSocketSessionsRefused{0};
  std::atomic<uint64_t> webSocketRateLimited{0}, webSocketAbusiveClosed{0};
  std::atomic<uint64_t> webSocketSlowReaderClosed{0};
  std::atomic<uint64_t> webSocketsOpen{0}, connectionsOpen{0};
};

}  // namespace medrelay::signaling
