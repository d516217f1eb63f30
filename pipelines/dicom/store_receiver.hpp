// The DICOM C-STORE receiver (DCMTK DcmSCP) on one address and port: accepts associations for
// the image storage SOP classes from configured calling AE titles, receives each object in memory,
// checks it (an image with sane dimensions whose pixel data has the length its attributes
// announce, object_check.hpp), and de-identifies it before anyone else sees it; the identified
// original is never written anywhere. Refusals carry a DICOM failure status and leave one log
// line, refusals at association negotiation (a SOP class or transfer syntax we do not take,
// JPEG 2000, waveforms, RT objects) included.
// Threads: start()/stop() on the owner's; an accepting thread, and one thread per association
// (up to maxAssociations at once, so one slow peer does not hold the others' answers back).
#pragma once

#include <dcmtk/dcmdata/dcdatset.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pipelines/dicom/burned_in_policy.hpp"
#include "pipelines/dicom/deidentifier.hpp"
#include "pipelines/dicom/listen_socket.hpp"
#include "pipelines/dicom/object_check.hpp"

namespace medrelay::pipelines::dicom {

struct StoreReceiverConfig {
  std::string aeTitle = "MEDRELAY";
  std::string bindAddress = "127.0.0.1";  // numeric; "0.0.0.0" or "::" for every interface
  uint16_t port = 11112;                  // 0: the kernel picks one (see boundPort())
  bool loopbackOnly = false;              // the embedded default: peers on this host only
  std::set<std::string> callingAeTitles;  // empty: any calling AE title
  DeidProfile profile = DeidProfile::HospitalMinimum;
  std::vector<unsigned char> pseudonymKey;  // for the strict profile
  // Refuse objects beyond these (a hostile header must not make us allocate gigabytes).
  uint32_t maxRows = 4096, maxColumns = 4096, maxFrames = 5000;
  uint64_t maxPixelBytes = uint64_t{1} << 30;
  unsigned maxAssociations = 8;  // served at once; more wait to be accepted
  // A peer silent this long (before its association request is whole, or mid-association)
  // loses its connection: one idle TCP connection must not hold the port.
  int idleTimeoutSeconds = 15;
  ObjectLimits limits() const { return {maxRows, maxColumns, maxFrames, maxPixelBytes}; }
};

// Counters for /metrics (any thread).
struct StoreReceiverStats {
  std::atomic<uint64_t> associations{0};         // accepted associations
  std::atomic<uint64_t> associationsRefused{0};  // refused at negotiation (any reason)
  std::atomic<uint64_t> contextsRefused{0};      // proposed presentation contexts refused
  std::atomic<uint64_t> stored{0};               // objects acknowledged with success
  std::atomic<uint64_t> refused{0};              // C-STOREs answered with a failure status
  // Connections closed before DCMTK saw them: no whole association request in time, or bytes
  // that are not one.
  std::atomic<uint64_t> connectionsRefusedEarly{0};
};

// What became of one C-STORE (for the caller's log and tests).
struct StoreOutcome {
  uint16_t status = 0;  // the DICOM status sent back: 0 success, 0xA700/0xA900/0xC000 failures
  std::string reason;   // why it was refused ("" on success); never contains patient data
};

// Checks a received object; "" when fine, else the reason (without patient data).
inline std::string checkStoredObject(DcmDataset& dataset, const StoreReceiverConfig& config) {
  return checkImageObject(dataset, config.limits());
}

// Facts about a received object for routing, read before de-identification (the strict profile
// removes the study description). Kept in memory only, never written.
struct StoreContext {
  std::string callingAe, modality, studyDescription;
  BurnedInFacts burnedIn;  // what decides redaction and fixed masks
};

class StoreReceiver {
 public:
  // Gets every accepted object, already de-identified. Runs on the association's thread before
  // the peer hears back, so an object is acknowledged only once it is kept: if the handler
  // throws, the peer gets 0xA700 (out of resources) and may send again. It may keep the
  // dataset. Calls for different associations may run at the same time.
  using Handler =
      std::function<void(std::unique_ptr<DcmDataset> dataset, const StoreContext& context)>;
  using OutcomeListener = std::function<void(const StoreOutcome&)>;

  StoreReceiver(StoreReceiverConfig config, Handler handler, OutcomeListener outcomes = {});
  ~StoreReceiver();  // stops and joins

  // Starts listening on its own thread; false (with a log line) if the port cannot be opened.
  bool start();
  void stop();
  uint16_t boundPort() const { return listener_.port(); }
  const StoreReceiverStats& stats() const { return stats_; }

 private:
  class Scp;
  StoreReceiverConfig config_;
  Handler handler_;
  OutcomeListener outcomes_;
  void serve();                    // the accepting thread
  void associate(int connection);  // one association's thread

  std::atomic<bool> stopping_{false};
  ListenSocket listener_;
  std::thread thread_;
  std::mutex sessionsMutex_;
  std::condition_variable sessionsChanged_;
  unsigned active_ = 0;  // association threads running (guarded by sessionsMutex_)
  StoreReceiverStats stats_;
};

}  // namespace medrelay::pipelines::dicom
