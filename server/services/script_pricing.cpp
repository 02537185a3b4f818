#include "services/script_pricing.h"

#include <chrono>
#include <map>

#include "core/date.h"
#include "scripting/program.h"

namespace billwright::services {

using core::JsonValue;
using scripting::ScriptFailure;

InvoiceScripts::InvoiceScripts(std::optional<RunnableScript> rate,
                               std::optional<RunnableScript> adjust)
    : rate_(std::move(rate)), adjust_(std::move(adjust)) {}

InvoiceScripts::~InvoiceScripts() = default;

std::variant<scripting::Program*, ScriptFailure> InvoiceScripts::program(
    const RunnableScript& script, std::unique_ptr<scripting::Program>& slot) {
    if (!slot) {
        auto loaded = scripting::Program::load(script.source, script.name, script.limits);
        if (auto* f = std::get_if<ScriptFailure>(&loaded)) return *f;
        slot = std::move(std::get<std::unique_ptr<scripting::Program>>(loaded));
    }
    if (slot->tripped()) return slot->tripFailure();
    return slot.get();
}

std::variant<std::vector<std::vector<RateGroup>>, ScriptFailure> InvoiceScripts::priceHours(
    const JsonValue& base, const UsagePreview& usage, const core::TimeZone& zone) {
    std::vector<std::vector<RateGroup>> out(usage.lines.size());
    if (!rate_) return out;
    auto p = program(*rate_, rate_program_);
    if (auto* f = std::get_if<ScriptFailure>(&p)) return *f;
    scripting::Program& prog = *std::get<scripting::Program*>(p);
    auto made = prog.makeContext(base, scripting::ContextNumbers::kFloats);
    if (auto* f = std::get_if<ScriptFailure>(&made)) return *f;
    auto& ctx = std::get<scripting::Program::Context>(made);

    const std::size_t hours = usage.hour_seconds.size();
    std::vector<std::map<std::int64_t, RateGroup>> groups(usage.lines.size());
    const std::string_view function = scripting::entryFunction(scripting::ScriptKind::kRate);
    using Field = scripting::Program::Context::Field;
    const Field hour_field = ctx.field("hour");
    const Field weekday_field = ctx.field("weekday");
    const Field date_field = ctx.field("date");
    const Field month_field = ctx.field("month");
    const Field hour_start_field = ctx.field("hour_start");
    const Field mwh_field = ctx.field("mwh");
    const Field kwh_field = ctx.field("kwh");
    const Field to_date_field = ctx.field("month_to_date_kwh");
    std::int64_t to_date_mwh = 0;
    std::int64_t start = usage.from;
    std::chrono::sys_days day_written{};  // the local day `date` was last set for
    bool date_written = false;
    for (std::size_t h = 0; h < hours; start += usage.hour_seconds[h], ++h) {
        std::int64_t mwh = 0;
        std::int64_t units = 0;
        for (const auto& l : usage.lines) {
            if (h < l.hourly_mwh.size()) mwh += l.hourly_mwh[h];
            if (h < l.hourly_units.size()) units += l.hourly_units[h];
        }
        // No unit billed in this hour: nothing to price. An hour whose units billed no energy
        // is priced all the same, so its unit-hours land in a rate group.
        if (mwh == 0 && units == 0) continue;
        const core::SysSeconds at{std::chrono::seconds{start}};
        const auto local = zone.toLocal(at);
        const auto day = std::chrono::floor<std::chrono::days>(local);
        const std::chrono::sys_days local_day{day.time_since_epoch()};
        const auto hour = std::chrono::duration_cast<std::chrono::hours>(local - day).count();
        if (!date_written || local_day != day_written) {
            const std::chrono::year_month_day ymd{local_day};
            ctx.set(date_field, core::formatIsoDate(core::Date{ymd}));
            ctx.set(month_field, static_cast<std::int64_t>(static_cast<unsigned>(ymd.month())));
            ctx.set(weekday_field,
                    static_cast<std::int64_t>(std::chrono::weekday{local_day}.iso_encoding()));
            day_written = local_day;
            date_written = true;
        }
        ctx.set(hour_field, static_cast<std::int64_t>(hour));
        ctx.setTimestamp(hour_start_field, start);
        ctx.set(mwh_field, mwh);
        ctx.set(kwh_field, static_cast<double>(mwh) / 1e6);
        ctx.set(to_date_field, static_cast<double>(to_date_mwh) / 1e6);
        auto rate = prog.callRate(function, ctx);
        if (auto* f = std::get_if<ScriptFailure>(&rate)) return *f;
        const std::int64_t micros = std::get<std::int64_t>(rate);
        for (std::size_t i = 0; i < usage.lines.size(); ++i) {
            const auto& l = usage.lines[i];
            const std::int64_t line_mwh = h < l.hourly_mwh.size() ? l.hourly_mwh[h] : 0;
            const std::int64_t line_units = h < l.hourly_units.size() ? l.hourly_units[h] : 0;
            if (line_mwh == 0 && line_units == 0) continue;
            auto& g = groups[i][micros];
            g.rate_micro = micros;
            g.mwh += line_mwh;
            g.hours += 1;
            g.equipment_hours += line_units;
        }
        to_date_mwh += mwh;
    }
    for (std::size_t i = 0; i < groups.size(); ++i) {
        for (const auto& [rate, g] : groups[i]) out[i].push_back(g);
    }
    return out;
}

std::variant<std::vector<scripting::AdjustLine>, ScriptFailure> InvoiceScripts::adjustLines(
    const JsonValue& invoice) {
    if (!adjust_) return std::vector<scripting::AdjustLine>{};
    auto p = program(*adjust_, adjust_program_);
    if (auto* f = std::get_if<ScriptFailure>(&p)) return *f;
    auto called = std::get<scripting::Program*>(p)->call(
        scripting::entryFunction(scripting::ScriptKind::kInvoiceAdjust), invoice,
        scripting::ContextNumbers::kFloats);
    if (auto* f = std::get_if<ScriptFailure>(&called)) return *f;
    auto lines = scripting::invoiceAdjustResult(std::get<JsonValue>(called));
    if (!lines) return scripting::resultFailure(lines.error());
    return std::move(*lines);
}

}  // namespace billwright::services
