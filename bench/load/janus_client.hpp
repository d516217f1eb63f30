// Janus's HTTP API (plain HTTP on loopback), as much as the benchmark needs: one session, a
// streaming-plugin handle per viewer, watch -> JSEP offer (from the long-poll), start with our
// answer, and a keepalive so the session outlives long runs.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>

namespace medrelay::bench {

class JanusClient {
 public:
  JanusClient(std::string host, unsigned short port);
  ~JanusClient();  // stops the keepalive, destroys the session

  uint64_t attachStreaming();
  void watch(uint64_t handle, int mountpoint);
  // The offer Janus sends for `handle` (long-polling the session's events); "" after `timeoutMs`.
  std::string waitForOffer(uint64_t handle, int timeoutMs = 10000);
  void start(uint64_t handle, const std::string& answerSdp);

 private:
  nlohmann::json post(const std::string& target, nlohmann::json body);
  nlohmann::json get(const std::string& target);

  std::string host_;
  unsigned short port_;
  uint64_t session_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread keepalive_;
};

}  // namespace medrelay::bench
