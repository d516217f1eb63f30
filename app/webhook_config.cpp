#include "app/webhook_config.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "app/host_port.hpp"
#include "common/secret_file.hpp"

namespace medrelay::app {

namespace {

bool validName(const std::string& name) {
  return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

bool validHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == ':';
}

std::filesystem::path resolve(const std::filesystem::path& folder, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() ? p : folder / p;
}

}  // namespace

std::string WebhookUrl::origin() const {
  auto shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return std::string(tls ? "https://" : "http://") + shown + ":" + port;
}

bool WebhookEndpoint::wants(std::string_view type) const {
  return events.empty() || events.count(std::string(type)) > 0;
}

WebhookUrl parseWebhookUrl(std::string_view url) {
  WebhookUrl out;
  std::string_view rest;
  if (url.substr(0, 8) == "https://") {
    rest = url.substr(8);
  } else if (url.substr(0, 7) == "http://") {
    out.tls = false;
    rest = url.substr(7);
  } else {
    throw std::invalid_argument("a webhook URL starts with https://");
  }
  for (char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
      throw std::invalid_argument("a webhook URL has no spaces or control characters");
  }
  auto end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, end);
  std::string_view target = end == std::string_view::npos ? "/" : rest.substr(end);
  if (target.find('#') != std::string_view::npos) target = target.substr(0, target.find('#'));
  if (authority.find('@') != std::string_view::npos)
    throw std::invalid_argument("a webhook URL carries no user name or password (use secret_file)");
  std::string_view host = authority, port;
  if (!authority.empty() && authority[0] == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos)
      throw std::invalid_argument("a webhook URL's [ is not closed");
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') throw std::invalid_argument("a webhook URL has text after its ]");
      port = after.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      throw std::invalid_argument("an IPv6 address in a webhook URL goes in [ ]");
  }
  if (host.empty() || host.size() > 253 || !std::all_of(host.begin(), host.end(), validHostChar))
    throw std::invalid_argument("a webhook URL needs a host name or address");
  out.host = std::string(host);
  if (port.empty()) {
    out.port = out.tls ? "443" : "80";
  } else {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
        std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535)
      throw std::invalid_argument("a webhook URL's port is a number from 1 to 65535");
    out.port = std::string(port);
  }
  out.target = target.empty() ? "/" : std::string(target);
  if (out.target[0] != '/') out.target = "/" + out.target;
  // Events name streams and groups: they cross the network encrypted, except to a receiver on
  // this machine (a chat app's sidecar).
  if (!out.tls && !isLoopbackHost(out.host))
    throw std::invalid_argument("a webhook URL is https:// (http:// only to a loopback address)");
  return out;
}

std::vector<WebhookEndpoint> parseWebhookConfig(std::string_view text,
                                                const std::filesystem::path& folder) {
  auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("endpoints") ||
      !json["endpoints"].is_array())
    throw std::runtime_error("the webhooks file is JSON with an \"endpoints\" array");
  std::vector<WebhookEndpoint> out;
  std::set<std::string> names;
  for (const auto& item : json["endpoints"]) {
    if (!item.is_object()) throw std::runtime_error("each webhook endpoint is a JSON object");
    WebhookEndpoint endpoint;
    std::string name;
    if (item.contains("name") && item["name"].is_string()) name = item["name"].get<std::string>();
    if (!validName(name))
      throw std::runtime_error(
          "each webhook endpoint has a \"name\" of 1-32 letters, digits, - or _");
    if (!names.insert(name).second)
      throw std::runtime_error("webhook endpoint " + name + " is named twice");
    endpoint.name = name;
    auto fail = [&name](const std::string& what) {
      return std::runtime_error("webhook endpoint " + name + ": " + what);
    };
    for (const auto& [key, value] : item.items()) {
      if (key != "name" && key != "url" && key != "secret_file" && key != "events" &&
          key != "ca_file")
        throw fail("unknown key \"" + key + "\"");
    }
    if (!item.contains("url") || !item["url"].is_string()) throw fail("\"url\" is missing");
    try {
      endpoint.url = parseWebhookUrl(item["url"].get<std::string>());
    } catch (const std::invalid_argument& e) {
      throw fail(e.what());  // the URL itself is not repeated: it may hold a token
    }
    if (!item.contains("secret_file") || !item["secret_file"].is_string())
      throw fail("\"secret_file\" is missing (the receiver checks each event's signature)");
    endpoint.secret =
        readSecretFile(resolve(folder, item["secret_file"].get<std::string>()), "webhook key file");
    if (endpoint.secret.size() < 16) throw fail("the key in secret_file is shorter than 16 bytes");
    if (item.contains("events")) {
      if (!item["events"].is_array() || item["events"].empty())
        throw fail("\"events\" is a non-empty list of event names");
      for (const auto& event : item["events"]) {
        auto known = std::find(std::begin(kWebhookEventTypes), std::end(kWebhookEventTypes),
                               event.is_string() ? event.get<std::string>() : "");
        if (known == std::end(kWebhookEventTypes))
          throw fail("unknown event " + event.dump() +
                     " (known: stream.live, stream.down, "
                     "stream.shared, stream.unshared)");
        endpoint.events.insert(std::string(*known));
      }
    }
    if (item.contains("ca_file")) {
      if (!item["ca_file"].is_string()) throw fail("\"ca_file\" is a path");
      endpoint.caFile = resolve(folder, item["ca_file"].get<std::string>());
      if (!endpoint.url.tls) throw fail("\"ca_file\" is for https:// URLs");
    }
    out.push_back(std::move(endpoint));
  }
  return out;
}

std::vector<WebhookEndpoint> readWebhookConfig(const std::filesystem::path& file) {
  auto text = readSecretFile(file, "webhooks file", 64 * 1024);
  return parseWebhookConfig(text, file.parent_path());
}

}  // namespace medrelay::app
