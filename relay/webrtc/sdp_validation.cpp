#include "relay/webrtc/sdp_validation.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <utility>
#include <vector>

namespace medrelay::relay::webrtc {

namespace {

bool iceChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/';
}

bool iceChars(std::string_view text, size_t minimum, size_t maximum) {
  return text.size() >= minimum && text.size() <= maximum &&
         std::all_of(text.begin(), text.end(), iceChar);
}

template <typename T>
bool number(std::string_view text, T maximum, size_t maxDigits) {
  if (text.empty() || text.size() > maxDigits) return false;
  uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value <= maximum;
}

std::vector<std::string_view> tokens(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty() && out.size() < 64) {
    auto start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    auto end = std::min(text.find(' '), text.size());
    out.push_back(text.substr(0, end));
    text.remove_prefix(end);
  }
  return out;
}

// An IPv4/IPv6 literal or a host name (mDNS candidates carry "UUID.local").
bool connectionAddress(std::string_view address) {
  return !address.empty() && address.size() <= 253 &&
         std::all_of(address.begin(), address.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
                  c == '%';
         });
}

}  // namespace

bool validIceUfrag(std::string_view ufrag) {
  return iceChars(ufrag, 4, 256);
}

bool validIcePwd(std::string_view pwd) {
  return iceChars(pwd, 22, 256);
}

bool validFingerprint(std::string_view algorithm, std::string_view value) {
  static constexpr std::array<std::pair<std::string_view, size_t>, 5> kHashes = {
      {{"sha-1", 20}, {"sha-224", 28}, {"sha-256", 32}, {"sha-384", 48}, {"sha-512", 64}}};
  size_t bytes = 0;
  for (auto [name, size] : kHashes) {
    if (algorithm.size() == name.size() &&
        std::equal(name.begin(), name.end(), algorithm.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      bytes = size;
    }
  }
  if (bytes == 0 || value.size() != bytes * 3 - 1) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    bool separator = i % 3 == 2;
    if (separator ? value[i] != ':' : !std::isxdigit(static_cast<unsigned char>(value[i]))) {
      return false;
    }
  }
  return true;
}

bool validCandidate(std::string_view line) {
  if (line.rfind("candidate:", 0) == 0) line.remove_prefix(10);
  if (line.size() > 1024) return false;
  auto t = tokens(line);
  if (t.size() < 8 || t.size() % 2 != 0) return false;  // six fields, "typ" TYPE, then pairs
  if (!iceChars(t[0], 1, 32) || !number(t[1], 256u, 3) || t[2].empty() || t[2].size() > 16 ||
      !number(t[3], uint64_t{UINT32_MAX}, 10) || !connectionAddress(t[4]) ||
      !number(t[5], 65535u, 5) || t[6] != "typ") {
    return false;
  }
  for (std::string_view type : {"host", "srflx", "prflx", "relay"}) {
    if (t[7] == type) return true;
  }
  return false;
}

}  // namespace medrelay::relay::webrtc
