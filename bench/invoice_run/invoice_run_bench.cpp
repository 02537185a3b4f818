// Invoice-run benchmark: a full services::InvoiceRuns run over one month of hourly telemetry
// for many customers, next to a plain SQL aggregate over the same rows measured in the same
// run, with the process's peak memory. bench/invoice_run/run drives it; see bench/README.md
// ("Invoice runs").
//
//   invoice_run_bench [--customers=10000] [--miners-per-customer=3] [--threads=2]
//                     [--auto-send] [--plugin-dir=DIR] [--seed=N] [--tmp=DIR] [--keep]
//                     [--no-breakdown]            (--name value works as well as --name=value)
//
// In a fresh SQLite database (storage::openDatabase + applyMigrations + makeSqlStore, the
// server's pragmas):
//   1. set-up through the services (not timed): one tenant (UTC), `customers` customers, their
//      miners (`miners-per-customer` each, four models) in one CSV import with the owner set,
//      and per customer one Hosted contract (billing_methods [metered], 0.065/kWh, from
//      2026-10-01) holding its miners, activated;
//   2. telemetry through TelemetryRepository::insertBatch, 1,000 miners per transaction (not
//      timed): one energy counter reading per miner per hour from 2026-10-01 00:00 to
//      2026-11-01 00:00 UTC, 745 readings each (the last is the reading at the period end);
//   3. the baseline (one untimed warm-up, then two timed runs, best taken): per unit
//      MAX(value) - MIN(value) of the energy counter in the period, summed per customer, on a
//      raw sqlite3 connection to the same file with the server's pragmas;
//   4. the invoice run, once: InvoiceRuns::create for October (every customer) and workOnce
//      until no run is left, `threads` customers at a time, as the server's worker does. Wall
//      time from create to the run's completion. With --auto-send the tenant's auto_send is on,
//      so every invoice is issued, numbered and its email queued in the outbox; otherwise the
//      run leaves drafts (the default settings);
//   5. checks: the run is completed with one created invoice per customer, and each invoice's
//      billed kWh equals the customer's sum in the baseline;
//   6. memory: ru_maxrss at the end (includes set-up and data generation), and the peak RSS of
//      the run alone (VmHWM reset through /proc/self/clear_refs before it, read after);
//   7. breakdown (unless --no-breakdown; after the run, on the same data): BillingChain::preview
//      of every contract, and Invoicing::preview of every customer (the whole computation of
//      an invoice without writing it), each on `threads` threads, to show how the run's time
//      splits between the chain, the rest of the computation and the writes.

#include <malloc.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "core/metrics.h"
#include "core/time_zone.h"
#include "services/contracts.h"
#include "services/inventory.h"
#include "services/invoice_runs.h"
#include "services/invoicing.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
#include "services/scripts.h"
#include "services/usage_chain.h"
#include "storage/repositories.h"

#include "common/args.h"
#include "common/environment.h"
#include "common/fleet.h"
#include "common/format.h"
#include "common/memory.h"
#include "common/sqlite.h"
#include "common/timing.h"

namespace {

namespace bw = billwright;
using bench::maxRssKib;
using bench::mib;
using bench::resetPeakRss;
using bench::secondsSince;
using bench::Sqlite;
using bench::statusKib;
using bench::Steady;
using bench::thousands;

// ---------------------------------------------------------------------------------------------
// Options

struct Options : bench::ServiceOptions {
    Options() {
#ifdef BW_PLUGIN_DIR
        plugin_dir = BW_PLUGIN_DIR;  // the build tree's first-party plugins
#endif
        seed = 20261001;
    }
    std::size_t customers = 10000;
    std::size_t miners_per_customer = 3;
    int threads = 2;
    bool auto_send = false;
    // What-if (not the server's schema): an index on contracts (tenant_id, customer_id, id)
    // created before the run, to show the run without the per-customer contract scan.
    bool contracts_index = false;
};

Options parseOptions(int argc, char** argv) {
    const bench::Args args("invoice_run_bench",
                           "[--customers=N] [--miners-per-customer=N] "
                           "[--threads=N] [--auto-send] [--plugin-dir=DIR] [--seed=N] [--tmp=DIR] "
                           "[--keep] [--no-breakdown] [--contracts-index]",
                           {"--keep", "--no-breakdown", "--auto-send", "--contracts-index"}, true);
    Options o;
    args.parse(argc, argv, [&](const std::string& name, const std::string& value) {
        if (o.take(name, value)) return true;
        if (name == "--customers") {
            o.customers = std::stoul(value);
        } else if (name == "--miners-per-customer") {
            o.miners_per_customer = std::stoul(value);
        } else if (name == "--threads") {
            o.threads = std::stoi(value);
        } else if (name == "--auto-send") {
            o.auto_send = true;
        } else if (name == "--contracts-index") {
            o.contracts_index = true;
        } else {
            return false;
        }
        return true;
    });
    if (o.plugin_dir.empty()) args.usage("--plugin-dir is required");
    if (o.customers == 0) args.usage("--customers must be at least 1");
    if (o.miners_per_customer == 0 ||
        o.customers * o.miners_per_customer > bw::services::kMaxImportRows)
        args.usage("customers x miners-per-customer must be 1..50000 (one CSV import)");
    if (o.threads < 1 || o.threads > 64) args.usage("--threads must be 1..64");
    return o;
}

// ---------------------------------------------------------------------------------------------
// Data

using bench::Rng;

bw::core::Date periodStartDate() {
    return bw::core::Date{std::chrono::year{2026}, std::chrono::October, std::chrono::day{1}};
}
bw::core::Date periodEndDate() {
    return bw::core::Date{std::chrono::year{2026}, std::chrono::November, std::chrono::day{1}};
}
std::int64_t unixOf(bw::core::Date d) {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::sys_days{d}.time_since_epoch())
        .count();
}

struct Fleet {
    std::string tenant_id;
    std::vector<std::string> customers;        // in creation order
    std::vector<std::string> contracts;        // one per customer, same order
    std::vector<bw::domain::Equipment> units;  // in import order: customer i owns
                                               // units [i x m, (i + 1) x m)
};

Fleet setUp(const Options& o, bw::storage::Store& store, const bw::core::Clock& clock,
            bw::services::Plugins& plugins) {
    const bw::services::Actor actor = bw::services::Actor::system("bench");
    bw::services::PlatformBilling billing(store, clock, plugins, bw::core::TimeZone::utc());
    bw::services::Inventory inventory(store, clock);
    bw::services::Contracts contracts(store, clock);
    Fleet fleet;
    bw::services::NewTenant nt;
    nt.name = "Invoice run bench";
    fleet.tenant_id = billing.createTenant(actor, nt).value().id;
    if (o.auto_send) {
        auto saved = inventory.updateSettings(actor, fleet.tenant_id,
                                              [](bw::domain::TenantBillingSettings& s) {
                                                  s.auto_send = true;
                                                  s.sender_email = "billing@bench.example";
                                              });
        if (!saved.ok()) throw std::runtime_error("settings: " + saved.error().detail);
    }

    auto t = Steady::now();
    fleet.customers.reserve(o.customers);
    for (std::size_t i = 0; i < o.customers; ++i) {
        auto made = inventory.createCustomer(actor, fleet.tenant_id, [&](bw::domain::Customer& c) {
            c.name = "Customer " + std::to_string(i);
            c.contact_email = "ops" + std::to_string(i) + "@example.com";
        });
        if (!made.ok()) throw std::runtime_error("customer: " + made.error().detail);
        fleet.customers.push_back(made->id);
    }
    std::printf("  %zu customers %.1f s\n", o.customers, secondsSince(t));

    t = Steady::now();
    fleet.units = bench::importFleet(
        inventory, actor, fleet.tenant_id, o.customers * o.miners_per_customer,
        [&](std::size_t i) { return fleet.customers[i / o.miners_per_customer]; });
    std::printf("  %zu miners (one CSV import) %.1f s\n", fleet.units.size(), secondsSince(t));

    t = Steady::now();
    fleet.contracts.reserve(o.customers);
    for (std::size_t i = 0; i < o.customers; ++i) {
        auto created = contracts.create(
            actor, fleet.tenant_id, fleet.customers[i],
            [](bw::domain::Contract& c) {
                c.type = bw::domain::ContractType::kHosted;
                c.billing_methods = {"metered"};
                c.rate_micro = 65000;
                c.start_date = periodStartDate();
            },
            false);
        if (!created.ok()) throw std::runtime_error("contract: " + created.error().detail);
        const std::string id = created->contract.id;
        std::vector<std::string> ids;
        for (std::size_t k = 0; k < o.miners_per_customer; ++k)
            ids.push_back(fleet.units[i * o.miners_per_customer + k].id);
        auto assigned = contracts.assignEquipment(actor, fleet.tenant_id, id, ids);
        if (!assigned.ok()) throw std::runtime_error("assign: " + assigned.error().detail);
        auto active = contracts.activate(actor, fleet.tenant_id, id);
        if (!active.ok()) throw std::runtime_error("activate: " + active.error().detail);
        fleet.contracts.push_back(id);
    }
    std::printf("  %zu contracts created, assigned, activated %.1f s\n", o.customers,
                secondsSince(t));
    return fleet;
}

// Generates and inserts the month's counter readings; returns the rows inserted.
std::size_t loadTelemetry(const Options& o, bw::storage::Store& store, const Fleet& fleet) {
    const std::int64_t start = unixOf(periodStartDate());
    const int hours = static_cast<int>((unixOf(periodEndDate()) - start) / 3600);  // 744
    Rng rng{o.seed};
    return bench::insertTelemetry(
        store, fleet.units.size(), [&](std::size_t i, std::vector<bw::storage::SampleRow>& rows) {
            bench::Metered metered;
            bench::appendHourlyCounter(rng, fleet.units[i], start, hours, {}, rows, metered);
        });
}

// ---------------------------------------------------------------------------------------------
// Raw sqlite3 (the baseline)

// The baseline: the energy of each unit in the period (last counter reading - first), summed
// per customer; one pass over the month's rows.
constexpr const char* kAggregateSql =
    "SELECT e.owner_customer_id, SUM(a.mx - a.mn), COUNT(*), SUM(a.n) FROM ("
    "SELECT equipment_key, MAX(value) AS mx, MIN(value) AS mn, COUNT(*) AS n "
    "FROM telemetry_samples WHERE kind = 1 AND ts >= ? AND ts <= ? GROUP BY equipment_key) a "
    "JOIN equipment e ON e.sample_key = a.equipment_key WHERE e.tenant_id = ? "
    "GROUP BY e.owner_customer_id";

struct Aggregate {
    std::map<std::string, std::int64_t> wh_by_customer;
    std::int64_t units = 0;
    std::int64_t rows = 0;
};

Aggregate sqlAggregate(Sqlite& db, const std::string& tenant_id) {
    sqlite3_stmt* s = db.prepare(kAggregateSql);
    sqlite3_bind_int64(s, 1, unixOf(periodStartDate()));
    sqlite3_bind_int64(s, 2, unixOf(periodEndDate()));
    sqlite3_bind_text(s, 3, tenant_id.c_str(), static_cast<int>(tenant_id.size()),
                      SQLITE_TRANSIENT);
    Aggregate a;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        a.wh_by_customer[reinterpret_cast<const char*>(sqlite3_column_text(s, 0))] =
            sqlite3_column_int64(s, 1);
        a.units += sqlite3_column_int64(s, 2);
        a.rows += sqlite3_column_int64(s, 3);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error("aggregate failed");
    return a;
}

int run(const Options& o) {
    const std::string dir = o.tmp + "/bw-invoice-run-bench-" + std::to_string(::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/runs.db";
    const std::size_t units = o.customers * o.miners_per_customer;

    // The run bills October 2026 once it is over: when the machine's clock is earlier, the
    // services get a clock standing at 2026-11-15 12:00 UTC (plugins keep the real one).
    bench::Environment e(o.plugin_dir);
    const auto mid_november =
        std::chrono::sys_days{
            bw::core::Date{std::chrono::year{2026}, std::chrono::November, std::chrono::day{15}}} +
        std::chrono::hours{12};
    bw::core::ManualClock manual(mid_november);
    const bw::core::Clock& clock =
        std::chrono::system_clock::now() >= std::chrono::sys_days{periodEndDate()}
            ? static_cast<const bw::core::Clock&>(e.clock)
            : static_cast<const bw::core::Clock&>(manual);

    std::printf(
        "invoice run bench: %zu customers x %zu miners = %zu units, October 2026 hourly, "
        "%d threads, %s\n",
        o.customers, o.miners_per_customer, units, o.threads,
        o.auto_send ? "auto-send (issued + outbox)" : "drafts");
    if (o.contracts_index) std::printf("what-if variant: --contracts-index\n");
    int failures = 0;
    {
        const bench::SqlStore sql = bench::openSqlStore(path);
        auto& store = sql.store;
        bw::services::Plugins plugins(*store, e.clock, e.registry, e.env, std::nullopt, 120000);

        auto t = Steady::now();
        std::printf("set-up (services, not timed):\n");
        const Fleet fleet = setUp(o, *store, clock, plugins);
        std::printf("  total %.1f s\n", secondsSince(t));
        t = Steady::now();
        const std::size_t rows = loadTelemetry(o, *store, fleet);
        const double load_s = secondsSince(t);
        std::printf(
            "telemetry: %s energy counter rows inserted in %.1f s (%s rows/s)\n",
            thousands(static_cast<std::int64_t>(rows)).c_str(), load_s,
            thousands(static_cast<std::int64_t>(static_cast<double>(rows) / load_s)).c_str());

        Sqlite raw(path);
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        std::printf("database: %s\n",
                    mib(static_cast<long>(std::filesystem::file_size(path) / 1024)).c_str());

        // Baseline: warm-up, then two timed runs.
        Aggregate agg = sqlAggregate(raw, fleet.tenant_id);
        if (agg.rows != static_cast<std::int64_t>(rows) || agg.wh_by_customer.size() != o.customers)
            throw std::runtime_error("the aggregate saw " + std::to_string(agg.rows) + " rows of " +
                                     std::to_string(agg.wh_by_customer.size()) + " customers");
        double sql_s = 1e9;
        for (int r = 0; r < 2; ++r) {
            t = Steady::now();
            agg = sqlAggregate(raw, fleet.tenant_id);
            sql_s = std::min(sql_s, secondsSince(t));
        }
        std::int64_t total_wh = 0;
        for (const auto& [c, wh] : agg.wh_by_customer) total_wh += wh;
        std::printf("baseline SQL aggregate: %.3f s (best of 2; %s units, %s rows, %s kWh)\n",
                    sql_s, thousands(agg.units).c_str(), thousands(agg.rows).c_str(),
                    thousands(total_wh / 1000).c_str());
        std::fflush(stdout);

        if (o.contracts_index) {
            raw.exec(
                "CREATE INDEX bench_contracts_customer_id ON contracts (tenant_id, "
                "customer_id, id)");
            std::printf("what-if: index contracts (tenant_id, customer_id, id) added\n");
        }

        // The invoice run.
        bw::services::BillingChain chain(*store, plugins, 7200);
        // As the server wires it: the invoice engine looks up the tenant's active scripts (it
        // has none here).
        bw::core::Metrics script_metrics;
        bw::services::Scripts scripts(*store, clock, script_metrics,
                                      bw::services::ScriptDefaults{});
        bw::services::Invoicing invoicing(*store, clock, chain, &scripts);
        bw::services::RunWorkerOptions options;
        options.node_id = "bench";
        options.lease_seconds = 60;
        options.threads = o.threads;
        bw::services::InvoiceRuns runs(*store, clock, invoicing, options);
        const bw::services::Actor actor{"key_bench", "tenant_admin", std::nullopt};

        malloc_trim(0);
        const long rss_before = statusKib("VmRSS");
        const bool reset = resetPeakRss();
        t = Steady::now();
        bw::services::RunRequest request;
        request.period_start = periodStartDate();
        auto created = runs.create(actor, fleet.tenant_id, request);
        if (!created.ok()) throw std::runtime_error("run: " + created.error().detail);
        const double create_s = secondsSince(t);
        std::size_t claims = 0;
        while (runs.workOnce()) ++claims;
        const double run_s = secondsSince(t);
        const long run_peak = reset ? statusKib("VmHWM") : -1;
        const auto view = runs.get(fleet.tenant_id, created->run.id).value();

        // Checks.
        const auto count = [&](const char* s) {
            const auto it = view.counts.find(s);
            return it == view.counts.end() ? std::int64_t{0} : it->second;
        };
        const bool completed = view.run.status == bw::storage::RunStatus::kCompleted;
        if (!completed || count("created") != static_cast<std::int64_t>(o.customers)) {
            std::printf("CHECK FAILED: run %s, created %lld, failed %lld, skipped %lld\n",
                        std::string(bw::storage::runStatusName(view.run.status)).c_str(),
                        static_cast<long long>(count("created")),
                        static_cast<long long>(count("failed")),
                        static_cast<long long>(count("skipped")));
            for (const auto& f : view.failures)
                std::printf("  failure %s: %s\n", f.customer_id.c_str(),
                            f.reason.value_or("?").c_str());
            ++failures;
        }
        sqlite3_stmt* s = raw.prepare(
            "SELECT customer_id, billed_wh, total_minor, status FROM invoices WHERE tenant_id = ? "
            "AND run_id = ?");
        sqlite3_bind_text(s, 1, fleet.tenant_id.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, created->run.id.c_str(), -1, SQLITE_TRANSIENT);
        std::size_t invoices = 0, mismatched = 0;
        std::int64_t billed_wh = 0, total_minor = 0;
        std::map<std::string, std::size_t> statuses;
        while (sqlite3_step(s) == SQLITE_ROW) {
            ++invoices;
            const std::string customer = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
            const std::int64_t wh = sqlite3_column_int64(s, 1);
            billed_wh += wh;
            total_minor += sqlite3_column_int64(s, 2);
            ++statuses[reinterpret_cast<const char*>(sqlite3_column_text(s, 3))];
            const auto it = agg.wh_by_customer.find(customer);
            if (it == agg.wh_by_customer.end() || it->second != wh) ++mismatched;
        }
        sqlite3_finalize(s);
        const std::int64_t outbox = raw.scalar("SELECT COUNT(*) FROM outbox_messages");
        if (invoices != o.customers || mismatched != 0) {
            std::printf("CHECK FAILED: %zu invoices, %zu differ from the aggregate\n", invoices,
                        mismatched);
            ++failures;
        }
        std::string status_text;
        for (const auto& [st, n] : statuses)
            status_text += (status_text.empty() ? "" : ", ") + st + " " + std::to_string(n);

        std::printf(
            "invoice run: %.3f s (create %.3f s with %zu items, %zu workOnce pass%s); %zu invoices "
            "(%s), "
            "%s kWh billed, total %s.%02lld USD; %s outbox messages\n",
            run_s, create_s, static_cast<std::size_t>(view.total), claims, claims == 1 ? "" : "es",
            invoices, status_text.c_str(), thousands(billed_wh / 1000).c_str(),
            thousands(total_minor / 100).c_str(), static_cast<long long>(total_minor % 100),
            thousands(outbox).c_str());
        std::printf("  billed kWh per customer = the aggregate's: %s\n",
                    mismatched == 0 && invoices == o.customers ? "yes" : "NO");
        std::fflush(stdout);

        long chain_peak = -1, preview_peak = -1;
        double chain_s = -1, preview_s = -1, billable_s = -1;
        if (o.breakdown) {
            resetPeakRss();
            std::atomic<int> bad{0};
            const auto threads = static_cast<std::size_t>(o.threads);
            // The contract lookup Invoicing::compute starts with, alone.
            billable_s = bench::parallelFor(o.customers, threads, [&](std::size_t i) {
                store->transact(bw::storage::TxMode::kRead, [&](bw::storage::UnitOfWork& uow) {
                    if (uow.contracts()
                            .billableIn(fleet.tenant_id, fleet.customers[i], periodStartDate(),
                                        periodEndDate())
                            .size() != 1)
                        ++bad;
                    return true;
                });
            });
            chain_s = bench::parallelFor(o.customers, threads, [&](std::size_t i) {
                auto p = chain.preview(fleet.tenant_id, fleet.contracts[i], periodStartDate(),
                                       periodEndDate());
                if (!p.ok()) ++bad;
            });
            chain_peak = statusKib("VmHWM");
            resetPeakRss();
            preview_s = bench::parallelFor(o.customers, threads, [&](std::size_t i) {
                auto p = invoicing.preview(fleet.tenant_id, fleet.customers[i], periodStartDate());
                if (!p.ok()) ++bad;
            });
            preview_peak = statusKib("VmHWM");
            if (bad != 0) {
                std::printf("CHECK FAILED: %d breakdown calls failed\n", bad.load());
                ++failures;
            }
        }

        std::printf("\n== summary (%zu customers, %zu units, %s rows)\n", o.customers, units,
                    thousands(static_cast<std::int64_t>(rows)).c_str());
        std::printf("baseline SQL aggregate     %8.3f s\n", sql_s);
        std::printf("invoice run (%d threads)    %8.3f s   %.0f invoices/s   %.2f ms/invoice\n",
                    o.threads, run_s, static_cast<double>(invoices) / run_s,
                    run_s * 1000.0 / static_cast<double>(std::max<std::size_t>(invoices, 1)));
        std::printf("run / baseline             %8.2f x   (target <= 2)\n", run_s / sql_s);
        std::printf("run within 60 s            %8s\n", run_s <= 60.0 ? "yes" : "NO");
        std::printf("peak RSS (ru_maxrss)       %s (includes set-up and data generation)\n",
                    mib(maxRssKib()).c_str());
        std::printf("RSS before the run %s, peak during the run %s\n", mib(rss_before).c_str(),
                    run_peak >= 0 ? mib(run_peak).c_str() : "n/a");
        if (o.breakdown) {
            std::printf("breakdown (%d threads, after the run):\n", o.threads);
            std::printf("  ContractRepository::billableIn per customer %8.3f s\n", billable_s);
            std::printf("  BillingChain::preview of each contract   %8.3f s  (peak RSS %s)\n",
                        chain_s, mib(chain_peak).c_str());
            std::printf("  Invoicing::preview of each customer      %8.3f s  (peak RSS %s)\n",
                        preview_s, mib(preview_peak).c_str());
            std::printf("  the run minus the previews (writes etc.) %8.3f s\n", run_s - preview_s);
        }
    }
    if (o.keep) {
        std::printf("kept %s\n", dir.c_str());
    } else {
        std::filesystem::remove_all(dir);
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parseOptions(argc, argv);
    try {
        return run(o);
    } catch (const std::exception& ex) {
        std::cerr << "invoice_run_bench: " << ex.what() << "\n";
        return 1;
    }
}
