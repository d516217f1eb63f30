// DICOM series retention on real folders: the setting's syntax, the age of a series (its newest
// file, not the lock), and expireSeries' order (stream, then directory entry, then files) and
// refusals (young, watched, directory failing), and the series folder lock it shares with the
// gateway: an object kept under the lock makes the series young again, and a gateway that
// waited while the folder was removed finds a new folder and knows the series is new.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <random>
#include <thread>

#include "app/dicom_retention.hpp"
#include "pipelines/dicom/series_lock.hpp"

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;
using pipelines::dicom::SeriesLock;

TEST(DicomRetention, ReadsAWholeNumberAndItsUnitOrZero) {
  EXPECT_EQ(parseRetention("30d"), std::chrono::seconds(30 * 86400));
  EXPECT_EQ(parseRetention("12h"), std::chrono::seconds(12 * 3600));
  EXPECT_EQ(parseRetention("90m"), std::chrono::seconds(90 * 60));
  EXPECT_EQ(parseRetention("45s"), std::chrono::seconds(45));
  EXPECT_EQ(parseRetention("0"), std::chrono::seconds(0));
  for (const char* bad : {"", "d", "30", "-1d", "+1d", "1.5d", "30x", "0d", "99999999d", " 1d",
                          "1d ", "1dd", "4000d"})
    EXPECT_FALSE(parseRetention(bad)) << '"' << bad << '"';
  EXPECT_EQ(describeRetention(std::chrono::seconds(30 * 86400)), "30d");
  EXPECT_EQ(describeRetention(std::chrono::seconds(90 * 60)), "90m");
  EXPECT_EQ(describeRetention(std::chrono::seconds(3600)), "1h");
  EXPECT_EQ(describeRetention(std::chrono::seconds(0)), "0");
}

class SeriesFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root = std::filesystem::temp_directory_path() /
           ("retention-" + std::to_string(std::random_device{}()));
    folder = root / "dicom-ct-0123456789";
    std::filesystem::create_directories(folder);
  }
  void TearDown() override { std::filesystem::remove_all(root); }

  // An object `age` old (its file time set back, as a series received that long ago has).
  void writeObject(const std::string& name, std::chrono::seconds age) {
    auto path = folder / name;
    std::ofstream(path) << "DICM";
    std::filesystem::last_write_time(path, std::filesystem::file_time_type::clock::now() - age);
  }
  static std::filesystem::file_time_type ago(std::chrono::seconds age) {
    return std::filesystem::file_time_type::clock::now() - age;
  }

  std::filesystem::path root, folder;
  std::vector<std::string> calls;  // "retire NAME", "forget NAME" in order
  bool watched = false;
  SeriesRemoval removal{[this](const std::string& stream) {
                          calls.push_back("retire " + stream);
                          return !watched;
                        },
                        [this](const std::string& stream) {
                          // The directory entry goes while the files are still there.
                          EXPECT_TRUE(std::filesystem::exists(folder / "a.dcm"));
                          calls.push_back("forget " + stream);
                        }};
};

TEST_F(SeriesFolderTest, ASeriesIsAsOldAsItsNewestFileButNotItsLock) {
  EXPECT_EQ(newestObjectTime(folder), std::filesystem::file_time_type::min());
  writeObject("a.dcm", 7200s);
  writeObject("b.dcm", 3600s);
  auto newest = newestObjectTime(folder);
  EXPECT_LT(newest, ago(3500s));
  EXPECT_GT(newest, ago(3700s));
  { SeriesLock lock(folder, false); }  // makes the lock file: not an object
  EXPECT_LT(newestObjectTime(folder), ago(3500s));
}

TEST_F(SeriesFolderTest, AnOldSeriesLeavesStreamFirstThenDirectoryThenFiles) {
  writeObject("a.dcm", 7200s);
  writeObject("redaction", 7200s);
  EXPECT_EQ(expireSeries(folder, ago(3600s), removal), Expiry::Expired);
  EXPECT_EQ(calls,
            (std::vector<std::string>{"retire dicom-ct-0123456789", "forget dicom-ct-0123456789"}));
  EXPECT_FALSE(std::filesystem::exists(folder));
  EXPECT_TRUE(std::filesystem::exists(root)) << "only the series' own folder goes";
  EXPECT_EQ(expireSeries(folder, ago(3600s), removal), Expiry::Gone);
}

TEST_F(SeriesFolderTest, AYoungOrWatchedSeriesStaysAndAFailingDirectoryKeepsTheFiles) {
  writeObject("a.dcm", 7200s);
  writeObject("b.dcm", 60s);
  EXPECT_EQ(expireSeries(folder, ago(3600s), removal), Expiry::Kept);
  EXPECT_TRUE(calls.empty()) << "a young series is not even retired";

  std::filesystem::remove(folder / "b.dcm");
  watched = true;
  EXPECT_EQ(expireSeries(folder, ago(3600s), removal), Expiry::Watched);
  EXPECT_EQ(calls, std::vector<std::string>{"retire dicom-ct-0123456789"});
  EXPECT_TRUE(std::filesystem::exists(folder / "a.dcm"));

  watched = false;
  SeriesRemoval failing{removal.retire,
                        [](const std::string&) { throw std::runtime_error("disk I/O error"); }};
  EXPECT_THROW(expireSeries(folder, ago(3600s), failing), std::runtime_error);
  EXPECT_TRUE(std::filesystem::exists(folder / "a.dcm")) << "no files go before the entry";
}

// The gateway holds the lock while it keeps an object: retention waits for it, then sees the
// object and keeps the series.
TEST_F(SeriesFolderTest, AnObjectKeptUnderTheLockMakesTheSeriesYoung) {
  writeObject("a.dcm", 7200s);
  std::optional<Expiry> outcome;
  std::atomic<bool> done{false};
  std::thread retention;
  {
    SeriesLock gateway(folder, true);
    ASSERT_TRUE(gateway.held());
    EXPECT_FALSE(gateway.created());
    retention = std::thread([&] {
      outcome = expireSeries(folder, ago(3600s), removal);
      done = true;
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(done) << "retention went ahead under the gateway's lock";
    writeObject("b.dcm", 0s);
  }
  retention.join();
  EXPECT_EQ(outcome, Expiry::Kept);
  EXPECT_TRUE(calls.empty());
}

// Retention removes the folder under the lock; the gateway waiting for it then gets a new
// folder, its lock, and the news that the series is new (so it registers it again).
TEST_F(SeriesFolderTest, AGatewayThatWaitedForARemovalGetsANewFolder) {
  writeObject("a.dcm", 7200s);
  std::atomic<bool> held{false}, created{false}, folderThere{false};
  std::thread gateway;
  {
    SeriesLock retention(folder, false);
    ASSERT_TRUE(retention.held());
    gateway = std::thread([&] {
      SeriesLock lock(folder, true);
      held = lock.held();
      created = lock.created();
      folderThere = std::filesystem::is_directory(folder);
    });
    std::this_thread::sleep_for(200ms);
    EXPECT_FALSE(held);
    retention.removeFolder();
  }
  gateway.join();
  EXPECT_TRUE(held);
  EXPECT_TRUE(created);
  EXPECT_TRUE(folderThere);
  EXPECT_FALSE(std::filesystem::exists(folder / "a.dcm"));
  SeriesLock missing(root / "dicom-none", false);
  EXPECT_FALSE(missing.held()) << "without create, a missing folder is not made";
  EXPECT_FALSE(std::filesystem::exists(root / "dicom-none"));
}

}  // namespace
}  // namespace medrelay::app
