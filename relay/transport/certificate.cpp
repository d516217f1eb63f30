#include "relay/transport/certificate.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "common/hex.hpp"

namespace medrelay::relay::transport {

std::shared_ptr<Certificate> Certificate::generate(const std::string& commonName) {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr x509(X509_new());
  if (!key || !x509) throw std::runtime_error("cannot create the DTLS key");
  X509_set_version(x509.get(), 2);
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -24 * 3600);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 30L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  X509_set_pubkey(x509.get(), key.get());
  if (X509_sign(x509.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the DTLS certificate");
  }
  return std::shared_ptr<Certificate>(new Certificate(std::move(x509), std::move(key)));
}

namespace {

constexpr char kSrtpProfiles[] = "SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80";
constexpr char kDtlsCiphers[] =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA";

// Self-signed peers are normal in WebRTC: accept here, compare fingerprints after the handshake.
int acceptAnyCertificate(int, X509_STORE_CTX*) {
  return 1;
}

}  // namespace

Certificate::Certificate(X509Ptr x509, EvpPkeyPtr key)
    : x509_(std::move(x509)), key_(std::move(key)) {
  fingerprint_ = *fingerprintOf(x509_.get(), "sha-256");
  dtlsContext_.reset(SSL_CTX_new(DTLS_method()));
  SSL_CTX* ctx = dtlsContext_.get();
  // SSL_CTX_set_tlsext_use_srtp returns 0 on success.
  if (!ctx || SSL_CTX_set_min_proto_version(ctx, DTLS1_2_VERSION) != 1 ||
      SSL_CTX_use_certificate(ctx, x509_.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key_.get()) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kDtlsCiphers) != 1 ||
      SSL_CTX_set_tlsext_use_srtp(ctx, kSrtpProfiles) != 0) {
    throw std::runtime_error("OpenSSL refused the DTLS context");
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptAnyCertificate);
  SSL_CTX_set_read_ahead(ctx, 1);
}

std::optional<std::string> Certificate::fingerprintOf(X509* certificate,
                                                      std::string_view algorithm) {
  std::string lower(algorithm);
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const EVP_MD* md = lower == "sha-256"   ? EVP_sha256()
                     : lower == "sha-1"   ? EVP_sha1()
                     : lower == "sha-384" ? EVP_sha384()
                     : lower == "sha-512" ? EVP_sha512()
                                          : nullptr;
  if (!md || !certificate) return std::nullopt;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (X509_digest(certificate, md, digest, &length) != 1) return std::nullopt;
  return hexFingerprint({digest, length});
}

}  // namespace medrelay::relay::transport
