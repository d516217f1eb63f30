// Bytes as hexadecimal text: lower case for ids and digests, upper case with colons for the
// certificate fingerprints SDP (RFC 8122) and operators compare by eye. Stateless; any thread.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace medrelay {

inline std::string hexLower(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

// "AB:CD:..."
inline std::string hexFingerprint(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i) out.push_back(':');
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xF]);
  }
  return out;
}

}  // namespace medrelay
