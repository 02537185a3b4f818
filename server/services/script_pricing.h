#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "core/json.h"
#include "core/time_zone.h"
#include "scripting/script_failure.h"
#include "scripting/script_results.h"
#include "services/scripts.h"
#include "services/usage_chain.h"

namespace billwright::scripting {
class Program;
}

namespace billwright::services {

// The energy of one chain line billed at one rate: the hours a rate script priced alike.
struct RateGroup {
    std::int64_t rate_micro = 0;
    std::int64_t mwh = 0;
    std::int64_t hours = 0;
    std::int64_t equipment_hours = 0;  // unit-hours of the line priced at this rate
};

// One invoice computation's use of the tenant's scripts. Each script is loaded into its own
// Program at first use and reused for every contract of the invoice (so a tripped limit stays
// tripped for the rest of it); nothing outlives the computation.
class InvoiceScripts {
public:
    InvoiceScripts(std::optional<RunnableScript> rate, std::optional<RunnableScript> adjust);
    ~InvoiceScripts();
    InvoiceScripts(const InvoiceScripts&) = delete;
    InvoiceScripts& operator=(const InvoiceScripts&) = delete;

    const std::optional<RunnableScript>& rate() const { return rate_; }
    const std::optional<RunnableScript>& adjust() const { return adjust_; }

    // Prices each hour of `usage`'s energy lines (ChainOptions::line_hours) with the rate
    // script: one call per hour in which the line's units billed (energy or not), with `base`
    // (tenant, customer, contract, equipment count, plain rate) plus the hour's fields (hour,
    // weekday, date, month, hour_start, kwh, mwh, month_to_date_kwh). The result lines up with
    // usage.lines: for each energy line its groups by rate (ascending), empty for other lines.
    std::variant<std::vector<std::vector<RateGroup>>, scripting::ScriptFailure> priceHours(
        const core::JsonValue& base, const UsagePreview& usage, const core::TimeZone& zone);

    // The invoice_adjust script's extra lines for the invoice context `invoice`.
    std::variant<std::vector<scripting::AdjustLine>, scripting::ScriptFailure> adjustLines(
        const core::JsonValue& invoice);

private:
    std::variant<scripting::Program*, scripting::ScriptFailure> program(
        const RunnableScript& script, std::unique_ptr<scripting::Program>& slot);

    std::optional<RunnableScript> rate_;
    std::optional<RunnableScript> adjust_;
    std::unique_ptr<scripting::Program> rate_program_;
    std::unique_ptr<scripting::Program> adjust_program_;
};

}  // namespace billwright::services
