// The gateway's burned-in decisions and the player, with the real receiver, a real SQLite
// directory and DCMTK's storescu on loopback: an ultrasound series is recorded "redact" (and
// the fixed masks of its device) before its first file; a route that blocks keeps the series
// from playing until an administrator releases it (audited); the player's play() returns at
// once even while starting a stream takes long (the C-STORE answer no longer waits for it).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <random>
#include <thread>

#include "access/directory_store.hpp"
#include "app/dicom_gateway.hpp"
#include "app/dicom_release.hpp"
#include "pipelines/dicom/frame_redactor.hpp"
#include "tests/support/dicom_test_images.hpp"
#include "tests/support/free_port.hpp"

namespace medrelay::app {
namespace {

using namespace std::chrono_literals;

int storescu(uint16_t port, const std::filesystem::path& file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string p = std::to_string(port);
    ::execlp("storescu", "storescu", "-aet", "ECHO1", "-aec", "MEDRELAY", "127.0.0.1", p.c_str(),
             file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class GatewayPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dataDir = std::filesystem::temp_directory_path() /
              ("gateway-policy-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(dataDir);
    store = access::openSqliteDirectoryStore(dataDir.string());
    store->addTenant("test", "demo");
    store->addGroup("test", "demo", "demo");
    config.receiver.port = testing::freeLoopbackPort(SOCK_STREAM);
    config.receiver.loopbackOnly = true;
    config.defaultGroup = "demo/demo";
    config.folder = dataDir / "dicom";
  }
  void TearDown() override {
    gateway.reset();
    store.reset();
    std::filesystem::remove_all(dataDir);
  }

  // Sends one US object (Burned In Annotation absent) from device ACME/VIVID; its stream.
  std::string sendUltrasound() {
    testing::DicomImageSpec spec;
    spec.manufacturer = "ACME";
    spec.model = "VIVID";
    spec.studyUid = "1.2.826.0.1.3680043.2.1143.4242";  // one series per test: one stream
    spec.seriesUid = "1.2.826.0.1.3680043.2.1143.4242.1";
    auto file = dataDir / "us.dcm";
    testing::writeDicomImage(spec, file);
    EXPECT_EQ(storescu(config.receiver.port, file), 0);
    for (const auto& entry : std::filesystem::directory_iterator(config.folder))
      return entry.path().filename().string();
    return "";
  }

  // The gateway, telling `player` of each series it keeps, and then the player.
  bool startGatewayFeeding(DicomSeriesPlayer& player) {
    gateway = std::make_unique<DicomGateway>(config, *store,
                                             [&player](const std::string& s) { player.play(s); });
    if (!gateway->start()) return false;
    std::filesystem::create_directories(config.folder);
    player.start();
    return true;
  }

  std::filesystem::path dataDir;
  std::unique_ptr<access::DirectoryStore> store;
  DicomGatewayConfig config;
  std::unique_ptr<DicomGateway> gateway;
};

TEST_F(GatewayPolicyTest, UltrasoundIsRecordedRedactWithItsDeviceMasks) {
  std::string error;
  config.masks.push_back(*pipelines::dicom::parseMaskRule("manufacturer=acme:0,0,64,8", error));
  config.masks.push_back(*pipelines::dicom::parseMaskRule("manufacturer=other:0,0,9,9", error));
  gateway = std::make_unique<DicomGateway>(config, *store);
  ASSERT_TRUE(gateway->start());
  auto stream = sendUltrasound();
  ASSERT_FALSE(stream.empty());
  auto record = pipelines::dicom::readSeriesRedaction(config.folder / stream);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->policy, "redact");
  ASSERT_EQ(record->masks.size(), 1u);
  EXPECT_EQ(record->masks[0], (pipelines::dicom::Box{0, 0, 64, 8}));
  EXPECT_EQ(gateway->stats().seriesRedacted, 1u);
  EXPECT_EQ(gateway->stats().stored, 1u);
}

TEST_F(GatewayPolicyTest, BlockedSeriesPlaysOnlyAfterRelease) {
  std::string error;
  config.routes.push_back(*parseDicomRoute("modality=US,burned-in=block:demo/demo", error));
  std::mutex mutex;
  std::condition_variable launched;
  std::vector<std::string> plans;
  DicomSeriesPlayer player(config.folder,
                           [&](const StreamPlan& plan) {
                             std::lock_guard lock(mutex);
                             plans.push_back(plan.name);
                             launched.notify_all();
                           },
                           {});
  ASSERT_TRUE(startGatewayFeeding(player));
  auto stream = sendUltrasound();
  ASSERT_FALSE(stream.empty());
  EXPECT_EQ(pipelines::dicom::readSeriesRedaction(config.folder / stream)->policy, "block");
  {
    std::unique_lock lock(mutex);
    // Two scans at least: a blocked series is never launched.
    EXPECT_FALSE(launched.wait_for(lock, 3s, [&] { return !plans.empty(); }));
  }
  EXPECT_EQ(dicomBurnedInState(config.folder, stream), "block");
  EXPECT_THROW(releaseDicomSeries(*store, config.folder, "dicom-nonesuch", "admin:test"),
               access::StoreError);
  ASSERT_NO_THROW(releaseDicomSeries(*store, config.folder, stream, "admin:test"));
  EXPECT_EQ(dicomBurnedInState(config.folder, stream), "released");
  // A later object of the series keeps the release (the record is updated, not rewritten from
  // what the gateway saw before).
  ASSERT_EQ(sendUltrasound(), stream);
  EXPECT_TRUE(pipelines::dicom::readSeriesRedaction(config.folder / stream)->released);
  ASSERT_NO_THROW(releaseDicomSeries(*store, config.folder, stream, "admin:test"));  // again: no-op
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(launched.wait_for(lock, 20s, [&] { return !plans.empty(); }));
    EXPECT_EQ(plans[0], stream);
  }
  player.stop();
  access::AuditQuery query;
  bool audited = false;
  for (const auto& record : store->queryAudit(query))
    audited = audited || (record.action == "dicom.burned-in.release" &&
                          record.target == "stream:" + stream && record.actor == "admin:test");
  EXPECT_TRUE(audited);
}

// Retention: a series whose files are older than the setting leaves (stream retired, directory
// entry removed and audited, files gone), but not while someone watches it; sent again, it is a
// new series: registered and shared again, and played again.
TEST_F(GatewayPolicyTest, ASeriesPastItsRetentionLeavesAndComesBackAsNew) {
  std::mutex mutex;
  std::condition_variable changed;
  int launches = 0, retires = 0;
  bool watched = true;
  DicomSeriesPlayer player(
      config.folder,
      [&](const StreamPlan&) {
        std::lock_guard lock(mutex);
        ++launches;
        changed.notify_all();
      },
      {},
      [&](const std::string&) {
        std::lock_guard lock(mutex);
        ++retires;
        changed.notify_all();
        return !watched;
      });
  player.setRetention(
      1h, [&](const std::string& s) { store->removeStream("dicom:retention", s, "retention 1h"); },
      1s);
  ASSERT_TRUE(startGatewayFeeding(player));
  auto stream = sendUltrasound();
  ASSERT_FALSE(stream.empty());
  auto registered = [&] {
    for (const auto& record : store->listStreams())
      if (record.name == stream) return record.groups == std::vector<std::string>{"demo/demo"};
    return false;
  };
  EXPECT_TRUE(registered());
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 20s, [&] { return launches == 1; }));
  }
  // Received two hours ago, as far as the files say.
  const auto old = std::filesystem::file_time_type::clock::now() - 2h;
  for (const auto& entry : std::filesystem::directory_iterator(config.folder / stream))
    std::filesystem::last_write_time(entry.path(), old);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(changed.wait_for(lock, 20s, [&] { return retires >= 2; }))
        << "retention asks again while the series is watched";
    EXPECT_TRUE(std::filesystem::exists(config.folder / stream));
    EXPECT_TRUE(registered());
    watched = false;
  }
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::filesystem::exists(config.folder / stream) &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(std::filesystem::exists(config.folder / stream));
  EXPECT_EQ(player.seriesExpired(), 1u);
  EXPECT_FALSE(registered());
  bool audited = false;
  for (const auto& record : store->queryAudit({}))
    audited = audited || (record.action == "stream.remove" && record.target == "stream:" + stream &&
                          record.details.value("reason", "") == "retention 1h");
  EXPECT_TRUE(audited);

  ASSERT_EQ(sendUltrasound(), stream);
  EXPECT_TRUE(registered()) << "a series that comes back is registered and shared again";
  {
    std::unique_lock lock(mutex);
    EXPECT_TRUE(changed.wait_for(lock, 20s, [&] { return launches == 2; }));
  }
  player.stop();
}

// Issue 13: an original CT with the institution and a date burned in carries no flag and is
// not suspected by the rules; a route that names the policy covers every object it routes.
TEST_F(GatewayPolicyTest, ARouteNamingThePolicyCoversEveryObject) {
  std::string error;
  config.routes.push_back(*parseDicomRoute("modality=CT,burned-in=redact:demo/demo", error));
  gateway = std::make_unique<DicomGateway>(config, *store);
  ASSERT_TRUE(gateway->start());
  testing::DicomImageSpec spec;
  spec.modality = "CT";
  spec.imageType = "ORIGINAL\\PRIMARY\\AXIAL";
  auto file = dataDir / "ct.dcm";
  testing::writeDicomImage(spec, file);
  ASSERT_EQ(storescu(config.receiver.port, file), 0);
  std::string stream;
  for (const auto& entry : std::filesystem::directory_iterator(config.folder))
    stream = entry.path().filename().string();
  auto record = pipelines::dicom::readSeriesRedaction(config.folder / stream);
  ASSERT_TRUE(record);
  EXPECT_EQ(record->policy, "redact");
  EXPECT_TRUE(record->everyObject);
  // And the renderer's redactor then looks at the CT too.
  pipelines::dicom::FrameRedactor redactor({});
  redactor.setRecord(record);
  pipelines::dicom::BurnedInFacts ct;
  ct.modality = "CT";
  pipelines::dicom::RenderedFrame frame;
  frame.width = frame.height = 64;
  frame.pixels.assign(64 * 64, 10);
  ASSERT_TRUE(redactor.apply(0, 1, ct, frame));
  EXPECT_EQ(redactor.stats().objectsScanned.load(), 1u);
  pipelines::dicom::FrameRedactor unsuspecting({});
  ASSERT_TRUE(unsuspecting.apply(0, 1, ct, frame));
  EXPECT_EQ(unsuspecting.stats().objectsScanned.load(), 0u);
}

// play() only takes note: it returns while the stream's start is still under way (here, held
// until play has returned; the old play() ran the start itself and would never return).
TEST(DicomSeriesPlayer, PlayReturnsBeforeTheStreamHasStarted) {
  auto folder =
      std::filesystem::temp_directory_path() / ("player-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(folder / "dicom-us-0123456789");
  std::mutex mutex;
  std::condition_variable changed;
  bool playReturned = false, started = false;
  DicomSeriesPlayer player(folder,
                           [&](const StreamPlan&) {
                             std::unique_lock lock(mutex);
                             changed.wait_for(lock, 30s, [&] { return playReturned; });
                             started = playReturned;
                             changed.notify_all();
                           },
                           {});
  player.start();
  player.play("dicom-us-0123456789");
  {
    std::unique_lock lock(mutex);
    playReturned = true;
    changed.notify_all();
    ASSERT_TRUE(changed.wait_for(lock, 30s, [&] { return started; }));
  }
  player.stop();
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace medrelay::app
