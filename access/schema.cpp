#include "access/schema.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace medrelay::access {

namespace {

// Names are checked by the store before they get here; the CHECKs are the last line.
constexpr const char* kVersion1 = R"sql(
CREATE TABLE tenants (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL
);
CREATE TABLE departments (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  department_id INTEGER REFERENCES departments(id) ON DELETE SET NULL,
  phone TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('pre-registered', 'active', 'disabled')),
  password_hash TEXT,
  passcode_hash TEXT,
  failed_sign_ins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE user_permissions (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  permission TEXT NOT NULL
    CHECK (permission IN ('view-live', 'view-dicom', 'search-images', 'publish')),
  PRIMARY KEY (user_id, permission)
);
CREATE TABLE admin_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('system-admin', 'tenant-admin')),
  tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
  PRIMARY KEY (user_id, role)
);
CREATE TABLE devices (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  uuid TEXT NOT NULL,
  platform TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  last_seen INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  UNIQUE (user_id, uuid)
);
CREATE TABLE groups (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL,
  UNIQUE (tenant_id, name)
);
CREATE TABLE memberships (
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  PRIMARY KEY (group_id, user_id)
);
CREATE TABLE streams (
  id INTEGER PRIMARY KEY,
  tenant_id INTEGER NOT NULL REFERENCES tenants(id),
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL CHECK (kind IN ('camera', 'dicom')),
  source TEXT NOT NULL DEFAULT '',
  requires_one_time_code INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE shares (
  stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
  PRIMARY KEY (stream_id, group_id)
);
CREATE TABLE collaborations (
  requester_id INTEGER NOT NULL REFERENCES tenants(id),
  partner_id INTEGER NOT NULL REFERENCES tenants(id),
  status TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'ended')),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (requester_id, partner_id),
  CHECK (requester_id <> partner_id)
);
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at_ms INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_by_time ON audit_log (at_ms);
-- Append-only at the database level too; the hash chain catches what bypasses this.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
)sql";

// The server records each stream's source state so `admin stream list` can show it.
constexpr const char* kVersion2 = R"sql(
ALTER TABLE streams ADD COLUMN state TEXT NOT NULL DEFAULT 'offline';
ALTER TABLE streams ADD COLUMN state_detail TEXT NOT NULL DEFAULT '';
ALTER TABLE streams ADD COLUMN state_changed_at INTEGER NOT NULL DEFAULT 0;
)sql";

// Sign-in: refresh tokens (stored as hashes), passcode lockout per device, and a per-device
// cut-off before which access tokens no longer count (sign-out, revocation).
constexpr const char* kVersion3 = R"sql(
ALTER TABLE devices ADD COLUMN tokens_valid_after INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN failed_unlocks INTEGER NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;
CREATE TABLE refresh_tokens (
  id TEXT PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  device_uuid TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_by_device ON refresh_tokens (user_id, device_uuid);
)sql";

// One-time codes (RFC 6238) for streams that ask for them: the user's TOTP key and the last
// step used (a code works once). The key has to be readable to check codes; the database file
// is the server's alone (0600).
constexpr const char* kVersion4 = R"sql(
ALTER TABLE users ADD COLUMN totp_key TEXT;
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
)sql";

// Password sign-in failures per account and source, so that nobody can lock a user out from
// elsewhere: `account` is the name as typed (unknown names lock alike and tell nothing),
// `source` the client ("address:IP"), or "*" for the account-wide ceiling counted in a window
// that starts at `since`. For a source row `since` is its last failure (stale rows are pruned).
constexpr const char* kVersion5 = R"sql(
CREATE TABLE sign_in_failures (
  account TEXT NOT NULL,
  source TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  since INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, source)
);
)sql";

// The audit chain is keyed (HMAC-SHA-256, key outside the database): each record says which
// scheme made its MAC; records from before are plain SHA-256 ("sha256"), a legacy prefix.
constexpr const char* kVersion6 = R"sql(
ALTER TABLE audit_log ADD COLUMN scheme TEXT NOT NULL DEFAULT 'sha256';
)sql";

// watch-unseen: watching without being listed among a stream's watchers (presence). SQLite
// cannot widen a CHECK in place: the table is rebuilt with its rows (nothing refers to it).
constexpr const char* kVersion7 = R"sql(
CREATE TABLE user_permissions_v7 (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  permission TEXT NOT NULL
    CHECK (permission IN ('view-live', 'view-dicom', 'search-images', 'publish', 'watch-unseen')),
  PRIMARY KEY (user_id, permission)
);
INSERT INTO user_permissions_v7 (user_id, permission)
  SELECT user_id, permission FROM user_permissions;
DROP TABLE user_permissions;
ALTER TABLE user_permissions_v7 RENAME TO user_permissions;
)sql";

// Consult threads: each message encrypted (AES-256-GCM, the key in DATA_DIR/thread-key, not
// here), its author by name like the audit log's actors. A removed stream takes its thread with
// it: removeStream is a plain DELETE and every connection enables foreign keys (sqlite_database).
constexpr const char* kVersion8 = R"sql(
CREATE TABLE thread_messages (
  id INTEGER PRIMARY KEY,
  stream_id INTEGER NOT NULL REFERENCES streams(id) ON DELETE CASCADE,
  author TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  nonce BLOB NOT NULL,
  ciphertext BLOB NOT NULL
);
CREATE INDEX thread_messages_by_stream ON thread_messages (stream_id, id);
)sql";

constexpr std::array kMigrations = {kVersion1, kVersion2, kVersion3, kVersion4,
                                    kVersion5, kVersion6, kVersion7, kVersion8};
// PRAGMA takes no bound parameter: the statement that records each version is a constant too
// (no SQL is built from strings).
constexpr std::array kSetVersion = {"PRAGMA user_version = 1", "PRAGMA user_version = 2",
                                    "PRAGMA user_version = 3", "PRAGMA user_version = 4",
                                    "PRAGMA user_version = 5", "PRAGMA user_version = 6",
                                    "PRAGMA user_version = 7", "PRAGMA user_version = 8"};
static_assert(kSetVersion.size() == kMigrations.size(), "one version statement per migration");

int userVersion(Database& db) {
  auto statement = db.prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.integer(0));
}

}  // namespace

int latestSchemaVersion() {
  return static_cast<int>(kMigrations.size());
}

int migrateSchema(Database& db) {
  return migrateSchema(db, latestSchemaVersion());
}

int migrateSchema(Database& db, int targetVersion) {
  if (targetVersion < 1 || targetVersion > latestSchemaVersion()) {
    throw StoreError("invalid", "there is no schema version " + std::to_string(targetVersion));
  }
  Transaction transaction(db);  // holds the write lock: two processes never migrate at once
  int version = userVersion(db);
  if (version > latestSchemaVersion()) {
    throw StoreError("storage", "the database has schema version " + std::to_string(version) +
                                    ", newer than this MedRelay (" +
                                    std::to_string(latestSchemaVersion()) + ")");
  }
  for (int next = version; next < targetVersion; ++next) {
    db.execute(kMigrations[static_cast<size_t>(next)]);
    db.execute(kSetVersion[static_cast<size_t>(next)]);
  }
  transaction.commit();
  return std::max(version, targetVersion);
}

}  // namespace medrelay::access
