#include "relay/transport/certificate.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

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

Certificate::Certificate(X509Ptr x509, EvpPkeyPtr key)
    : x509_(std::move(x509)), key_(std::move(key)) {
  fingerprint_ = *fingerprintOf(x509_.get(), "sha-256");
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
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    if (i) out.push_back(':');
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xF]);
  }
  return out;
}

}  // namespace medrelay::relay::transport
