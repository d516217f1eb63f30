#include <string>
#include <vector>

#include "access/token_authority.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const medrelay::access::TokenAuthority authority(std::vector<uint8_t>(32, 7));
  std::string_view token(reinterpret_cast<const char*>(data), size);
  authority.verify(token, 1000);
  medrelay::access::base64UrlDecode(token);
  return 0;
}

std::vector<std::vector<uint8_t>> fuzzSeeds() {
  medrelay::access::TokenAuthority authority(std::vector<uint8_t>(32, 7));
  auto token = authority.issue({"alice", "dev", "id", 1, 2000});
  return {std::vector<uint8_t>(token.begin(), token.end())};
}
