#include "access/token_authority.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace medrelay::access {
namespace {

TokenClaims sampleClaims() {
  return TokenClaims{"alice", "dev-1", "t1", 1'000, 2'000};
}

TokenAuthority authority(uint8_t fill = 7) {
  return TokenAuthority(std::vector<uint8_t>(32, fill));
}

TEST(Base64Url, RoundTripsEveryLengthWithoutPadding) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    auto encoded = base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find('='), std::string::npos);
    auto decoded = base64UrlDecode(encoded);
    ASSERT_TRUE(decoded);
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base64Url, KnownVectorsFromRfc4648) {  // RFC 4648 §10, url alphabet, no padding
  EXPECT_EQ(base64UrlEncode("f"), "Zg");
  EXPECT_EQ(base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(base64UrlEncode("foo"), "Zm9v");
  EXPECT_EQ(base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
}

TEST(Base64Url, RejectsForeignCharactersAndNonCanonicalTails) {
  EXPECT_FALSE(base64UrlDecode("Zm9v+"));
  EXPECT_FALSE(base64UrlDecode("Zm9v="));
  EXPECT_FALSE(base64UrlDecode("Zh"));  // "Zg" is canonical for "f": low bits must be zero
  EXPECT_FALSE(base64UrlDecode("Z"));   // a lone sextet cannot encode a byte
}

TEST(TokenAuthority, IssuedTokenVerifiesWithAllClaims) {
  auto a = authority();
  auto result = a.verify(a.issue(sampleClaims()), 1'500);
  ASSERT_TRUE(std::holds_alternative<TokenClaims>(result));
  auto claims = std::get<TokenClaims>(result);
  EXPECT_EQ(claims.user, "alice");
  EXPECT_EQ(claims.device, "dev-1");
  EXPECT_EQ(claims.tokenId, "t1");
  EXPECT_EQ(claims.issuedAt, 1'000);
  EXPECT_EQ(claims.expiresAt, 2'000);
}

TEST(TokenAuthority, ExpiredTokenIsRejected) {
  auto a = authority();
  auto result = a.verify(a.issue(sampleClaims()), 2'000);
  ASSERT_TRUE(std::holds_alternative<TokenError>(result));
  EXPECT_EQ(std::get<TokenError>(result).code, "expired");
}

TEST(TokenAuthority, TokenFromAnotherKeyIsRejected) {
  auto result = authority(8).verify(authority(7).issue(sampleClaims()), 1'500);
  ASSERT_TRUE(std::holds_alternative<TokenError>(result));
  EXPECT_EQ(std::get<TokenError>(result).code, "bad-signature");
}

TEST(TokenAuthority, AlteredPayloadIsRejected) {
  auto a = authority();
  auto token = a.issue(sampleClaims());
  // Re-sign nothing: swap in a payload naming another user, keep the old signature.
  auto forged = TokenClaims{"mallory", "dev-1", "t1", 1'000, 2'000};
  auto other = a.issue(forged);
  auto spliced = other.substr(0, other.find('.')) + token.substr(token.find('.'));
  auto result = a.verify(spliced, 1'500);
  ASSERT_TRUE(std::holds_alternative<TokenError>(result));
  EXPECT_EQ(std::get<TokenError>(result).code, "bad-signature");
}

TEST(TokenAuthority, GarbageNeverVerifies) {
  auto a = authority();
  for (std::string bad :
       {std::string(""), std::string("."), std::string("a.b.c"), std::string("no-dot"),
        std::string(5000, 'A') + "." + "B", std::string("e30.") + std::string(43, 'A')}) {
    auto result = a.verify(bad, 1'500);
    EXPECT_TRUE(std::holds_alternative<TokenError>(result)) << bad.substr(0, 40);
  }
}

TEST(TokenAuthority, KeyFileIsCreatedPrivateAndReusedAcrossOpens) {
  auto dir = std::filesystem::temp_directory_path() / ("medrelay-token-test-" + randomHex(6));
  auto first = TokenAuthority::openOrCreate(dir);
  auto token = first.issue(sampleClaims());
  struct stat st {};
  ASSERT_EQ(::stat((dir / "token.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto second = TokenAuthority::openOrCreate(dir);
  EXPECT_TRUE(std::holds_alternative<TokenClaims>(second.verify(token, 1'500)));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medrelay::access
