#include "pipelines/dicom/store_receiver.hpp"

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scp.h>

#include <mutex>

#include "common/logger.hpp"

namespace medrelay::pipelines::dicom {

namespace {

constexpr Uint16 kStatusSuccess = 0x0000;
constexpr Uint16 kStatusOutOfResources = 0xA700;     // refused: too large
constexpr Uint16 kStatusDoesNotMatchClass = 0xA900;  // data set does not match SOP class
constexpr Uint16 kStatusCannotUnderstand = 0xC000;   // failed to process

auto log() {
  static auto logger = medrelay::logger("dicom");
  return logger;
}

std::string stringOf(DcmDataset& dataset, const DcmTagKey& tag) {
  OFString value;
  return dataset.findAndGetOFString(tag, value).good() ? value.c_str() : "";
}

}  // namespace

std::string checkStoredObject(DcmDataset& dataset, const StoreReceiverConfig& config) {
  OFString sopClass;
  if (dataset.findAndGetOFString(DCM_SOPClassUID, sopClass).bad() ||
      !dcmIsaStorageSOPClassUID(sopClass.c_str(), ESSC_Image)) {
    return "not an image storage object";
  }
  Uint16 rows = 0, columns = 0, bitsAllocated = 0, samples = 1;
  if (dataset.findAndGetUint16(DCM_Rows, rows).bad() ||
      dataset.findAndGetUint16(DCM_Columns, columns).bad() ||
      dataset.findAndGetUint16(DCM_BitsAllocated, bitsAllocated).bad()) {
    return "rows, columns or bits allocated missing";
  }
  // Optional attributes keep their defaults when absent (DCMTK zeroes the output on failure).
  Uint16 value = 0;
  if (dataset.findAndGetUint16(DCM_SamplesPerPixel, value).good()) samples = value;
  Sint32 frames = 1, count = 0;
  if (dataset.findAndGetSint32(DCM_NumberOfFrames, count).good()) frames = count;
  if (rows == 0 || columns == 0 || rows > config.maxRows || columns > config.maxColumns ||
      frames < 1 || static_cast<uint32_t>(frames) > config.maxFrames || samples < 1 ||
      samples > 4 || (bitsAllocated != 8 && bitsAllocated != 16)) {
    return "absurd dimensions";
  }
  uint64_t expected =
      uint64_t{rows} * columns * static_cast<uint64_t>(frames) * samples * (bitsAllocated / 8);
  if (expected > config.maxPixelBytes) return "too large";
  DcmElement* pixels = nullptr;
  if (dataset.findAndGetElement(DCM_PixelData, pixels).bad() || pixels == nullptr) {
    return "no pixel data";
  }
  // Native (uncompressed) pixel data must hold every frame; encapsulated data is checked by
  // the decoder when rendered.
  if (!dataset.getOriginalXfer() || DcmXfer(dataset.getOriginalXfer()).isEncapsulated()) return "";
  if (pixels->getLength() < expected) return "pixel data shorter than its attributes announce";
  return "";
}

class StoreReceiver::Scp final : public DcmSCP {
 public:
  // Serves the one association on the connection handed over in dcmExternalSocketHandle.
  explicit Scp(StoreReceiver& owner) : owner_(owner) {
    const auto& c = owner.config_;
    // DCMTK opens no port of its own here (it takes the accepted connection), yet it refuses
    // ports below 1024 to non-root users: tell it an unprivileged one.
    setPort(65535);
    setAETitle(c.aeTitle.c_str());
    setDIMSETimeout(30);
    setACSETimeout(30);
    setHostLookupEnabled(OFFalse);
    setMaxReceivePDULength(65536);
    OFList<OFString> syntaxes;
    for (const char* xfer :
         {UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
          UID_BigEndianExplicitTransferSyntax, UID_JPEGProcess1TransferSyntax,
          UID_JPEGProcess2_4TransferSyntax, UID_JPEGProcess14SV1TransferSyntax,
          UID_JPEGLSLosslessTransferSyntax, UID_JPEGLSLossyTransferSyntax,
          UID_RLELosslessTransferSyntax}) {
      syntaxes.push_back(xfer);
    }
    addPresentationContext(UID_VerificationSOPClass, syntaxes);
    for (int i = 0; i < numberOfDcmImageSOPClassUIDs; ++i) {
      addPresentationContext(dcmImageSOPClassUIDs[i], syntaxes);
    }
  }

 protected:
  OFBool checkCallingAETitleAccepted(const OFString& callingAE) override {
    const auto& allowed = owner_.config_.callingAeTitles;
    bool ok = allowed.empty() || allowed.count(callingAE.c_str()) > 0;
    if (!ok) log()->warn("refused an association from calling AE title {}", callingAE.c_str());
    return ok;
  }
  OFBool checkCallingHostAccepted(const OFString&) override {
    if (!owner_.config_.loopbackOnly) return OFTrue;
    // The peer's IP address (DCMTK passes an empty host name when host lookup is off).
    std::string host = getPeerIP().c_str();
    bool ok = host.rfind("127.", 0) == 0 || host == "::1" || host == "::ffff:127.0.0.1";
    if (!ok) log()->warn("refused an association from {} (loopback only)", host);
    return ok;
  }
  // The object arrives whole in memory before it can be checked: a peer that keeps sending
  // past what any allowed image could need loses its association instead of our memory.
  void notifyRECEIVEProgress(const unsigned long byteCount) override {
    if (byteCount <= owner_.config_.maxPixelBytes + kHeaderAllowance || aborted_) return;
    aborted_ = true;
    log()->warn("C-STORE from {} aborted: more than {} bytes", getPeerAETitle().c_str(),
                owner_.config_.maxPixelBytes + kHeaderAllowance);
    abortAssociation();
  }
  void notifyAssociationTermination() override { aborted_ = false; }
  OFBool stopAfterConnectionTimeout() override { return OFTrue; }
  OFBool stopAfterCurrentAssociation() override { return OFTrue; }  // one connection each

  OFCondition handleIncomingCommand(T_DIMSE_Message* message,
                                    const DcmPresentationContextInfo& info) override {
    if (message->CommandField != DIMSE_C_STORE_RQ) {
      return DcmSCP::handleIncomingCommand(message, info);
    }
    auto& request = message->msg.CStoreRQ;
    DcmDataset* received = nullptr;
    OFCondition cond = receiveSTORERequest(request, info.presentationContextID, received);
    std::unique_ptr<DcmDataset> dataset(received);
    if (cond.bad()) {
      log()->warn("C-STORE from {}: could not receive the object: {}", getPeerAETitle().c_str(),
                  cond.text());
      report({kStatusCannotUnderstand, "could not be received"});
      return cond;
    }
    StoreOutcome outcome;
    StoreContext context{getPeerAETitle().c_str(), "", ""};
    try {
      auto problem = dataset ? checkStoredObject(*dataset, owner_.config_) : "empty";
      if (!problem.empty()) {
        outcome = {problem == "too large"                       ? kStatusOutOfResources
                   : problem == "absurd dimensions"             ? kStatusCannotUnderstand
                   : problem.find("pixel") != std::string::npos ? kStatusCannotUnderstand
                                                                : kStatusDoesNotMatchClass,
                   problem};
      } else {
        context.modality = stringOf(*dataset, DCM_Modality);
        context.studyDescription = stringOf(*dataset, DCM_StudyDescription);
        deidentify(*dataset, owner_.config_.profile, owner_.config_.pseudonymKey);
      }
    } catch (const std::exception& e) {
      outcome = {kStatusCannotUnderstand, std::string("could not be de-identified: ") + e.what()};
    }
    if (outcome.status == kStatusSuccess) {
      try {
        owner_.handler_(std::move(dataset), context);
      } catch (const std::exception& e) {
        outcome = {kStatusOutOfResources, std::string("could not be kept: ") + e.what()};
      }
    }
    if (outcome.status != kStatusSuccess) {
      // The reason names the problem, never a value from the object.
      log()->warn("C-STORE from {} refused (status 0x{:04X}): {}", getPeerAETitle().c_str(),
                  outcome.status, outcome.reason);
    }
    sendSTOREResponse(info.presentationContextID, request, outcome.status);
    report(outcome);
    return EC_Normal;
  }

 private:
  void report(const StoreOutcome& outcome) {
    if (owner_.outcomes_) owner_.outcomes_(outcome);
  }
  static constexpr unsigned long kHeaderAllowance = 16 * 1024 * 1024;  // attributes besides pixels
  StoreReceiver& owner_;
  bool aborted_ = false;
};

StoreReceiver::StoreReceiver(StoreReceiverConfig config, Handler handler, OutcomeListener outcomes)
    : config_(std::move(config)), handler_(std::move(handler)), outcomes_(std::move(outcomes)) {}

StoreReceiver::~StoreReceiver() {
  stop();
}

bool StoreReceiver::start() {
  std::string error;
  if (!listener_.open(config_.bindAddress, config_.port, error)) {
    log()->error("DICOM receiver cannot listen on {} port {}: {}", config_.bindAddress,
                 config_.port, error);
    return false;
  }
  thread_ = std::thread([this] { serve(); });
  log()->info("DICOM receiver {} listening on {} port {}", config_.aeTitle, config_.bindAddress,
              listener_.port());
  return true;
}

void StoreReceiver::serve() {
  // DCMTK takes an accepted connection through a process-wide global: receivers in one process
  // take turns.
  static std::mutex externalSocket;
  while (!stopping_.load()) {
    int connection = listener_.accept(500);  // wakes twice a second to see whether to stop
    if (connection < 0) continue;
    std::lock_guard lock(externalSocket);
    dcmExternalSocketHandle.set(connection);
    Scp scp(*this);
    OFCondition result = scp.listen();  // one association; DCMTK closes the connection
    dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
    if (result.bad() && result != NET_EC_StopAfterAssociation &&
        result != NET_EC_StopAfterConnectionTimeout) {
      log()->warn("DICOM association ended: {}", result.text());
    }
  }
}

void StoreReceiver::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace medrelay::pipelines::dicom
