#include "common/fleet.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

namespace bench {

namespace bw = billwright;

std::vector<bw::domain::Equipment> importFleet(
    bw::services::Inventory& inventory, const bw::services::Actor& actor,
    const std::string& tenant_id, std::size_t count,
    const std::function<std::string(std::size_t)>& owner) {
    std::string csv = "serial_number,model,hashrate_ths,power_w,owner_customer_id\n";
    for (std::size_t i = 0; i < count; ++i) {
        const Model& m = kModels[i % 4];
        csv += "BENCH-" + std::to_string(i) + "," + m.name + "," + std::to_string(m.hashrate_ths) +
               "," + std::to_string(m.power_w) + "," + owner(i) + "\n";
    }
    auto imported = inventory.importEquipmentCsv(actor, tenant_id, csv);
    if (!imported.ok() || !imported->errors.empty() || imported->created.size() != count)
        throw std::runtime_error("equipment import failed");
    return std::move(imported->created);
}

void appendHourlyCounter(Rng& rng, const bw::domain::Equipment& unit, std::int64_t start, int hours,
                         const Outage& outage, std::vector<bw::storage::SampleRow>& rows,
                         Metered& metered) {
    const std::int64_t watts = unit.power_mw / 1000;
    std::int64_t counter = rng.between(100'000, 50'000'000);  // Wh
    const auto reading = [&](int h) {
        rows.push_back({unit.sample_key, bw::domain::SampleKind::kEnergy,
                        start + h * std::int64_t{3600}, counter});
        ++metered.rows;
    };
    // Hour h - 1 is metered when the readings at h - 1 and h exist and the second is no reset.
    reading(0);
    for (int h = 1; h <= hours; ++h) {
        const std::int64_t step = watts + rng.between(-watts / 50, watts / 50);
        if (outage.from >= 0 && h > outage.from && h < outage.from + outage.hours) continue;
        if (outage.from >= 0 && h == outage.from + outage.hours) {
            counter = rng.between(0, 1000);  // back after the outage, reset
        } else {
            counter += step;
            metered.mwh += step * 1000;
            metered.hours += 1;
        }
        reading(h);
    }
}

std::size_t insertTelemetry(
    bw::storage::Store& store, std::size_t units,
    const std::function<void(std::size_t, std::vector<bw::storage::SampleRow>&)>& make) {
    constexpr std::size_t kUnitsPerTx = 1000;
    std::vector<bw::storage::SampleRow> rows;
    std::vector<bw::storage::SampleOutcome> outcomes;
    std::size_t total = 0;
    for (std::size_t first = 0; first < units; first += kUnitsPerTx) {
        rows.clear();
        const std::size_t last = std::min(units, first + kUnitsPerTx);
        for (std::size_t i = first; i < last; ++i) make(i, rows);
        store.transact(bw::storage::TxMode::kWrite, [&](bw::storage::UnitOfWork& uow) {
            uow.telemetry().insertBatch(rows, outcomes);
            return true;
        });
        for (const auto oc : outcomes) {
            if (oc != bw::storage::SampleOutcome::kStored)
                throw std::runtime_error("a generated sample was not stored");
        }
        total += rows.size();
    }
    return total;
}

}  // namespace bench
