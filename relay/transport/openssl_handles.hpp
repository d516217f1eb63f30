// unique_ptr aliases with deleters for the OpenSSL objects the transports hold.
#pragma once

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>

namespace medrelay::relay::transport {

struct OpenSslDeleter {
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(SSL_CTX* p) const { SSL_CTX_free(p); }
  void operator()(SSL* p) const { SSL_free(p); }
  void operator()(BIO_METHOD* p) const { BIO_meth_free(p); }
};

using X509Ptr = std::unique_ptr<X509, OpenSslDeleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, OpenSslDeleter>;
using SslPtr = std::unique_ptr<SSL, OpenSslDeleter>;

}  // namespace medrelay::relay::transport
