#include "pipelines/ingest_handoff.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <nlohmann/json.hpp>

namespace medrelay::pipelines {

namespace {
constexpr char kMagic[] = "MEDRELAY-INGEST-HANDOFF-1\n";
constexpr size_t kMagicLength = sizeof kMagic - 1;
constexpr size_t kMaxMessage = 64 * 1024;
}  // namespace

std::vector<uint8_t> encodeHandoff(const IngestHandoff& handoff) {
  std::string text = kMagic + nlohmann::json{{"source", handoff.source}}.dump();
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::optional<IngestHandoff> decodeHandoff(std::span<const uint8_t> message) {
  if (message.size() < kMagicLength || message.size() > kMaxMessage ||
      std::memcmp(message.data(), kMagic, kMagicLength) != 0) {
    return std::nullopt;
  }
  auto body = nlohmann::json::parse(message.begin() + kMagicLength, message.end(), nullptr, false);
  if (!body.is_object() || !body.contains("source") || !body["source"].is_string()) {
    return std::nullopt;
  }
  return IngestHandoff{body["source"].get<std::string>()};
}

std::optional<IngestHandoff> receiveHandoff(int fd, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::vector<uint8_t> buffer(kMaxMessage + 1);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_DONTWAIT);
    if (n == 0) return std::nullopt;  // the relay is gone
    if (n < 0) continue;
    if (auto handoff = decodeHandoff(std::span<const uint8_t>(buffer.data(), size_t(n)))) {
      return handoff;
    }
    // Anything else is older than this child: skip it.
  }
}

bool sendHandoff(int relayFd, int childFd, const IngestHandoff& handoff) {
  std::array<uint8_t, 2048> discard;
  while (::recv(childFd, discard.data(), discard.size(), MSG_DONTWAIT) > 0) {
  }
  auto message = encodeHandoff(handoff);
  return ::send(relayFd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL) ==
         static_cast<ssize_t>(message.size());
}

}  // namespace medrelay::pipelines
