#include "app/host_port.hpp"

#include <arpa/inet.h>

#include <regex>

namespace medrelay::app {

std::string checkHostPort(const std::string& value, const std::string& example) {
  static const std::regex pattern(R"((\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5}))");
  std::smatch match;
  if (!std::regex_match(value, match, pattern) || std::stoi(match[2]) > 65535) {
    return "expected HOST:PORT, for example " + example;
  }
  return "";
}

std::string hostOf(const std::string& address) {
  auto host = address.substr(0, address.rfind(':'));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return host;
}

uint16_t portOf(const std::string& address) {
  return static_cast<uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

bool isLoopbackHost(const std::string& host) {
  // Addresses are parsed, not matched by prefix: "127.example.org" is a name that may resolve
  // anywhere.
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

}  // namespace medrelay::app
