// DTLS 1.2 handshake for DTLS-SRTP (RFC 5764) over OpenSSL, carried by ICE. Records arrive
// through receive(); outgoing records leave one datagram at a time through the listener (a
// custom BIO keeps OpenSSL's datagram boundaries, which a memory BIO would merge). The peer's
// certificate is accepted only if its digest equals the SDP fingerprint.
// Owned by one media worker; not thread-safe. The owner arms a timer from nextTimeout().
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/transport/certificate.hpp"
#include "relay/transport/openssl_handles.hpp"
#include "relay/transport/srtp_keying.hpp"

namespace medrelay::relay::transport {

enum class DtlsRole { Client, Server };

class DtlsTransport {
 public:
  enum class State { New, Connecting, Connected, Failed, Closed };

  class Listener {
   public:
    virtual ~Listener() = default;
    virtual void onDtlsSend(std::span<const uint8_t> datagram) = 0;
    virtual void onDtlsConnected(const SrtpKeyingMaterial& keys) = 0;
    virtual void onDtlsFailed(std::string_view reason) = 0;
    virtual void onDtlsClosed() = 0;
  };

  DtlsTransport(std::shared_ptr<Certificate> local, Listener& listener);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // Starts the handshake; a client sends its ClientHello now. Records that arrived before
  // start() (a fast browser's ClientHello) are replayed.
  void start(DtlsRole role, std::string remoteFingerprintAlgorithm, std::string remoteFingerprint);
  void receive(std::span<const uint8_t> datagram);
  std::optional<std::chrono::milliseconds> nextTimeout() const;
  void handleTimeout();
  void close();  // sends close_notify when connected
  State state() const { return state_; }

  static constexpr size_t kMtu = 1200;
  static constexpr std::chrono::seconds kHandshakeLimit{30};

 private:
  static int bioWrite(BIO* bio, const char* data, int length);
  static long bioCtrl(BIO* bio, int command, long number, void* pointer);
  void advanceHandshake();
  bool finishHandshake();
  void readApplicationData();
  void fail(std::string_view reason);

  std::shared_ptr<Certificate> certificate_;
  Listener& listener_;
  SslCtxPtr context_;
  SslPtr ssl_;
  BIO* incoming_ = nullptr;  // owned by ssl_
  State state_ = State::New;
  DtlsRole role_ = DtlsRole::Server;
  std::string fingerprintAlgorithm_;
  std::string fingerprint_;
  std::vector<std::vector<uint8_t>> early_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace medrelay::relay::transport
