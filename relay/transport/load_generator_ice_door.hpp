// The load generator's door into IceTransport, and nobody else's: bench/load holds thousands of
// viewers on one thread, where libnice's one GLib source per socket makes every wake-up cost
// O(peers). Through this door it builds agents without consent checks of their own and, once a
// pair is selected, takes over reading the socket (recvmmsg over an epoll set, answering the
// relay's STUN checks itself). The product never includes this header; tools/check_layering.sh
// fails if anything outside bench/ and tests/ does.
#pragma once

#include <sys/socket.h>

#include <optional>

#include "relay/transport/ice_transport.hpp"

namespace medrelay::relay::transport {

class LoadGeneratorIceDoor {
 public:
  // RFC 7675 consent checks off: their answers would arrive on a socket libnice no longer reads.
  static void withoutConsentChecks(IceConfig& config) { config.consentChecks_ = false; }

  struct ReceivePath {
    int fd = -1;
    sockaddr_storage peer{};
    socklen_t peerLength = 0;
  };
  // Stops libnice reading the selected pair's socket and hands it over; nullopt before a UDP
  // pair is selected. The socket stays open as long as the transport. Worker thread.
  static std::optional<ReceivePath> detachReceive(IceTransport& ice);
};

}  // namespace medrelay::relay::transport
