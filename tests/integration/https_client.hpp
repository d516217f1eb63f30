// Minimal synchronous HTTPS client for integration tests (Beast), certificate checks off:
// the server under test uses its own freshly made self-signed certificate.
#pragma once

#include <map>
#include <string>

namespace medrelay::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

HttpResponse httpsRequest(const std::string& host, unsigned short port, const std::string& method,
                          const std::string& target,
                          const std::map<std::string, std::string>& headers,
                          const std::string& body = "");

}  // namespace medrelay::testing
