// DICOM in, video out, through a real `medrelay serve`: DCMTK's storescu program sends a
// 100-frame 512x512 ultrasound cine to the gateway, the series appears as a stream of kind
// "dicom" shared into the demo group, and a webrtcbin viewer decodes the picture that was sent
// (dark left half, bright right half) over WHEP. Nothing the relay wrote (database, DICOM
// files, keys) contains the patient's name or birth date. A routing rule sends CT elsewhere:
// the demo user cannot watch it until they join that group.
#include <dcmtk/dcmdata/dcdeftag.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tests/integration/https_client.hpp"
#include "tests/integration/server_process.hpp"
#include "tests/integration/webrtcbin_viewer.hpp"
#include "tests/integration/whep_watch.hpp"
#include "tests/support/dicom_test_images.hpp"
#include "tests/support/free_port.hpp"

namespace medrelay::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kPatientName[] = "SECRETNAME^PATIENT";
constexpr char kBirthDate[] = "19450102";

uint16_t freePort() {
  return freeLoopbackPort(SOCK_STREAM);
}

// A program's path from PATH (runCommand execs a path, it does not search).
std::string findProgram(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin";
  for (size_t start = 0; start <= path.size();) {
    auto colon = path.find(':', start);
    auto candidate = std::filesystem::path(path.substr(start, colon - start)) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return name;
}

class DicomGateway : public ::testing::Test {
 protected:
  void SetUp() override {
    dicomPort = freePort();
    folder = std::filesystem::temp_directory_path() /
             ("medrelay-dicom-it-" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(folder);
    std::vector<std::string> args = {"--no-demo",
                                     "--dicom-listen",
                                     "127.0.0.1:" + std::to_string(dicomPort),
                                     "--dicom-route",
                                     "modality=CT:demo/ct-team",
                                     "--dicom-route",
                                     "modality=MR,burned-in=block:demo/demo"};
    for (auto& arg : moreServerArgs())
      args.push_back(std::move(arg));
    server = std::make_unique<ServerProcess>(args);
  }
  virtual std::vector<std::string> moreServerArgs() { return {}; }
  void TearDown() override {
    server.reset();
    std::filesystem::remove_all(folder);
  }

  void storescu(const std::vector<std::filesystem::path>& files, const std::string& ae) {
    std::vector<std::string> argv = {
        findProgram("storescu"),  "-aet", ae, "-aec", "MEDRELAY", "127.0.0.1",
        std::to_string(dicomPort)};
    for (const auto& file : files)
      argv.push_back(file.string());
    runCommand(argv);  // throws unless storescu exits 0 (every object acknowledged)
  }

  // The directory's dicom streams, polled until `count` exist (or 10 s pass).
  nlohmann::json dicomStreams(size_t count) {
    nlohmann::json found = nlohmann::json::array();
    for (auto end = Clock::now() + 10s; Clock::now() < end; std::this_thread::sleep_for(20ms)) {
      found = nlohmann::json::array();
      for (const auto& stream : nlohmann::json::parse(server->admin({"stream", "list", "--json"})))
        if (stream.at("kind") == "dicom") found.push_back(stream);
      if (found.size() >= count) break;
    }
    return found;
  }

  // Subscribes a viewer over WHEP; the HTTP status. `offer`: one made earlier (timing tests make
  // it before the C-STORE, so ICE gathering on the viewer's side is not counted).
  int watch(WebrtcbinViewer& viewer, const std::string& stream, std::string offer = "") {
    if (offer.empty()) offer = viewer.createOffer();
    auto response = httpsRequest(
        "127.0.0.1", server->port(), "POST", "/whep/" + stream,
        {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token()}}, offer);
    if (response.status == 201) {
      EXPECT_TRUE(viewer.setAnswer(response.body));
      lastLocation = response.headers["location"];
    }
    return response.status;
  }

  std::string token() {
    if (token_.empty()) token_ = server->issueToken("demo");
    return token_;
  }

  uint16_t dicomPort = 0;
  std::filesystem::path folder;
  std::unique_ptr<ServerProcess> server;
  std::string lastLocation;  // of the last session watch() opened
  std::string token_;
};

TEST_F(DicomGateway, ACineSentWithStorescuPlaysAtAViewerWithoutPatientData) {
  DicomImageSpec cine;
  cine.rows = cine.columns = 512;
  cine.frames = 100;
  cine.frameTimeMs = 33.3;
  cine.left = {30};
  cine.right = {220};
  cine.window = std::array<double, 2>{128, 256};
  cine.patientName = kPatientName;
  cine.seriesDescription = "Echo 4CH";
  auto file = folder / "cine.dcm";
  auto image = makeDicomImage(cine);
  image->getDataset()->putAndInsertString(DCM_PatientBirthDate, kBirthDate);
  ASSERT_TRUE(image->saveFile(file.c_str(), EXS_LittleEndianExplicit).good());

  WebrtcbinViewer viewer(ViewerCodec::Vp8);
  auto offer = viewer.createOffer();
  const auto sent = Clock::now();
  storescu({file}, "ECHO_US");
  const auto stored = Clock::now();
  auto streams = dicomStreams(1);
  ASSERT_EQ(streams.size(), 1u) << streams.dump();
  const std::string name = streams[0].at("name");
  EXPECT_EQ(name.rfind("dicom-us-", 0), 0u) << name;
  EXPECT_EQ(streams[0].at("groups"), nlohmann::json::array({"demo/demo"}));

  const auto listed = Clock::now();
  ASSERT_EQ(watch(viewer, name, offer), 201);
  ASSERT_TRUE(viewer.waitForFrames(1, 20s));
  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  std::cout << "C-STORE of a 100-frame 512x512 cine (26 MB) to the first decoded frame: "
            << ms(viewer.lastFrameTime() - sent) << " ms (storescu done " << ms(stored - sent)
            << " ms, stream listed " << ms(listed - sent) << " ms)" << std::endl;
  ASSERT_TRUE(viewer.waitForFrames(45, 20s)) << viewer.framesDecoded();
  // The picture that was sent: dark left, bright right (captions sit at the top).
  EXPECT_LT(viewer.leftLuma(), 70);
  EXPECT_GT(viewer.rightLuma(), 170);

  // Nothing the relay keeps holds the patient's name or birth date.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(server->dataDir())) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find("SECRETNAME"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find(kBirthDate), std::string::npos) << entry.path();
  }
}

TEST_F(DicomGateway, ARoutingRuleSharesCtSlicesWithItsGroupOnly) {
  server->admin({"group", "add", "--tenant", "demo", "ct-team"});
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < 6; ++i) {
    DicomImageSpec slice;
    slice.modality = "CT";
    slice.bitsAllocated = 16;
    slice.bitsStored = 12;
    slice.rescaleIntercept = -1024;
    slice.left = {1024};
    slice.right = {2024};
    slice.studyUid = "1.2.826.0.1.3680043.2.1125.1";
    slice.seriesUid = "1.2.826.0.1.3680043.2.1125.1.2";
    slice.position = std::array<double, 3>{0, 0, 2.5 * i};
    slice.orientation = std::array<double, 6>{1, 0, 0, 0, 1, 0};
    files.push_back(folder / ("slice" + std::to_string(i) + ".dcm"));
    writeDicomImage(slice, files.back());
  }
  storescu(files, "CT_ER");
  auto streams = dicomStreams(1);
  ASSERT_EQ(streams.size(), 1u) << "one series, one stream: " << streams.dump();
  const std::string name = streams[0].at("name");
  EXPECT_EQ(name.rfind("dicom-ct-", 0), 0u) << name;
  EXPECT_EQ(streams[0].at("groups"), nlohmann::json::array({"demo/ct-team"}));

  WebrtcbinViewer outsider(ViewerCodec::Vp8);
  EXPECT_EQ(watch(outsider, name), 403) << "demo is not in ct-team";

  server->admin({"group", "member", "add", "demo/ct-team", "demo"});
  // The relay picks the change up within its directory poll (100 ms).
  std::unique_ptr<WebrtcbinViewer> member;
  int status = 0;
  for (auto end = Clock::now() + 5s; status != 201 && Clock::now() < end;) {
    member = std::make_unique<WebrtcbinViewer>(ViewerCodec::H264);
    status = watch(*member, name);
  }
  ASSERT_EQ(status, 201);
  EXPECT_TRUE(member->waitForFrames(10, 20s)) << member->framesDecoded();
}

// `medrelay gateway` as its own process on serve's data directory: what it receives appears as a
// stream that the running relay plays (found by the relay's series player, not told in-process).
TEST(DicomGatewayProcess, ASeparateGatewayFeedsTheRelay) {
  ServerProcess server({"--no-demo"});  // no in-process gateway (ServerProcess adds --no-dicom)
  const uint16_t port = freePort();
  std::vector<std::string> args = {ServerProcess::binary(),
                                   "gateway",
                                   "--data-dir",
                                   server.dataDir().string(),
                                   "--dicom-listen",
                                   "127.0.0.1:" + std::to_string(port),
                                   "--log-level",
                                   "warn"};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t gateway = ::fork();
  if (gateway == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  auto folder = std::filesystem::temp_directory_path() /
                ("medrelay-gw-" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(folder);
  DicomImageSpec cine;
  cine.frames = 20;
  cine.frameTimeMs = 40;
  writeDicomImage(cine, folder / "cine.dcm");
  // The gateway needs a moment to listen: storescu is retried for up to five seconds.
  bool sent = false;
  for (auto end = Clock::now() + 5s; !sent && Clock::now() < end;) {
    try {
      runCommand({findProgram("storescu"), "-aec", "MEDRELAY", "127.0.0.1", std::to_string(port),
                  (folder / "cine.dcm").string()});
      sent = true;
    } catch (const std::exception&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  ASSERT_TRUE(sent);
  std::string name;
  for (auto end = Clock::now() + 10s; name.empty() && Clock::now() < end;
       std::this_thread::sleep_for(50ms)) {
    for (const auto& stream : nlohmann::json::parse(server.admin({"stream", "list", "--json"})))
      if (stream.at("kind") == "dicom") name = stream.at("name");
  }
  ASSERT_FALSE(name.empty());
  auto token = server.issueToken("demo");
  int status = 0;
  std::unique_ptr<WebrtcbinViewer> viewer;
  for (auto end = Clock::now() + 10s; status != 201 && Clock::now() < end;) {
    viewer = std::make_unique<WebrtcbinViewer>(ViewerCodec::Vp8);
    auto response =
        httpsRequest("127.0.0.1", server.port(), "POST", "/whep/" + name,
                     {{"Content-Type", "application/sdp"}, {"Authorization", "Bearer " + token}},
                     viewer->createOffer());
    status = response.status;
    if (status == 201) {
      EXPECT_TRUE(viewer->setAnswer(response.body));
    } else {
      std::this_thread::sleep_for(200ms);  // the relay finds the folder within a second
    }
  }
  ASSERT_EQ(status, 201);
  EXPECT_TRUE(viewer->waitForFrames(20, 20s)) << viewer->framesDecoded();
  ::kill(gateway, SIGTERM);
  int wstatus = 0;
  ::waitpid(gateway, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "the gateway stops cleanly";
  std::filesystem::remove_all(folder);
}

TEST_F(DicomGateway, ABlockedSeriesPlaysOnlyAfterAnAdministratorReleasesIt) {
  DicomImageSpec image;
  image.modality = "MR";
  image.burnedIn = "YES";  // the route says block: nothing of it may play before a review
  image.left = {30};
  image.right = {220};
  auto file = folder / "mr.dcm";
  writeDicomImage(image, file);
  storescu({file}, "MR_1");
  auto streams = dicomStreams(1);
  ASSERT_EQ(streams.size(), 1u) << streams.dump();
  const std::string name = streams[0].at("name");
  EXPECT_EQ(streams[0].at("burned_in"), "block") << streams.dump();

  auto api = [&](const std::string& method, const std::string& path, const std::string& user) {
    return httpsRequest("127.0.0.1", server->port(), method, path,
                        {{"Authorization", "Bearer " + server->issueToken(user)}});
  };
  auto listed = [&](const std::string& user) {
    for (const auto& s : nlohmann::json::parse(api("GET", "/api/v1/streams", user).body))
      if (s.at("name") == name) return s;
    return nlohmann::json();
  };
  // Blocked: never started, so nobody is offered it.
  std::this_thread::sleep_for(2s);  // two scans of the player
  EXPECT_TRUE(listed("demo").is_null());
  WebrtcbinViewer early(ViewerCodec::Vp8);
  EXPECT_NE(watch(early, name), 201);

  EXPECT_EQ(api("POST", "/api/v1/admin/streams/" + name + "/release", "demo").status, 403)
      << "only an administrator releases";
  EXPECT_EQ(api("POST", "/api/v1/admin/streams/nonesuch/release", "admin").status, 404);
  ASSERT_EQ(api("POST", "/api/v1/admin/streams/" + name + "/release", "admin").status, 204);
  EXPECT_EQ(dicomStreams(1)[0].at("burned_in"), "released");

  nlohmann::json entry;
  for (auto end = Clock::now() + 20s; entry.is_null() && Clock::now() < end;
       std::this_thread::sleep_for(200ms)) {
    entry = listed("demo");
  }
  ASSERT_FALSE(entry.is_null()) << "the released series never started";
  EXPECT_EQ(entry.at("burned_in"), "released") << entry.dump();
  std::unique_ptr<WebrtcbinViewer> viewer;
  int status = 0;
  for (auto end = Clock::now() + 20s; status != 201 && Clock::now() < end;) {
    viewer = std::make_unique<WebrtcbinViewer>(ViewerCodec::Vp8);
    status = watch(*viewer, name);
    if (status != 201) std::this_thread::sleep_for(500ms);
  }
  ASSERT_EQ(status, 201);
  EXPECT_TRUE(viewer->waitForFrames(5, 30s)) << viewer->framesDecoded();

  // A second release is a no-op; the CLI says the same; the release is audited, as admin.
  EXPECT_EQ(api("POST", "/api/v1/admin/streams/" + name + "/release", "admin").status, 204);
  EXPECT_NO_THROW(server->admin({"stream", "release", name}));
  bool audited = false;
  for (auto end = Clock::now() + 10s; !audited && Clock::now() < end;
       std::this_thread::sleep_for(200ms)) {
    auto trail = server->admin({"audit", "export"});
    audited = trail.find("dicom.burned-in.release") != std::string::npos &&
              trail.find("user:admin") != std::string::npos;
  }
  EXPECT_TRUE(audited);
}

// A series encodes only while someone watches it (and for the linger after): received, it waits
// on standby with no ingest process; the first viewer starts it and gets the picture; after the
// last one leaves and the linger passes, the process is gone and the series is on standby again,
// ready for the next viewer. Stopping for want of viewers is not a failure.
class DicomGatewayOnDemand : public DicomGateway {
 protected:
  std::vector<std::string> moreServerArgs() override { return {"--ingest-linger-seconds", "2"}; }

  std::string stateOf(const std::string& stream) {
    auto entry = listedStream(*server, stream, token());
    return entry.contains("state") ? entry.at("state").get<std::string>() : "unlisted";
  }
  // Polls until the series is on standby with no ingest process (or `deadline` passes).
  bool waitForStandby(const std::string& stream, std::chrono::seconds deadline) {
    for (auto end = Clock::now() + deadline; Clock::now() < end; std::this_thread::sleep_for(100ms))
      if (stateOf(stream) == "standby" && server->childPids().empty()) return true;
    return false;
  }
};

TEST_F(DicomGatewayOnDemand, ASeriesEncodesOnlyWhileSomeoneWatchesIt) {
  DicomImageSpec cine;
  cine.rows = cine.columns = 256;
  cine.frames = 30;
  cine.frameTimeMs = 40;
  cine.left = {30};
  cine.right = {220};
  auto file = folder / "cine.dcm";
  writeDicomImage(cine, file);
  storescu({file}, "ECHO_US");
  auto streams = dicomStreams(1);
  ASSERT_EQ(streams.size(), 1u) << streams.dump();
  const std::string name = streams[0].at("name");
  const size_t logStart = server->logLineCount();

  ASSERT_TRUE(waitForStandby(name, 20s))
      << stateOf(name) << ", " << server->childPids().size() << " ingest processes";
  EXPECT_EQ(listedStream(*server, name, token()).at("detail"),
            "nobody watches; starts when someone does");
  auto metrics = httpsRequest("127.0.0.1", server->metricsPort(), "GET", "/metrics", {});
  EXPECT_NE(metrics.body.find("medrelay_stream_standby{stream=\"" + name + "\"} 1"),
            std::string::npos)
      << metrics.body.substr(0, 2000);

  auto ms = [](auto d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); };
  for (int round = 1; round <= 2; ++round) {
    WebrtcbinViewer viewer(ViewerCodec::Vp8);
    auto offer = viewer.createOffer();
    const auto asked = Clock::now();
    ASSERT_EQ(watch(viewer, name, offer), 201) << "a series on standby is watchable";
    ASSERT_TRUE(viewer.waitForFrames(1, 60s)) << "round " << round;
    std::cout << "Cold series (on standby, no ingest process), WHEP POST to the first decoded "
                 "frame, round "
              << round << ": " << ms(viewer.lastFrameTime() - asked) << " ms" << std::endl;
    EXPECT_TRUE(viewer.waitForFrames(10, 30s)) << viewer.framesDecoded();
    EXPECT_EQ(server->childPids().size(), 1u) << "one ingest process while watched";
    EXPECT_LT(viewer.leftLuma(), 70);
    EXPECT_GT(viewer.rightLuma(), 170);

    ASSERT_FALSE(lastLocation.empty());
    auto ended = httpsRequest("127.0.0.1", server->port(), "DELETE", lastLocation,
                              {{"Authorization", "Bearer " + token()}});
    EXPECT_EQ(ended.status, 200) << ended.body;
    // Linger (2 s), SIGTERM and the process's exit: generous for a loaded machine.
    EXPECT_TRUE(waitForStandby(name, 30s)) << "round " << round << ": " << stateOf(name) << ", "
                                           << server->childPids().size() << " ingest processes";
  }
  auto log = server->logText(logStart);
  EXPECT_EQ(log.find("restarting in"), std::string::npos) << "a stop for want of viewers is not "
                                                             "a failure:\n"
                                                          << log;
  EXPECT_NE(log.find("stopped, nobody watches"), std::string::npos) << log;
}

}  // namespace
}  // namespace medrelay::testing
