// The DICOM gateway inside `medrelay serve`: a C-STORE receiver whose objects (de-identified on
// arrival) become streams. Each series is one stream named from a hash of its UIDs
// ("dicom-ct-1a2b3c4d": no patient data in names), kept as de-identified files under
// DATA_DIR/dicom/<stream>/ (the identified original never reaches disk) and played by an ingest
// child (`dicom://` source). The first object of a series registers the stream (kind "dicom") in
// the directory and shares it into the group its routing rules pick; later objects join the
// running stream. At start, series kept from earlier runs are played again.
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "access/directory_store.hpp"
#include "app/dicom_routing.hpp"
#include "app/stream_launcher.hpp"
#include "pipelines/dicom/store_receiver.hpp"

namespace medrelay::app {

struct DicomGatewayConfig {
  pipelines::dicom::StoreReceiverConfig receiver;
  std::vector<DicomRoute> routes;
  std::string defaultGroup;         // "tenant/group" when no route matches; "" shares nowhere
  std::filesystem::path folder;     // DATA_DIR/dicom
  pipelines::IngestOptions ingest;  // template for the series' ingest children
};

class DicomGateway {
 public:
  DicomGateway(DicomGatewayConfig config, access::DirectoryStore& directory,
               StreamLauncher& launcher);
  ~DicomGateway();  // stop()

  // Plays the series kept from earlier runs, then listens; false if the port cannot be opened.
  bool start();
  void stop();

  // The stream a de-identified object belongs to.
  static std::string streamNameFor(DcmDataset& dataset);

 private:
  void onObject(std::unique_ptr<DcmDataset> dataset, const pipelines::dicom::StoreContext& context);
  void keep(DcmDataset& dataset, const std::filesystem::path& folder);
  void launch(const std::string& stream);

  DicomGatewayConfig config_;
  access::DirectoryStore& directory_;
  StreamLauncher& launcher_;
  std::unique_ptr<pipelines::dicom::StoreReceiver> receiver_;
  std::mutex mutex_;
  std::set<std::string> launched_;
};

// The installation's pseudonym key for the strict profile: DATA_DIR/dicom-pseudonym.key,
// 32 random bytes made on first use (mode 0600).
std::vector<unsigned char> loadOrCreatePseudonymKey(const std::filesystem::path& dataDir);

}  // namespace medrelay::app
