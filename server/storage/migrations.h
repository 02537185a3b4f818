#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "storage/database.h"

namespace billwright::storage {

// Versioned, forward-only schema changes. A migration is never edited once released; a
// change is a new entry at the end.
struct Migration {
    int version;
    std::string_view name;
    std::vector<std::string_view> statements;
};

const std::vector<Migration>& migrations();

struct MigrationReport {
    int current_version = 0;
    int latest_version = 0;
    std::vector<int> applied_now;
};

// Applies every pending migration, each in its own transaction.
MigrationReport applyMigrations(Database& db, std::int64_t now_unix);
// The version the database is at (0 for an empty database).
int currentSchemaVersion(Database& db);
int latestSchemaVersion();

}  // namespace billwright::storage
