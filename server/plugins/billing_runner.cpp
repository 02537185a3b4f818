#include "plugins/billing_runner.h"

#include <limits>

namespace billwright::plugins {
namespace {

constexpr std::int64_t kHour = 3600;

// Collects what the plugin emits, checking every index against the request.
class Collector final : public BillingSink {
public:
    Collector(MethodRun& run, std::uint32_t hours, std::int64_t period_start,
              std::int64_t period_end, bool energy)
        : run_(run), hours_(hours), start_(period_start), end_(period_end), energy_(energy) {}

    bw_status hours(std::uint32_t equipment_index, std::uint32_t first_hour, std::uint32_t count,
                    const std::int64_t* energy_mwh, const std::int64_t* covered_seconds) override {
        if (!energy_) return fail("an amount method emitted hours");
        if (equipment_index >= run_.equipment.size())
            return fail("hours for unknown equipment index " + std::to_string(equipment_index));
        if (first_hour > hours_ || count > hours_ - first_hour)
            return fail("hours beyond the period");
        EquipmentHours& eq = run_.equipment[equipment_index];
        for (std::uint32_t i = 0; i < count; ++i) {
            const std::uint32_t h = first_hour + i;
            const std::int64_t length = hourSeconds(start_, end_, h);
            if (covered_seconds[i] < 0 || covered_seconds[i] > length)
                return fail("covered seconds outside the hour in hour " + std::to_string(h));
            if (energy_mwh[i] < 0) return fail("negative energy in hour " + std::to_string(h));
            eq.energy_mwh[h] = energy_mwh[i];
            eq.covered_seconds[h] = covered_seconds[i];
        }
        return BW_OK;
    }

    bw_status detail(std::uint32_t equipment_index, std::string_view key,
                     std::string_view value) override {
        if (equipment_index >= run_.equipment.size())
            return fail("detail for unknown equipment index " + std::to_string(equipment_index));
        auto& details = run_.equipment[equipment_index].details;
        for (auto& [k, v] : details) {
            if (k == key) {
                v = std::string(value);
                return BW_OK;
            }
        }
        if (details.size() >= 32) return fail("more than 32 details for one equipment");
        details.emplace_back(std::string(key), std::string(value));
        return BW_OK;
    }

    bw_status amount(std::int64_t amount_minor, std::string_view description) override {
        if (energy_) return fail("an energy method emitted an amount");
        if (run_.amounts.size() >= 1000) return fail("more than 1000 amount lines");
        run_.amounts.push_back({amount_minor, std::string(description)});
        return BW_OK;
    }

    const std::string& problem() const { return problem_; }

private:
    bw_status fail(std::string why) {
        if (problem_.empty()) problem_ = std::move(why);
        return BW_ERR_INVALID_ARGUMENT;
    }

    MethodRun& run_;
    std::uint32_t hours_;
    std::int64_t start_;
    std::int64_t end_;
    bool energy_;
    std::string problem_;
};

core::Error pluginError(const LoadedPlugin& plugin, const std::string& message) {
    return core::Error{
        core::ErrorCode::kPluginFailed, "plugin " + plugin.info.id + " failed: " + message, {}};
}

}  // namespace

std::uint32_t hourCount(std::int64_t period_start, std::int64_t period_end) {
    if (period_end <= period_start) return 0;
    return static_cast<std::uint32_t>((period_end - period_start + kHour - 1) / kHour);
}

std::int64_t hourSeconds(std::int64_t period_start, std::int64_t period_end, std::uint32_t hour) {
    const std::int64_t start = period_start + static_cast<std::int64_t>(hour) * kHour;
    const std::int64_t end = start + kHour < period_end ? start + kHour : period_end;
    return end > start ? end - start : 0;
}

core::Result<MethodRun> runBillingMethod(const HostEnvironment& env, const LoadedPlugin& plugin,
                                         const PluginSettings& settings,
                                         const BillingSubject& subject,
                                         const std::vector<BillingEquipment>& equipment,
                                         TelemetrySource* telemetry, std::int64_t deadline_ms) {
    const bw_billing_method_api* api = plugin.descriptor->billing_method;
    if (api == nullptr) return pluginError(plugin, "it is not a billing method");
    if (equipment.size() > std::numeric_limits<std::uint32_t>::max())
        return core::Error::internal("too much equipment for one call");
    const std::uint32_t hours = hourCount(subject.period_start, subject.period_end);
    const bool energy = !plugin.info.bills_amount;

    MethodRun run;
    run.equipment.resize(equipment.size());
    if (energy) {
        for (auto& eq : run.equipment) {
            eq.energy_mwh.assign(hours, 0);
            eq.covered_seconds.assign(hours, 0);
        }
    }

    // The request the plugin borrows for the call.
    std::vector<bw_equipment> units(equipment.size());
    std::vector<const bw_equipment*> pointers(equipment.size());
    for (std::size_t i = 0; i < equipment.size(); ++i) {
        units[i] = bw_equipment{sizeof(bw_equipment),       equipment[i].id.c_str(),
                                equipment[i].model.c_str(), equipment[i].power_mw,
                                equipment[i].hashrate_mth,  equipment[i].efficiency_mjth};
        pointers[i] = &units[i];
    }
    bw_billing_request request{};
    request.size = sizeof request;
    request.tenant_id = subject.tenant_id.c_str();
    request.contract_id = subject.contract_id.c_str();
    request.customer_id = subject.customer_id.c_str();
    request.currency = subject.currency.c_str();
    request.currency_exponent = subject.currency_exponent;
    request.period_start = subject.period_start;
    request.period_end = subject.period_end;
    request.hour_count = hours;
    request.equipment_count = static_cast<std::uint32_t>(equipment.size());
    request.equipment = pointers.data();
    request.max_hold_seconds = subject.max_hold_seconds;

    Collector collector(run, hours, subject.period_start, subject.period_end, energy);
    CallScope scope;
    scope.plugin = &plugin;
    scope.tenant_id = subject.tenant_id;
    scope.config = settings.config;
    scope.secrets = settings.secrets;
    scope.params = subject.params;
    scope.deadline_ms = deadline_ms;
    scope.telemetry = telemetry;
    scope.sink = &collector;
    PluginCall call(env, std::move(scope));
    const bw_status status = api->bill(call.handle(), call.api(), &request);
    env.metrics.increment(
        "billwright_plugin_calls_total",
        {{"plugin", plugin.info.id}, {"status", std::string(statusName(status))}});
    if (!collector.problem().empty()) return pluginError(plugin, collector.problem());
    if (status != BW_OK) {
        env.log.warning("plugin call failed", {{"plugin", plugin.info.id},
                                               {"tenant", subject.tenant_id},
                                               {"error", call.describe(status)}});
        return pluginError(plugin, call.describe(status));
    }
    return run;
}

}  // namespace billwright::plugins
