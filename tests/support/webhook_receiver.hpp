// A webhook receiver for tests: an HTTPS (or plain HTTP) server on 127.0.0.1 with a
// kernel-chosen port that records every request and answers with scripted statuses. Requests
// are handled one at a time on its own thread (the sender sends one at a time per endpoint).
// Thread-safe: any test thread may script it and read what it got.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace medrelay::testing {

struct ReceivedWebhook {
  std::string method, target, body;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// What a receiver does with X-MedRelay-Signature ("t=SECONDS,v1=HEX", HMAC-SHA256 with `key`
// over "SECONDS.BODY"), computed here independently of the relay's own code.
bool signatureHolds(const ReceivedWebhook& got, const std::string& key);

class WebhookReceiver {
 public:
  // TLS with this certificate and key; both empty: plain HTTP.
  WebhookReceiver(const std::filesystem::path& certificate, const std::filesystem::path& key);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  unsigned short port() const { return port_; }
  // The next requests get these statuses in order; after them, 200. A status of 0: read the
  // request, record it and never answer (the connection stays open until the receiver goes).
  void script(std::vector<unsigned> statuses, std::string retryAfter = "");
  std::vector<ReceivedWebhook> received() const;
  // True once at least `count` requests arrived within `deadline`.
  bool waitFor(size_t count, std::chrono::milliseconds deadline) const;

 private:
  struct Impl;
  void run();
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::deque<unsigned> statuses_;
  std::string retryAfter_;
  std::vector<ReceivedWebhook> received_;
  std::thread thread_;
};

}  // namespace medrelay::testing
