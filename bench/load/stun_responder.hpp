// Answers STUN Binding requests (RFC 5389/8489) on a socket the load generator reads itself
// (LoadGeneratorIceDoor::detachReceive): the relay's consent checks (RFC 7675) must keep getting
// answers, or it stops sending. A success response with XOR-MAPPED-ADDRESS, MESSAGE-INTEGRITY under
// our ICE password and FINGERPRINT. Pure functions; any thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <span>
#include <string>

namespace medrelay::bench {

// True for a datagram that looks like STUN (a first byte of 0-3, RFC 7983, and the magic
// cookie).
bool isStun(std::span<const uint8_t> datagram);

// Writes the success response to the Binding request `request` that came from `from`, keyed
// with `password` (the receiving agent's ICE password). Returns its size, or 0 when `request` is
// not a Binding request or `out` is too small (92 bytes always suffice).
size_t writeBindingSuccess(std::span<const uint8_t> request, const sockaddr_storage& from,
                           const std::string& password, std::span<uint8_t> out);

}  // namespace medrelay::bench
