// The directory's SQLite schema, versioned in code: migration N takes a database from
// user_version N-1 to N inside one transaction. Never edit a released migration; add one.
#pragma once

#include "access/sqlite_database.hpp"

namespace medrelay::access {

// Brings `db` to the newest schema version. Returns the version reached. Throws StoreError if
// the database is newer than this binary (downgrade) or a migration fails (nothing applied).
int migrateSchema(Database& db);

int latestSchemaVersion();

}  // namespace medrelay::access
