#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "core/error.h"
#include "domain/contract.h"
#include "domain/tenant.h"
#include "services/plugins.h"
#include "storage/repositories.h"

namespace billwright::services {

inline constexpr std::int64_t kMaxUsageSpanSeconds = std::int64_t{400} * 86400;

// One billing method's result for one unit over a span (the equipment usage report).
struct MethodUnitUsage {
    std::string method;
    std::string plugin_id;
    std::vector<std::int64_t> energy_mwh;       // per hour
    std::vector<std::int64_t> covered_seconds;  // per hour
    std::vector<std::pair<std::string, std::string>> details;
    std::int64_t wh() const;  // the hours' energy summed, rounded to whole Wh once
    bool hasData() const;     // any covered second
    std::optional<std::string> detail(std::string_view key) const;
};

struct UnitUsageReport {
    std::string equipment_id;
    std::int64_t from = 0;  // Unix seconds, [from, to)
    std::int64_t to = 0;
    std::vector<std::int64_t> hour_seconds;  // the length of each hour
    std::vector<MethodUnitUsage> methods;    // every loaded energy method, by name
};

// The result of a contract's billing-method chain over one period.
struct ChainMethodUse {
    std::string method;  // "metered", ..., or "failover"
    std::int64_t mwh = 0;
    std::int64_t hours = 0;  // equipment-hours
};

struct ChainUnitResult {
    std::string equipment_id;
    std::vector<ChainMethodUse> uses;  // in priority order, failover last; only used ones
    std::int64_t unbilled_hours = 0;
    // Details each method reported for this unit ("metered" -> {"resets": "1"}).
    std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::string>>>> details;
};

struct ChainLine {
    std::string kind;       // "energy" (a billing method) or "failover"
    std::string method;     // the method, or "failover_fixed_rate" / "failover_hashprice"
    std::string plugin_id;  // the plugin that produced it ("" for failover)
    std::int64_t wh = 0;    // energy, whole Wh (kWh with 3 decimals)
    std::int64_t equipment_hours = 0;
    std::optional<std::int64_t> rate_micro;    // per kWh
    std::optional<std::int64_t> amount_minor;  // wh x rate, rounded once (half away from zero)
    std::string description;
    // With ChainOptions::line_hours, for energy lines: the mWh this method billed in each hour
    // (for pricing each hour with a rate script).
    std::vector<std::int64_t> hourly_mwh;
    // With line_hours, for energy lines: the units this method billed in each hour (their sum
    // is equipment_hours).
    std::vector<std::int64_t> hourly_units;
};

struct UsagePreview {
    domain::Contract contract;
    core::Date period_start{};
    core::Date period_end{};  // exclusive
    std::int64_t from = 0;    // the billed span in Unix seconds: the period cut to the contract
    std::int64_t to = 0;
    std::int64_t hours = 0;
    std::vector<ChainLine> lines;
    std::int64_t unbilled_equipment_hours = 0;
    std::optional<std::string> unbilled_reason;
    std::int64_t total_minor = 0;
    std::vector<ChainUnitResult> equipment;
    // With ChainOptions::hourly_totals or line_hours: each hour's length. With hourly_totals:
    // the energy billed in each hour across all units (mWh), for power-cap checks.
    std::vector<std::int64_t> hour_seconds;
    std::vector<std::int64_t> hourly_mwh;
    // With ChainOptions::pdu_reference: the energy the "metered" method (the PDUs) measured for
    // the same units and hours, whole Wh; none when it had no data at all.
    std::optional<std::int64_t> pdu_wh;
};

struct ChainOptions {
    bool hourly_totals = false;
    bool pdu_reference = false;
    bool line_hours = false;
    // Bill these units instead of the contract's assigned equipment (O&M: the units at the
    // operated sites), with these methods instead of the contract's list.
    std::optional<std::vector<std::string>> unit_ids;
    std::optional<std::vector<std::string>> methods;
};

// The method whose results are the PDU reference for variance.
inline constexpr std::string_view kPduMethod = "metered";

// Runs billing-method plugins over telemetry: a contract's priority chain for a period, and
// every method for one unit.
//
// The chain, per unit and hour: the first method of the contract's list whose result covers
// the whole hour bills it; an hour no method covers goes to failover pricing (fixed rate: the
// unit's nameplate power for the hour at the failover rate) or, with failover off or no
// hashprice known, is reported as unbilled. Later methods only run for units that still have
// uncovered hours. Units are processed in chunks, so memory does not grow with the fleet.
class BillingChain {
public:
    BillingChain(storage::Store& store, Plugins& plugins, std::int64_t max_hold_seconds);

    // period_end defaults to one month after period_start. Dates are in the tenant's zone.
    core::Result<UsagePreview> preview(const std::string& tenant_id, const std::string& contract_id,
                                       core::Date period_start,
                                       std::optional<core::Date> period_end);

    // The chain inside the caller's transaction, for the invoice engine: `contract` billed over
    // [period_start, period_end) cut to its own dates, in `tenant`'s zone.
    core::Result<UsagePreview> run(storage::UnitOfWork& uow, const domain::Tenant& tenant,
                                   const domain::Contract& contract, core::Date period_start,
                                   core::Date period_end, const ChainOptions& options);

    core::Result<UnitUsageReport> unitUsage(const std::string& tenant_id,
                                            const std::string& equipment_id, std::int64_t from,
                                            std::int64_t to);

    // Whether a loaded plugin provides the energy method `name`.
    bool hasEnergyMethod(std::string_view name) const;

    static constexpr std::size_t kChunk = 256;

private:
    storage::Store& store_;
    Plugins& plugins_;
    std::int64_t max_hold_seconds_;
};

}  // namespace billwright::services
