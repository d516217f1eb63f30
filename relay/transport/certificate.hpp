// The DTLS identity: a self-signed ECDSA P-256 certificate and key, made at start-up (RFC 8827
// lets WebRTC endpoints use self-signed certificates; peers check the SDP fingerprint).
// Immutable after creation; shared by every DTLS transport, any thread.
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

  // The SDP fingerprint of `certificate` with `algorithm` ("sha-1", "sha-256", "sha-384",
  // "sha-512"), or nullopt for an unknown algorithm.
  static std::optional<std::string> fingerprintOf(X509* certificate, std::string_view algorithm);

 private:
  Certificate(X509Ptr x509, EvpPkeyPtr key);
  X509Ptr x509_;
  EvpPkeyPtr key_;
  std::string fingerprint_;
};

}  // namespace medrelay::relay::transport
