#include "signaling/tls_identity.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <random>

namespace medrelay::signaling {
namespace {

TEST(TlsIdentity, CreatedOnceWithAPrivateKeyAndReused) {
  auto dir = std::filesystem::temp_directory_path() /
             ("medrelay-tls-" + std::to_string(std::random_device{}()));
  auto files = ensureTlsIdentity(dir);
  struct stat st {};
  ASSERT_EQ(::stat(files.privateKey.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto first = certificateFingerprint(files.certificate);
  EXPECT_EQ(first.size(), 95u);  // 32 bytes as hex pairs with colons
  ensureTlsIdentity(dir);
  EXPECT_EQ(certificateFingerprint(files.certificate), first) << "a restart keeps the identity";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace medrelay::signaling
