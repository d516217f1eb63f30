#include "signaling/server.hpp"

#include "common/prometheus_text.hpp"
#include "signaling/listener.hpp"
#include "signaling/server_context.hpp"
#include "signaling/tls_context.hpp"
#include "signaling/websocket_session.hpp"

namespace medrelay::signaling {

SignalingServer::SignalingServer(ServerConfig config, SignalingBackend& backend)
    : context_(std::make_unique<ServerContext>(std::move(config), backend)) {}

SignalingServer::~SignalingServer() {
  stop();
}

void SignalingServer::start() {
  configureServerTls(context_->tls, context_->config.dataDir);
  const auto& config = context_->config;
  public_ = std::make_shared<Listener>(*context_, config.listenAddress, config.port,
                                       ListenerRole::Public);
  if (config.metrics) {
    metrics_ = std::make_shared<Listener>(*context_, config.metricsAddress, config.metricsPort,
                                          ListenerRole::Metrics);
  }
  public_->run();
  if (metrics_) metrics_->run();
  for (int i = 0; i < std::max(1, config.threads); ++i) {
    threads_.emplace_back([this] { context_->io.run(); });
  }
}

uint16_t SignalingServer::port() const {
  return public_ ? public_->port() : 0;
}

uint16_t SignalingServer::metricsPort() const {
  return metrics_ ? metrics_->port() : 0;
}

void SignalingServer::stop() {
  if (threads_.empty()) return;
  if (public_) public_->stop();
  if (metrics_) metrics_->stop();
  context_->io.stop();
  for (auto& thread : threads_)
    thread.join();
  threads_.clear();
}

void SignalingServer::notifyStreamsChanged() {
  std::lock_guard lock(context_->socketsMutex);
  for (auto& weak : context_->sockets) {
    if (auto socket = weak.lock()) socket->notifyStreamsChanged();
  }
}

std::string SignalingServer::metricsText() const {
  return serverMetricsText(*context_);
}

std::string serverMetricsText(const ServerContext& context) {
  const auto& s = context.stats;
  PrometheusText out;
  out.family("medrelay_connections_open", "gauge", "TCP connections open on the signaling ports.");
  out.sample("medrelay_connections_open", {}, s.connectionsOpen.load());
  out.family("medrelay_websockets_open", "gauge", "Signed-in WebSocket connections.");
  out.sample("medrelay_websockets_open", {}, s.webSocketsOpen.load());
  out.family("medrelay_connections_accepted_total", "counter", "TCP connections admitted.");
  out.sample("medrelay_connections_accepted_total", {}, s.connectionsAccepted.load());
  out.family("medrelay_connections_refused_total", "counter",
             "TCP connections closed at once, by the limit they hit.");
  out.sample("medrelay_connections_refused_total", {{"limit", "total"}}, s.refusedTotal.load());
  out.sample("medrelay_connections_refused_total", {{"limit", "per-address"}},
             s.refusedPerAddress.load());
  out.sample("medrelay_connections_refused_total", {{"limit", "rate"}}, s.refusedRate.load());
  out.family("medrelay_tls_handshake_failures_total", "counter", "TLS handshakes that failed.");
  out.sample("medrelay_tls_handshake_failures_total", {}, s.handshakeFailures.load());
  out.family("medrelay_http_refused_total", "counter",
             "HTTP requests refused before routing, by reason.");
  out.sample("medrelay_http_refused_total", {{"reason", "header-too-large"}},
             s.headerTooLarge.load());
  out.sample("medrelay_http_refused_total", {{"reason", "body-too-large"}}, s.bodyTooLarge.load());
  out.sample("medrelay_http_refused_total", {{"reason", "timeout"}}, s.requestTimeouts.load());
  out.sample("medrelay_http_refused_total", {{"reason", "bad-request"}}, s.badRequests.load());
  out.family("medrelay_websocket_refused_total", "counter",
             "WebSocket logins, subscribes and messages refused, and connections closed, by "
             "reason.");
  out.sample("medrelay_websocket_refused_total", {{"reason", "connections-per-user"}},
             s.webSocketsRefusedPerUser.load());
  out.sample("medrelay_websocket_refused_total", {{"reason", "sessions-per-connection"}},
             s.webSocketSessionsRefused.load());
  out.sample("medrelay_websocket_refused_total", {{"reason", "message-rate"}},
             s.webSocketRateLimited.load());
  out.sample("medrelay_websocket_refused_total", {{"reason", "abusive"}},
             s.webSocketAbusiveClosed.load());
  out.sample("medrelay_websocket_refused_total", {{"reason", "slow-reader"}},
             s.webSocketSlowReaderClosed.load());
  return out.text();
}

}  // namespace medrelay::signaling
