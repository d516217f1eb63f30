// Time-based one-time codes (RFC 6238, HMAC-SHA1, 30-second steps, 6 digits: what every
// authenticator app speaks), with the base32 secrets and otpauth:// URIs used to enroll them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medrelay::access {

constexpr int64_t kTotpStepSeconds = 30;

// The code for time step `step` (unix seconds / 30), `digits` long with leading zeros.
std::string totpCode(const std::vector<uint8_t>& key, int64_t step, int digits = 6);

// The step within [now - 1 step, now + 1 step] whose code is `code` (clock drift allowed);
// nullopt if none matches. Compared in constant time per step.
std::optional<int64_t> matchTotp(const std::vector<uint8_t>& key, std::string_view code,
                                 int64_t nowSeconds, int digits = 6);

std::string base32Encode(const std::vector<uint8_t>& bytes);  // RFC 4648, no padding
std::optional<std::vector<uint8_t>> base32Decode(std::string_view text);

// otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30
std::string otpauthUri(const std::string& issuer, const std::string& account,
                       const std::vector<uint8_t>& key);

}  // namespace medrelay::access
