// A listening TCP socket bound to one address (IPv4 or IPv6 literal), for the DICOM receiver:
// DCMTK 3.6.7 can only listen on every interface, so we listen ourselves and hand it each
// accepted connection. Blocking calls with a timeout; one owner thread.
#pragma once

#include <cstdint>
#include <string>

namespace medrelay::pipelines::dicom {

class ListenSocket {
 public:
  ListenSocket() = default;
  ~ListenSocket();
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;

  // Binds `host` (a numeric address; "" or "0.0.0.0" for every IPv4 interface, "::" for every
  // interface) and `port` (0: the kernel picks one). False with `error` set on failure.
  bool open(const std::string& host, uint16_t port, std::string& error);
  uint16_t port() const { return port_; }
  // A connected socket (the caller owns it), or -1 when nothing arrived within `timeoutMs`.
  int accept(int timeoutMs);

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace medrelay::pipelines::dicom
