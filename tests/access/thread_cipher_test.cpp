// ThreadCipher (AES-256-GCM with associated data): published vectors for opening, then what the
// store relies on: a fresh nonce per seal, and any change of key, nonce, ciphertext, tag or
// associated data refused without throwing.
#include <gtest/gtest.h>

#include <string>

#include "access/thread_cipher.hpp"

namespace medrelay::access {
namespace {

std::string fromHex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", revised 2005, Appendix B,
// Test Case 14 (256-bit zero key, zero IV, one zero block, no associated data). Also checked
// against Python cryptography 48.0.0's AESGCM.
TEST(ThreadCipher, OpensGcmTestCase14) {
  ThreadCipher cipher(std::string(32, '\0'));
  auto plain = cipher.open(std::string(12, '\0'),
                           fromHex("cea7403d4d606b6e074ec5d3baf39d18"    // C
                                   "d0d1c8a799996bf0265b98b5d48ab919"),  // T
                           "");
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, std::string(16, '\0'));
}

// The same paper, Test Case 16: 256-bit key, 96-bit IV, 60 bytes of plaintext and 20 bytes of
// associated data (the case with both, as the store uses them).
TEST(ThreadCipher, OpensGcmTestCase16AndRefusesItAltered) {
  ThreadCipher cipher(fromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"));
  const std::string nonce = fromHex("cafebabefacedbaddecaf888");
  const std::string aad = fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
  const std::string sealed = fromHex(
      "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
      "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"  // C, 60 bytes
      "76fc6ece0f4e1768cddf8853bb2d551b");                        // T
  auto plain = cipher.open(nonce, sealed, aad);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(*plain, fromHex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"));
  for (size_t i : {size_t{0}, size_t{59}, size_t{60}, sealed.size() - 1}) {
    std::string altered = sealed;
    altered[i] = static_cast<char>(altered[i] ^ 0x01);
    EXPECT_FALSE(cipher.open(nonce, altered, aad)) << "byte " << i << " altered";
  }
  std::string otherNonce = nonce;
  otherNonce[11] = static_cast<char>(otherNonce[11] ^ 0x80);
  EXPECT_FALSE(cipher.open(otherNonce, sealed, aad));
  EXPECT_FALSE(cipher.open(nonce, sealed, aad.substr(1)));
  EXPECT_FALSE(cipher.open(nonce, sealed, ""));
  EXPECT_FALSE(cipher.open(nonce, sealed.substr(0, sealed.size() - 1), aad)) << "tag cut";
  EXPECT_FALSE(cipher.open(nonce.substr(1), sealed, aad)) << "a nonce of 11 bytes";
  EXPECT_FALSE(cipher.open(nonce, "short", aad)) << "shorter than a tag";
  EXPECT_FALSE(cipher.open("", "", "")) << "nothing at all";
}

TEST(ThreadCipher, SealsWithAFreshNonceAndOpensOnlyUnderItsKeyAndData) {
  ThreadCipher cipher(std::string(32, 'k'));
  ThreadCipher other(std::string(32, 'K'));
  const std::string text = "BP 90/60, start noradrenaline";
  auto a = cipher.seal(text, "row 1");
  auto b = cipher.seal(text, "row 1");
  ASSERT_EQ(a.nonce.size(), ThreadCipher::kNonceBytes);
  ASSERT_EQ(a.ciphertext.size(), text.size() + ThreadCipher::kTagBytes);
  EXPECT_NE(a.nonce, b.nonce) << "a nonce is never reused";
  EXPECT_NE(a.ciphertext, b.ciphertext);
  EXPECT_EQ(a.ciphertext.find("noradrenaline"), std::string::npos);
  EXPECT_EQ(cipher.open(a.nonce, a.ciphertext, "row 1"), text);
  EXPECT_EQ(cipher.open(b.nonce, b.ciphertext, "row 1"), text);
  EXPECT_FALSE(cipher.open(a.nonce, a.ciphertext, "row 2")) << "moved to another row";
  EXPECT_FALSE(other.open(a.nonce, a.ciphertext, "row 1")) << "another key";
  EXPECT_FALSE(cipher.open(b.nonce, a.ciphertext, "row 1")) << "another row's nonce";
}

TEST(ThreadCipher, RefusesAKeyThatIsNot32Bytes) {
  EXPECT_THROW(ThreadCipher(std::string(31, 'k')), std::invalid_argument);
  EXPECT_THROW(ThreadCipher(std::string(33, 'k')), std::invalid_argument);
}

}  // namespace
}  // namespace medrelay::access
