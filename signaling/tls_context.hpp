// The server's TLS configuration: TLS 1.2 and 1.3 only, AEAD suites with forward secrecy, no
// renegotiation or compression, the certificate from the data directory (self-signed on first
// start). Built once at start-up; the context is then shared read-only by every connection.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>

namespace medrelay::signaling {

// Throws std::runtime_error when the certificate or key cannot be loaded.
void configureServerTls(boost::asio::ssl::context& tls, const std::filesystem::path& dataDir);

}  // namespace medrelay::signaling
