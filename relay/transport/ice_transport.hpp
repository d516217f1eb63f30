// ICE (RFC 8445) for one peer through libnice: one stream, one component (BUNDLE + rtcp-mux),
// full agent in the controlled role (browsers and WHEP clients offer and control), trickle.
// Peer-reflexive candidates are learned from the peer's checks, so a browser that sends only
// mDNS candidates (which we cannot resolve and ignore) still connects. With IceConfig::tcp, TCP
// host candidates too (RFC 6544): the peer's active candidate reaches our passive one.
// Owned by one MediaWorker: libnice runs on that worker's GMainContext, so every method and
// every listener callback runs on the worker thread.
#pragma once

#include <nice/agent.h>
#include <sys/socket.h>

#include <array>
#include <span>
#include <string>
#include <vector>

#include "relay/common/media_worker.hpp"

namespace medrelay::relay::transport {

class IceTransport;
class LoadGeneratorIceDoor;

struct IceConfig {
  // Local addresses for host candidates; empty = every interface libnice finds.
  std::vector<std::string> bindAddresses;
  uint16_t portMin = 0, portMax = 0;  // 0 = any port (UDP and TCP candidates alike)
  bool controlling = false;           // tests make a controlling peer; the relay is controlled
  // Also gather TCP candidates (RFC 6544; libnice frames media per RFC 4571): a viewer whose
  // UDP a firewall blocks connects from its active candidate to our passive one.
  bool tcp = false;

 private:
  // RFC 7675 consent checks of our own: always on in the product. Only the load generator,
  // which reads the socket itself, turns them off (load_generator_ice_door.hpp).
  friend class IceTransport;
  friend class LoadGeneratorIceDoor;
  bool consentChecks_ = true;
};

class IceTransport {
 public:
  enum class State { New, Checking, Connected, Completed, Failed, Closed };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onIceLocalCandidate(const std::string& candidate) = 0;  // "candidate:..."
    virtual void onIceGatheringDone() = 0;
    virtual void onIceStateChanged(State state) = 0;
    virtual void onIceData(std::span<const uint8_t> datagram) = 0;  // valid during the call
  };

  IceTransport(MediaWorker& worker, const IceConfig& config, Listener& listener);
  ~IceTransport();
  IceTransport(const IceTransport&) = delete;
  IceTransport& operator=(const IceTransport&) = delete;

  const std::string& localUfrag() const { return ufrag_; }
  const std::string& localPassword() const { return password_; }
  bool gatherCandidates();
  std::vector<std::string> localCandidates() const { return candidates_; }
  bool setRemoteCredentials(const std::string& ufrag, const std::string& password);
  // "candidate:..." with or without "a="; false for what we cannot use (TCP, mDNS names, junk).
  bool addRemoteCandidate(const std::string& candidate);
  void setRemoteGatheringDone();
  bool send(std::span<const uint8_t> datagram);
  // The media path: queues a datagram for the next flush(), which sends the queue with one
  // sendmmsg on the selected pair's socket. The bytes must stay untouched until flush().
  // Where the pair cannot be batched (no selected pair yet, relayed or TCP), sends at once.
  bool queue(std::span<const uint8_t> datagram);
  size_t flush();  // returns how many datagrams could not be sent
  State state() const { return state_; }
  void close();

 private:
  friend class LoadGeneratorIceDoor;  // bench/load only: takes over the socket
  static constexpr guint kComponent = 1;

  static void onCandidate(NiceAgent*, NiceCandidate*, gpointer self);
  static void onGatheringDone(NiceAgent*, guint stream, gpointer self);
  static void onComponentState(NiceAgent*, guint stream, guint component, guint state,
                               gpointer self);
  static void onReceive(NiceAgent*, guint stream, guint component, guint length, gchar* data,
                        gpointer self);
  static void onSelectedPair(NiceAgent*, guint stream, guint component, NiceCandidate* local,
                             NiceCandidate* remote, gpointer self);
  void setState(State state);
  void refreshSelectedPair();  // where queue() sends: the selected pair's socket and peer
  void forgetSelectedPair();

  MediaWorker& worker_;
  Listener& listener_;
  const bool tcp_;  // TCP candidates gathered, and the peer's accepted
  NiceAgent* agent_ = nullptr;
  guint stream_ = 0;
  std::string ufrag_;
  std::string password_;
  std::vector<std::string> candidates_;
  State state_ = State::New;
  bool gathering_ = false;

  static constexpr size_t kMaxBatch = 64;
  // UDP GSO (UDP_SEGMENT): one message per run of equal-size datagrams, at most this many
  // datagrams and bytes each (the kernel's limits).
  static constexpr size_t kMaxSegments = 64;
  static constexpr size_t kMaxGsoBytes = 60000;
  GSocket* batchSocket_ = nullptr;  // our reference to libnice's socket for the selected pair
  int batchFd_ = -1;
  sockaddr_storage batchPeer_{};
  socklen_t batchPeerLength_ = 0;
  std::array<mmsghdr, kMaxBatch> batch_{};
  std::array<iovec, kMaxBatch> batchVectors_{};
  std::array<size_t, kMaxBatch> batchSegments_{};  // datagrams in each message
  std::array<std::array<char, CMSG_SPACE(sizeof(uint16_t))>, kMaxBatch> batchControl_{};
  size_t batched_ = 0;
  bool gso_ = true;              // off for good after the kernel refuses a segmented message
  size_t deferredFailures_ = 0;  // from flushes forced by a full queue
};

}  // namespace medrelay::relay::transport
