// One-time codes against the published vectors: RFC 6238 appendix B (SHA1, 8 digits) and
// RFC 4648 section 10 (base32); then the drift window and hostile codes.
#include <gtest/gtest.h>

#include "access/totp.hpp"

namespace medrelay::access {
namespace {

std::vector<uint8_t> rfcKey() {
  std::string seed = "12345678901234567890";
  return {seed.begin(), seed.end()};
}

TEST(Totp, Rfc6238AppendixBVectorsForSha1) {
  const std::pair<int64_t, const char*> vectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const auto& [time, code] : vectors) {
    EXPECT_EQ(totpCode(rfcKey(), time / kTotpStepSeconds, 8), code) << time;
  }
  // Six digits are the last six of the same value.
  EXPECT_EQ(totpCode(rfcKey(), 59 / kTotpStepSeconds), "287082");
}

TEST(Totp, Rfc4648Base32Vectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "MY"},
      {"fo", "MZXQ"},
      {"foo", "MZXW6"},
      {"foob", "MZXW6YQ"},
      {"fooba", "MZXW6YTB"},
      {"foobar", "MZXW6YTBOI"},
  };
  for (const auto& [plain, encoded] : vectors) {
    std::vector<uint8_t> bytes(plain, plain + std::string_view(plain).size());
    EXPECT_EQ(base32Encode(bytes), encoded);
    EXPECT_EQ(base32Decode(encoded), bytes);
  }
  EXPECT_EQ(base32Decode("mzxw6ytboi======"), base32Decode("MZXW6YTBOI")) << "case, padding";
  EXPECT_FALSE(base32Decode("MZXW1").has_value()) << "1 is not in the alphabet";
  EXPECT_FALSE(base32Decode("MZ XW").has_value());
}

TEST(Totp, MatchAllowsOneStepOfDriftEitherWayAndNothingElse) {
  const int64_t now = 1'700'000'000;
  const int64_t step = now / kTotpStepSeconds;
  for (int64_t drift : {-1, 0, 1}) {
    EXPECT_EQ(matchTotp(rfcKey(), totpCode(rfcKey(), step + drift), now), step + drift);
  }
  EXPECT_FALSE(matchTotp(rfcKey(), totpCode(rfcKey(), step - 2), now).has_value());
  EXPECT_FALSE(matchTotp(rfcKey(), totpCode(rfcKey(), step + 2), now).has_value());
  for (const std::string& bad : std::vector<std::string>{
           "", "12345", "1234567", "abcdef", std::string(6, '\0'), std::string(1000, '9')}) {
    EXPECT_FALSE(matchTotp(rfcKey(), bad, now).has_value()) << bad.size();
  }
}

TEST(Totp, EnrollmentUriCarriesTheSecretForAuthenticatorApps) {
  auto uri = otpauthUri("MedRelay", "alice", rfcKey());
  EXPECT_EQ(uri,
            "otpauth://totp/MedRelay:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
            "&issuer=MedRelay&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace medrelay::access
