#include "services/usage_chain.h"

#include <algorithm>
#include <exception>

#include "core/time_zone.h"
#include "domain/decimal.h"
#include "domain/invoice.h"

namespace billwright::services {

using core::Error;

namespace {

constexpr std::int64_t kMaxPreviewDays = 92;

// Telemetry for a billing-method call from the repository of the caller's unit of work.
// Indexes are positions in `keys`. A database failure inside a plugin's callback must not
// unwind through the plugin's frames: it is kept and rethrown after the call.
class RepositoryTelemetry final : public plugins::TelemetrySource {
public:
    RepositoryTelemetry(storage::TelemetryRepository& repo, std::vector<std::int64_t> keys)
        : repo_(repo), keys_(std::move(keys)) {}

    bw_status read(std::uint32_t index, std::int32_t kind, std::int64_t from, std::int64_t to,
                   std::int64_t* ts, std::int64_t* values, std::uint32_t capacity,
                   std::uint32_t* count) override {
        const auto k = sampleKind(kind);
        if (index >= keys_.size() || !k) return BW_ERR_INVALID_ARGUMENT;
        try {
            *count = static_cast<std::uint32_t>(
                repo_.readRange(keys_[index], *k, from, to, capacity, ts, values));
            return BW_OK;
        } catch (...) {
            failure_ = std::current_exception();
            return BW_ERR_UNAVAILABLE;
        }
    }

    bw_status edge(std::uint32_t index, std::int32_t kind, std::int64_t at, std::int32_t direction,
                   std::int64_t* ts, std::int64_t* value) override {
        const auto k = sampleKind(kind);
        if (index >= keys_.size() || !k) return BW_ERR_INVALID_ARGUMENT;
        try {
            const auto s = repo_.edge(keys_[index], *k, at, direction == BW_EDGE_AT_OR_AFTER);
            if (!s) return BW_ERR_NOT_FOUND;
            *ts = s->ts;
            *value = s->value;
            return BW_OK;
        } catch (...) {
            failure_ = std::current_exception();
            return BW_ERR_UNAVAILABLE;
        }
    }

    void rethrowFailure() const {
        if (failure_) std::rethrow_exception(failure_);
    }

private:
    static std::optional<domain::SampleKind> sampleKind(std::int32_t kind) {
        if (kind < BW_SAMPLE_ENERGY || kind > BW_SAMPLE_STATUS) return std::nullopt;
        return static_cast<domain::SampleKind>(kind);
    }

    storage::TelemetryRepository& repo_;
    std::vector<std::int64_t> keys_;
    std::exception_ptr failure_;
};

plugins::BillingEquipment billingUnit(const domain::Equipment& e) {
    return {e.id, e.model, e.power_mw, e.hashrate_mth, e.efficiency_mjth};
}

// Runs one method over `units`; the results line up with `units`.
core::Result<plugins::MethodRun> runOn(storage::UnitOfWork& uow, Plugins& plugins,
                                       const plugins::LoadedPlugin& plugin,
                                       const plugins::PluginSettings& settings,
                                       const plugins::BillingSubject& subject,
                                       const std::vector<const domain::Equipment*>& units) {
    std::vector<plugins::BillingEquipment> specs;
    std::vector<std::int64_t> keys;
    specs.reserve(units.size());
    keys.reserve(units.size());
    for (const auto* u : units) {
        specs.push_back(billingUnit(*u));
        keys.push_back(u->sample_key);
    }
    RepositoryTelemetry telemetry(uow.telemetry(), std::move(keys));
    auto run = plugins.runBilling(plugin, settings, subject, specs, &telemetry);
    telemetry.rethrowFailure();
    return run;
}

std::int64_t roundedWh(std::int64_t mwh) { return domain::mulDivRound(mwh, 1, 1000).value_or(0); }

std::vector<std::int64_t> hourLengths(std::int64_t from, std::int64_t to) {
    const std::uint32_t n = plugins::hourCount(from, to);
    std::vector<std::int64_t> out(n);
    for (std::uint32_t h = 0; h < n; ++h) out[h] = plugins::hourSeconds(from, to, h);
    return out;
}

}  // namespace

std::int64_t MethodUnitUsage::wh() const {
    std::int64_t sum = 0;
    for (const auto v : energy_mwh) sum += v;
    return roundedWh(sum);
}

bool MethodUnitUsage::hasData() const {
    return std::any_of(covered_seconds.begin(), covered_seconds.end(),
                       [](std::int64_t s) { return s > 0; });
}

std::optional<std::string> MethodUnitUsage::detail(std::string_view key) const {
    for (const auto& [k, v] : details) {
        if (k == key) return v;
    }
    return std::nullopt;
}

bool BillingChain::hasEnergyMethod(std::string_view name) const {
    const auto* p = plugins_.billingMethod(std::string(name));
    return p != nullptr && !p->info.bills_amount;
}

BillingChain::BillingChain(storage::Store& store, Plugins& plugins, std::int64_t max_hold_seconds)
    : store_(store), plugins_(plugins), max_hold_seconds_(max_hold_seconds) {}

core::Result<UnitUsageReport> BillingChain::unitUsage(const std::string& tenant_id,
                                                      const std::string& equipment_id,
                                                      std::int64_t from, std::int64_t to) {
    if (to <= from) return Error::validation("to", "invalid_range", "must be after from");
    if (to - from > kMaxUsageSpanSeconds)
        return Error::validation("to", "out_of_range", "a usage query covers at most 400 days");
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<UnitUsageReport> {
        const auto unit = uow.equipment().find(tenant_id, equipment_id);
        if (!unit) return Error::notFound("equipment");
        UnitUsageReport report;
        report.equipment_id = equipment_id;
        report.from = from;
        report.to = to;
        report.hour_seconds = hourLengths(from, to);
        plugins::BillingSubject subject;
        subject.tenant_id = tenant_id;
        subject.period_start = from;
        subject.period_end = to;
        subject.max_hold_seconds = max_hold_seconds_;
        subject.currency = "USD";
        for (const auto& method : plugins_.energyMethods()) {
            const auto* plugin = plugins_.billingMethod(method);
            auto settings = plugins_.settingsFor(uow, tenant_id, *plugin);
            if (!settings) return std::move(settings).error();
            auto run = runOn(uow, plugins_, *plugin, *settings, subject, {&*unit});
            if (!run) return std::move(run).error();
            auto& eq = run->equipment.front();
            report.methods.push_back({method, plugin->info.id, std::move(eq.energy_mwh),
                                      std::move(eq.covered_seconds), std::move(eq.details)});
        }
        return report;
    });
}

core::Result<UsagePreview> BillingChain::preview(const std::string& tenant_id,
                                                 const std::string& contract_id,
                                                 core::Date period_start,
                                                 std::optional<core::Date> period_end) {
    const core::Date end_date = period_end ? *period_end : core::addMonthsClamped(period_start, 1);
    if (end_date <= period_start)
        return Error::validation("period_end", "invalid_range", "must be after period_start");
    if (core::daysBetween(period_start, end_date) > kMaxPreviewDays)
        return Error::validation("period_end", "out_of_range", "a preview covers at most 92 days");

    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<UsagePreview> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        const auto contract = uow.contracts().find(tenant_id, contract_id);
        if (!contract) return Error::notFound("contract");
        if (contract->billing_methods.empty())
            return Error::validation("contract_id", "not_applicable",
                                     std::string(domain::contractTypeName(contract->type)) +
                                         " contracts have no billing-method chain");
        return run(uow, *tenant, *contract, period_start, end_date, ChainOptions{});
    });
}

core::Result<UsagePreview> BillingChain::run(storage::UnitOfWork& uow, const domain::Tenant& tenant,
                                             const domain::Contract& contract_in,
                                             core::Date period_start, core::Date end_date,
                                             const ChainOptions& options) {
    const std::string& tenant_id = tenant.id;
    const std::string& contract_id = contract_in.id;
    const domain::Contract* contract = &contract_in;
    {
        const auto& methods = options.methods ? *options.methods : contract->billing_methods;
        std::vector<const plugins::LoadedPlugin*> chain;
        std::vector<plugins::PluginSettings> chain_settings;  // resolved once for all chunks
        for (const auto& m : methods) {
            const auto* p = plugins_.billingMethod(m);
            if (p == nullptr || p->info.bills_amount)
                return Error{core::ErrorCode::kUnavailable,
                             "billing method " + m +
                                 " of this contract is not provided by any "
                                 "loaded plugin",
                             {}};
            chain.push_back(p);
            auto settings = plugins_.settingsFor(uow, tenant_id, *p);
            if (!settings) return std::move(settings).error();
            chain_settings.push_back(std::move(*settings));
        }
        const core::TimeZone zone = core::TimeZone::loadOr(tenant.timezone, core::TimeZone::utc());
        UsagePreview out;
        out.contract = *contract;
        out.period_start = period_start;
        out.period_end = end_date;
        // Only the part of the period the contract covers is billed.
        const core::Date from_date = std::max(period_start, contract->start_date);
        const core::Date to_date = std::min(end_date, contract->end_date);
        out.from = zone.startOfDay(from_date).time_since_epoch().count();
        out.to = std::max(out.from, zone.startOfDay(to_date).time_since_epoch().count());
        const auto lengths = hourLengths(out.from, out.to);
        out.hours = static_cast<std::int64_t>(lengths.size());

        plugins::BillingSubject subject;
        subject.tenant_id = tenant_id;
        subject.contract_id = contract_id;
        subject.customer_id = contract->customer_id;
        subject.currency = std::string(contract->currency.code);
        subject.currency_exponent = contract->currency.exponent;
        subject.period_start = out.from;
        subject.period_end = out.to;
        subject.max_hold_seconds = max_hold_seconds_;

        const std::size_t method_count = chain.size();
        const int exponent = contract->currency.exponent;
        std::vector<std::int64_t> method_mwh(method_count, 0);
        std::vector<std::int64_t> method_hours(method_count, 0);
        std::vector<std::vector<std::int64_t>> method_hourly(
            options.line_hours ? method_count : 0, std::vector<std::int64_t>(lengths.size(), 0));
        std::vector<std::vector<std::int64_t>> method_hourly_units(
            options.line_hours ? method_count : 0, std::vector<std::int64_t>(lengths.size(), 0));
        std::int64_t failover_mwh = 0;
        std::int64_t failover_hours = 0;
        const bool fixed_failover = contract->failover_mode == domain::FailoverMode::kFixedRate &&
                                    contract->failover_rate_micro.has_value();
        const bool hashprice_failover =
            contract->failover_mode == domain::FailoverMode::kHashprice &&
            contract->failover_hashprice_bp.has_value() &&
            contract->failover_hashprice_source.has_value();
        // The price of each hour: the latest quote of the contract's source and currency on or
        // before the hour's day in the tenant's zone (span() includes the one holding at its
        // start); nullopt: none, the hour stays unbilled.
        std::vector<std::optional<std::int64_t>> hour_price;
        if (hashprice_failover) {
            auto quotes = uow.hashprices().span(tenant_id, *contract->failover_hashprice_source,
                                                from_date, to_date);
            std::erase_if(quotes,
                          [&](const auto& q) { return q.currency != contract->currency.code; });
            hour_price.resize(lengths.size());
            std::size_t next = 0;
            std::optional<std::int64_t> price;
            std::int64_t hour_start = out.from;
            for (std::size_t h = 0; h < lengths.size(); hour_start += lengths[h], ++h) {
                const auto day = zone.localDate(core::SysSeconds{std::chrono::seconds{hour_start}});
                while (next < quotes.size() && quotes[next].day <= day)
                    price = quotes[next++].price_micro;
                hour_price[h] = price;
            }
        }
        // sum of hashrate (milli-TH/s) x price (micro per TH/s per day) x seconds
        domain::Int128 hashprice_product = 0;
        std::int64_t hashprice_hours = 0;

        const auto ids = options.unit_ids ? *options.unit_ids
                                          : uow.contracts().equipmentIds(tenant_id, contract_id);
        // The PDU reference: the metered method's results for every unit, whether or not the
        // chain needed them (from the chain's own first run when metered leads it).
        const plugins::LoadedPlugin* pdu_plugin = nullptr;
        std::optional<plugins::PluginSettings> pdu_settings;
        if (options.pdu_reference &&
            !(method_count > 0 && chain[0]->info.billing_method == kPduMethod)) {
            pdu_plugin = plugins_.billingMethod(std::string(kPduMethod));
            if (pdu_plugin != nullptr && !pdu_plugin->info.bills_amount) {
                auto settings = plugins_.settingsFor(uow, tenant_id, *pdu_plugin);
                if (!settings) return std::move(settings).error();
                pdu_settings = std::move(*settings);
            } else {
                pdu_plugin = nullptr;
            }
        }
        const bool pdu_from_chain = options.pdu_reference && method_count > 0 &&
                                    chain[0]->info.billing_method == kPduMethod;
        std::int64_t pdu_mwh = 0;
        bool pdu_seen = false;
        const auto addPdu = [&](const plugins::MethodRun& pdu_run) {
            for (const auto& r : pdu_run.equipment) {
                for (std::size_t h = 0; h < r.energy_mwh.size(); ++h) {
                    if (r.covered_seconds[h] <= 0) continue;
                    pdu_seen = true;
                    pdu_mwh += r.energy_mwh[h];
                }
            }
        };
        if (options.hourly_totals || options.line_hours) out.hour_seconds = lengths;
        if (options.hourly_totals) out.hourly_mwh.assign(lengths.size(), 0);
        for (std::size_t begin = 0; begin < ids.size() && out.hours > 0; begin += kChunk) {
            const std::size_t end = std::min(ids.size(), begin + kChunk);
            const std::vector<domain::Equipment> units = uow.equipment().findMany(
                tenant_id,
                std::vector<std::string>(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                         ids.begin() + static_cast<std::ptrdiff_t>(end)));
            // picked[u][h]: the chain position that bills hour h of unit u, or -1.
            std::vector<std::vector<int>> picked(units.size(),
                                                 std::vector<int>(lengths.size(), -1));
            std::vector<ChainUnitResult> results(units.size());
            for (std::size_t u = 0; u < units.size(); ++u) results[u].equipment_id = units[u].id;
            std::vector<std::int64_t> unit_mwh(units.size() * method_count, 0);
            std::vector<std::int64_t> unit_hours(units.size() * method_count, 0);

            std::vector<std::size_t> pending(units.size());
            for (std::size_t u = 0; u < units.size(); ++u) pending[u] = u;
            for (std::size_t m = 0; m < method_count && !pending.empty(); ++m) {
                std::vector<const domain::Equipment*> subset;
                subset.reserve(pending.size());
                for (const auto u : pending) subset.push_back(&units[u]);
                auto run = runOn(uow, plugins_, *chain[m], chain_settings[m], subject, subset);
                if (!run) return std::move(run).error();
                if (m == 0 && pdu_from_chain) addPdu(*run);
                std::vector<std::size_t> still;
                for (std::size_t j = 0; j < pending.size(); ++j) {
                    const std::size_t u = pending[j];
                    const auto& r = run->equipment[j];
                    bool open = false;
                    for (std::size_t h = 0; h < lengths.size(); ++h) {
                        if (picked[u][h] >= 0) continue;
                        if (r.covered_seconds[h] == lengths[h]) {
                            picked[u][h] = static_cast<int>(m);
                            unit_mwh[u * method_count + m] += r.energy_mwh[h];
                            unit_hours[u * method_count + m] += 1;
                            if (options.hourly_totals) out.hourly_mwh[h] += r.energy_mwh[h];
                            if (options.line_hours) {
                                method_hourly[m][h] += r.energy_mwh[h];
                                method_hourly_units[m][h] += 1;
                            }
                        } else {
                            open = true;
                        }
                    }
                    if (!r.details.empty())
                        results[u].details.emplace_back(chain[m]->info.billing_method, r.details);
                    if (open) still.push_back(u);
                }
                pending = std::move(still);
            }
            if (pdu_plugin != nullptr) {
                std::vector<const domain::Equipment*> all;
                all.reserve(units.size());
                for (const auto& u : units) all.push_back(&u);
                auto pdu_run = runOn(uow, plugins_, *pdu_plugin, *pdu_settings, subject, all);
                if (!pdu_run) return std::move(pdu_run).error();
                addPdu(*pdu_run);
            }
            for (std::size_t u = 0; u < units.size(); ++u) {
                auto& res = results[u];
                for (std::size_t m = 0; m < method_count; ++m) {
                    const auto hours = unit_hours[u * method_count + m];
                    if (hours == 0) continue;
                    res.uses.push_back(
                        {chain[m]->info.billing_method, unit_mwh[u * method_count + m], hours});
                    method_mwh[m] += unit_mwh[u * method_count + m];
                    method_hours[m] += hours;
                }
                ChainMethodUse failover{"failover", 0, 0};
                for (std::size_t h = 0; h < lengths.size(); ++h) {
                    if (picked[u][h] >= 0) continue;
                    if (hashprice_failover) {
                        if (const auto& price = hour_price[h]) {
                            hashprice_product +=
                                static_cast<domain::Int128>(units[u].hashrate_mth) * *price *
                                lengths[h];
                            failover.hours += 1;
                            hashprice_hours += 1;
                        } else {
                            res.unbilled_hours += 1;
                        }
                    } else if (fixed_failover) {
                        // The unit's nameplate power for the hour: mW x s / 3600 = mWh.
                        const auto mwh =
                            domain::mulDivRound(units[u].power_mw, lengths[h], 3600).value_or(0);
                        failover.mwh += mwh;
                        failover.hours += 1;
                        if (options.hourly_totals) out.hourly_mwh[h] += mwh;
                    } else {
                        res.unbilled_hours += 1;
                    }
                }
                if (failover.hours > 0) {
                    failover_mwh += failover.mwh;
                    if (fixed_failover) failover_hours += failover.hours;
                    res.uses.push_back(failover);
                }
                out.unbilled_equipment_hours += res.unbilled_hours;
            }
            for (auto& r : results) out.equipment.push_back(std::move(r));
        }

        for (std::size_t m = 0; m < method_count; ++m) {
            if (method_hours[m] == 0) continue;
            ChainLine line;
            line.kind = "energy";
            line.method = chain[m]->info.billing_method;
            line.plugin_id = chain[m]->info.id;
            line.wh = roundedWh(method_mwh[m]);
            line.equipment_hours = method_hours[m];
            line.rate_micro = contract->rate_micro;
            if (contract->rate_micro)
                line.amount_minor =
                    domain::energyAmountMinor(line.wh, *contract->rate_micro, exponent);
            line.description = "Energy, " + line.method + " (" + line.plugin_id + ")";
            if (options.line_hours) {
                line.hourly_mwh = std::move(method_hourly[m]);
                line.hourly_units = std::move(method_hourly_units[m]);
            }
            out.lines.push_back(std::move(line));
        }
        if (failover_hours > 0) {
            ChainLine line;
            line.kind = "failover";
            line.method = "failover_fixed_rate";
            line.wh = roundedWh(failover_mwh);
            line.equipment_hours = failover_hours;
            line.rate_micro = contract->failover_rate_micro;
            line.amount_minor =
                domain::energyAmountMinor(line.wh, *contract->failover_rate_micro, exponent);
            line.description =
                "Failover: hours without billing data, nameplate power at the "
                "failover rate";
            out.lines.push_back(std::move(line));
        }
        if (hashprice_hours > 0) {
            // hashrate mTH/s / 1000 x price micro / 10^6 x seconds / 86400 x percent in
            // hundredths / 10^4, in minor units: rounded once, half away from zero.
            domain::Int128 scale = 1;
            for (int i = 0; i < exponent; ++i) scale *= 10;
            domain::Int128 num = 0;
            if (__builtin_mul_overflow(
                    hashprice_product,
                    static_cast<domain::Int128>(*contract->failover_hashprice_bp) * scale, &num))
                return Error::internal("failover amount out of range");
            const domain::Int128 den =
                static_cast<domain::Int128>(1000) * 1'000'000 * 86400 * 10000;
            const auto amount = domain::divRound(num, den);
            if (!amount) return Error::internal("failover amount out of range");
            ChainLine line;
            line.kind = "failover";
            line.method = "failover_hashprice";
            line.equipment_hours = hashprice_hours;
            line.amount_minor = *amount;
            line.description = "Failover: hours without billing data at " +
                               domain::formatFixed(*contract->failover_hashprice_bp, 2) +
                               "% of the " + *contract->failover_hashprice_source +
                               " hashprice x nameplate hashrate";
            out.lines.push_back(std::move(line));
        }
        if (out.unbilled_equipment_hours > 0) {
            switch (contract->failover_mode) {
                case domain::FailoverMode::kOff:
                    out.unbilled_reason =
                        "no billing method had data for these hours and "
                        "failover pricing is off";
                    break;
                case domain::FailoverMode::kHashprice:
                    out.unbilled_reason =
                        "no " + contract->failover_hashprice_source.value_or("?") +
                        " hashprice in " + std::string(contract->currency.code) +
                        " is recorded on or before these hours (PUT /v1/hashprices/{source}/{day})";
                    break;
                case domain::FailoverMode::kFixedRate:
                    out.unbilled_reason = "no failover rate is set";
                    break;
            }
        }
        for (const auto& l : out.lines) out.total_minor += l.amount_minor.value_or(0);
        if (pdu_seen) out.pdu_wh = roundedWh(pdu_mwh);
        return out;
    }
}

}  // namespace billwright::services
