// HOST:PORT command-line values ("127.0.0.1:8443", "[::1]:8443"), shared by serve and gateway.
#pragma once

#include <cstdint>
#include <string>

namespace medrelay::app {

// "" when `value` is HOST:PORT, else the complaint naming `example`.
std::string checkHostPort(const std::string& value, const std::string& example);
std::string hostOf(const std::string& address);  // without brackets
uint16_t portOf(const std::string& address);
// localhost, 127.0.0.0/8 or ::1 (addresses without brackets); a name is not an address.
bool isLoopbackHost(const std::string& host);

}  // namespace medrelay::app
