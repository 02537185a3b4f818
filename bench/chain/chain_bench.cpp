// Billing-method chain benchmark: BillingChain::preview for one month of hourly telemetry of a
// whole fleet in one contract, next to a plain SQL aggregate over the same rows measured in the
// same run, with the process's peak memory. bench/chain/run drives it; see bench/README.md
// ("Billing-method chain").
//
//   chain_bench [--plugin-dir=DIR] [--miners=10000] [--days=30] [--runs=3] [--gap-share=0.05]
//               [--variants=full,gaps] [--seed=N] [--tmp=DIR] [--keep] [--no-breakdown]
//
// Per variant, in a fresh SQLite database (storage::openDatabase + applyMigrations +
// makeSqlStore, the server's pragmas):
//   1. set-up through the services: a tenant (UTC), a customer, the miners in one CSV import
//      (four models), one hosted contract (metered, hash, calculated; 0.065/kWh; from the first
//      of the month) holding every miner, activated;
//   2. telemetry through TelemetryRepository::insertBatch, ~1,000 miners per transaction: one
//      energy counter reading per miner per hour from 00:00 on day 1 to 00:00 on day days+1
//      (days x 24 + 1 readings). Variant "gaps": a share of the miners (every 1/gap-share-th)
//      has a PDU outage of 6..53 hours with a counter reset when it comes back, so the metered
//      method has no data for those hours, and hourly hashrate samples over the outage (the
//      hash method fills them). The expected chain totals are computed while generating;
//   3. timing, after one untimed warm-up of each: `runs` rounds of (a) the SQL aggregate
//      SELECT equipment_key, kind, MIN(value), MAX(value), COUNT(*) FROM telemetry_samples
//        WHERE ts >= period_start AND ts <= period_end GROUP BY equipment_key, kind
//      on a raw sqlite3 connection to the same file with the server's pragmas (as
//      bench/telemetry's baseline), and (b) BillingChain::preview for the month, with the
//      server's defaults (max hold 7,200 s, 120 s call deadline), plugins loaded by a
//      plugins::Registry from --plugin-dir. Best and median wall time of each;
//   4. memory (each variant runs in its own process): RSS before the first chain run (after the
//      generator's buffers are freed and trimmed), ru_maxrss before and after the first chain
//      run (the "before" includes set-up and data generation), and the peak RSS of each timed
//      chain run alone (VmHWM reset through /proc/self/clear_refs before it, read after);
//   5. breakdown (unless --no-breakdown): the same month read unit by unit through the storage
//      API the plugins' reads go through (edge, readRange in 512-sample batches, edge) without
//      any plugin; the same with raw sqlite3 prepared statements; the equipment lookups alone.
// The chain's lines must equal the totals computed while generating, or the run fails.

#include <malloc.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/date.h"
#include "core/time_zone.h"
#include "services/contracts.h"
#include "services/inventory.h"
#include "services/platform_billing.h"
#include "services/plugins.h"
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
using bench::Timing;

// ---------------------------------------------------------------------------------------------
// Options

struct Options : bench::ServiceOptions {
    Options() {
#ifdef BW_PLUGIN_DIR
        plugin_dir = BW_PLUGIN_DIR;  // the build tree's first-party plugins
#endif
        seed = 20260401;
    }
    std::size_t miners = 10000;
    int days = 30;
    int runs = 3;
    double gap_share = 0.05;
    std::vector<std::string> variants{"full", "gaps"};
};

Options parseOptions(int argc, char** argv) {
    const bench::Args args("chain_bench",
                           "[--plugin-dir=DIR] [--miners=N] [--days=N] [--runs=N] "
                           "[--gap-share=X] [--variants=full,gaps] [--seed=N] [--tmp=DIR] [--keep] "
                           "[--no-breakdown]");
    Options o;
    args.parse(argc, argv, [&](const std::string& name, const std::string& value) {
        if (o.take(name, value)) return true;
        if (name == "--miners") {
            o.miners = std::stoul(value);
        } else if (name == "--days") {
            o.days = std::stoi(value);
        } else if (name == "--runs") {
            o.runs = std::stoi(value);
        } else if (name == "--gap-share") {
            o.gap_share = std::stod(value);
        } else if (name == "--variants") {
            o.variants.clear();
            std::stringstream in(value);
            for (std::string v; std::getline(in, v, ',');) {
                if (v != "full" && v != "gaps") args.usage("unknown variant " + v);
                o.variants.push_back(v);
            }
        } else {
            return false;
        }
        return true;
    });
    if (o.plugin_dir.empty()) args.usage("--plugin-dir is required");
    if (o.miners == 0 || o.miners > bw::services::kMaxImportRows)
        args.usage("--miners must be 1..50000 (one CSV import)");
    if (o.days < 1 || o.days > 31) args.usage("--days must be 1..31");
    if (o.runs < 1) args.usage("--runs must be >= 1");
    if (o.gap_share < 0 || o.gap_share > 1) args.usage("--gap-share must be 0..1");
    return o;
}

// ---------------------------------------------------------------------------------------------
// Data

using bench::Rng;

struct Expected {
    std::int64_t metered_mwh = 0;
    std::int64_t metered_hours = 0;
    std::int64_t hash_mwh = 0;
    std::int64_t hash_hours = 0;
    std::size_t energy_rows = 0;
    std::size_t hashrate_rows = 0;
    std::size_t gap_miners = 0;
};

struct Fleet {
    std::string tenant_id;
    std::string contract_id;
    std::vector<bw::domain::Equipment> units;  // in import order
};

struct Setup {
    double seconds = 0;
    double equipment_seconds = 0;
    double assign_seconds = 0;
};

// Unix seconds of 2026-04-01 00:00 UTC + hours.
std::int64_t periodStart() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::sys_days{
                   bw::core::Date{std::chrono::year{2026}, std::chrono::April, std::chrono::day{1}}}
                   .time_since_epoch())
        .count();
}

bw::core::Date monthStart() {
    return bw::core::Date{std::chrono::year{2026}, std::chrono::April, std::chrono::day{1}};
}

// The per-hour energy the hash method derives: mth x mJ/TH x 3600 s / (1000 x 3600), rounded
// half away from zero (values here are positive).
std::int64_t hashHourMwh(std::int64_t mth, std::int64_t efficiency_mjth) {
    return (mth * efficiency_mjth + 500) / 1000;  // < 2^63 for any real miner
}

// ---------------------------------------------------------------------------------------------
// Raw sqlite3 (the baseline)

struct AggregateResult {
    std::int64_t groups = 0;
    std::int64_t rows = 0;
    std::int64_t energy_wh = 0;  // sum over energy groups of max - min
};

// The baseline: one grouped scan of the month's rows.
AggregateResult sqlAggregate(Sqlite& db, std::int64_t from, std::int64_t to) {
    sqlite3_stmt* s = db.prepare(
        "SELECT equipment_key, kind, MIN(value), MAX(value), COUNT(*) FROM telemetry_samples "
        "WHERE ts >= ? AND ts <= ? GROUP BY equipment_key, kind",
        SQLITE_PREPARE_PERSISTENT);
    sqlite3_bind_int64(s, 1, from);
    sqlite3_bind_int64(s, 2, to);
    AggregateResult r;
    int rc = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        ++r.groups;
        r.rows += sqlite3_column_int64(s, 4);
        if (sqlite3_column_int64(s, 1) == 1)
            r.energy_wh += sqlite3_column_int64(s, 3) - sqlite3_column_int64(s, 2);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) throw std::runtime_error("aggregate failed");
    return r;
}

// ---------------------------------------------------------------------------------------------

Fleet setUp(const Options& o, bw::storage::Store& store, bench::Environment& e,
            bw::services::Plugins& plugins, Setup& setup) {
    const auto t0 = Steady::now();
    const bw::services::Actor actor = bw::services::Actor::system("bench");
    bw::services::PlatformBilling billing(store, e.clock, plugins, bw::core::TimeZone::utc());
    bw::services::Inventory inventory(store, e.clock);
    bw::services::Contracts contracts(store, e.clock);
    Fleet fleet;
    bw::services::NewTenant nt;
    nt.name = "Chain bench";
    fleet.tenant_id = billing.createTenant(actor, nt).value().id;
    const std::string customer = inventory
                                     .createCustomer(actor, fleet.tenant_id,
                                                     [](bw::domain::Customer& c) {
                                                         c.name = "Fleet owner";
                                                         c.contact_email = "ops@example.com";
                                                     })
                                     .value()
                                     .id;

    auto t = Steady::now();
    fleet.units = bench::importFleet(inventory, actor, fleet.tenant_id, o.miners,
                                     [&](std::size_t) { return customer; });
    setup.equipment_seconds = secondsSince(t);

    auto created = contracts.create(
        actor, fleet.tenant_id, customer,
        [](bw::domain::Contract& c) {
            c.type = bw::domain::ContractType::kHosted;
            c.billing_methods = {"metered", "hash", "calculated"};
            c.rate_micro = 65000;
            c.start_date = monthStart();
        },
        false);
    if (!created.ok()) throw std::runtime_error("contract: " + created.error().detail);
    fleet.contract_id = created->contract.id;
    t = Steady::now();
    std::vector<std::string> ids;
    ids.reserve(fleet.units.size());
    for (const auto& u : fleet.units) ids.push_back(u.id);
    auto assigned = contracts.assignEquipment(actor, fleet.tenant_id, fleet.contract_id, ids);
    if (!assigned.ok()) throw std::runtime_error("assign: " + assigned.error().detail);
    auto active = contracts.activate(actor, fleet.tenant_id, fleet.contract_id);
    if (!active.ok()) throw std::runtime_error("activate: " + active.error().detail);
    setup.assign_seconds = secondsSince(t);
    setup.seconds = secondsSince(t0);
    return fleet;
}

// Generates and inserts the month's telemetry; returns what the chain must find.
Expected loadTelemetry(const Options& o, bool gaps, bw::storage::Store& store, const Fleet& fleet,
                       double& seconds) {
    const auto t0 = Steady::now();
    const std::int64_t start = periodStart();
    const int hours = o.days * 24;
    const std::size_t gap_every =
        gaps && o.gap_share > 0 ? static_cast<std::size_t>(1.0 / o.gap_share + 0.5) : 0;
    Expected x;
    Rng rng{o.seed + (gaps ? 1 : 0)};
    bench::insertTelemetry(
        store, fleet.units.size(), [&](std::size_t i, std::vector<bw::storage::SampleRow>& rows) {
            const auto& u = fleet.units[i];
            // An outage with a counter reset, and hashrate samples at its hours s .. s + d - 1.
            bench::Outage outage;
            if (gap_every > 0 && i % gap_every == gap_every / 2) {
                outage.hours = rng.between(6, std::min<std::int64_t>(53, hours / 2));
                outage.from = rng.between(1, hours - outage.hours - 1);
                ++x.gap_miners;
            }
            bench::Metered metered;
            bench::appendHourlyCounter(rng, u, start, hours, outage, rows, metered);
            x.metered_mwh += metered.mwh;
            x.metered_hours += metered.hours;
            x.energy_rows += metered.rows;
            for (std::int64_t h = outage.from; outage.from >= 0 && h < outage.from + outage.hours;
                 ++h) {
                const std::int64_t mth =
                    u.hashrate_mth + rng.between(-u.hashrate_mth / 33, u.hashrate_mth / 33);
                rows.push_back({u.sample_key, bw::domain::SampleKind::kHashrate,
                                start + h * std::int64_t{3600}, mth});
                x.hash_mwh += hashHourMwh(mth, u.efficiency_mjth);
                x.hash_hours += 1;
                ++x.hashrate_rows;
            }
        });
    seconds = secondsSince(t0);
    return x;
}

// What the plugins read, through the storage API alone: per unit and kind the edge before the
// period, the period in 512-sample reads, the first sample at or after the end.
std::int64_t storageReadsOnly(bw::storage::Store& store, const Fleet& fleet, std::int64_t from,
                              std::int64_t to, bool with_hashrate) {
    std::int64_t samples = 0;
    store.transact(bw::storage::TxMode::kRead, [&](bw::storage::UnitOfWork& uow) {
        auto& t = uow.telemetry();
        std::vector<std::int64_t> ts(512), values(512);
        for (const auto& u : fleet.units) {
            for (const auto kind :
                 {bw::domain::SampleKind::kEnergy, bw::domain::SampleKind::kHashrate}) {
                if (kind == bw::domain::SampleKind::kHashrate && !with_hashrate) continue;
                if (t.edge(u.sample_key, kind, from, false)) ++samples;
                std::int64_t at = from;
                for (;;) {
                    const std::size_t n =
                        t.readRange(u.sample_key, kind, at, to, 512, ts.data(), values.data());
                    samples += static_cast<std::int64_t>(n);
                    if (n < 512) break;
                    at = ts[n - 1] + 1;
                }
                if (t.edge(u.sample_key, kind, to, true)) ++samples;
            }
        }
        return true;
    });
    return samples;
}

// The same reads with raw sqlite3 prepared statements.
std::int64_t rawReadsOnly(Sqlite& db, const Fleet& fleet, std::int64_t from, std::int64_t to) {
    sqlite3_stmt* range = db.prepare(
        "SELECT ts, value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? AND ts >= ? "
        "AND ts < ? ORDER BY ts LIMIT ?",
        SQLITE_PREPARE_PERSISTENT);
    sqlite3_stmt* before = db.prepare(
        "SELECT ts, value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? AND ts < ? "
        "ORDER BY ts DESC LIMIT 1",
        SQLITE_PREPARE_PERSISTENT);
    sqlite3_stmt* after = db.prepare(
        "SELECT ts, value FROM telemetry_samples WHERE equipment_key = ? AND kind = ? AND ts >= ? "
        "ORDER BY ts LIMIT 1",
        SQLITE_PREPARE_PERSISTENT);
    db.exec("BEGIN");
    std::int64_t samples = 0;
    std::int64_t checksum = 0;
    for (const auto& u : fleet.units) {
        const auto edge = [&](sqlite3_stmt* s, std::int64_t at) {
            sqlite3_bind_int64(s, 1, u.sample_key);
            sqlite3_bind_int64(s, 2, 1);
            sqlite3_bind_int64(s, 3, at);
            if (sqlite3_step(s) == SQLITE_ROW) {
                ++samples;
                checksum += sqlite3_column_int64(s, 1);
            }
            sqlite3_reset(s);
        };
        edge(before, from);
        std::int64_t at = from;
        for (;;) {
            sqlite3_bind_int64(range, 1, u.sample_key);
            sqlite3_bind_int64(range, 2, 1);
            sqlite3_bind_int64(range, 3, at);
            sqlite3_bind_int64(range, 4, to);
            sqlite3_bind_int64(range, 5, 512);
            int n = 0;
            std::int64_t last = 0;
            while (sqlite3_step(range) == SQLITE_ROW) {
                last = sqlite3_column_int64(range, 0);
                checksum += sqlite3_column_int64(range, 1);
                ++n;
            }
            sqlite3_reset(range);
            samples += n;
            if (n < 512) break;
            at = last + 1;
        }
        edge(after, to);
    }
    db.exec("COMMIT");
    sqlite3_finalize(range);
    sqlite3_finalize(before);
    sqlite3_finalize(after);
    return samples + (checksum == -1 ? 1 : 0);
}

struct VariantResult {
    std::string name;
    std::size_t rows = 0;
    Timing chain;
    Timing sql;
    long maxrss_before_kib = 0;  // ru_maxrss before the first chain run (set-up, data, SQL)
    long maxrss_after_kib = 0;   // ru_maxrss after the first (untimed) chain run
    long rss_before_kib = 0;     // VmRSS just before the first chain run
    long chain_peak_kib = -1;    // VmHWM during a timed chain run, reset before each (-1: n/a)
    long rss_after_kib = 0;      // VmRSS after the timed runs

    std::string serialize() const {
        std::ostringstream out;
        out << name << ' ' << rows << ' ' << maxrss_before_kib << ' ' << maxrss_after_kib << ' '
            << rss_before_kib << ' ' << chain_peak_kib << ' ' << rss_after_kib;
        for (const Timing* t : {&chain, &sql}) {
            out << ' ' << t->seconds.size();
            for (const double v : t->seconds) out << ' ' << v;
        }
        return out.str();
    }
    static VariantResult parse(const std::string& text) {
        std::istringstream in(text);
        VariantResult r;
        in >> r.name >> r.rows >> r.maxrss_before_kib >> r.maxrss_after_kib >> r.rss_before_kib >>
            r.chain_peak_kib >> r.rss_after_kib;
        for (Timing* t : {&r.chain, &r.sql}) {
            std::size_t n = 0;
            in >> n;
            t->seconds.resize(n);
            for (auto& v : t->seconds) in >> v;
        }
        if (!in || r.chain.seconds.empty() || r.sql.seconds.empty())
            throw std::runtime_error("a variant's process reported no result");
        return r;
    }
};

VariantResult runVariant(const Options& o, const std::string& variant) {
    VariantResult out;
    out.name = variant;
    const bool gaps = variant == "gaps";
    const std::string dir = o.tmp + "/bw-chain-bench-" + std::to_string(::getpid()) + "-" + variant;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/chain.db";
    std::printf("\n== variant %s: %zu miners, %d days of hourly counter readings%s\n",
                variant.c_str(), o.miners, o.days,
                gaps ? ", with PDU outages (counter reset) and hashrate samples for some" : "");
    std::fflush(stdout);

    bench::Environment e(o.plugin_dir);
    {
        const bench::SqlStore sql = bench::openSqlStore(path);
        auto& store = sql.store;
        bw::services::Plugins plugins(*store, e.clock, e.registry, e.env, std::nullopt, 120000);

        Setup setup;
        const Fleet fleet = setUp(o, *store, e, plugins, setup);
        std::printf("set-up: %.1f s (import of %zu units %.1f s, assign + activate %.1f s)\n",
                    setup.seconds, fleet.units.size(), setup.equipment_seconds,
                    setup.assign_seconds);
        double load_seconds = 0;
        const Expected x = loadTelemetry(o, gaps, *store, fleet, load_seconds);
        out.rows = x.energy_rows + x.hashrate_rows;
        std::printf(
            "telemetry: %s rows (energy %s, hashrate %s; %zu miners with an outage) inserted in "
            "%.1f s (%s rows/s)\n",
            thousands(static_cast<std::int64_t>(out.rows)).c_str(),
            thousands(static_cast<std::int64_t>(x.energy_rows)).c_str(),
            thousands(static_cast<std::int64_t>(x.hashrate_rows)).c_str(), x.gap_miners,
            load_seconds,
            thousands(static_cast<std::int64_t>(static_cast<double>(out.rows) / load_seconds))
                .c_str());

        Sqlite raw(path);
        raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        std::printf("database: %s (%s pages of %s bytes)\n",
                    mib(static_cast<long>(std::filesystem::file_size(path) / 1024)).c_str(),
                    thousands(raw.scalar("PRAGMA page_count")).c_str(),
                    thousands(raw.scalar("PRAGMA page_size")).c_str());

        bw::services::BillingChain chain(*store, plugins, 7200);
        const std::int64_t from = periodStart();
        const std::int64_t to = from + std::int64_t{o.days} * 86400;
        const auto end_date =
            bw::core::Date{std::chrono::sys_days{monthStart()} + std::chrono::days{o.days}};
        const auto check = [&](const bw::services::UsagePreview& p) {
            std::int64_t metered_wh = -1, metered_hours = -1, hash_wh = 0, hash_hours = 0;
            for (const auto& l : p.lines) {
                if (l.method == "metered") {
                    metered_wh = l.wh;
                    metered_hours = l.equipment_hours;
                } else if (l.method == "hash") {
                    hash_wh = l.wh;
                    hash_hours = l.equipment_hours;
                } else {
                    throw std::runtime_error("unexpected line " + l.method);
                }
            }
            const auto wh = [](std::int64_t mwh) { return (mwh + 500) / 1000; };
            if (metered_wh != wh(x.metered_mwh) || metered_hours != x.metered_hours ||
                hash_wh != wh(x.hash_mwh) || hash_hours != x.hash_hours ||
                p.unbilled_equipment_hours != 0 || p.equipment.size() != fleet.units.size())
                throw std::runtime_error(
                    "the chain's result differs from the generated data: metered " +
                    std::to_string(metered_wh) + " Wh / " + std::to_string(metered_hours) +
                    " h (expected " + std::to_string(wh(x.metered_mwh)) + " / " +
                    std::to_string(x.metered_hours) + "), hash " + std::to_string(hash_wh) + " / " +
                    std::to_string(hash_hours) + " (expected " + std::to_string(wh(x.hash_mwh)) +
                    " / " + std::to_string(x.hash_hours) + "), unbilled " +
                    std::to_string(p.unbilled_equipment_hours));
        };
        const auto runChain = [&] {
            auto p = chain.preview(fleet.tenant_id, fleet.contract_id, monthStart(), end_date);
            if (!p.ok()) throw std::runtime_error("preview: " + p.error().detail);
            check(*p);
            return std::move(*p);
        };
        const auto runSql = [&] {
            const auto r = sqlAggregate(raw, from, to);
            if (r.rows != static_cast<std::int64_t>(out.rows))
                throw std::runtime_error("the aggregate saw " + std::to_string(r.rows) + " rows");
            return r;
        };

        // Warm-up (untimed): the file in the OS cache, the statements' first preparation. The
        // generator's buffers are freed and handed back first, so RSS shows what is live.
        runSql();
        malloc_trim(0);
        out.maxrss_before_kib = maxRssKib();
        out.rss_before_kib = statusKib("VmRSS");
        {
            const auto warm = runChain();
            out.maxrss_after_kib = maxRssKib();
            std::printf(
                "chain result: %zu lines, %zu units, %s unbilled hours; metered %s kWh over %s "
                "unit-hours, hash %s kWh over %s; total %s cents\n",
                warm.lines.size(), warm.equipment.size(),
                thousands(warm.unbilled_equipment_hours).c_str(),
                thousands(warm.lines.at(0).wh / 1000).c_str(),
                thousands(warm.lines.at(0).equipment_hours).c_str(),
                thousands(warm.lines.size() > 1 ? warm.lines[1].wh / 1000 : 0).c_str(),
                thousands(warm.lines.size() > 1 ? warm.lines[1].equipment_hours : 0).c_str(),
                thousands(warm.total_minor).c_str());
        }
        for (int r = 0; r < o.runs; ++r) {
            auto t = Steady::now();
            runSql();
            out.sql.seconds.push_back(secondsSince(t));
            const bool reset = resetPeakRss();
            t = Steady::now();
            {
                const auto p = runChain();
                out.chain.seconds.push_back(secondsSince(t));
            }
            if (reset) out.chain_peak_kib = std::max(out.chain_peak_kib, statusKib("VmHWM"));
            std::printf("run %d: sql %.3f s, chain %.3f s\n", r + 1, out.sql.seconds.back(),
                        out.chain.seconds.back());
            std::fflush(stdout);
        }
        out.rss_after_kib = statusKib("VmRSS");

        if (o.breakdown) {
            std::printf("breakdown (one pass each):\n");
            auto t = Steady::now();
            std::size_t found = 0;
            store->transact(bw::storage::TxMode::kRead, [&](bw::storage::UnitOfWork& uow) {
                // As the chain loads them: one findMany per chunk of BillingChain::kChunk ids.
                const auto ids = uow.contracts().equipmentIds(fleet.tenant_id, fleet.contract_id);
                for (std::size_t begin = 0; begin < ids.size();
                     begin += bw::services::BillingChain::kChunk) {
                    const auto end =
                        std::min(ids.size(), begin + bw::services::BillingChain::kChunk);
                    found += uow.equipment()
                                 .findMany(fleet.tenant_id,
                                           std::vector<std::string>(
                                               ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                               ids.begin() + static_cast<std::ptrdiff_t>(end)))
                                 .size();
                }
                return true;
            });
            std::printf("  equipment ids + %zu units by EquipmentRepository::findMany %7.3f s\n",
                        found, secondsSince(t));
            t = Steady::now();
            const auto n = storageReadsOnly(*store, fleet, from, to, false);
            std::printf("  energy reads via TelemetryRepository (%s samples) %7.3f s\n",
                        thousands(n).c_str(), secondsSince(t));
            if (gaps) {
                t = Steady::now();
                const auto m = storageReadsOnly(*store, fleet, from, to, true);
                std::printf("  energy + hashrate reads, every unit (%s)      %7.3f s\n",
                            thousands(m).c_str(), secondsSince(t));
            }
            t = Steady::now();
            const auto k = rawReadsOnly(raw, fleet, from, to);
            std::printf("  energy reads, raw sqlite3 per unit (%s)       %7.3f s\n",
                        thousands(k).c_str(), secondsSince(t));
        }
    }
    if (o.keep) {
        std::printf("kept %s\n", dir.c_str());
    } else {
        std::filesystem::remove_all(dir);
    }
    return out;
}

// Each variant runs in its own process, so its memory figures are its own.
VariantResult runInChild(const Options& o, const std::string& variant) {
    std::fflush(stdout);
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        close(fds[0]);
        int code = 0;
        try {
            const std::string text = runVariant(o, variant).serialize() + "\n";
            if (write(fds[1], text.data(), text.size()) != static_cast<ssize_t>(text.size()))
                code = 1;
        } catch (const std::exception& e) {
            std::cerr << "chain_bench (" << variant << "): " << e.what() << "\n";
            code = 1;
        }
        std::fflush(stdout);
        _exit(code);
    }
    close(fds[1]);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("variant " + variant + " failed");
    return VariantResult::parse(text);
}

int run(const Options& o) {
    std::vector<VariantResult> results;
    for (const auto& v : o.variants) results.push_back(runInChild(o, v));

    std::printf("\n== summary: %zu miners, %d days hourly; best (median) of %d runs\n", o.miners,
                o.days, o.runs);
    std::printf("%-8s %11s %15s %15s %12s\n", "variant", "rows", "chain s", "sql aggregate s",
                "chain/sql");
    for (const auto& r : results) {
        char chain[32], sql[32];
        std::snprintf(chain, sizeof chain, "%.3f (%.3f)", r.chain.best(), r.chain.median());
        std::snprintf(sql, sizeof sql, "%.3f (%.3f)", r.sql.best(), r.sql.median());
        std::printf("%-8s %11s %15s %15s %5.2f (%4.2f)\n", r.name.c_str(),
                    thousands(static_cast<std::int64_t>(r.rows)).c_str(), chain, sql,
                    r.chain.best() / r.sql.best(), r.chain.median() / r.sql.median());
    }
    std::printf(
        "\nmemory (one process per variant): RSS before the chain; peak RSS during one chain run "
        "(growth over RSS before); ru_maxrss before / after the first chain run\n");
    for (const auto& r : results) {
        std::printf("%-8s rss %s; chain peak %s (+%s); ru_maxrss %s / %s; rss after %s\n",
                    r.name.c_str(), mib(r.rss_before_kib).c_str(),
                    r.chain_peak_kib < 0 ? "?" : mib(r.chain_peak_kib).c_str(),
                    r.chain_peak_kib < 0 ? "?" : mib(r.chain_peak_kib - r.rss_before_kib).c_str(),
                    mib(r.maxrss_before_kib).c_str(), mib(r.maxrss_after_kib).c_str(),
                    mib(r.rss_after_kib).c_str());
    }
    for (const auto& r : results) {
        std::printf(
            "RESULT variant=%s rows=%zu chain_best_s=%.3f chain_median_s=%.3f sql_best_s=%.3f "
            "sql_median_s=%.3f ratio_best=%.2f ratio_median=%.2f chain_peak_rss_kib=%ld "
            "rss_before_kib=%ld rss_after_kib=%ld maxrss_before_kib=%ld maxrss_after_kib=%ld\n",
            r.name.c_str(), r.rows, r.chain.best(), r.chain.median(), r.sql.best(), r.sql.median(),
            r.chain.best() / r.sql.best(), r.chain.median() / r.sql.median(), r.chain_peak_kib,
            r.rss_before_kib, r.rss_after_kib, r.maxrss_before_kib, r.maxrss_after_kib);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(parseOptions(argc, argv));
    } catch (const std::exception& e) {
        std::cerr << "chain_bench: " << e.what() << "\n";
        return 1;
    }
}
