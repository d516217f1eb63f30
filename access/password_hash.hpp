// Slow salted hashes for passwords and passcodes (scrypt, RFC 7914, through OpenSSL), stored as
// "scrypt$LOG2N$R$P$SALT$HASH" (base64url) so parameters can grow without breaking old hashes.
#pragma once

#include <string>
#include <string_view>

namespace medrelay::access {

// ~0.1 s by design. MEDRELAY_INSECURE_SCRYPT_LOG2N (10..14, tests only, warned about loudly)
// lowers the cost of new hashes.
std::string hashSecret(std::string_view secret);
// Constant-time comparison; false for malformed stored values.
bool verifySecret(std::string_view secret, std::string_view stored);

}  // namespace medrelay::access
