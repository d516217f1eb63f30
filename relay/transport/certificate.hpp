// The DTLS identity: a self-signed ECDSA P-256 certificate and key, made at start-up (RFC 8827
// lets WebRTC endpoints use self-signed certificates; peers check the SDP fingerprint), and the
// one OpenSSL DTLS context every transport of this identity makes its connections from.
// Immutable after creation; shared by every DTLS transport, any thread (OpenSSL allows SSL_new
// on one SSL_CTX from several threads once the context is set up).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "relay/transport/openssl_handles.hpp"

namespace medrelay::relay::transport {

class Certificate {
 public:
  // Throws std::runtime_error if OpenSSL cannot make a key (start-up failure).
  static std::shared_ptr<Certificate> generate(const std::string& commonName = "medrelay");

  X509* x509() const { return x509_.get(); }
  EVP_PKEY* privateKey() const { return key_.get(); }
  const std::string& fingerprintSha256() const { return fingerprint_; }  // "AB:CD:..."
  // DTLS 1.2 for DTLS-SRTP with this certificate and key: our cipher suites, the SRTP profiles
  // we offer, any peer certificate accepted (the fingerprint is checked after the handshake).
  SSL_CTX* dtlsContext() const { return dtlsContext_.get(); }

  // The SDP fingerprint of `certificate` with `algorithm` ("sha-1", "sha-256", "sha-384",
  // "sha-512"), or nullopt for an unknown algorithm.
  static std::optional<std::string> fingerprintOf(X509* certificate, std::string_view algorithm);

 private:
  Certificate(X509Ptr x509, EvpPkeyPtr key);
  X509Ptr x509_;
  EvpPkeyPtr key_;
  std::string fingerprint_;
  SslCtxPtr dtlsContext_;
};

}  // namespace medrelay::relay::transport
