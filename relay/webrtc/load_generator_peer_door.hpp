// The load generator's door into PeerConnection (see transport/load_generator_ice_door.hpp for
// why it exists). The product never includes this header; tools/check_layering.sh fails if
// anything outside bench/ and tests/ does.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "relay/transport/load_generator_ice_door.hpp"
#include "relay/webrtc/peer_connection.hpp"

namespace medrelay::relay::webrtc {

class LoadGeneratorPeerDoor {
 public:
  static void withoutConsentChecks(PeerConnectionConfig& config) {
    transport::LoadGeneratorIceDoor::withoutConsentChecks(config.ice);
  }
  // Takes the connected peer's socket away from libnice. Worker thread.
  static std::optional<transport::LoadGeneratorIceDoor::ReceivePath> detachReceive(
      PeerConnection& peer) {
    return transport::LoadGeneratorIceDoor::detachReceive(peer.ice_);
  }
  // A datagram the caller read from that socket, handled as if libnice had delivered it.
  static void receive(PeerConnection& peer, std::span<const uint8_t> datagram) {
    peer.onIceData(datagram);
  }
};

}  // namespace medrelay::relay::webrtc
