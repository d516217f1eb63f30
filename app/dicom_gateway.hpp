// The DICOM gateway: a C-STORE receiver whose objects (de-identified on arrival) become streams.
// Each series is one stream named from a hash of its UIDs ("dicom-ct-1a2b3c4d": no patient data
// in names), kept as de-identified files under DATA_DIR/dicom/<stream>/ (the identified original
// never reaches disk). The first object of a series registers the stream (kind "dicom") in the
// directory and shares it into the group its routing rules pick. Who plays the folders is not
// the gateway's business: inside `medrelay serve` it tells the DicomSeriesPlayer at once; as
// `medrelay gateway` on its own, serve's player finds the new folder within a second.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "access/directory_store.hpp"
#include "app/dicom_routing.hpp"
#include "app/stream_launcher.hpp"
#include "pipelines/dicom/store_receiver.hpp"

namespace medrelay::app {

struct DicomGatewayConfig {
  pipelines::dicom::StoreReceiverConfig receiver;
  std::vector<DicomRoute> routes;
  std::string defaultGroup;      // "tenant/group" when no route matches; "" shares nowhere
  std::filesystem::path folder;  // DATA_DIR/dicom
};

class DicomGateway {
 public:
  // `onSeries`: called (on the receiver's thread) after each object is kept, with its stream.
  DicomGateway(DicomGatewayConfig config, access::DirectoryStore& directory,
               std::function<void(const std::string& stream)> onSeries = {});
  ~DicomGateway();  // stop()

  // Listens; false (logged) if the port cannot be opened.
  bool start();
  void stop();

  // The stream a de-identified object belongs to.
  static std::string streamNameFor(DcmDataset& dataset);

 private:
  void onObject(std::unique_ptr<DcmDataset> dataset, const pipelines::dicom::StoreContext& context);
  void keep(DcmDataset& dataset, const std::filesystem::path& folder);

  DicomGatewayConfig config_;
  access::DirectoryStore& directory_;
  std::function<void(const std::string&)> onSeries_;
  std::unique_ptr<pipelines::dicom::StoreReceiver> receiver_;
  std::mutex mutex_;
  std::set<std::string> registered_;  // series whose stream this run has registered
};

// Plays every series folder under DATA_DIR/dicom as a stream (a `dicom://` ingest child each):
// those kept from earlier runs at start, new ones as soon as the in-process gateway reports them
// (play) or, for a separate `medrelay gateway`, when the folder appears (looked for every second).
class DicomSeriesPlayer {
 public:
  DicomSeriesPlayer(std::filesystem::path folder, StreamLauncher& launcher,
                    pipelines::IngestOptions ingest);
  ~DicomSeriesPlayer();  // stop()

  void start();
  void stop();  // stops looking for new folders (streams already playing stay)
  void play(const std::string& stream);  // any thread; no-op when it plays already

 private:
  void scan();

  std::filesystem::path folder_;
  StreamLauncher& launcher_;
  pipelines::IngestOptions ingest_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::set<std::string> playing_;
  std::thread thread_;
};

// The installation's pseudonym key for the strict profile: DATA_DIR/dicom-pseudonym.key,
// 32 random bytes made on first use (mode 0600).
std::vector<unsigned char> loadOrCreatePseudonymKey(const std::filesystem::path& dataDir);

}  // namespace medrelay::app
