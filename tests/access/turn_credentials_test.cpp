// TURN credentials as coturn's use-auth-secret checks them; the expected password was computed
// independently (openssl dgst -sha1 -hmac ... | base64).
#include "access/turn_credentials.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace medrelay::access {
namespace {

TEST(TurnCredentials, UsernameCarriesTheExpiryAndThePasswordIsTheHmac) {
  auto credential = mintTurnCredential("north-wing-secret", "alice", 1700000000, 3600);
  EXPECT_EQ(credential.username, "1700003600:alice");
  EXPECT_EQ(credential.password, "nToMrymG2kblkPfdN7PuQJZ9JVU=");
  EXPECT_EQ(credential.expiresAt, 1700003600);
  EXPECT_NE(mintTurnCredential("other-secret", "alice", 1700000000, 3600).password,
            credential.password);
}

TEST(TurnCredentials, Base64IsPaddedStandardBase64) {
  EXPECT_EQ(base64Encode(""), "");
  EXPECT_EQ(base64Encode("f"), "Zg==");
  EXPECT_EQ(base64Encode("fo"), "Zm8=");
  EXPECT_EQ(base64Encode("foo"), "Zm9v");
  EXPECT_EQ(base64Encode("\xfb\xff"), "+/8=");
}

TEST(TurnCredentials, TheSecretFileMustExistHoldSomethingAndBePrivate) {
  auto dir = std::filesystem::temp_directory_path() /
             ("medrelay-turn-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "turn-secret";
  EXPECT_THROW(readTurnSecretFile(file), std::runtime_error);  // missing
  std::ofstream(file) << "  s3cret-value \n";
  ::chmod(file.c_str(), 0600);
  EXPECT_EQ(readTurnSecretFile(file), "s3cret-value");
  ::chmod(file.c_str(), 0644);
  try {
    readTurnSecretFile(file);
    ADD_FAILURE() << "a world-readable secret was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("every local user"), std::string::npos) << e.what();
  }
  std::ofstream(file, std::ios::trunc) << "\n";
  ::chmod(file.c_str(), 0600);
  EXPECT_THROW(readTurnSecretFile(file), std::runtime_error);  // empty
  std::ofstream(file, std::ios::trunc) << std::string(5000, 'x');
  EXPECT_THROW(readTurnSecretFile(file), std::runtime_error);  // not a secret: too long
  EXPECT_THROW(readTurnSecretFile(dir), std::runtime_error);   // a folder
  auto fifo = dir / "fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THROW(readTurnSecretFile(fifo), std::runtime_error);  // refused, without blocking
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medrelay::access
