// Static file resolution must never leave the web root, whatever the encoding.
#include "signaling/static_files.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

namespace medrelay::signaling {
namespace {

class StaticFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    base = std::filesystem::temp_directory_path() /
           ("medrelay-static-" + std::to_string(std::random_device{}()));
    root = base / "web";
    std::filesystem::create_directories(root / "js");
    std::ofstream(root / "index.html") << "<html>";
    std::ofstream(root / "js" / "app.js") << "//";
    std::ofstream(base / "secret.txt") << "secret";
    std::filesystem::create_symlink(base / "secret.txt", root / "link.txt");
  }
  void TearDown() override { std::filesystem::remove_all(base); }
  std::filesystem::path base, root;
};

TEST_F(StaticFiles, ServesFilesInsideTheRoot) {
  auto index = resolveStaticFile(root, "/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->filename(), "index.html");
  auto script = resolveStaticFile(root, "/js/app.js?v=3");
  ASSERT_TRUE(script);
  EXPECT_EQ(contentTypeFor(*script), "text/javascript; charset=utf-8");
  EXPECT_TRUE(resolveStaticFile(root, "/js/%61pp.js"));  // percent-encoded 'a'
}

TEST_F(StaticFiles, RefusesEveryEscape) {
  for (const char* target :
       {"/../secret.txt", "/js/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt", "/link.txt", "//etc/passwd", "/etc/passwd", "/index.html%00.js",
        "/js\\..\\..\\secret.txt", "relative", "", "/%zz", "/%2", "/nope.html"}) {
    EXPECT_FALSE(resolveStaticFile(root, target)) << target;
  }
}

}  // namespace
}  // namespace medrelay::signaling
