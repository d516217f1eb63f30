#include "access/directory_authorizer.hpp"

#include <utility>

#include "common/clock.hpp"
#include "common/logger.hpp"

namespace medrelay::access {

namespace {

auto log() {
  static auto logger = medrelay::logger("access");
  return logger;
}

}  // namespace

DirectoryAuthorizer::DirectoryAuthorizer(DirectoryStore& store,
                                         std::chrono::milliseconds pollInterval)
    : store_(store),
      pollInterval_(pollInterval),
      seen_(store.changeCounter()),
      snapshot_(store.loadDirectory()) {
  watcher_ = std::thread([this] { watch(); });
}

DirectoryAuthorizer::~DirectoryAuthorizer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  watcher_.join();
}

std::shared_ptr<const Directory> DirectoryAuthorizer::snapshot() {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

AccessDecision DirectoryAuthorizer::mayWatch(const std::string& user, const std::string& device,
                                             const std::string& stream) {
  auto decision = decideWatch(*snapshot(), user, device, stream);
  if (!decision.allowed && isNewcomer(decision.code) && refreshNow()) {
    decision = decideWatch(*snapshot(), user, device, stream);
  }
  return decision;
}

AccessDecision DirectoryAuthorizer::mayPublish(const std::string& user, const std::string& device,
                                               const std::string& stream, std::string& source) {
  auto decide = [&] {
    auto directory = snapshot();
    auto s = directory->streams.find(stream);
    source = s == directory->streams.end() ? "" : s->second.source;
    return decidePublish(*directory, user, device, stream);
  };
  auto decision = decide();
  if (!decision.allowed && isNewcomer(decision.code) && refreshNow()) decision = decide();
  return decision;
}

AccessDecision DirectoryAuthorizer::checkCredential(const std::string& user,
                                                    const std::string& device, int64_t issuedAt) {
  // Fresh at every sign-in: a sign-out or revocation a moment ago must already count.
  refreshNow();
  return decideCredential(*snapshot(), user, device, issuedAt);
}

AccessDecision DirectoryAuthorizer::checkOneTimeCode(const std::string& user,
                                                     const std::string& device,
                                                     const std::string& stream,
                                                     const std::string& code) {
  auto directory = snapshot();
  auto it = directory->streams.find(stream);
  if (it == directory->streams.end() || !it->second.requiresOneTimeCode) return {true, "", ""};
  auto key = std::make_tuple(user, device, stream);
  auto steadyNow = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(codesMutex_);
    std::erase_if(codePasses_, [&](const auto& pass) { return pass.second <= steadyNow; });
    if (code.empty() && codePasses_.count(key)) return {true, "", ""};
  }
  if (code.empty()) {
    return {false, "one-time-code-required",
            "This stream asks for a one-time code from your authenticator app."};
  }
  auto now = medrelay::wallSeconds();
  auto check = store_.checkOneTimeCode(user, code, now);
  switch (check.result) {
    case CredentialCheck::Ok: {
      std::lock_guard lock(codesMutex_);
      codePasses_[key] = steadyNow + kCodePass;
      return {true, "", ""};
    }
    case CredentialCheck::Locked:
      return {
          false, "locked",
          "Too many wrong codes; try again in " + std::to_string(check.retryAfterSeconds) + " s."};
    case CredentialCheck::Inactive:
      return {false, "user-inactive", "This account is not active."};
    case CredentialCheck::BadCredentials:
      break;
  }
  return {false, "one-time-code-wrong",
          "The one-time code is wrong or was used already (or no authenticator is enrolled)."};
}

std::vector<std::string> DirectoryAuthorizer::watchableStreams(const std::string& user,
                                                               const std::string& device) {
  auto current = snapshot();
  auto decision = decideWatch(*current, user, device, "");
  if (isNewcomer(decision.code) && refreshNow()) current = snapshot();
  return access::watchableStreams(*current, user, device);
}

bool DirectoryAuthorizer::hasPermission(const std::string& user, std::string_view permission) {
  auto current = snapshot();
  auto it = current->users.find(user);
  return it != current->users.end() && it->second.permissions.count(std::string(permission)) > 0;
}

std::optional<Person> DirectoryAuthorizer::person(const std::string& user) {
  auto current = snapshot();
  auto it = current->users.find(user);
  if (it == current->users.end()) return std::nullopt;
  const auto& u = it->second;
  auto tenant = current->tenantNames.find(u.tenant);
  return Person{u.displayName.empty() ? u.name : u.displayName, u.department,
                tenant == current->tenantNames.end() ? "" : tenant->second};
}

bool DirectoryAuthorizer::isNewcomer(const std::string& code) {
  // A device registered a moment ago (token just issued) may not be in the snapshot yet.
  return code == "unknown-user" || code == "unknown-device";
}

bool DirectoryAuthorizer::refreshNow() {
  std::lock_guard refresh(refreshMutex_);
  try {
    int64_t now = store_.changeCounter();
    if (now == seen_.load()) return false;
    auto fresh = store_.loadDirectory();
    seen_ = now;
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(fresh);
    changedSinceReview_ = true;
    return true;
  } catch (const std::exception& e) {
    log()->error("reloading the directory failed (decisions use the last snapshot): {}", e.what());
    return false;
  }
}

void DirectoryAuthorizer::setReviewCallback(std::function<void(bool)> callback) {
  std::lock_guard lock(mutex_);
  callback_ = std::move(callback);
}

void DirectoryAuthorizer::audit(const AuditEntry& entry) {
  auditWriter_.append(entry);  // the writer retries and reports failures itself
}

void DirectoryAuthorizer::flushAudit() {
  auditWriter_.flush();
}

void DirectoryAuthorizer::watch() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, pollInterval_, [this] { return stopping_; })) {
    lock.unlock();
    refreshNow();
    lock.lock();
    bool changed = std::exchange(changedSinceReview_, false);
    auto callback = callback_;
    lock.unlock();
    if (callback) callback(changed);
    lock.lock();
  }
}

}  // namespace medrelay::access
