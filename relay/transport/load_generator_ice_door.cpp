#include "relay/transport/load_generator_ice_door.hpp"

namespace medrelay::relay::transport {

std::optional<LoadGeneratorIceDoor::ReceivePath> LoadGeneratorIceDoor::detachReceive(
    IceTransport& ice) {
  if (ice.batchFd_ < 0 || ice.state_ == IceTransport::State::Closed) return std::nullopt;
  nice_agent_attach_recv(ice.agent_, ice.stream_, IceTransport::kComponent, ice.worker_.context(),
                         nullptr, nullptr);
  return ReceivePath{ice.batchFd_, ice.batchPeer_, ice.batchPeerLength_};
}

}  // namespace medrelay::relay::transport
