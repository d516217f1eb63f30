// A port nothing on 127.0.0.1 uses right now, picked by the kernel (for servers and peers a
// test starts; the tiny race until they bind is acceptable on a test machine).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace medrelay::testing {

// `type`: SOCK_STREAM (TCP) or SOCK_DGRAM (UDP).
inline uint16_t freeLoopbackPort(int type = SOCK_STREAM) {
  int fd = ::socket(AF_INET, type, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace medrelay::testing
