#include "signaling/tls_identity.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "common/hex.hpp"

namespace medrelay::signaling {

namespace {

struct Deleter {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

std::string pem(auto writer) {
  std::unique_ptr<BIO, Deleter> bio(BIO_new(BIO_s_mem()));
  writer(bio.get());
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// Write to a temporary file, fsync, then rename: a crash never leaves half a key behind.
void writeAtomically(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  auto temp = path;
  temp += ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("cannot write " + temp.string());
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write " + path.string());
  }
}

void create(const TlsIdentityFiles& files, const std::vector<std::string>& names) {
  std::unique_ptr<EVP_PKEY, Deleter> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, Deleter> x509(X509_new());
  if (!key || !x509) throw std::runtime_error("cannot create a TLS key");
  X509_set_version(x509.get(), 2);
  uint64_t serial = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial);
  ASN1_INTEGER_set_uint64(X509_get_serialNumber(x509.get()), serial >> 1);
  X509_gmtime_adj(X509_getm_notBefore(x509.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x509.get()), 365L * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x509.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("MedRelay"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(x509.get(), name);
  X509_set_pubkey(x509.get(), key.get());
  std::string san = "DNS:localhost,IP:127.0.0.1,IP:::1";
  for (const auto& n : names) {
    bool ip = n.find_first_not_of("0123456789.:abcdefABCDEF") == std::string::npos &&
              (n.find('.') != std::string::npos || n.find(':') != std::string::npos);
    san += (ip ? ",IP:" : ",DNS:") + n;
  }
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, x509.get(), x509.get(), nullptr, nullptr, 0);
  std::unique_ptr<X509_EXTENSION, Deleter> extension(
      X509V3_EXT_conf_nid(nullptr, &context, NID_subject_alt_name, san.c_str()));
  if (extension) X509_add_ext(x509.get(), extension.get(), -1);
  if (X509_sign(x509.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the TLS certificate");
  }
  writeAtomically(files.privateKey, pem([&](BIO* b) {
                    PEM_write_bio_PrivateKey(b, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
                  }),
                  0600);
  writeAtomically(files.certificate, pem([&](BIO* b) { PEM_write_bio_X509(b, x509.get()); }), 0644);
}

}  // namespace

TlsIdentityFiles ensureTlsIdentity(const std::filesystem::path& dataDir,
                                   const std::vector<std::string>& names) {
  std::filesystem::create_directories(dataDir);
  TlsIdentityFiles files{dataDir / "cert.pem", dataDir / "key.pem"};
  if (!std::filesystem::exists(files.certificate) || !std::filesystem::exists(files.privateKey)) {
    create(files, names);
  }
  return files;
}

std::string certificateFingerprint(const std::filesystem::path& certificate) {
  std::unique_ptr<BIO, Deleter> bio(BIO_new_file(certificate.c_str(), "r"));
  if (!bio) return "";
  std::unique_ptr<X509, Deleter> x509(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!x509) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  X509_digest(x509.get(), EVP_sha256(), digest, &length);
  return hexFingerprint({digest, length});
}

}  // namespace medrelay::signaling
