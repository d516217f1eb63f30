// Delivers webhook events to the configured endpoints without ever holding up the caller: send()
// queues (a bounded queue per endpoint; when full the oldest event goes, counted), and one
// thread of its own POSTs each endpoint's events in order, one at a time, over HTTPS with the
// server's certificate checked. A failure (no connection, a timeout, 5xx, 408, 429) is retried
// with exponential backoff and jitter, honouring Retry-After, up to Policy::maxAttempts; any
// other 4xx is the receiver refusing the event and is not retried. Logs and metrics name the
// endpoint and its origin, never the URL's path (which may hold a token) or the key.
// Thread-safe: send(), counts() and metricsText() from any thread; construct and destroy on
// one (the main) thread. Destruction gives in-flight deliveries a short grace, then drops what
// is left (logged with the count).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "app/webhook_config.hpp"
#include "app/webhook_event.hpp"

namespace medrelay::app {

class WebhookSender {
 public:
  struct Policy {
    size_t queueLimit = 1000;  // per endpoint
    std::chrono::milliseconds firstRetry{2000};
    std::chrono::milliseconds maxRetry{std::chrono::minutes(5)};
    int maxAttempts = 8;                        // about 10 minutes of retries
    std::chrono::milliseconds timeout{10000};   // connect, TLS, request and response together
    std::chrono::milliseconds stopGrace{2000};  // for deliveries in flight at destruction
  };
  struct Counts {
    uint64_t delivered = 0, retried = 0, failed = 0, dropped = 0;
    size_t queued = 0;  // waiting, and the one in flight
  };

  // Throws std::runtime_error when an endpoint's ca_file cannot be loaded.
  WebhookSender(std::vector<WebhookEndpoint> endpoints, Policy policy);
  explicit WebhookSender(std::vector<WebhookEndpoint> endpoints)
      : WebhookSender(std::move(endpoints), Policy{}) {}
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Queues the event for every endpoint that wants its type. Never waits on the network.
  void send(const WebhookEvent& event);
  Counts counts(std::string_view endpoint) const;  // zeros for an unknown name
  // medrelay_webhook_events_total{endpoint,result}, _retries_total, _queued.
  std::string metricsText() const;

 private:
  struct Impl;  // Boost.Asio and Beast stay out of this header
  std::unique_ptr<Impl> impl_;
};

}  // namespace medrelay::app
