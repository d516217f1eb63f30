// Finds what the webhooks announce and hands it to the sender. Every `interval` it reads
//  - the audit chain after the last record it read: shares and unshares of streams, whoever made
//    them (the API, `medrelay admin` in another process, the DICOM routing), so the feed needs
//    no hook in each of them;
//  - the streams' states, through StreamAvailability (stream.live, stream.down), whose announced
//    set is kept in `stateFile` so that a restart does not post every stream into the chat again.
// Events carry names only: stream, facility, groups as FACILITY/NAME, who shared.
// Owns one thread; construct and destroy on the same (main) thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

#include "access/directory_store.hpp"
#include "app/stream_availability.hpp"
#include "app/stream_registry.hpp"
#include "app/webhook_event.hpp"
#include "app/webhook_sender.hpp"

namespace medrelay::app {

// The event an audit record makes (stream.shared, stream.unshared, thread.message), if any;
// `data` still names the group as the record does (its plain name).
std::optional<WebhookEvent> webhookEventOf(const access::AuditRecord& record);

class WebhookFeed {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};

  WebhookFeed(StreamRegistry& streams, access::DirectoryStore& store, WebhookSender& sender,
              std::filesystem::path stateFile, std::chrono::milliseconds interval = kInterval,
              std::chrono::milliseconds holdDown = StreamAvailability::kHoldDown);
  ~WebhookFeed();
  WebhookFeed(const WebhookFeed&) = delete;
  WebhookFeed& operator=(const WebhookFeed&) = delete;

 private:
  void run();
  void readAudit();    // feed thread
  void readStreams();  // feed thread
  void saveAnnounced();

  StreamRegistry& streams_;
  access::DirectoryStore& store_;
  WebhookSender& sender_;
  const std::filesystem::path stateFile_;
  const std::chrono::milliseconds interval_;
  StreamAvailability availability_;  // feed thread
  int64_t auditSeq_ = 0;             // feed thread: the last audit record read
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;  // under mutex_
  std::thread thread_;
};

}  // namespace medrelay::app
