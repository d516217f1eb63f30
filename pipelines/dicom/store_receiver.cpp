#include "pipelines/dicom/store_receiver.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <dcmtk/dcmdata/dcdeftag.h>
#include <dcmtk/dcmdata/dcuid.h>
#include <dcmtk/dcmnet/dcmlayer.h>
#include <dcmtk/dcmnet/dcmtrans.h>
#include <dcmtk/dcmnet/diutil.h>
#include <dcmtk/dcmnet/dul.h>
#include <dcmtk/dcmnet/scp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <semaphore>
#include <span>
#include <utility>
#include <vector>

#include "common/logger.hpp"
#include "pipelines/dicom/associate_request_check.hpp"

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

// The transfer syntaxes we decode; everything else (JPEG 2000, MPEG, deflate, ...) is refused.
constexpr const char* kTransferSyntaxes[] = {
    UID_LittleEndianExplicitTransferSyntax, UID_LittleEndianImplicitTransferSyntax,
    UID_BigEndianExplicitTransferSyntax,    UID_JPEGProcess1TransferSyntax,
    UID_JPEGProcess2_4TransferSyntax,       UID_JPEGProcess14SV1TransferSyntax,
    UID_JPEGLSLosslessTransferSyntax,       UID_JPEGLSLossyTransferSyntax,
    UID_RLELosslessTransferSyntax};

bool acceptedSyntax(const char* uid) {
  for (const char* ours : kTransferSyntaxes)
    if (std::strcmp(ours, uid) == 0) return true;
  return false;
}

bool acceptedClass(const char* uid) {
  if (std::strcmp(uid, UID_VerificationSOPClass) == 0) return true;
  for (int i = 0; i < numberOfDcmImageSOPClassUIDs; ++i)
    if (std::strcmp(dcmImageSOPClassUIDs[i], uid) == 0) return true;
  return false;
}

// A UID's name from DCMTK's dictionary (standard UIDs only: never a value of the object).
std::string uidName(const char* uid) {
  const char* name = dcmFindNameOfUID(uid, nullptr);
  return name ? name : "an unknown UID";
}

const char* refuseReasonText(DcmRefuseReasonType reason) {
  switch (reason) {
    case DCMSCP_TOO_MANY_ASSOCIATIONS:
      return "too many associations";
    case DCMSCP_BAD_APPLICATION_CONTEXT_NAME:
      return "bad application context name";
    case DCMSCP_CALLING_HOST_NOT_ALLOWED:
      return "calling host not allowed";
    case DCMSCP_CALLED_AE_TITLE_NOT_RECOGNIZED:
      return "called AE title not ours";
    case DCMSCP_CALLING_AE_TITLE_NOT_RECOGNIZED:
      return "calling AE title not allowed";
    case DCMSCP_NO_IMPLEMENTATION_CLASS_UID:
      return "no implementation class UID";
    case DCMSCP_NO_PRESENTATION_CONTEXTS:
      return "no presentation context we accept (SOP class or transfer syntax)";
    default:
      return "refused";
  }
}

}  // namespace

namespace {

// Plain TCP, as DCMTK's own layer, but it says when DCMTK has taken the connection out of
// dcmExternalSocketHandle: createConnection() runs right after DCMTK reads that global and before
// it reads a byte of the request, on every path (a request it then fails to parse included).
// Its connections also bound every wait for the peer by the idle timeout: DCMTK waits up to
// 180 s (DUL_TIMEOUT) for a peer to close after a request it could not parse, or after a release.
class HandoverLayer final : public DcmTransportLayer {
 public:
  HandoverLayer(std::function<void()> onTaken, int idleSeconds)
      : onTaken_(std::move(onTaken)), idleSeconds_(idleSeconds) {}
  DcmTransportConnection* createConnection(DcmNativeSocketType openSocket, OFBool) override {
    if (onTaken_) std::exchange(onTaken_, nullptr)();
    return new IdleBoundedConnection(openSocket, idleSeconds_);  // DCMTK owns and deletes it
  }

 private:
  class IdleBoundedConnection final : public DcmTCPConnection {
   public:
    IdleBoundedConnection(DcmNativeSocketType socket, int idleSeconds)
        : DcmTCPConnection(socket), idleSeconds_(idleSeconds) {}
    OFBool networkDataAvailable(int timeout) override {
      return DcmTCPConnection::networkDataAvailable(timeout < 0 ? idleSeconds_
                                                                : std::min(timeout, idleSeconds_));
    }

   private:
    int idleSeconds_;
  };
  std::function<void()> onTaken_;
  int idleSeconds_;
};

}  // namespace

class StoreReceiver::Scp final : public DcmSCP {
 public:
  // Serves the one association on the connection handed over in dcmExternalSocketHandle;
  // `onHandedOver` runs once DCMTK has taken it from there.
  Scp(StoreReceiver& owner, std::function<void()> onHandedOver)
      : owner_(owner), layer_(std::move(onHandedOver), owner.config_.idleTimeoutSeconds) {
    const auto& c = owner.config_;
    // "Secure" only in DCMTK's terms: a transport layer of our own is used only when enabled.
    getConfig().setTransportLayer(&layer_);
    // DCMTK opens no port of its own here (it takes the accepted connection), yet it refuses
    // ports below 1024 to non-root users: tell it an unprivileged one.
    setPort(65535);
    setAETitle(c.aeTitle.c_str());
    setDIMSETimeout(30);
    setACSETimeout(30);
    setHostLookupEnabled(OFFalse);
    setMaxReceivePDULength(65536);
    OFList<OFString> syntaxes;
    for (const char* xfer : kTransferSyntaxes)
      syntaxes.push_back(xfer);
    addPresentationContext(UID_VerificationSOPClass, syntaxes);
    for (int i = 0; i < numberOfDcmImageSOPClassUIDs; ++i) {
      addPresentationContext(dcmImageSOPClassUIDs[i], syntaxes);
    }
  }

 protected:
  // One line for what the peer proposed and we refuse (names of standard UIDs, never values),
  // before DCMTK answers; refusals of the whole association are logged in refuseAssociation.
  void notifyAssociationRequest(const T_ASC_Parameters& params,
                                DcmSCPActionType& desiredAction) override {
    auto& parameters = const_cast<T_ASC_Parameters&>(params);
    std::vector<std::string> reasons;  // distinct, in the order proposed
    int refused = 0, accepted = 0;
    bool syntaxRefused = false;
    auto note = [&](std::string reason) {
      ++refused;
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end())
        reasons.push_back(std::move(reason));
    };
    const int count = ASC_countPresentationContexts(&parameters);
    for (int i = 0; i < count; ++i) {
      T_ASC_PresentationContext context;
      if (ASC_getPresentationContext(&parameters, i, &context).bad()) continue;
      if (!acceptedClass(context.abstractSyntax)) {
        note(uidName(context.abstractSyntax) + " (not an image we render)");
        continue;
      }
      bool any = false;
      std::string offered;
      for (int t = 0; t < context.transferSyntaxCount; ++t) {
        any = any || acceptedSyntax(context.proposedTransferSyntaxes[t]);
        if (t < 3) offered += (t ? ", " : "") + uidName(context.proposedTransferSyntaxes[t]);
      }
      if (any) {
        ++accepted;
      } else {
        syntaxRefused = true;
        note(uidName(context.abstractSyntax) + " in " + offered +
             " (a transfer syntax we do not decode)");
      }
    }
    if (refused > 0) {
      // One line per association. A peer offering every storage class it knows (storescu,
      // PACS) is normal and worth a note; a refusal that loses images (only undecodable
      // transfer syntaxes, or nothing acceptable at all) is a warning.
      std::string list;
      for (size_t i = 0; i < reasons.size() && i < 6; ++i)
        list += (i ? "; " : "") + reasons[i];
      if (reasons.size() > 6) list += "; and " + std::to_string(reasons.size() - 6) + " more";
      owner_.stats_.contextsRefused += static_cast<uint64_t>(refused);
      log()->log(accepted == 0 || syntaxRefused ? spdlog::level::warn : spdlog::level::info,
                 "association from {}: refused {} of {} presentation contexts: {}",
                 printableAe(params.DULparams.callingAPTitle), refused, count, list);
    }
    DcmSCP::notifyAssociationRequest(params, desiredAction);
  }
  void refuseAssociation(const DcmRefuseReasonType reason) override {
    owner_.stats_.associationsRefused++;
    log()->warn("association from {} refused: {}", printableAe(getPeerAETitle().c_str()),
                refuseReasonText(reason));
    DcmSCP::refuseAssociation(reason);
  }
  void notifyAssociationAcknowledge() override { owner_.stats_.associations++; }

  OFBool checkCallingAETitleAccepted(const OFString& callingAE) override {
    const auto& allowed = owner_.config_.callingAeTitles;
    return allowed.empty() || allowed.count(callingAE.c_str()) > 0;  // refusal logged above
  }
  OFBool checkCallingHostAccepted(const OFString&) override {
    if (!owner_.config_.loopbackOnly) return OFTrue;
    // The peer's IP address (DCMTK passes an empty host name when host lookup is off).
    std::string host = getPeerIP().c_str();
    bool ok = host.rfind("127.", 0) == 0 || host == "::1" || host == "::ffff:127.0.0.1";
    if (!ok) log()->warn("association from {}: this receiver takes loopback peers only", host);
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
    StoreContext context{getPeerAETitle().c_str(), "", "", {}};
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
        context.burnedIn = burnedInFacts(*dataset);
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
    (outcome.status == kStatusSuccess ? owner_.stats_.stored : owner_.stats_.refused)++;
    report(outcome);
    return EC_Normal;
  }

 private:
  static std::string printableAe(const std::string& ae) {
    std::string out;
    for (char c : ae.substr(0, 16))
      out.push_back(c >= 0x20 && c < 0x7F ? c : '?');
    return out.empty() ? "(no AE title yet)" : out;
  }
  void report(const StoreOutcome& outcome) {
    if (owner_.outcomes_) owner_.outcomes_(outcome);
  }
  static constexpr unsigned long kHeaderAllowance = 16 * 1024 * 1024;  // attributes besides pixels
  StoreReceiver& owner_;
  HandoverLayer layer_;
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

namespace {

// Waits until the connection holds a whole A-ASSOCIATE-RQ PDU (PS3.8 9.3.2: type 1, a 32-bit
// length, at most what any real request needs), peeking without reading. Only then does DCMTK
// get it, so a peer that sends nothing or half a PDU never takes the handover below, and one
// that sends something else is refused before DCMTK parses a byte. "" when whole, else why not.
std::string awaitAssociationRequest(int connection, int timeoutSeconds) {
  constexpr size_t kHeader = 6, kMaxRequest = 64 * 1024;
  std::vector<unsigned char> peeked(kHeader + kMaxRequest);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  size_t wanted = kHeader;
  bool peerClosed = false;
  // poll() wakes only once `wanted` bytes are queued (SO_RCVLOWAT), not on every segment of a
  // request that arrives in pieces; reset before DCMTK reads the connection.
  auto wakeAt = [connection](size_t bytes) {
    int lowat = static_cast<int>(bytes);
    ::setsockopt(connection, SOL_SOCKET, SO_RCVLOWAT, &lowat, sizeof lowat);
  };
  wakeAt(wanted);
  for (;;) {
    ssize_t n = ::recv(connection, peeked.data(), wanted, MSG_PEEK | MSG_DONTWAIT);
    if (n == 0) return "the peer closed before its association request";
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      return std::string("the connection failed: ") + std::strerror(errno);
    }
    if (n >= static_cast<ssize_t>(kHeader) && wanted == kHeader) {
      if (peeked[0] != 0x01) return "the first PDU is not an association request";
      uint32_t length = (uint32_t{peeked[2]} << 24) | (uint32_t{peeked[3]} << 16) |
                        (uint32_t{peeked[4]} << 8) | peeked[5];
      if (length < 68 || length > kMaxRequest) return "the association request's length is absurd";
      wanted = kHeader + length;
      wakeAt(wanted);
      continue;
    }
    if (n >= static_cast<ssize_t>(wanted)) {
      wakeAt(1);
      if (auto problem = associateRequestStructureProblem(
              std::span<const unsigned char>(peeked.data(), wanted));
          !problem.empty()) {
        return problem;
      }
      return "";
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return "no whole association request within the idle timeout";
    // POLLRDHUP: a peer that sent part of a request and closed keeps the socket readable below
    // the low-water mark; without it this loop would spin until the deadline.
    pollfd p{connection, POLLIN | POLLRDHUP, 0};
    ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
      if (peerClosed) return "the peer closed before its whole association request";
      peerClosed = true;  // look once more: the rest may have come with the close
    }
  }
}

// DCMTK takes an accepted connection through a process-wide global (dcmExternalSocketHandle),
// read until the association request is in: associations (of every receiver in the process)
// take turns for that moment only, then run side by side.
std::binary_semaphore externalSocket{1};
}  // namespace

void StoreReceiver::serve() {
  while (!stopping_.load()) {
    {
      std::unique_lock lock(sessionsMutex_);
      sessionsChanged_.wait_for(lock, std::chrono::milliseconds(500),
                                [this] { return active_ < config_.maxAssociations; });
      if (active_ >= config_.maxAssociations) continue;
    }
    int connection = listener_.accept(500);  // wakes twice a second to see whether to stop
    if (connection < 0) continue;
    {
      std::lock_guard lock(sessionsMutex_);
      ++active_;
    }
    std::thread([this, connection] {
      associate(connection);
      std::lock_guard lock(sessionsMutex_);
      --active_;
      sessionsChanged_.notify_all();
    }).detach();
  }
  std::unique_lock lock(sessionsMutex_);
  sessionsChanged_.wait(lock, [this] { return active_ == 0; });  // stop() returns after them
}

void StoreReceiver::associate(int connection) {
  if (auto problem = awaitAssociationRequest(connection, config_.idleTimeoutSeconds);
      !problem.empty()) {
    ::close(connection);
    uint64_t refused = ++stats_.connectionsRefusedEarly;
    if (refused == 1 || refused % 100 == 0) {  // one line per burst, not one per connection
      log()->warn("DICOM connection closed before its association: {} ({} so far)", problem,
                  refused);
    }
    return;
  }
  // DCMTK's blocking reads have no timeout of their own: a peer that goes silent later (mid
  // C-STORE) gets a read error after the idle timeout.
  timeval idle{config_.idleTimeoutSeconds, 0};
  ::setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
  ::setsockopt(connection, SOL_SOCKET, SO_SNDTIMEO, &idle, sizeof idle);
  // The global is read by DCMTK twice before it reads a byte: when the SCP sets up its network
  // (to see that it must not open a port) and when it takes the connection (HandoverLayer).
  externalSocket.acquire();
  std::atomic<bool> released{false};
  auto release = [&released] {
    if (!released.exchange(true)) {
      dcmExternalSocketHandle.set(DCMNET_INVALID_SOCKET);
      externalSocket.release();
    }
  };
  dcmExternalSocketHandle.set(connection);
  {
    Scp scp(*this, release);
    OFCondition result = scp.listen();  // one association; DCMTK closes the connection
    if (result.bad() && result != NET_EC_StopAfterAssociation &&
        result != NET_EC_StopAfterConnectionTimeout) {
      log()->warn("DICOM association ended: {}", result.text());
    }
  }
  if (!released.load()) {  // listen() failed before DCMTK took the connection: still ours
    release();
    ::close(connection);
  }
}

void StoreReceiver::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

}  // namespace medrelay::pipelines::dicom
