#include "app/webhook_feed.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/clock.hpp"
#include "common/logger.hpp"

namespace medrelay::app {

namespace {

auto log() {
  static auto logger = medrelay::logger("webhook");
  return logger;
}

std::string streamOf(const std::string& target) {
  return target.rfind("stream:", 0) == 0 ? target.substr(7) : "";
}

// "GROUP" as an audit record names it, as FACILITY/GROUP: from the stream's shares, or the
// directory's groups; left as it is when that does not settle it.
std::string qualifiedGroup(const std::string& group, const access::StreamRecord* stream,
                           const std::vector<access::GroupRecord>& groups) {
  if (group.find('/') != std::string::npos) return group;
  if (stream) {
    for (const auto& shared : stream->groups)
      if (shared.size() > group.size() && shared.ends_with("/" + group)) return shared;
  }
  std::string found;
  for (const auto& g : groups) {
    if (g.name != group) continue;
    if (!found.empty()) return group;  // in several facilities
    found = g.tenant + "/" + g.name;
  }
  return found.empty() ? group : found;
}

}  // namespace

std::optional<WebhookEvent> webhookEventOf(const access::AuditRecord& record) {
  if (record.action == "thread.message") {
    // Who wrote on which stream's thread, and the message's id; never its text (it may be
    // clinical): a receiver that may read the thread fetches it with a credential of its own.
    auto stream = streamOf(record.target);
    if (record.outcome != "success" || stream.empty()) return std::nullopt;
    nlohmann::json data = {{"stream", stream}, {"by", record.actor}};
    if (record.details.contains("message") && record.details["message"].is_number_integer())
      data["message"] = record.details["message"];
    return makeWebhookEvent("thread.message", std::move(data), record.atMs);
  }
  bool shared = record.action == "stream.share";
  if (!shared && record.action != "stream.unshare") return std::nullopt;
  // A share that changed nothing (it was there already) is no news.
  if (shared && record.details.contains("changed") && record.details["changed"] == false)
    return std::nullopt;
  auto stream = streamOf(record.target);
  if (stream.empty() || !record.details.contains("group") || !record.details["group"].is_string())
    return std::nullopt;
  return makeWebhookEvent(shared ? "stream.shared" : "stream.unshared",
                          {{"stream", stream},
                           {"group", record.details["group"].get<std::string>()},
                           {"by", record.actor}},
                          record.atMs);
}

WebhookFeed::WebhookFeed(StreamRegistry& streams, access::DirectoryStore& store,
                         WebhookSender& sender, std::filesystem::path stateFile,
                         std::chrono::milliseconds interval, std::chrono::milliseconds holdDown)
    : streams_(streams),
      store_(store),
      sender_(sender),
      stateFile_(std::move(stateFile)),
      interval_(interval),
      availability_(holdDown) {
  // What happened before this start was announced by the run it happened in (or not at all:
  // a relay that is down announces nothing, and starts from here).
  auditSeq_ = store_.auditHead().seq;
  std::ifstream in(stateFile_);
  if (in) {
    auto saved = nlohmann::json::parse(in, nullptr, false);
    if (!saved.is_discarded() && saved.contains("announced") && saved["announced"].is_array()) {
      std::set<std::string> names;
      for (const auto& name : saved["announced"])
        if (name.is_string()) names.insert(name.get<std::string>());
      availability_.restore(names, StreamAvailability::Clock::now());
    } else {
      log()->warn("{} is not what the webhook feed wrote; streams are announced afresh",
                  stateFile_.string());
    }
  }
  thread_ = std::thread([this] { run(); });
}

WebhookFeed::~WebhookFeed() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void WebhookFeed::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      readAudit();
      readStreams();
    } catch (const std::exception& e) {
      log()->warn("the webhook feed could not read the directory: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

void WebhookFeed::readAudit() {
  access::AuditQuery query;
  query.afterSeq = auditSeq_;
  query.limit = 500;
  auto records = store_.queryAudit(query);
  if (records.empty()) return;
  auditSeq_ = records.back().seq;
  std::optional<std::vector<access::StreamRecord>> streams;
  std::optional<std::vector<access::GroupRecord>> groups;
  for (const auto& record : records) {
    auto event = webhookEventOf(record);
    if (!event) continue;
    if (!streams) streams = store_.listStreams();
    if (!groups) groups = store_.listGroups();
    const access::StreamRecord* stream = nullptr;
    for (const auto& s : *streams)
      if (s.name == event->data["stream"]) stream = &s;
    if (stream) event->data["facility"] = stream->tenant;
    if (event->data.contains("group")) {
      event->data["group"] =
          qualifiedGroup(event->data["group"].get<std::string>(), stream, *groups);
    }
    sender_.send(*event);
  }
}

void WebhookFeed::readStreams() {
  std::vector<std::pair<std::string, StreamState>> states;
  for (const auto& stream : streams_.all())
    states.emplace_back(stream->name(), stream->state());
  auto changes = availability_.observe(states, StreamAvailability::Clock::now());
  if (changes.empty()) return;
  auto records = store_.listStreams();
  for (const auto& change : changes) {
    nlohmann::json data = {{"stream", change.stream}, {"state", change.state}};
    for (const auto& record : records) {
      if (record.name != change.stream) continue;
      data["facility"] = record.tenant;
      data["groups"] = record.groups;
    }
    sender_.send(makeWebhookEvent(change.available ? "stream.live" : "stream.down", std::move(data),
                                  wallMs()));
  }
  saveAnnounced();
}

void WebhookFeed::saveAnnounced() {
  nlohmann::json saved = {{"announced", availability_.announced()}};
  auto temporary = stateFile_;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << saved.dump() << "\n";
    if (!out) {
      log()->warn("could not write {}", temporary.string());
      return;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, stateFile_, ec);
  if (ec) log()->warn("could not write {}: {}", stateFile_.string(), ec.message());
}

}  // namespace medrelay::app
