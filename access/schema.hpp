// The directory's SQLite schema, versioned in code: migration N takes a database from
// user_version N-1 to N inside one transaction. Never edit a released migration; add one.
#pragma once

#include "access/sqlite_database.hpp"

namespace medrelay::access {

// Brings `db` to the newest schema version. Returns the version reached. Throws StoreError if
// the database is newer than this binary (downgrade) or a migration fails (nothing applied).
int migrateSchema(Database& db);
// Brings `db` to `targetVersion` at most (1..latestSchemaVersion(), else StoreError "invalid"):
// what a database written by an older MedRelay looks like, for migration tests. Returns the
// version the database has then (higher when it was already newer).
int migrateSchema(Database& db, int targetVersion);

int latestSchemaVersion();

}  // namespace medrelay::access
