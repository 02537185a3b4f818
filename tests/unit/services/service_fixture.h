#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/date.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/time_zone.h"
#include "plugins/host.h"
#include "plugins/registry.h"
#include "services/api_keys.h"
#include "services/inventory.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "services/telemetry.h"
#include "services/work_leases.h"
#include "storage/database.h"
#include "storage/migrations.h"
#include "storage/repositories.h"
#include "support/test_database.h"

namespace billwright::testing {

// The first-party plugins from the build tree (BW_PLUGIN_DIR), loaded as the server loads
// them, with a quiet logger. Outbound HTTP goes through the server's transport to the hosts a
// test allows (env.http_allowlist; none by default).
struct PluginHost {
    core::Logger log{core::LogLevel::kError};
    core::Metrics metrics;
    std::unique_ptr<plugins::HttpTransport> http = plugins::makePocoTransport();
    plugins::HostEnvironment env;
    std::unique_ptr<plugins::Registry> registry;
    std::unique_ptr<services::Plugins> service;

    PluginHost(storage::Store& store, const core::Clock& clock,
               std::optional<services::SecretBox> secrets = std::nullopt)
        : env{log, metrics, clock, http.get(), {}, 10000},
          registry(std::make_unique<plugins::Registry>(env)) {
        registry->loadDirectories({BW_PLUGIN_DIR});
        service = std::make_unique<services::Plugins>(store, clock, *registry, env,
                                                      std::move(secrets), 60000);
    }
};

// Forwards to a real database and counts its transactions and the runs of their bodies: more
// runs than transactions means the driver started some over (on MariaDB after a deadlock or a
// lock-wait timeout; on SQLite after a busy database).
class CountingDatabase final : public storage::Database {
public:
    explicit CountingDatabase(storage::Database& inner) : inner_(inner) {}
    const storage::Dialect& dialect() const override { return inner_.dialect(); }
    void transact(storage::TxMode mode,
                  const std::function<bool(storage::Connection&)>& body) override {
        ++transactions_;
        inner_.transact(mode, [&](storage::Connection& c) {
            ++runs_;
            return body(c);
        });
    }
    void withConnection(const std::function<void(storage::Connection&)>& body) override {
        inner_.withConnection(body);
    }
    bool ping() override { return inner_.ping(); }

    // Bodies run again, over all transactions so far.
    std::int64_t reruns() const { return runs_.load() - transactions_.load(); }

private:
    storage::Database& inner_;
    std::atomic<std::int64_t> transactions_{0};
    std::atomic<std::int64_t> runs_{0};
};

// A real database, migrated, with a ManualClock: SQLite in a temporary directory, or a fresh
// MariaDB database under BILLWRIGHT_TEST_DATABASE=mysql (support/test_database.h). `leases` is
// the one node that runs scheduler jobs unless a test makes more.
struct StoreFixture {
    std::string dir;
    std::unique_ptr<TestDatabase> test_database;
    std::unique_ptr<storage::Database> db;
    std::unique_ptr<CountingDatabase> counted;  // db, counted; the store writes through it
    std::unique_ptr<storage::Store> store;
    core::ManualClock clock{std::chrono::sys_days{
        core::Date{std::chrono::year{2026}, std::chrono::March, std::chrono::day{1}}}};
    std::unique_ptr<services::WorkLeases> leases;

    StoreFixture() {
        dir = (std::filesystem::temp_directory_path() /
               ("bwunit-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++)))
                  .string();
        std::filesystem::create_directories(dir);
        test_database = std::make_unique<TestDatabase>(dir);
        db = storage::openDatabase(test_database->url(), {});
        static_cast<void>(storage::applyMigrations(*db, 0));
        counted = std::make_unique<CountingDatabase>(*db);
        store = storage::makeSqlStore(*counted);
        leases = std::make_unique<services::WorkLeases>(*store, clock,
                                                        services::LeaseOptions{"node", 60, 4});
    }
    ~StoreFixture() {
        leases.reset();
        store.reset();
        counted.reset();
        db.reset();
        test_database.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }

    // Sets the clock to a local wall time in `zone`.
    void setLocal(const std::string& zone, int y, unsigned m, unsigned d, int hh, int mm) {
        const auto tz = core::TimeZone::load(zone).value();
        const core::Date date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
        clock.set(tz.startOfDay(date) + std::chrono::hours{hh} + std::chrono::minutes{mm});
    }

    static int& counter() {
        static int n = 0;
        return n;
    }
};

// A tenant "T" with the inventory and telemetry services, on StoreFixture's database.
struct InventoryFixture : StoreFixture {
    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing{*store, clock, *plugin_host.service, core::TimeZone::utc(),
                                      7};
    services::Inventory inventory{*store, clock};
    services::Telemetry telemetry{*store, clock, services::TelemetryOptions{}};
    services::Actor actor = services::Actor::system("test");
    std::string tenant;

    InventoryFixture() {
        services::NewTenant t;
        t.name = "T";
        tenant = billing.createTenant(actor, t).value().id;
    }

    // An S19 of 100 TH/s and 3250 W with `serial`; `more` sets further fields.
    std::string createUnit(const std::string& serial,
                           const std::function<void(domain::Equipment&)>& more = {}) {
        return inventory
            .createEquipment(actor, tenant,
                             [&](domain::Equipment& e) {
                                 e.serial_number = serial;
                                 e.model = "S19";
                                 e.hashrate_mth = 100000;
                                 e.power_mw = 3250000;
                                 if (more) more(e);
                             })
            .value()
            .id;
    }
};

inline core::Date ymd(int y, unsigned m, unsigned d) {
    return core::Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
}

}  // namespace billwright::testing
