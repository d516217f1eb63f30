// SignInSessions on SQLite: single-use refresh tokens (only a hash of the secret stored) and
// sign-out, over the store's shared connection.
// Thread-safe: every call holds the shared state's mutex.
#include <openssl/crypto.h>

#include "access/digest.hpp"
#include "access/sign_in_sessions_sql.hpp"
#include "access/sqlite_store_state.hpp"
#include "access/token_authority.hpp"

namespace medrelay::access {

namespace {

namespace sql = sign_in_sessions_sql;

class SqliteSignInSessions final : public SignInSessions {
 public:
  explicit SqliteSignInSessions(SqliteStoreState& state) : s_(state) {}

  std::string issueRefreshToken(const std::string& user, const std::string& device,
                                int64_t lifetimeSeconds, int64_t now) override {
    std::string id = randomHex(12);
    std::string secret = randomHex(32);
    std::lock_guard lock(s_.mutex);
    UserRow row = s_.findUser(user);
    s_.db.prepare(sql::kInsertRefreshToken)
        .bind(1, id)
        .bind(2, row.id)
        .bind(3, device)
        .bind(4, sha256Hex(secret))
        .bind(5, now + lifetimeSeconds)
        .bind(6, now)
        .run();
    return id + "." + secret;
  }

  RefreshOutcome redeemRefreshToken(const std::string& token, int64_t now) override {
    auto dot = token.find('.');
    if (dot == std::string::npos || token.size() > 256) return {false, "", "", "invalid"};
    std::string id = token.substr(0, dot);
    std::string hash = sha256Hex(token.substr(dot + 1));
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    auto s = s_.db.prepare(sql::kRefreshTokenRow);
    s.bind(1, id);
    if (!s.step() || !constantTimeEqual(s.text(0), hash)) return {false, "", "", "invalid"};
    RefreshOutcome out{false, s.text(3), s.text(4), ""};
    int64_t userId = s.integer(5);
    if (s.integer(2) != 0) {
      s_.db.prepare(sql::kRevokeDeviceRefreshTokens).bind(1, userId).bind(2, out.device).run();
      s_.audit.append({"user:" + out.user,
                       "refresh",
                       "user:" + out.user,
                       "denied",
                       {{"device", out.device}, {"reason", "reused"}}});
      t.commit();
      out.code = "reused";
      return out;
    }
    if (s.integer(1) <= now) {
      out.code = "expired";
      return out;
    }
    s_.db.prepare(sql::kSpendRefreshToken).bind(1, id).run();
    t.commit();
    out.ok = true;
    return out;
  }

  void signOut(const std::string& actor, const std::string& user, const std::string& device,
               int64_t now) override {
    std::lock_guard lock(s_.mutex);
    Transaction t(s_.db);
    UserRow row = s_.findUser(user);
    s_.voidDeviceTokens(row.id, device, now);
    s_.record(actor, "sign-out", "user:" + user, {{"device", device}});
    t.commit();
  }

 private:
  static bool constantTimeEqual(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
  }

  SqliteStoreState& s_;
};

}  // namespace

std::unique_ptr<SignInSessions> makeSqliteSignInSessions(SqliteStoreState& state) {
  return std::make_unique<SqliteSignInSessions>(state);
}

}  // namespace medrelay::access
