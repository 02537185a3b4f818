#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace billwright::domain {

// Telemetry kinds. The stored value is a fixed-point integer with 3 decimals of the API unit
// (see domain/decimal.h): energy counter readings are cumulative Wh (kWh x 1000), power samples
// mW (W x 1000), hashrate samples milli-TH/s, status changes 1 = online, 0 = offline.
enum class SampleKind : std::int64_t { kEnergy = 1, kPower = 2, kHashrate = 3, kStatus = 4 };

struct Sample {
    std::int64_t ts = 0;  // Unix seconds, UTC
    std::int64_t value = 0;
};

// Everything needed to compute one unit of equipment's usage over [from, to). Each sample list
// is sorted by ts with no two samples at the same ts. The caller loads, besides the samples
// inside [from, to): the last energy reading before `from` and the first at or after `to`
// (for interpolation at the edges), the last power and hashrate samples before `from` (they
// may still hold at `from`), and the last status change before `from` (state persists).
struct UsageInput {
    std::int64_t from = 0;
    std::int64_t to = 0;                   // > from
    std::int64_t nameplate_power_mw = 0;   // the equipment's power spec
    std::int64_t efficiency_mjth = 0;      // milli-J/TH; 0 means hash-derived energy is unknown
    std::int64_t max_hold_seconds = 7200;  // a power or hashrate sample stands for at most this
    std::vector<Sample> energy;
    std::vector<Sample> power;
    std::vector<Sample> hashrate;
    std::vector<Sample> status;
};

// One method's result for one hour (or for the whole period in UsageResult).
struct MethodUsage {
    std::int64_t energy_mwh = 0;       // milli-Wh from the parts of the hour that have data
    std::int64_t covered_seconds = 0;  // seconds of the hour that have data for this method
};

// Hours are aligned to `from`: [from + k*3600, from + (k+1)*3600), the last one cut at `to`.
struct HourUsage {
    std::int64_t start = 0;
    std::int64_t seconds = 0;  // 3600, or less for a final partial hour
    MethodUsage metered;
    MethodUsage hash;
    MethodUsage calculated;
    std::int64_t online_seconds = 0;
    std::int64_t hashrate_covered_seconds = 0;
    // sum of hashrate (milli-TH/s) x seconds over the covered seconds, for averages
    std::int64_t hashrate_mth_seconds = 0;
    bool fullyCovered(const MethodUsage& m) const { return m.covered_seconds == seconds; }
};

struct UsageResult {
    std::vector<HourUsage> hours;
    // Totals are sums over the hours (energy rounded to whole Wh once, at the end).
    std::int64_t metered_wh = 0;
    std::int64_t hash_wh = 0;
    std::int64_t calculated_wh = 0;
    bool has_metered = false;  // any metered coverage at all in the period
    bool has_hash = false;
    bool has_calculated = false;
    std::int64_t online_seconds = 0;
    std::optional<std::int64_t> average_hashrate_mth;  // time-weighted over covered seconds
};

// Rules (documented in docs/telemetry.md):
// - Metered: between two consecutive energy readings a <= b the counter rose by b - a; that
//   energy is spread evenly over [a.ts, b.ts) and the part inside each hour is counted (so a
//   period edge between two readings gets its share). A reading lower than the previous one is
//   a counter reset: it starts a new segment and the interval before it has no data (never a
//   negative delta). Any interval between readings of one segment counts as covered.
// - Hash-derived: a hashrate sample holds from its ts until the next sample or for at most
//   max_hold_seconds; power = hashrate x efficiency (TH/s x J/TH = W), energy = power x time.
//   No data where no sample holds, or when efficiency is 0. While the latest status change
//   says offline, a held sample counts as 0 TH/s (in the average hashrate too).
// - Online state: the latest status change before a moment decides; before any status change
//   is known, a held hashrate sample decides (> 0 online, 0 offline); otherwise unknown.
// - Calculated: power x time online, where power is the held power sample if one holds, else
//   the nameplate power. Known (covered) wherever the online state is known and, when online,
//   a power figure exists (nameplate > 0 or a held sample). Offline known time is covered
//   with zero energy.
UsageResult computeUsage(const UsageInput& input);

}  // namespace billwright::domain
