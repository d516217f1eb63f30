// The HTTPS/WSS identity of the embedded default: a self-signed ECDSA P-256 certificate made on
// first start in the data directory (cert.pem, key.pem with mode 0600) and reused afterwards.
// Called once at start-up on the main thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace medrelay::signaling {

struct TlsIdentityFiles {
  std::filesystem::path certificate;
  std::filesystem::path privateKey;
};

// Creates the files when missing. `names` become subjectAltName DNS/IP entries besides
// localhost, 127.0.0.1 and ::1. Throws std::runtime_error on failure.
TlsIdentityFiles ensureTlsIdentity(const std::filesystem::path& dataDir,
                                   const std::vector<std::string>& names = {});

// SHA-256 fingerprint of a PEM certificate file ("AB:CD:..."), for logs and tests.
std::string certificateFingerprint(const std::filesystem::path& certificate);

}  // namespace medrelay::signaling
