// `serve --webhooks FILE`: where the relay POSTs its events and with which key it signs them.
// The file is JSON and may hold tokens (many chat apps put one in the hook's URL), so it gets
// the same protection as a secret file:
//
//   {"endpoints": [{"name": "stroke-chat",
//                   "url": "https://chat.hospital.example/hooks/medrelay",
//                   "secret_file": "/etc/medrelay/stroke-chat.key",
//                   "events": ["stream.live", "stream.down", "stream.shared"],
//                   "ca_file": "/etc/medrelay/hospital-ca.pem"}]}
//
// `events` left out means every event; `ca_file` left out means the system's CAs. Relative
// paths are relative to the file's folder. Pure functions; thread-safe.
#pragma once

#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace medrelay::app {

// The events the relay sends. A name outside this list in `events` is a typo and refused.
inline constexpr std::string_view kWebhookEventTypes[] = {
    "stream.live", "stream.down", "stream.shared", "stream.unshared", "thread.message"};

struct WebhookUrl {
  bool tls = true;     // https (http only to a loopback address)
  std::string host;    // without brackets for IPv6
  std::string port;    // "443" when not given
  std::string target;  // path and query, "/" at least
  std::string origin()
      const;  // "https://host:port": what logs may show (the path may hold a token)
};

struct WebhookEndpoint {
  std::string name;  // [A-Za-z0-9_-]{1,32}: logs and metric labels name the endpoint by it
  WebhookUrl url;
  std::string secret;            // the HMAC-SHA256 key (from secret_file)
  std::set<std::string> events;  // empty: every event
  std::filesystem::path caFile;  // empty: the system's CAs
  bool wants(std::string_view type) const;
};

// Throws std::invalid_argument naming what is wrong.
WebhookUrl parseWebhookUrl(std::string_view url);
// `text`: the file's JSON; `folder`: for relative paths. Reads the secret files. Throws
// std::runtime_error (or std::invalid_argument) naming the endpoint and what is wrong.
std::vector<WebhookEndpoint> parseWebhookConfig(std::string_view text,
                                                const std::filesystem::path& folder);
// Reads FILE as a secret file (at most 64 KiB) and parses it.
std::vector<WebhookEndpoint> readWebhookConfig(const std::filesystem::path& file);

}  // namespace medrelay::app
