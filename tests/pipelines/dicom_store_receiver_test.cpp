// The C-STORE receiver against real DICOM peers on loopback: DCMTK's storescu program sends a
// generated ultrasound cine, which arrives de-identified; a calling AE title that is not
// configured is turned away; malformed objects sent with DCMTK's DcmSCU (truncated pixel data,
// absurd dimensions, no pixel data, an object that is not an image) get failure statuses, and the
// receiver keeps accepting good objects afterwards.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcfilefo.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/scu.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include <spdlog/sinks/ringbuffer_sink.h>

#include "common/logger.hpp"
#include "pipelines/dicom/store_receiver.hpp"
#include "tests/support/dicom_test_images.hpp"
#include "tests/support/free_port.hpp"

namespace medrelay::pipelines::dicom {
namespace {

using namespace std::chrono_literals;

uint16_t freePort() {
  return testing::freeLoopbackPort(SOCK_STREAM);
}

// An 8-bit MONOCHROME2 ultrasound cine, 64x64, `frames` frames, with identifying values.
std::unique_ptr<DcmDataset> cine(uint16_t rows = 64, Sint32 frames = 5, size_t pixelBytes = 0) {
  auto dataset = std::make_unique<DcmDataset>();
  char uid[100];
  dataset->putAndInsertString(DCM_SOPClassUID, UID_UltrasoundMultiframeImageStorage);
  dataset->putAndInsertString(DCM_SOPInstanceUID, dcmGenerateUniqueIdentifier(uid));
  dataset->putAndInsertString(DCM_StudyInstanceUID, dcmGenerateUniqueIdentifier(uid));
  dataset->putAndInsertString(DCM_SeriesInstanceUID, dcmGenerateUniqueIdentifier(uid));
  dataset->putAndInsertString(DCM_Modality, "US");
  dataset->putAndInsertString(DCM_PatientName, "SECRET^PATIENT");
  dataset->putAndInsertString(DCM_PatientBirthDate, "19450102");
  dataset->putAndInsertString(DCM_PatientID, "HOSP-000123");
  dataset->putAndInsertString(DCM_StudyDate, "20261125");
  dataset->putAndInsertUint16(DCM_Rows, rows);
  dataset->putAndInsertUint16(DCM_Columns, 64);
  dataset->putAndInsertUint16(DCM_SamplesPerPixel, 1);
  dataset->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
  dataset->putAndInsertUint16(DCM_BitsAllocated, 8);
  dataset->putAndInsertUint16(DCM_BitsStored, 8);
  dataset->putAndInsertUint16(DCM_HighBit, 7);
  dataset->putAndInsertUint16(DCM_PixelRepresentation, 0);
  dataset->putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
  size_t size = pixelBytes ? pixelBytes : size_t{rows} * 64 * static_cast<size_t>(frames);
  std::vector<Uint8> pixels(size, 0x80);
  dataset->putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  return dataset;
}

class StoreReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config.port = freePort();
    config.maxPixelBytes = 1024 * 1024;
    config.loopbackOnly = true;
    config.callingAeTitles = {"MODALITY1"};
    receiver = std::make_unique<StoreReceiver>(
        config,
        [this](std::unique_ptr<DcmDataset> dataset, const StoreContext& context) {
          if (handlerFails) throw std::runtime_error("disk full");
          std::lock_guard lock(mutex);
          received.push_back(std::move(dataset));
          contexts.push_back(context);
          arrived.notify_all();
        },
        [this](const StoreOutcome& outcome) {
          std::lock_guard lock(mutex);
          outcomes.push_back(outcome);
        });
    ASSERT_TRUE(receiver->start());
  }

  bool waitForReceived(size_t count) {
    std::unique_lock lock(mutex);
    return arrived.wait_for(lock, 10s, [&] { return received.size() >= count; });
  }

  // Runs DCMTK's storescu; returns its exit status.
  int storescu(const std::string& callingAe, const std::filesystem::path& file) {
    pid_t pid = ::fork();
    if (pid == 0) {
      std::string port = std::to_string(config.port);
      ::execlp("storescu", "storescu", "-aet", callingAe.c_str(), "-aec", "MEDRELAY", "127.0.0.1",
               port.c_str(), file.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  // Sends one dataset in memory with DcmSCU; returns the C-STORE response status.
  // A DcmSCU for the receiver under test, offering `sopClass` in explicit little endian.
  void configure(DcmSCU& scu, const std::string& sopClass) {
    scu.setAETitle("MODALITY1");
    scu.setPeerAETitle("MEDRELAY");
    scu.setPeerHostName("127.0.0.1");
    scu.setPeerPort(config.port);
    OFList<OFString> syntaxes;
    syntaxes.push_back(UID_LittleEndianExplicitTransferSyntax);
    scu.addPresentationContext(sopClass.c_str(), syntaxes);
  }

  Uint16 send(DcmDataset& dataset, const std::string& sopClass) {
    DcmSCU scu;
    configure(scu, sopClass);
    EXPECT_TRUE(scu.initNetwork().good());
    EXPECT_TRUE(scu.negotiateAssociation().good());
    auto presentation = scu.findPresentationContextID(sopClass.c_str(), "");
    Uint16 status = 0xFFFF;
    OFCondition cond = scu.sendSTORERequest(presentation, "", &dataset, status);
    EXPECT_TRUE(cond.good()) << cond.text();
    scu.releaseAssociation();
    return status;
  }

  StoreReceiverConfig config;
  std::unique_ptr<StoreReceiver> receiver;
  std::mutex mutex;
  std::condition_variable arrived;
  std::vector<std::unique_ptr<DcmDataset>> received;
  std::vector<StoreContext> contexts;
  std::atomic<bool> handlerFails{false};
  std::vector<StoreOutcome> outcomes;
};

TEST_F(StoreReceiverTest, StorescuDeliversACineThatArrivesDeidentified) {
  auto path = std::filesystem::temp_directory_path() /
              ("medrelay-cine-" + std::to_string(std::random_device{}()) + ".dcm");
  DcmFileFormat file(cine().release());
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  EXPECT_EQ(storescu("MODALITY1", path), 0);
  std::filesystem::remove(path);
  ASSERT_TRUE(waitForReceived(1));
  std::lock_guard lock(mutex);
  EXPECT_EQ(contexts[0].callingAe, "MODALITY1");
  EXPECT_EQ(contexts[0].modality, "US");
  OFString value;
  EXPECT_TRUE(received[0]->findAndGetOFString(DCM_PatientName, value).bad()) << value;
  EXPECT_TRUE(received[0]->findAndGetOFString(DCM_PatientBirthDate, value).bad());
  ASSERT_TRUE(received[0]->findAndGetOFString(DCM_PatientID, value).good());
  EXPECT_EQ(value, "HOSP-000123") << "the hospital minimum profile keeps the ID";
  Sint32 frames = 0;
  EXPECT_TRUE(received[0]->findAndGetSint32(DCM_NumberOfFrames, frames).good());
  EXPECT_EQ(frames, 5);
}

TEST_F(StoreReceiverTest, AnUnknownCallingAeTitleIsTurnedAway) {
  auto path = std::filesystem::temp_directory_path() /
              ("medrelay-cine-" + std::to_string(std::random_device{}()) + ".dcm");
  DcmFileFormat file(cine().release());
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  EXPECT_NE(storescu("INTRUDER", path), 0);
  std::filesystem::remove(path);
  std::lock_guard lock(mutex);  // the association was rejected before any C-STORE
  EXPECT_TRUE(received.empty());
  EXPECT_TRUE(outcomes.empty());
}

TEST_F(StoreReceiverTest, MalformedObjectsGetFailureStatusesAndTheReceiverCarriesOn) {
  auto truncated = cine(64, 5, 64 * 64 * 2);  // announces 5 frames, holds 2
  EXPECT_EQ(send(*truncated, UID_UltrasoundMultiframeImageStorage), 0xC000);
  auto absurd = cine(64, 5);
  absurd->putAndInsertUint16(DCM_Rows, 60000);
  EXPECT_EQ(send(*absurd, UID_UltrasoundMultiframeImageStorage), 0xC000);
  auto noPixels = cine();
  noPixels->findAndDeleteElement(DCM_PixelData);
  EXPECT_EQ(send(*noPixels, UID_UltrasoundMultiframeImageStorage), 0xC000);
  // A structured report inside an image context: the object does not match its class.
  auto notAnImage = cine();
  notAnImage->putAndInsertString(DCM_SOPClassUID, UID_BasicTextSRStorage);
  EXPECT_EQ(send(*notAnImage, UID_UltrasoundMultiframeImageStorage), 0xA900);
  auto good = cine();
  EXPECT_EQ(send(*good, UID_UltrasoundMultiframeImageStorage), 0x0000);
  // A single-frame image names neither Number of Frames nor (here) Samples per Pixel.
  auto single = cine(64, 1);
  single->findAndDeleteElement(DCM_NumberOfFrames);
  single->findAndDeleteElement(DCM_SamplesPerPixel);
  single->putAndInsertString(DCM_SOPClassUID, UID_UltrasoundImageStorage);
  EXPECT_EQ(send(*single, UID_UltrasoundImageStorage), 0x0000);
  ASSERT_TRUE(waitForReceived(2));
  std::lock_guard lock(mutex);
  EXPECT_EQ(received.size(), 2u) << "only the good objects are handed on";
  ASSERT_EQ(outcomes.size(), 6u);
  for (const auto& outcome : outcomes) {
    EXPECT_EQ(outcome.reason.find("SECRET"), std::string::npos) << "reasons carry no patient data";
  }
}

// An object is acknowledged only once it is kept: when keeping it fails, the peer hears 0xA700
// and can send again; the receiver carries on.
TEST_F(StoreReceiverTest, AnObjectThatCannotBeKeptIsNotAcknowledged) {
  handlerFails = true;
  auto first = cine();
  EXPECT_EQ(send(*first, UID_UltrasoundMultiframeImageStorage), 0xA700);
  handlerFails = false;
  auto again = cine();
  EXPECT_EQ(send(*again, UID_UltrasoundMultiframeImageStorage), 0x0000);
  ASSERT_TRUE(waitForReceived(1));
  std::lock_guard lock(mutex);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].reason, "could not be kept: disk full");
}

// A peer that sends more than any allowed image could need is cut off while sending, before the
// object fills memory; the receiver then serves the next association.
TEST_F(StoreReceiverTest, AnOversizedObjectLosesItsAssociationMidTransfer) {
  auto huge = cine(64, 1, 64 * 64);
  // 20 MiB of private data on top of a small image: over the 1 MiB + 16 MiB allowance.
  std::vector<Uint8> padding(20 * 1024 * 1024, 0x11);
  huge->putAndInsertUint8Array(DcmTag(0x0009, 0x1002, EVR_OB), padding.data(), padding.size());
  DcmSCU scu;
  configure(scu, UID_UltrasoundMultiframeImageStorage);
  ASSERT_TRUE(scu.initNetwork().good());
  ASSERT_TRUE(scu.negotiateAssociation().good());
  Uint16 status = 0;
  OFCondition cond =
      scu.sendSTORERequest(scu.findPresentationContextID(UID_UltrasoundMultiframeImageStorage, ""),
                           "", huge.get(), status);
  EXPECT_TRUE(cond.bad()) << "the transfer should have been cut off";
  auto good = cine();
  EXPECT_EQ(send(*good, UID_UltrasoundMultiframeImageStorage), 0x0000);
  ASSERT_TRUE(waitForReceived(1));
  std::lock_guard lock(mutex);
  EXPECT_EQ(received.size(), 1u);
}

// True when a TCP connection to `host`:`port` is accepted.
bool connects(const char* host, uint16_t port) {
  sockaddr_storage address{};
  socklen_t length = 0;
  if (std::strchr(host, ':')) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    ::inet_pton(AF_INET6, host, &v6->sin6_addr);
    length = sizeof *v6;
  } else {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&address);
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    ::inet_pton(AF_INET, host, &v4->sin_addr);
    length = sizeof *v4;
  }
  int fd = ::socket(address.ss_family, SOCK_STREAM, 0);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), length) == 0;
  ::close(fd);
  return ok;
}

TEST_F(StoreReceiverTest, ListensOnlyOnItsOwnAddress) {
  // 127.0.0.2 is this host too: a port bound to every interface would answer there.
  EXPECT_TRUE(connects("127.0.0.1", config.port));
  EXPECT_FALSE(connects("127.0.0.2", config.port)) << "bound to 127.0.0.1 only";

  StoreReceiverConfig v6 = config;
  v6.bindAddress = "::1";
  v6.port = 0;
  StoreReceiver ipv6(v6, [](std::unique_ptr<DcmDataset>, const StoreContext&) {});
  ASSERT_TRUE(ipv6.start());
  ASSERT_NE(ipv6.boundPort(), 0);
  EXPECT_TRUE(connects("::1", ipv6.boundPort()));
  EXPECT_FALSE(connects("127.0.0.1", ipv6.boundPort()));

  StoreReceiverConfig bad = config;
  bad.bindAddress = "not-an-address";
  StoreReceiver refused(bad, [](std::unique_ptr<DcmDataset>, const StoreContext&) {});
  EXPECT_FALSE(refused.start());
}

// Issue 13: a valid YBR_FULL_422 uncompressed secondary capture (two bytes per pixel) was
// refused with 0xC000, and Orthanc stopped the series' push there. Now it is stored; a 4:2:2
// object that is short by one row still is refused.
TEST_F(StoreReceiverTest, YbrFull422SecondaryCaptureIsStored) {
  testing::DicomImageSpec spec;
  spec.modality = "OT";
  spec.sopClass = UID_SecondaryCaptureImageStorage;
  spec.photometric = "YBR_FULL_422";
  spec.left = {40, 128, 128};
  spec.right = {220, 128, 128};
  auto image = testing::makeDicomImage(spec);
  std::unique_ptr<DcmDataset> dataset(image->getAndRemoveDataset());
  EXPECT_EQ(send(*dataset, UID_SecondaryCaptureImageStorage), 0x0000);
  auto short422 = testing::makeDicomImage(spec);
  std::vector<Uint8> pixels(64 * 63 * 2, 0x80);
  short422->getDataset()->putAndInsertUint8Array(DCM_PixelData, pixels.data(), pixels.size());
  EXPECT_EQ(send(*short422->getDataset(), UID_SecondaryCaptureImageStorage), 0xC000);
  ASSERT_TRUE(waitForReceived(1));
}

// Issue 13: the answer went out only after the stream had started; with associations served
// one at a time, a slow one held every other sender's answer back. Three storescu processes
// at once: all three objects are in the handler at the same time (it waits for that, with a
// deadline), which one association at a time could never do.
TEST_F(StoreReceiverTest, AssociationsAreServedSideBySide) {
  receiver.reset();
  std::mutex gate;
  std::condition_variable changed;
  int inside = 0, most = 0;
  receiver = std::make_unique<StoreReceiver>(
      config, [&](std::unique_ptr<DcmDataset>, const StoreContext&) {
        std::unique_lock lock(gate);
        most = std::max(most, ++inside);
        changed.notify_all();
        changed.wait_for(lock, 20s, [&] { return most >= 3; });
        --inside;
      });
  ASSERT_TRUE(receiver->start());
  std::vector<std::filesystem::path> files;
  for (int i = 0; i < 3; ++i) {
    files.push_back(std::filesystem::temp_directory_path() /
                    ("medrelay-side-" + std::to_string(std::random_device{}()) + ".dcm"));
    DcmFileFormat file(cine().release());
    ASSERT_TRUE(file.saveFile(files.back().c_str(), EXS_LittleEndianExplicit).good());
  }
  std::vector<std::thread> senders;
  std::atomic<int> succeeded{0};
  for (const auto& file : files)
    senders.emplace_back([&, file] { succeeded += storescu("MODALITY1", file) == 0; });
  for (auto& sender : senders)
    sender.join();
  for (const auto& file : files)
    std::filesystem::remove(file);
  EXPECT_EQ(succeeded.load(), 3);
  std::lock_guard lock(gate);
  EXPECT_EQ(most, 3) << "associations were served one after another";
}

// Issue 13: refusals at negotiation (JPEG 2000, waveforms) left no line of ours. Each is
// logged once, with its reason and the standard names of what was refused, and counted.
TEST_F(StoreReceiverTest, RefusalsAtNegotiationAreLoggedOnce) {
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64);
  auto logger = medrelay::logger("dicom");
  logger->sinks().push_back(sink);
  {
    DcmSCU scu;
    scu.setAETitle("MODALITY1");
    scu.setPeerAETitle("MEDRELAY");
    scu.setPeerHostName("127.0.0.1");
    scu.setPeerPort(config.port);
    OFList<OFString> j2k, plain;
    j2k.push_back(UID_JPEG2000TransferSyntax);
    plain.push_back(UID_LittleEndianExplicitTransferSyntax);
    scu.addPresentationContext(UID_UltrasoundMultiframeImageStorage, j2k);
    scu.addPresentationContext(UID_TwelveLeadECGWaveformStorage, plain);
    ASSERT_TRUE(scu.initNetwork().good());
    EXPECT_TRUE(scu.negotiateAssociation().bad()) << "nothing acceptable was offered";
  }
  logger->sinks().pop_back();
  std::string all;
  int j2kLines = 0, ecgLines = 0;
  for (const auto& line : sink->last_formatted()) {
    all += line;
    j2kLines += line.find("JPEG2000") != std::string::npos;
    ecgLines += line.find("ECG") != std::string::npos;
  }
  EXPECT_EQ(j2kLines, 1) << all;
  EXPECT_EQ(ecgLines, 1) << all;
  EXPECT_NE(all.find("no presentation context we accept"), std::string::npos) << all;
  EXPECT_EQ(receiver->stats().contextsRefused.load(), 2u);
  EXPECT_EQ(receiver->stats().associationsRefused.load(), 1u);
}

}  // namespace
}  // namespace medrelay::pipelines::dicom
