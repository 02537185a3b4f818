#pragma once

// Deterministic fleet data shared by the benchmarks that set up through the services
// (bench/chain, bench/invoice_run): the miners' models, their import, and hourly energy counter
// readings. The figures in bench/README.md depend on the exact sequence drawn from Rng, so the
// order of the draws must not change.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "domain/inventory.h"
#include "services/actor.h"
#include "services/inventory.h"
#include "storage/repositories.h"

#include "common/rng.h"

namespace bench {

struct Model {
    const char* name;
    std::int64_t hashrate_ths;
    std::int64_t power_w;
};
constexpr Model kModels[] = {
    {"S19j Pro", 100, 3050}, {"S19 XP", 140, 3010}, {"M30S+", 100, 3400}, {"S21", 200, 3500}};

// Imports `count` miners BENCH-0.. (models in turn) in one CSV import, miner i owned by
// owner(i); returns them in import order. Throws unless every one was created.
std::vector<billwright::domain::Equipment> importFleet(
    billwright::services::Inventory& inventory, const billwright::services::Actor& actor,
    const std::string& tenant_id, std::size_t count,
    const std::function<std::string(std::size_t)>& owner);

// A PDU outage with a counter reset: no readings strictly inside (from, from + hours), the counter
// back at a low value at from + hours. from < 0: none.
struct Outage {
    std::int64_t from = -1;
    std::int64_t hours = 0;
};

// What an energy counter's readings let the metered method bill.
struct Metered {
    std::int64_t mwh = 0;
    std::int64_t hours = 0;
    std::size_t rows = 0;
};

// Appends a unit's energy counter readings at start + h hours for h = 0..hours: a random counter
// (100 kWh..50 MWh) rising by the nameplate power +-2% an hour, except over the outage.
void appendHourlyCounter(Rng& rng, const billwright::domain::Equipment& unit, std::int64_t start,
                         int hours, const Outage& outage,
                         std::vector<billwright::storage::SampleRow>& rows, Metered& metered);

// Inserts the rows make(i, rows) appends for units i in [0, units), 1,000 units per write
// transaction through TelemetryRepository::insertBatch; returns the rows inserted. Throws unless
// every row is stored.
std::size_t insertTelemetry(
    billwright::storage::Store& store, std::size_t units,
    const std::function<void(std::size_t, std::vector<billwright::storage::SampleRow>&)>& make);

}  // namespace bench
