#include "app/webhook_sender.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "common/clock.hpp"
#include "common/logger.hpp"
#include "common/prometheus_text.hpp"

namespace medrelay::app {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::use_awaitable;

namespace {

auto log() {
  static auto logger = medrelay::logger("webhook");
  return logger;
}

// What one attempt came to: an HTTP status, or 0 with the network error.
struct Attempt {
  unsigned status = 0;
  std::string error;
  std::chrono::seconds retryAfter{0};
  bool delivered() const { return status >= 200 && status < 300; }
  // The receiver read the event and refused it: sending it again would not change that.
  bool refused() const { return status >= 400 && status < 500 && status != 408 && status != 429; }
  std::string reason() const { return status ? "HTTP " + std::to_string(status) : error; }
};

bool isIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct WebhookSender::Impl {
  struct Pending {
    WebhookEvent event;
    std::string body;
  };
  struct Lane {
    explicit Lane(WebhookEndpoint e) : endpoint(std::move(e)), tls(ssl::context::tls_client) {}
    WebhookEndpoint endpoint;
    ssl::context tls;
    // The timer of a retry being waited for (it lives in the coroutine's frame, which the
    // io_context destroys before the lanes): io thread only.
    asio::steady_timer* retryWait = nullptr;
    std::deque<Pending> queue;  // under Impl::mutex
    bool draining = false;      // under Impl::mutex: a drain coroutine runs for this lane
    bool inFlight = false;      // under Impl::mutex
    uint64_t delivered = 0, failed = 0, dropped = 0;  // under Impl::mutex
    std::atomic<uint64_t> retried{0};
  };

  Impl(std::vector<WebhookEndpoint> endpoints, Policy p) : policy(p) {
    for (auto& endpoint : endpoints) {
      auto lane = std::make_unique<Lane>(std::move(endpoint));
      SSL_CTX_set_min_proto_version(lane->tls.native_handle(), TLS1_2_VERSION);
      lane->tls.set_verify_mode(ssl::verify_peer);
      boost::system::error_code ec;
      if (lane->endpoint.caFile.empty())
        lane->tls.set_default_verify_paths(ec);
      else
        lane->tls.load_verify_file(lane->endpoint.caFile.string(), ec);
      if (ec) {
        throw std::runtime_error("webhook endpoint " + lane->endpoint.name +
                                 ": the CA certificates cannot be loaded (" + ec.message() + ")");
      }
      lanes.push_back(std::move(lane));
    }
    thread = std::thread([this] {
      io.run();
      finished = true;
    });
  }

  ~Impl() {
    size_t left = 0;
    {
      std::lock_guard lock(mutex);
      stopping = true;
      for (const auto& lane : lanes)
        left += lane->queue.size();
    }
    // Waiting retries end now; a delivery in flight gets the grace to finish.
    asio::post(io, [this] {
      for (auto& lane : lanes)
        if (lane->retryWait) lane->retryWait->cancel();
    });
    work.reset();
    auto deadline = std::chrono::steady_clock::now() + policy.stopGrace;
    while (!finished && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    io.stop();
    thread.join();
    for (const auto& lane : lanes)
      left += lane->inFlight ? 1 : 0;
    if (left) log()->warn("{} webhook deliveries were dropped: the relay stopped", left);
  }

  void send(const WebhookEvent& event) {
    std::string body = webhookBody(event);
    std::lock_guard lock(mutex);
    if (stopping) return;
    for (auto& lane : lanes) {
      if (!lane->endpoint.wants(event.type)) continue;
      if (lane->queue.size() >= policy.queueLimit) {
        lane->queue.pop_front();
        if (lane->dropped++ % 100 == 0) {
          log()->warn("webhook {}: the queue is full ({} events); dropping the oldest",
                      lane->endpoint.name, policy.queueLimit);
        }
      }
      lane->queue.push_back({event, body});
      if (!lane->draining) {
        lane->draining = true;
        asio::co_spawn(io, drain(*lane), asio::detached);
      }
    }
  }

  // One lane's events in order; ends when its queue is empty (send() starts it again).
  asio::awaitable<void> drain(Lane& lane) {
    for (;;) {
      Pending next;
      {
        std::lock_guard lock(mutex);
        if (stopping || lane.queue.empty()) {
          lane.draining = false;
          co_return;
        }
        next = std::move(lane.queue.front());
        lane.queue.pop_front();
        lane.inFlight = true;
      }
      bool delivered = co_await deliver(lane, next);
      std::lock_guard lock(mutex);  // the counts and the queue change together
      ++(delivered ? lane.delivered : lane.failed);
      lane.inFlight = false;
    }
  }

  // True once delivered; false when given up (or the sender stops).
  asio::awaitable<bool> deliver(Lane& lane, const Pending& pending) {
    const auto& name = lane.endpoint.name;
    auto wait = policy.firstRetry;
    for (int attempt = 1;; ++attempt) {
      Attempt result = co_await post(lane, pending);
      if (result.delivered()) {
        log()->debug("webhook {}: {} {} delivered", name, pending.event.type, pending.event.id);
        co_return true;
      }
      if (result.refused() || attempt >= policy.maxAttempts) {
        log()->warn("webhook {} ({}): {} {} not delivered after {} attempt(s): {}", name,
                    lane.endpoint.url.origin(), pending.event.type, pending.event.id, attempt,
                    result.reason());
        co_return false;
      }
      ++lane.retried;
      auto delay = std::max(
          jittered(wait), std::chrono::duration_cast<std::chrono::milliseconds>(result.retryAfter));
      delay = std::min(delay, policy.maxRetry);
      log()->info("webhook {} ({}): {} {} attempt {} failed ({}); again in {} ms", name,
                  lane.endpoint.url.origin(), pending.event.type, pending.event.id, attempt,
                  result.reason(), delay.count());
      wait = std::min(wait * 2, policy.maxRetry);
      {
        std::lock_guard lock(mutex);
        if (stopping) co_return false;
      }
      asio::steady_timer timer(io, delay);
      lane.retryWait = &timer;
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(use_awaitable, ec));
      lane.retryWait = nullptr;
      {
        std::lock_guard lock(mutex);
        if (stopping) co_return false;
      }
    }
  }

  std::chrono::milliseconds jittered(std::chrono::milliseconds wait) {
    // 50-100 % of the wait: endpoints that failed together do not all come back at once.
    std::uniform_int_distribution<int64_t> spread(wait.count() / 2, wait.count());
    return std::chrono::milliseconds(spread(random));
  }

  http::request<http::string_body> request(const Lane& lane, const Pending& pending) {
    const auto& url = lane.endpoint.url;
    http::request<http::string_body> req{http::verb::post, url.target, 11};
    bool defaultPort = url.port == (url.tls ? "443" : "80");
    auto host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(http::field::host, defaultPort ? host : host + ":" + url.port);
    req.set(http::field::user_agent, "MedRelay-Webhook/1");
    req.set(http::field::content_type, "application/json");
    req.set(http::field::connection, "close");
    req.set("X-MedRelay-Event", pending.event.type);
    req.set("X-MedRelay-Delivery", pending.event.id);
    req.set("X-MedRelay-Signature",
            webhookSignature(lane.endpoint.secret, wallMs() / 1000, pending.body));
    req.body() = pending.body;
    req.prepare_payload();
    return req;
  }

  template <class Stream>
  asio::awaitable<Attempt> exchange(Stream& stream, http::request<http::string_body> req) {
    Attempt out;
    co_await http::async_write(stream, req, use_awaitable);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);  // what the receiver says back is not ours to store
    co_await http::async_read(stream, buffer, parser, use_awaitable);
    const auto& response = parser.get();
    out.status = response.result_int();
    if (auto it = response.find(http::field::retry_after); it != response.end()) {
      auto text = std::string(it->value());
      if (!text.empty() && text.size() < 7 &&
          std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        out.retryAfter = std::chrono::seconds(std::stoi(text));
    }
    co_return out;
  }

  asio::awaitable<Attempt> post(Lane& lane, const Pending& pending) {
    const auto& url = lane.endpoint.url;
    try {
      asio::ip::tcp::resolver resolver(io);
      asio::steady_timer resolveTimeout(io);
      resolveTimeout.expires_after(policy.timeout);
      resolveTimeout.async_wait([&resolver](boost::system::error_code ec) {
        if (!ec) resolver.cancel();
      });
      auto addresses = co_await resolver.async_resolve(url.host, url.port, use_awaitable);
      resolveTimeout.cancel();
      if (!url.tls) {
        beast::tcp_stream stream(io);
        stream.expires_after(policy.timeout);
        co_await stream.async_connect(addresses, use_awaitable);
        co_return co_await exchange(stream, request(lane, pending));
      }
      beast::ssl_stream<beast::tcp_stream> stream(io, lane.tls);
      beast::get_lowest_layer(stream).expires_after(policy.timeout);
      if (!isIpAddress(url.host))
        SSL_set_tlsext_host_name(stream.native_handle(), url.host.c_str());
      stream.set_verify_callback(ssl::host_name_verification(url.host));
      co_await beast::get_lowest_layer(stream).async_connect(addresses, use_awaitable);
      co_await stream.async_handshake(ssl::stream_base::client, use_awaitable);
      co_return co_await exchange(stream, request(lane, pending));
    } catch (const boost::system::system_error& e) {
      Attempt failed;
      failed.error = e.code() == beast::error::timeout || e.code() == asio::error::operation_aborted
                         ? std::string("no answer within the timeout")
                         : e.code().message();
      co_return failed;
    } catch (const std::exception& e) {
      Attempt failed;
      failed.error = e.what();
      co_return failed;
    }
  }

  Counts counts(std::string_view name) const {
    Counts out;
    std::lock_guard lock(mutex);
    for (const auto& lane : lanes) {
      if (lane->endpoint.name != name) continue;
      out = {lane->delivered, lane->retried, lane->failed, lane->dropped,
             lane->queue.size() + (lane->inFlight ? 1 : 0)};
    }
    return out;
  }

  const Policy policy;
  mutable std::mutex mutex;
  bool stopping = false;                           // under mutex
  std::mt19937_64 random{std::random_device{}()};  // io thread only
  // Before io, so destroyed after it: the coroutine frames the io_context destroys refer to lanes.
  std::vector<std::unique_ptr<Lane>> lanes;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{
      asio::make_work_guard(io)};
  std::atomic<bool> finished{false};
  std::thread thread;
};

WebhookSender::WebhookSender(std::vector<WebhookEndpoint> endpoints, Policy policy)
    : impl_(std::make_unique<Impl>(std::move(endpoints), policy)) {}

WebhookSender::~WebhookSender() = default;

void WebhookSender::send(const WebhookEvent& event) {
  impl_->send(event);
}

WebhookSender::Counts WebhookSender::counts(std::string_view endpoint) const {
  return impl_->counts(endpoint);
}

std::string WebhookSender::metricsText() const {
  PrometheusText out;
  std::vector<std::pair<std::string, Counts>> all;
  for (const auto& lane : impl_->lanes)
    all.emplace_back(lane->endpoint.name, counts(lane->endpoint.name));
  if (all.empty()) return "";
  out.family("medrelay_webhook_events_total", "counter",
             "Webhook events by endpoint and outcome (dropped: the queue was full)");
  for (const auto& [name, c] : all) {
    out.sample("medrelay_webhook_events_total", {{"endpoint", name}, {"result", "delivered"}},
               c.delivered);
    out.sample("medrelay_webhook_events_total", {{"endpoint", name}, {"result", "failed"}},
               c.failed);
    out.sample("medrelay_webhook_events_total", {{"endpoint", name}, {"result", "dropped"}},
               c.dropped);
  }
  out.family("medrelay_webhook_retries_total", "counter", "Webhook attempts that were retried");
  for (const auto& [name, c] : all)
    out.sample("medrelay_webhook_retries_total", {{"endpoint", name}}, c.retried);
  out.family("medrelay_webhook_queued", "gauge", "Webhook events waiting or in flight");
  for (const auto& [name, c] : all)
    out.sample("medrelay_webhook_queued", {{"endpoint", name}}, static_cast<uint64_t>(c.queued));
  return out.text();
}

}  // namespace medrelay::app
