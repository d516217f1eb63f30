#include "signaling/tls_context.hpp"

#include "signaling/tls_identity.hpp"

namespace medrelay::signaling {

void configureServerTls(boost::asio::ssl::context& tls, const std::filesystem::path& dataDir) {
  namespace ssl = boost::asio::ssl;
  auto identity = ensureTlsIdentity(dataDir);
  tls.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                  ssl::context::no_compression);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_options(tls.native_handle(),
                      SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // TLS 1.2 suites (1.3's are AEAD with forward secrecy by definition).
  SSL_CTX_set_cipher_list(tls.native_handle(),
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305");
  tls.use_certificate_chain_file(identity.certificate.string());
  tls.use_private_key_file(identity.privateKey.string(), ssl::context::pem);
}

}  // namespace medrelay::signaling
