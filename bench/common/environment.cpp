#include "common/environment.h"

#include <chrono>
#include <stdexcept>

#include "storage/migrations.h"

namespace bench {

Environment::Environment(const std::string& plugin_dir) {
    registry.loadDirectories({plugin_dir});
    for (const char* m : {"metered", "hash", "calculated", "flat"}) {
        if (registry.billingMethod(m) == nullptr)
            throw std::runtime_error(std::string("billing method ") + m + " not loaded from " +
                                     plugin_dir);
    }
}

SqlStore openSqlStore(const std::string& path) {
    SqlStore s;
    s.database = billwright::storage::openDatabase("sqlite:" + path, {});
    billwright::storage::applyMigrations(*s.database,
                                         std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    s.store = billwright::storage::makeSqlStore(*s.database);
    return s;
}

}  // namespace bench
