// The webhooks file: URLs the sender can reach safely, keys from protected files, event names
// that exist; every refusal names what is wrong without repeating the URL (it may hold a token).
#include "app/webhook_config.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace medrelay::app {
namespace {

TEST(WebhookUrlTest, TakesHttpsWithHostPortPathAndQuery) {
  auto url = parseWebhookUrl("https://chat.hospital.example/hooks/abc?room=1");
  EXPECT_TRUE(url.tls);
  EXPECT_EQ(url.host, "chat.hospital.example");
  EXPECT_EQ(url.port, "443");
  EXPECT_EQ(url.target, "/hooks/abc?room=1");
  EXPECT_EQ(url.origin(), "https://chat.hospital.example:443");

  auto v6 = parseWebhookUrl("https://[2001:db8::7]:8443");
  EXPECT_EQ(v6.host, "2001:db8::7");
  EXPECT_EQ(v6.port, "8443");
  EXPECT_EQ(v6.target, "/");
  EXPECT_EQ(v6.origin(), "https://[2001:db8::7]:8443");

  EXPECT_EQ(parseWebhookUrl("https://h.example?x=1").target, "/?x=1");
  EXPECT_EQ(parseWebhookUrl("https://h.example/a#fragment").target, "/a");
  EXPECT_EQ(parseWebhookUrl("http://127.0.0.1:9000/x").port, "9000");
  EXPECT_FALSE(parseWebhookUrl("http://localhost/x").tls);
  EXPECT_FALSE(parseWebhookUrl("http://[::1]:80/x").tls);
}

TEST(WebhookUrlTest, RefusesWhatItCannotSendSafely) {
  for (const char* bad :
       {"ftp://h.example/", "chat.example/hook", "http://chat.example/hook", "http://10.0.0.5/hook",
        "http://127.example.org/hook", "https://user:pw@h.example/", "https:///x",
        "https://h.example:0/", "https://h.example:65536/", "https://h.example:80a/",
        "https://[::1/", "https://::1/", "https://h.example/a b", "https://h.exa\nmple/",
        "https://h_x!/"}) {
    EXPECT_THROW(parseWebhookUrl(bad), std::invalid_argument) << bad;
  }
}

class WebhookConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("webhook-config-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    write("chat.key", "  a-key-that-is-long-enough\n", 0600);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text, mode_t mode) {
    auto path = dir_ / name;
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::string error(const std::string& json) {
    try {
      parseWebhookConfig(json, dir_);
    } catch (const std::exception& e) {
      return e.what();
    }
    return "";
  }
  std::filesystem::path dir_;
};

TEST_F(WebhookConfigTest, ReadsEndpointsWithKeysEventsAndRelativePaths) {
  auto file = write("hooks.json",
                    R"({"endpoints": [
      {"name": "stroke-chat", "url": "https://chat.example/hooks/T0KEN",
       "secret_file": "chat.key", "events": ["stream.live", "stream.shared"],
       "ca_file": "ca.pem"},
      {"name": "all_events", "url": "http://127.0.0.1:9000/", "secret_file": ")" +
                        (dir_ / "chat.key").string() + R"("}]})",
                    0640);
  auto endpoints = readWebhookConfig(file);
  ASSERT_EQ(endpoints.size(), 2u);
  EXPECT_EQ(endpoints[0].name, "stroke-chat");
  EXPECT_EQ(endpoints[0].secret, "a-key-that-is-long-enough");
  EXPECT_EQ(endpoints[0].caFile, dir_ / "ca.pem");
  EXPECT_TRUE(endpoints[0].wants("stream.live"));
  EXPECT_FALSE(endpoints[0].wants("stream.down"));
  EXPECT_TRUE(endpoints[1].wants("stream.down"));
  EXPECT_TRUE(endpoints[1].caFile.empty());
}

TEST_F(WebhookConfigTest, RefusesAFileOrKeyThatEveryLocalUserCanRead) {
  auto file = write("hooks.json", R"({"endpoints": []})", 0644);
  try {
    readWebhookConfig(file);
    FAIL() << "a world-readable webhooks file was taken";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("readable by every local user"), std::string::npos);
  }
  write("open.key", "a-key-that-is-long-enough", 0604);
  EXPECT_NE(error(R"({"endpoints": [{"name": "a", "url": "https://h.example/",
                                     "secret_file": "open.key"}]})")
                .find("readable by every local user"),
            std::string::npos);
}

TEST_F(WebhookConfigTest, NamesWhatIsWrongWithoutRepeatingTheUrl) {
  auto url = R"("url": "https://h.example/hooks/S3CRET")";
  auto with = [&](const std::string& rest) {
    return R"({"endpoints": [{"name": "a", )" + std::string(url) + rest + "}]}";
  };
  EXPECT_NE(error("[]").find("\"endpoints\" array"), std::string::npos);
  EXPECT_NE(error("{not json").find("\"endpoints\" array"), std::string::npos);
  EXPECT_NE(
      error(R"({"endpoints": [{"name": "bad name!", "url": "https://h/"}]})").find("\"name\""),
      std::string::npos);
  EXPECT_NE(error(with("")).find("secret_file"), std::string::npos);
  EXPECT_NE(error(with(R"(, "secret_file": "missing.key")")).find("cannot be read"),
            std::string::npos);
  write("short.key", "short", 0600);
  EXPECT_NE(error(with(R"(, "secret_file": "short.key")")).find("shorter than 16"),
            std::string::npos);
  EXPECT_NE(error(with(R"(, "secret_file": "chat.key", "events": ["stream.liv"])"))
                .find("unknown event \"stream.liv\""),
            std::string::npos);
  EXPECT_NE(error(with(R"(, "secret_file": "chat.key", "events": [])")).find("non-empty"),
            std::string::npos);
  EXPECT_NE(error(with(R"(, "secret_file": "chat.key", "sekret": "x")")).find("unknown key"),
            std::string::npos);
  auto plain = error(R"({"endpoints": [{"name": "a", "url": "http://10.1.1.1/hooks/S3CRET",
                                         "secret_file": "chat.key"}]})");
  EXPECT_NE(plain.find("https://"), std::string::npos);
  EXPECT_EQ(plain.find("S3CRET"), std::string::npos) << plain;
  auto twice = R"({"name": "a", "url": "https://h/", "secret_file": "chat.key"})";
  EXPECT_NE(error(std::string(R"({"endpoints": [)") + twice + "," + twice + "]}").find("twice"),
            std::string::npos);
}

}  // namespace
}  // namespace medrelay::app
