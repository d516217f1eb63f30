// CredentialStore on SQLite: passwords, device passcodes and one-time codes, checked inside the
// store, with the lockout counters that slow guessing; every check audited in its transaction.
// Thread-safe: every call holds the shared state's mutex, except the slow hash work, done
// outside it so one sign-in does not stall the others.
#include <openssl/rand.h>

#include <algorithm>
#include <optional>

#include "access/credentials_sql.hpp"
#include "access/password_hash.hpp"
#include "access/sqlite_store_state.hpp"
#include "access/totp.hpp"

namespace medrelay::access {

namespace {

using nlohmann::json;

namespace sql = credentials_sql;

class SqliteCredentials final : public CredentialStore {
 public:
  explicit SqliteCredentials(SqliteStoreState& state) : s_(state) {}

  void setPassword(const std::string& actor, const std::string& user,
                   const std::string& password) override {
    if (!password.empty() && (password.size() < 8 || password.size() > 256)) {
      throw StoreError("invalid", "passwords are 8 to 256 bytes long");
    }
    std::string hash = password.empty() ? std::string() : hashSecret(password);  // slow: unlocked
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    auto update = s_.db.prepare(sql::kSetPasswordHash);
    if (hash.empty()) {
      update.bindNull(1);
    } else {
      update.bind(1, hash);
    }
    update.bind(2, row.id).run();
    s_.db.prepare(sql::kForgetSignInFailures).bind(1, user).run();
    s_.record(actor, password.empty() ? "user.password.clear" : "user.password.set", "user:" + user,
              json::object());  // never the hash itself
    t.commit();
  }

  CredentialCheck checkPassword(const std::string& user, const std::string& password,
                                const std::string& source, int64_t now) override {
    // Every failure answers alike until the password is right (a disabled account, one without
    // a password and an unknown name all cost one scrypt and say "bad credentials"): the answer
    // must not tell which accounts exist or are disabled.
    const std::string from = "address:" + (source.empty() ? std::string("unknown") : source);
    std::string hash;
    bool exists = false, disabled = false;
    {
      std::lock_guard lock(s_.mutex);
      if (auto locked = signInLock(user, from, now)) return *locked;
      auto s = s_.db.prepare(sql::kPasswordCheckRow);
      s.bind(1, user);
      if (s.step()) {
        exists = true;
        // One-time-code lock (whole seconds: it lasts through the second it ends in).
        if (s.integer(2) >= now) return {CredentialCheck::Locked, s.integer(2) - now + 1};
        if (!s.isNull(1)) hash = s.text(1);
        disabled = s.text(0) == "disabled";
      }
    }
    // Slow: outside the lock. No such user or no stored password: the dummy's work, then a
    // failure (same time as a real check: no user probing).
    bool ok = verifySecret(password, hash.empty() ? dummyHash() : hash) && !hash.empty();
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    CredentialCheck result{CredentialCheck::Ok, 0};
    if (ok) {
      s_.db.prepare(sql::kForgetSourceFailures).bind(1, user).bind(2, from).run();
      if (disabled) result = {CredentialCheck::Inactive, 0};
    } else {
      result = countSignInFailure(user, from, now);
    }
    if (exists) {
      s_.audit.append({"user:" + user,
                       "sign-in",
                       "user:" + user,
                       result.result == CredentialCheck::Ok ? "success" : "failure",
                       {{"reason", result.result == CredentialCheck::Ok         ? ""
                                   : result.result == CredentialCheck::Inactive ? "inactive"
                                   : result.result == CredentialCheck::Locked   ? "locked"
                                                                              : "bad-credentials"},
                        {"address", source}}});
    }
    t.commit();
    return result;
  }

  void setPasscode(const std::string& actor, const std::string& user,
                   const std::string& passcode) override {
    if (passcode.size() < 4 || passcode.size() > 64) {
      throw StoreError("invalid", "passcodes are 4 to 64 characters long");
    }
    std::string hash = hashSecret(passcode);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    s_.db.prepare(sql::kSetPasscodeHash).bind(1, hash).bind(2, row.id).run();
    // The passcode turns a registered device into fresh tokens: sign-ins made under the old one
    // (on any of the user's devices) must not outlive it.
    s_.db.prepare(sql::kRevokeUserRefreshTokens).bind(1, row.id).run();
    s_.record(actor, "user.passcode.set", "user:" + user,
              {{"refresh_tokens_revoked", s_.db.changes()}});
    t.commit();
  }

  CredentialCheck checkPasscode(const std::string& user, const std::string& device,
                                const std::string& passcode, int64_t now) override {
    std::string hash;
    {
      std::lock_guard lock(s_.mutex);
      auto s = s_.db.prepare(sql::kPasscodeCheckRow);
      s.bind(1, user).bind(2, device);
      if (!s.step()) {
        verifySecret(passcode, dummyHash());
        return {CredentialCheck::BadCredentials, 0};
      }
      // Whole seconds: the lock lasts through the second it ends in, so never less than asked.
      if (s.integer(3) >= now) return {CredentialCheck::Locked, s.integer(3) - now + 1};
      if (s.text(0) != "active" || s.text(2) != "active") return {CredentialCheck::Inactive, 0};
      if (s.isNull(1)) return {CredentialCheck::BadCredentials, 0};
      hash = s.text(1);
    }
    bool ok = verifySecret(passcode, hash);
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    auto result = countDeviceAttempt(user, device, ok, now);
    s_.audit.append({"user:" + user,
                     "unlock",
                     "user:" + user,
                     ok ? "success" : "failure",
                     {{"device", device}}});
    t.commit();
    return result;
  }

  std::string enrollOneTimeCodes(const std::string& actor, const std::string& user) override {
    std::vector<uint8_t> key(20);
    if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
      throw StoreError("storage", "no randomness for a one-time code key");
    }
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    s_.db.prepare(sql::kSetOneTimeCodeKey).bind(1, base32Encode(key)).bind(2, row.id).run();
    s_.record(actor, "one-time-codes.enroll", "user:" + user, json::object());
    t.commit();
    return otpauthUri("MedRelay", user, key);
  }

  CredentialCheck checkOneTimeCode(const std::string& user, const std::string& code,
                                   int64_t now) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    auto s = s_.db.prepare(sql::kOneTimeCodeCheckRow);
    s.bind(1, user);
    if (!s.step() || s.isNull(1)) return {CredentialCheck::BadCredentials, 0};
    if (s.text(0) != "active") return {CredentialCheck::Inactive, 0};
    if (s.integer(3) >= now) return {CredentialCheck::Locked, s.integer(3) - now + 1};
    auto key = base32Decode(s.text(1));
    auto step = key ? matchTotp(*key, code, now) : std::nullopt;
    bool ok = step && *step > s.integer(2);  // a code, once used, is spent
    if (ok) {
      s_.db.prepare(sql::kSpendOneTimeCodeStep).bind(1, *step).bind(2, user).run();
    }
    auto result = countUserAttempt(user, ok, now);
    s_.audit.append({"user:" + user,
                     "one-time-code",
                     "user:" + user,
                     ok ? "success" : "failure",
                     {{"reason", ok                 ? ""
                                 : step.has_value() ? "reused"
                                                    : "wrong-code"}}});
    t.commit();
    return result;
  }

 private:
  static int64_t lockDelay(int64_t failures) {
    if (failures < 5) return 0;
    return std::min<int64_t>(int64_t{1} << std::min<int64_t>(failures - 5, 12), 3600);
  }

  // The password lock that applies to `from`, if any: its own, or the account-wide ceiling.
  std::optional<CredentialCheck> signInLock(const std::string& user, const std::string& from,
                                            int64_t now) {
    auto s = s_.db.prepare(sql::kSignInLockUntil);
    s.bind(1, user).bind(2, from);
    int64_t until = s.step() ? s.integer(0) : 0;
    if (until >= now) return CredentialCheck{CredentialCheck::Locked, until - now + 1};
    return std::nullopt;
  }

  // A wrong password from `from`: counts for that source (the doubling lock) and for the
  // account as a whole (the ceiling per window).
  CredentialCheck countSignInFailure(const std::string& user, const std::string& from,
                                     int64_t now) {
    s_.db.prepare(sql::kCountSourceFailure).bind(1, user).bind(2, from).bind(3, now).run();
    auto own = s_.db.prepare(sql::kSourceFailures);
    own.bind(1, user).bind(2, from);
    int64_t delay = lockDelay(own.step() ? own.integer(0) : 0);
    if (delay > 0) {
      s_.db.prepare(sql::kLockSource).bind(1, now + delay).bind(2, user).bind(3, from).run();
    }
    s_.db.prepare(sql::kCountAccountFailure)
        .bind(1, user)
        .bind(2, now)
        .bind(3, kSignInCeilingWindowSeconds)
        .run();
    auto all = s_.db.prepare(sql::kAccountFailures);
    all.bind(1, user);
    if (all.step() && all.integer(0) >= kSignInCeiling) {
      int64_t until = all.integer(1) + kSignInCeilingWindowSeconds;
      s_.db.prepare(sql::kLockAccount).bind(1, until).bind(2, user).run();
      delay = std::max(delay, until - now);
    }
    // Quiet, unlocked rows go after a day: names typed once must not pile up for ever.
    s_.db.prepare(sql::kForgetQuietFailures).bind(1, now - 86400).bind(2, now).run();
    if (delay > 0) return {CredentialCheck::Locked, delay};
    return {CredentialCheck::BadCredentials, 0};
  }

  // One-time codes: the account's own count (users.failed_sign_ins), reset by a good code.
  CredentialCheck countUserAttempt(const std::string& user, bool ok, int64_t now) {
    if (ok) {
      s_.db.prepare(sql::kResetUserAttempts).bind(1, user).run();
      return {CredentialCheck::Ok, 0};
    }
    s_.db.prepare(sql::kCountUserAttempt).bind(1, user).run();
    auto s = s_.db.prepare(sql::kUserAttempts);
    s.bind(1, user);
    int64_t delay = lockDelay(s.step() ? s.integer(0) : 0);
    if (delay == 0) return {CredentialCheck::BadCredentials, 0};
    s_.db.prepare(sql::kLockUser).bind(1, now + delay).bind(2, user).run();
    return {CredentialCheck::Locked, delay};
  }

  // Passcodes: the device's own count (devices.failed_unlocks), reset by a good passcode.
  // Fixed statements only: ?1 = user name, ?2 = device uuid.
  CredentialCheck countDeviceAttempt(const std::string& user, const std::string& device, bool ok,
                                     int64_t now) {
    auto keyed = [&](std::string_view text) {
      auto statement = s_.db.prepare(text);
      statement.bind(1, user).bind(2, device);
      return statement;
    };
    if (ok) {
      keyed(sql::kResetDeviceAttempts).run();
      return {CredentialCheck::Ok, 0};
    }
    keyed(sql::kCountDeviceAttempt).run();
    auto s = keyed(sql::kDeviceAttempts);
    int64_t delay = lockDelay(s.step() ? s.integer(0) : 0);
    if (delay == 0) return {CredentialCheck::BadCredentials, 0};
    keyed(sql::kLockDevice).bind(3, now + delay).run();
    return {CredentialCheck::Locked, delay};
  }

  SqliteStoreState& s_;
};

}  // namespace

std::unique_ptr<CredentialStore> makeSqliteCredentials(SqliteStoreState& state) {
  return std::make_unique<SqliteCredentials>(state);
}

}  // namespace medrelay::access
