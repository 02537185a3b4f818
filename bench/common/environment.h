#pragma once

// What a benchmark needs to run the server's services in-process: the plugin host with the
// first-party billing methods, and a fresh SQLite store set up as the server sets up its own.

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "plugins/host.h"
#include "plugins/registry.h"
#include "storage/database.h"
#include "storage/repositories.h"

namespace bench {

struct Environment {
    billwright::core::Logger log{billwright::core::LogLevel::kWarning};
    billwright::core::Metrics metrics;
    billwright::core::SystemClock clock;
    billwright::plugins::HostEnvironment env{log, metrics, clock, nullptr, {}, 10000};
    billwright::plugins::Registry registry{env};

    // Loads the plugins in plugin_dir; throws unless metered, hash, calculated and flat are there.
    explicit Environment(const std::string& plugin_dir);
};

// The database owns the connections the store uses, so it must outlive the store.
struct SqlStore {
    std::unique_ptr<billwright::storage::Database> database;
    std::unique_ptr<billwright::storage::Store> store;
};

// Opens the SQLite database at path (created if missing) with the server's settings, migrates
// it, and makes the server's store over it.
SqlStore openSqlStore(const std::string& path);

}  // namespace bench
