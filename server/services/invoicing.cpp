#include "services/invoicing.h"

#include <algorithm>
#include <type_traits>

#include "core/random.h"
#include "core/time_zone.h"
#include "domain/decimal.h"
#include "domain/money.h"
#include "services/audit.h"
#include "services/invoice_mail.h"
#include "services/payments.h"
#include "services/representation.h"
#include "services/script_pricing.h"

namespace billwright::services {

using namespace core::json_literals;

using core::Error;
using core::ErrorCode;
using core::JsonValue;
using domain::Invoice;
using domain::InvoiceEvent;
using domain::InvoiceLine;
using domain::InvoiceStatus;
using domain::LineFormula;
using domain::LineKind;

namespace {

constexpr std::int64_t kMaxUnitsListed = 100000;

Error invalidTransition(InvoiceStatus current, std::string_view action) {
    const std::string status(domain::invoiceStatusName(current));
    Error e{ErrorCode::kInvalidTransition,
            "cannot " + std::string(action) + " an invoice that is " + status,
            {}};
    e.fields.push_back({"status", status, "the invoice's current status"});
    return e;
}

domain::TenantBillingSettings settingsOf(storage::UnitOfWork& uow, const std::string& tenant_id) {
    if (auto s = uow.tenantSettings().find(tenant_id)) return *s;
    domain::TenantBillingSettings fresh;
    fresh.tenant_id = tenant_id;
    return fresh;
}

// Customers in default or on billing hold get held invoices (seed 001), never emailed until
// released.
std::optional<std::string> holdReason(const domain::Customer& customer) {
    if (customer.in_default)
        return "the customer is in default" +
               (customer.default_reason ? ": " + *customer.default_reason : "");
    if (customer.billing_hold) return "the customer is on billing hold";
    return std::nullopt;
}

std::string money(std::int64_t minor, const domain::Currency& c) {
    return domain::formatMinorUnits(minor, c) + " " + std::string(c.code);
}

// The amount of every line so far, for a discount's base.
std::int64_t sumAmounts(const std::vector<InvoiceLine>& lines, std::size_t from) {
    std::int64_t sum = 0;
    for (std::size_t i = from; i < lines.size(); ++i) sum += lines[i].amount_minor;
    return sum;
}

// Percent lines of a contract follow the lines they are a percent of after a hand edit, as
// compute() made them: a connector fee the contract's hash-lease lines, a discount the
// contract's other charges. Lines added by hand have no contract and are no one's base.
void followPercentBases(Invoice& inv) {
    for (auto& l : inv.lines) {
        if (l.formula != LineFormula::kPercent)
            l.amount_minor = domain::lineAmount(l, inv.currency).value_or(l.amount_minor);
    }
    const auto sumOf = [&](const std::string& contract, auto&& counts) {
        std::int64_t sum = 0;
        for (const auto& l : inv.lines) {
            if (l.contract_id == contract && counts(l)) sum += l.amount_minor;
        }
        return sum;
    };
    const auto isHashLease = [](const InvoiceLine& x) { return x.kind == LineKind::kHashrate; };
    const auto isCharge = [](const InvoiceLine& x) { return x.kind != LineKind::kDiscount; };
    // Connector fees first: they are part of a discount's base.
    for (const LineKind kind : {LineKind::kConnectorFee, LineKind::kDiscount}) {
        for (auto& l : inv.lines) {
            if (l.kind != kind || l.formula != LineFormula::kPercent || !l.contract_id) continue;
            l.base_minor = kind == LineKind::kConnectorFee
                               ? sumOf(*l.contract_id, isHashLease)
                               : std::max<std::int64_t>(0, sumOf(*l.contract_id, isCharge));
            l.amount_minor = domain::lineAmount(l, inv.currency).value_or(l.amount_minor);
        }
    }
}

// The customer's credit balance moved so the invoice takes what it can: all of its total up to
// the balance (nothing once cancelled). Each move is a ledger entry; the balance stays the sum
// of the customer's entries.
void rebalanceCredit(storage::UnitOfWork& uow, const Actor& actor, const core::Clock& clock,
                     Invoice& inv, domain::Customer& customer) {
    const std::int64_t available = customer.credit_balance_minor + inv.credit_applied_minor;
    const std::int64_t target =
        inv.status == InvoiceStatus::kCancelled
            ? 0
            : domain::creditToApply(inv.total_minor - inv.amount_paid_minor, available);
    const std::int64_t delta = target - inv.credit_applied_minor;
    if (delta == 0) return;
    moveCredit(uow, actor, clock, customer, inv.currency, delta > 0 ? "applied" : "restored",
               -delta, inv.id, std::nullopt);
    inv.credit_applied_minor = target;
    inv.amount_due_minor = inv.total_minor - target - inv.amount_paid_minor;
}

void assignNumber(storage::UnitOfWork& uow, Invoice& inv, core::Date today) {
    if (inv.invoice_number) return;
    const int year = static_cast<int>(today.year());
    inv.invoice_number = domain::formatInvoiceNumber(
        domain::kCustomerInvoicePrefix, year,
        uow.tenantSettings().nextSequence(inv.tenant_id, "invoice-" + std::to_string(year)));
}

void issueOn(Invoice& inv, core::Date today) {
    inv.issue_date = today;
    inv.due_date = core::addDays(today, inv.due_days);
}

// A monthly fee per unit (leased unit, operated site), prorated by the days of the period the
// contract covers: unit x quantity x days / period_days, rounded once.
InvoiceLine monthlyFee(LineKind kind, const std::string& contract_id, std::int64_t unit_minor,
                       std::int64_t quantity, std::int64_t days, std::int64_t period_days,
                       std::string description) {
    InvoiceLine line;
    line.kind = kind;
    line.formula = LineFormula::kProrated;
    line.contract_id = contract_id;
    line.unit_amount_minor = unit_minor;
    line.quantity = quantity;
    line.days = days;
    line.period_days = period_days;
    line.description = std::move(description);
    return line;
}

// Power-cap exceedances from the hourly energy of a contract's units.
void capSummary(const UsagePreview& usage, std::int64_t cap_w,
                domain::InvoiceContractSummary& summary) {
    domain::Int128 excess_mwh = 0;
    std::int64_t peak_mw = 0;
    for (std::size_t h = 0; h < usage.hourly_mwh.size(); ++h) {
        const std::int64_t s = usage.hour_seconds[h];
        if (s <= 0) continue;
        const std::int64_t mwh = usage.hourly_mwh[h];
        peak_mw = std::max(peak_mw, domain::mulDivRound(mwh, 3600, s).value_or(0));
        // Average power above the cap: mWh x 3600 / s > cap W x 1000, compared exactly.
        const domain::Int128 cap_mwh_x3600 = domain::Int128{cap_w} * 1000 * s;
        if (domain::Int128{mwh} * 3600 > cap_mwh_x3600) {
            summary.cap_exceeded_hours += 1;
            excess_mwh += domain::Int128{mwh} * 3600 - cap_mwh_x3600;  // x3600
        }
    }
    summary.peak_w = domain::divRound(peak_mw, 1000).value_or(0);
    summary.excess_wh = domain::divRound(excess_mwh, domain::Int128{3600} * 1000).value_or(0);
}

}  // namespace

// What a rate script sees besides the hour's fields (docs/scripting.md): decimals as strings,
// counts as integers.
JsonValue rateContext(const domain::Tenant& tenant, const domain::Customer& customer,
                      const domain::Contract& c, const std::string& label, std::size_t units,
                      const domain::Period& period) {
    JsonValue t = JsonValue::object();
    t.set("id", JsonValue::string(tenant.id))
        .set("timezone", JsonValue::string(tenant.timezone))
        .set("currency", JsonValue::string(std::string(c.currency.code)));
    JsonValue cu = JsonValue::object();
    cu.set("id", JsonValue::string(customer.id))
        .set("name", JsonValue::string(customer.name))
        .set("company_name", optionalString(customer.company_name));
    JsonValue methods = JsonValue::array();
    for (const auto& m : c.billing_methods) methods.push(JsonValue::string(m));
    const std::string rate = c.rate_micro ? domain::formatFixed(*c.rate_micro, 6) : "";
    JsonValue co = JsonValue::object();
    co.set("id", JsonValue::string(c.id))
        .set("number", JsonValue::string(label))
        .set("type", JsonValue::string(std::string(domain::contractTypeName(c.type))))
        .set("term", JsonValue::string(std::string(domain::termKindName(c.term.kind))))
        .set("start_date", JsonValue::string(core::formatIsoDate(c.start_date)))
        .set("end_date", JsonValue::string(core::formatIsoDate(c.end_date)))
        .set("rate", c.rate_micro ? JsonValue::string(rate) : JsonValue::null())
        .set("power_cap_kw", c.power_cap_w
                                 ? JsonValue::string(domain::formatFixed(*c.power_cap_w, 3))
                                 : JsonValue::null())
        .set("billing_methods", std::move(methods));
    JsonValue p = JsonValue::object();
    p.set("start", JsonValue::string(core::formatIsoDate(period.start)))
        .set("end", JsonValue::string(core::formatIsoDate(period.end)));
    JsonValue o = JsonValue::object();
    o.set("tenant", std::move(t))
        .set("customer", std::move(cu))
        .set("contract", std::move(co))
        .set("equipment_count", JsonValue::number(static_cast<std::int64_t>(units)))
        .set("plain_rate", c.rate_micro ? JsonValue::string(rate) : JsonValue::null())
        .set("period", std::move(p));
    return o;
}

// What an invoice_adjust script sees: the computed invoice before tax and credit, amounts in
// minor units (integers), energy in kWh as decimal strings.
JsonValue adjustContext(const domain::Tenant& tenant, const domain::Customer& customer,
                        const Invoice& inv) {
    JsonValue lines = JsonValue::array();
    std::int64_t subtotal = 0;
    std::int64_t wh = 0;
    for (const auto& l : inv.lines) {
        JsonValue o = JsonValue::object();
        o.set("kind", JsonValue::string(std::string(domain::lineKindName(l.kind))))
            .set("description", JsonValue::string(l.description))
            .set("contract_id", optionalString(l.contract_id))
            .set("method", optionalString(l.method))
            .set("kwh", l.wh ? JsonValue::string(domain::formatFixed(*l.wh, 3)) : JsonValue::null())
            .set("rate", l.rate_micro ? JsonValue::string(domain::formatFixed(*l.rate_micro, 6))
                                      : JsonValue::null())
            .set("amount_minor", JsonValue::number(l.amount_minor))
            .set("taxable", JsonValue::boolean(l.taxable));
        lines.push(std::move(o));
        subtotal += l.amount_minor;
        wh += domain::billedWh(l);
    }
    JsonValue cu = JsonValue::object();
    cu.set("id", JsonValue::string(customer.id))
        .set("name", JsonValue::string(customer.name))
        .set("company_name", optionalString(customer.company_name))
        .set("credit_balance_minor", JsonValue::number(customer.credit_balance_minor));
    JsonValue o = JsonValue::object();
    o.set("tenant", JsonValue::object().set("id", JsonValue::string(tenant.id)))
        .set("customer", std::move(cu))
        .set("currency", JsonValue::string(std::string(inv.currency.code)))
        .set("currency_exponent", JsonValue::number(std::int64_t{inv.currency.exponent}))
        .set("period", JsonValue::object()
                           .set("start", JsonValue::string(core::formatIsoDate(inv.period.start)))
                           .set("end", JsonValue::string(core::formatIsoDate(inv.period.end))))
        .set("lines", std::move(lines))
        .set("subtotal_minor", JsonValue::number(subtotal))
        .set("kwh", JsonValue::string(domain::formatFixed(wh, 3)));
    return o;
}

struct Invoicing::Computed {
    Invoice invoice;
    domain::Tenant tenant;
    domain::Customer customer;
    domain::TenantBillingSettings settings;
    std::optional<std::string> held_reason;
    // Script failures met while computing, recorded when the invoice is written.
    std::vector<ScriptFailureRecord> script_failures;
};

Invoicing::Invoicing(storage::Store& store, const core::Clock& clock, BillingChain& chain,
                     Scripts* scripts)
    : store_(store), clock_(clock), chain_(chain), scripts_(scripts) {}

storage::CreditEntry moveCredit(storage::UnitOfWork& uow, const Actor& actor,
                                const core::Clock& clock, domain::Customer& customer,
                                const domain::Currency& currency, std::string kind,
                                std::int64_t amount, std::optional<std::string> invoice_id,
                                std::optional<std::string> reason,
                                std::optional<std::string> payment_id) {
    customer.credit_balance_minor += amount;
    customer.updated_at = clock.nowSeconds();
    storage::CreditEntry e;
    e.id = core::newId("crd", unixMillis(clock));
    e.tenant_id = customer.tenant_id;
    e.customer_id = customer.id;
    e.kind = std::move(kind);
    e.amount_minor = amount;
    e.currency = std::string(currency.code);
    e.balance_after_minor = customer.credit_balance_minor;
    e.invoice_id = std::move(invoice_id);
    e.reason = std::move(reason);
    e.actor = actor.id;
    e.created_at = clock.nowSeconds();
    e.payment_id = std::move(payment_id);
    uow.creditLedger().insert(e);
    uow.customers().update(customer);
    return e;
}

core::Date Invoicing::todayFor(const domain::Tenant& tenant) const {
    return core::TimeZone::loadOr(tenant.timezone, core::TimeZone::utc())
        .localDate(clock_.nowSeconds());
}

core::Result<domain::Period> Invoicing::periodStartingOn(const std::string& tenant_id,
                                                         core::Date start,
                                                         const std::string& field) {
    const auto settings = store_.read([&](storage::UnitOfWork& uow) {
        return core::Result<domain::TenantBillingSettings>(settingsOf(uow, tenant_id));
    });
    const auto period = domain::customerPeriodStartingOn(settings->billing_day, start);
    if (!period) {
        const auto containing = domain::customerPeriodContaining(settings->billing_day, start);
        return Error::validation(field, "not_a_period_start",
                                 "billing periods start on day " +
                                     std::to_string(settings->billing_day) +
                                     "; the period containing this day starts on " +
                                     core::formatIsoDate(containing.start));
    }
    return *period;
}

core::Result<Invoicing::Computed> Invoicing::compute(storage::UnitOfWork& uow,
                                                     const std::string& tenant_id,
                                                     const std::string& customer_id,
                                                     const domain::Period& period,
                                                     const RunnableScript* override_script) {
    Computed out;
    const auto tenant = uow.tenants().find(tenant_id);
    if (!tenant) return Error::notFound("tenant");
    const auto customer = uow.customers().find(tenant_id, customer_id);
    if (!customer) return Error::notFound("customer");
    out.tenant = *tenant;
    out.customer = *customer;
    out.settings = settingsOf(uow, tenant_id);
    const domain::Currency currency =
        domain::billingCurrencyOf(*customer, tenant->default_currency);
    const core::TimeZone zone = core::TimeZone::loadOr(tenant->timezone, core::TimeZone::utc());

    Invoice& inv = out.invoice;
    inv.tenant_id = tenant_id;
    inv.customer_id = customer_id;
    inv.period = period;
    inv.currency = currency;
    inv.due_days = out.settings.invoice_due_days;
    inv.tax_rate_milli_pct = out.settings.tax_rate_milli_pct;
    inv.tax_display =
        domain::parseTaxDisplay(out.settings.tax_display).value_or(domain::TaxDisplay::kExclusive);
    const auto add = [&](InvoiceLine line) {
        line.id = core::newId("inl", unixMillis(clock_));
        line.position = static_cast<int>(inv.lines.size()) + 1;
        line.amount_minor = domain::lineAmount(line, inv.currency).value_or(0);
        inv.lines.push_back(std::move(line));
    };
    const std::int64_t period_days = core::daysBetween(period.start, period.end);

    // The tenant's active scripts (a dry run's script in place of its kind's). A quarantined
    // script does not run: the lines it would price fall back and say so.
    ActiveScripts active;
    if (scripts_ != nullptr) active = scripts_->active(uow, tenant_id);
    std::optional<RunnableScript>& rate_script = active.rate;
    std::optional<RunnableScript>& adjust_script = active.adjust;
    if (override_script != nullptr) {
        if (override_script->kind == scripting::ScriptKind::kRate) rate_script = *override_script;
        if (override_script->kind == scripting::ScriptKind::kInvoiceAdjust)
            adjust_script = *override_script;
    }
    const auto runs = [](const std::optional<RunnableScript>& s) {
        return s && !s->quarantined ? s : std::nullopt;
    };
    InvoiceScripts scripts(runs(rate_script), runs(adjust_script));
    const auto failed = [&](const RunnableScript& s, const scripting::ScriptFailure& f,
                            std::optional<std::string> contract_id) {
        out.script_failures.push_back({s.name, s.version, s.kind, f, std::move(contract_id)});
    };

    for (const auto& c :
         uow.contracts().billableIn(tenant_id, customer_id, period.start, period.end)) {
        const core::Date end = c.ended_on ? std::min(c.end_date, *c.ended_on) : c.end_date;
        const std::int64_t days = domain::daysCovered(period, c.start_date, end);
        if (days <= 0) continue;
        const std::string label = c.contract_number.value_or(c.id);
        if (!(c.currency == inv.currency))
            return Error::validation(
                "customer_id", "currency_mismatch",
                "contract " + label + " is in " + std::string(c.currency.code) +
                    "; the customer's invoices are in " + std::string(inv.currency.code));
        domain::Contract billed = c;
        billed.end_date = end;
        const std::size_t first = inv.lines.size();
        domain::InvoiceContractSummary summary;
        summary.contract_id = c.id;
        summary.contract_number = c.contract_number;
        summary.contract_type = std::string(domain::contractTypeName(c.type));
        summary.power_cap_w = c.power_cap_w;

        switch (c.type) {
            case domain::ContractType::kHosted:
            case domain::ContractType::kLease: {
                ChainOptions options;
                options.line_hours = scripts.rate().has_value();
                options.hourly_totals = c.power_cap_w.has_value();
                options.pdu_reference = true;
                auto usage = chain_.run(uow, *tenant, billed, period.start, period.end, options);
                if (!usage) return std::move(usage).error();
                // Energy priced hour by hour by the rate script, or the plain rate with the
                // reason it fell back.
                std::vector<std::vector<RateGroup>> priced;
                std::optional<std::string> fallback;
                if (rate_script && rate_script->quarantined) {
                    fallback = "quarantined";
                } else if (scripts.rate()) {
                    auto r = scripts.priceHours(
                        rateContext(*tenant, *customer, c, label, usage->equipment.size(), period),
                        *usage, zone);
                    if (auto* f = std::get_if<scripting::ScriptFailure>(&r)) {
                        fallback = f->code;
                        failed(*rate_script, *f, c.id);
                    } else {
                        priced = std::move(std::get<0>(r));
                    }
                }
                for (std::size_t li = 0; li < usage->lines.size(); ++li) {
                    const auto& l = usage->lines[li];
                    if (l.kind == "energy" && li < priced.size() && !priced[li].empty()) {
                        for (const auto& g : priced[li]) {
                            InvoiceLine line;
                            line.kind = LineKind::kEnergy;
                            line.formula = LineFormula::kEnergy;
                            line.contract_id = c.id;
                            line.method = l.method;
                            if (!l.plugin_id.empty()) line.plugin_id = l.plugin_id;
                            line.wh = domain::mulDivRound(g.mwh, 1, 1000).value_or(0);
                            line.rate_micro = g.rate_micro;
                            line.equipment_hours = g.equipment_hours;
                            line.script_name = rate_script->name;
                            line.script_version = rate_script->version;
                            line.description = l.description + ", " + std::to_string(g.hours) +
                                               " h at " + domain::formatFixed(g.rate_micro, 6) +
                                               "/kWh (rate script " + rate_script->name + " v" +
                                               std::to_string(rate_script->version) +
                                               ") — contract " + label;
                            add(std::move(line));
                        }
                        continue;
                    }
                    InvoiceLine line;
                    line.contract_id = c.id;
                    line.method = l.method;
                    if (!l.plugin_id.empty()) line.plugin_id = l.plugin_id;
                    line.description = l.description + " — contract " + label;
                    line.equipment_hours = l.equipment_hours;
                    if (l.method == "failover_hashprice") {
                        line.kind = LineKind::kFailover;
                        line.formula = LineFormula::kFixed;
                        line.amount_minor = l.amount_minor.value_or(0);
                    } else {
                        if (!l.rate_micro)
                            return Error::validation("customer_id", "no_rate",
                                                     "contract " + label + " has no rate per kWh");
                        line.kind = l.kind == "failover" ? LineKind::kFailover : LineKind::kEnergy;
                        line.formula = LineFormula::kEnergy;
                        line.wh = l.wh;
                        line.rate_micro = l.rate_micro;
                        if (fallback && l.kind == "energy") {
                            line.script_name = rate_script->name;
                            line.script_version = rate_script->version;
                            line.script_fallback = fallback;
                            line.description +=
                                " (plain rate: the rate script " +
                                std::string(*fallback == "quarantined" ? "is quarantined"
                                                                       : "failed") +
                                ")";
                        }
                    }
                    add(std::move(line));
                }
                summary.pdu_wh = usage->pdu_wh;
                summary.unbilled_equipment_hours = usage->unbilled_equipment_hours;
                if (c.power_cap_w) capSummary(*usage, *c.power_cap_w, summary);
                if (c.type == domain::ContractType::kLease && c.lease_fee_per_unit_minor &&
                    *c.lease_fee_per_unit_minor > 0) {
                    const auto units = static_cast<std::int64_t>(
                        uow.contracts().equipmentIds(tenant_id, c.id).size());
                    if (units > 0)
                        add(monthlyFee(LineKind::kLeaseFee, c.id, *c.lease_fee_per_unit_minor,
                                       units, days, period_days,
                                       "Equipment lease: " + std::to_string(units) + " units at " +
                                           money(*c.lease_fee_per_unit_minor, inv.currency) +
                                           " a month — contract " + label));
                }
                break;
            }
            case domain::ContractType::kInfinity: {
                const auto rate =
                    c.rate_micro ? c.rate_micro : out.settings.default_energy_rate_micro;
                if (!rate)
                    return Error::validation("customer_id", "no_rate",
                                             "infinity contract " + label +
                                                 " has no rate per kWh and the tenant has no "
                                                 "default energy rate");
                const core::Date from = std::max(period.start, c.start_date);
                const core::Date to = std::min(period.end, end);
                const std::int64_t seconds = (zone.startOfDay(to) - zone.startOfDay(from)).count();
                // quantity x TH/s x J/TH = W; x hours = Wh:
                // q x mTH x mJ/TH x s / (10^6 x 3600), rounded once.
                const auto q = c.quantity.value_or(0);
                const domain::Int128 num = domain::Int128{q} * c.miner_hashrate_mth.value_or(0) *
                                           c.miner_efficiency_mjth.value_or(0) * seconds;
                const auto wh = domain::divRound(num, domain::Int128{1'000'000} * 3600);
                if (!wh) return Error::internal("hash-lease energy out of range");
                InvoiceLine line;
                line.kind = LineKind::kHashrate;
                line.formula = LineFormula::kEnergy;
                line.contract_id = c.id;
                line.wh = *wh;
                line.rate_micro = rate;
                line.quantity = q;
                line.equipment_hours = domain::divRound(seconds, 3600).value_or(0);
                line.description =
                    "Hash-lease: " + std::to_string(q) + " x " + c.miner_model.value_or("miner") +
                    " (" + domain::formatFixed(c.miner_hashrate_mth.value_or(0), 3) + " TH/s at " +
                    domain::formatFixed(c.miner_efficiency_mjth.value_or(0), 3) + " J/TH) for " +
                    std::to_string(*line.equipment_hours) + " hours — contract " + label;
                add(std::move(line));
                if (c.connector_fee_bp && *c.connector_fee_bp > 0) {
                    InvoiceLine fee;
                    fee.kind = LineKind::kConnectorFee;
                    fee.formula = LineFormula::kPercent;
                    fee.contract_id = c.id;
                    fee.base_minor = inv.lines.back().amount_minor;
                    fee.percent_bp = c.connector_fee_bp;
                    fee.description = "Connector fee " +
                                      domain::formatFixed(*c.connector_fee_bp, 2) +
                                      "% of the hash-lease — contract " + label;
                    add(std::move(fee));
                }
                break;
            }
            case domain::ContractType::kOperations: {
                const auto sites = uow.contracts().siteIds(tenant_id, c.id);
                const auto site_count = static_cast<std::int64_t>(sites.size());
                if (c.service_fee_per_site_minor && *c.service_fee_per_site_minor > 0 &&
                    site_count > 0) {
                    add(monthlyFee(LineKind::kServiceFee, c.id, *c.service_fee_per_site_minor,
                                   site_count, days, period_days,
                                   "Operations and maintenance: " + std::to_string(site_count) +
                                       " sites at " +
                                       money(*c.service_fee_per_site_minor, inv.currency) +
                                       " a month — contract " + label));
                }
                if (c.management_fee_rate_micro && *c.management_fee_rate_micro > 0 &&
                    site_count > 0) {
                    // The energy of the units at the operated sites: metered, else calculated.
                    ChainOptions options;
                    options.unit_ids.emplace();
                    for (const auto& site : sites) {
                        storage::EquipmentFilter filter;
                        filter.site_id = site;
                        storage::PageRequest page;
                        page.limit = static_cast<std::size_t>(kMaxUnitsListed);
                        for (const auto& e : uow.equipment().list(tenant_id, filter, page))
                            options.unit_ids->push_back(e.id);
                    }
                    options.methods.emplace();
                    for (const auto& m : {"metered", "calculated"}) {
                        if (chain_.hasEnergyMethod(m)) options.methods->emplace_back(m);
                    }
                    if (options.methods->empty() || options.unit_ids->empty()) break;
                    std::sort(options.unit_ids->begin(), options.unit_ids->end());
                    auto usage =
                        chain_.run(uow, *tenant, billed, period.start, period.end, options);
                    if (!usage) return std::move(usage).error();
                    std::int64_t wh = 0;
                    for (const auto& l : usage->lines) wh += l.wh;
                    if (wh <= 0) break;
                    InvoiceLine line;
                    line.kind = LineKind::kManagementFee;
                    line.formula = LineFormula::kEnergy;
                    line.contract_id = c.id;
                    line.wh = wh;
                    line.rate_micro = c.management_fee_rate_micro;
                    line.description =
                        "Management fee on the energy of the operated sites — "
                        "contract " +
                        label;
                    add(std::move(line));
                }
                break;
            }
        }
        if (c.discount_bp && *c.discount_bp > 0) {
            const std::int64_t base = sumAmounts(inv.lines, first);
            if (base > 0) {
                InvoiceLine line;
                line.kind = LineKind::kDiscount;
                line.formula = LineFormula::kPercent;
                line.contract_id = c.id;
                line.base_minor = base;
                line.percent_bp = c.discount_bp;
                line.description =
                    "Discount " + domain::formatFixed(*c.discount_bp, 2) + "% — contract " + label;
                add(std::move(line));
            }
        }
        for (std::size_t i = first; i < inv.lines.size(); ++i)
            summary.billed_wh += domain::billedWh(inv.lines[i]);
        inv.contracts.push_back(std::move(summary));
    }
    if (scripts.adjust()) {
        auto extra = scripts.adjustLines(adjustContext(out.tenant, *customer, inv));
        if (auto* f = std::get_if<scripting::ScriptFailure>(&extra)) {
            failed(*adjust_script, *f, std::nullopt);
            // The invoice says so, as a fallen-back energy line does: a zero line naming the
            // script, its version and the failure, so nobody takes the missing adjustments for
            // the script's answer.
            InvoiceLine line;
            line.kind = LineKind::kAdjustment;
            line.formula = LineFormula::kFixed;
            line.amount_minor = 0;
            line.taxable = false;
            line.script_name = adjust_script->name;
            line.script_version = adjust_script->version;
            line.script_fallback = f->code;
            line.description = "No script adjustments: the invoice_adjust script " +
                               adjust_script->name + " v" + std::to_string(adjust_script->version) +
                               " failed (" + f->code + ")";
            add(std::move(line));
        } else {
            for (const auto& a : std::get<0>(extra)) {
                InvoiceLine line;
                line.kind = a.kind == "discount" ? LineKind::kDiscount : LineKind::kAdjustment;
                line.formula = LineFormula::kFixed;
                line.description = a.description;
                line.amount_minor = a.amount_minor;
                line.taxable = a.taxable;
                line.script_name = adjust_script->name;
                line.script_version = adjust_script->version;
                add(std::move(line));
            }
        }
    }
    if (auto s = domain::computeTotals(inv); !s.ok()) return std::move(s).error();
    // The invoice's PDU energy covers the same units and hours as its billed energy, or there
    // is none: a contract that billed energy without any PDU data (an Infinity stream, units
    // without PDUs) would make the invoice's variance compare unlike quantities. Each
    // contract's summary keeps its own.
    bool comparable = true;
    for (const auto& s : inv.contracts) {
        if (s.pdu_wh) {
            inv.pdu_wh = inv.pdu_wh.value_or(0) + *s.pdu_wh;
        } else if (s.billed_wh > 0) {
            comparable = false;
        }
    }
    if (!comparable) inv.pdu_wh.reset();
    out.held_reason = holdReason(*customer);
    return out;
}

core::Result<domain::Invoice> Invoicing::preview(const std::string& tenant_id,
                                                 const std::string& customer_id,
                                                 core::Date period_start) {
    auto period = periodStartingOn(tenant_id, period_start, "period_start");
    if (!period) return std::move(period).error();
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        if (todayFor(*tenant) < period->start)
            return Error::validation("period_start", "in_future", "the period has not begun");
        auto computed = compute(uow, tenant_id, customer_id, *period);
        if (!computed) return std::move(computed).error();
        if (scripts_ != nullptr)
            for (const auto& f : computed->script_failures)
                scripts_->countFailure(f.kind, f.failure);
        Invoice inv = std::move(computed->invoice);
        // What the customer's credit balance would cover.
        inv.credit_applied_minor =
            domain::creditToApply(inv.total_minor, computed->customer.credit_balance_minor);
        inv.amount_due_minor = inv.total_minor - inv.credit_applied_minor;
        inv.held_reason = computed->held_reason;
        return inv;
    });
}

core::Result<domain::Invoice> Invoicing::previewWithScript(const std::string& tenant_id,
                                                           const std::string& customer_id,
                                                           core::Date period_start,
                                                           const RunnableScript& script) {
    auto period = periodStartingOn(tenant_id, period_start, "period_start");
    if (!period) return std::move(period).error();
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        if (todayFor(*tenant) < period->start)
            return Error::validation("period_start", "in_future", "the period has not begun");
        RunnableScript tried = script;
        tried.quarantined = false;  // a dry run runs the version even while it is quarantined
        auto computed = compute(uow, tenant_id, customer_id, *period, &tried);
        if (!computed) return std::move(computed).error();
        for (const auto& f : computed->script_failures) {
            if (f.name == tried.name && f.version == tried.version) {
                if (scripts_ != nullptr) scripts_->countFailure(f.kind, f.failure);
                return scriptProblem(
                    f.failure,
                    "the script failed on this customer's invoice" +
                        (f.contract_id ? " (contract " + *f.contract_id + ")" : std::string()));
            }
        }
        return std::move(computed->invoice);
    });
}

struct Invoicing::Prepared {
    domain::Period period{};
    std::optional<Invoice> existing;
    std::optional<Computed> computed;
    core::Date today{};
};

core::Result<std::shared_ptr<Invoicing::Prepared>> Invoicing::prepare(
    const std::string& tenant_id, const GenerateRequest& request) {
    auto period = periodStartingOn(tenant_id, request.period_start, "period_start");
    if (!period) return std::move(period).error();
    // Computed in a read transaction: plugins and telemetry scans hold no write lock.
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<std::shared_ptr<Prepared>> {
        const auto tenant = uow.tenants().find(tenant_id);
        if (!tenant) return Error::notFound("tenant");
        auto p = std::make_shared<Prepared>();
        p->period = *period;
        p->today = todayFor(*tenant);
        if (p->today < period->end)
            return Error::validation("period_start", "period_not_ended",
                                     "the period ends on " + core::formatIsoDate(period->end) +
                                         "; invoices bill a period once it is over (preview "
                                         "shows it so far)");
        p->existing = uow.invoices().findLive(tenant_id, request.customer_id, period->start);
        const bool regenerate =
            p->existing && request.regenerate_draft && p->existing->status == InvoiceStatus::kDraft;
        if (p->existing && !regenerate) return p;
        auto computed = compute(uow, tenant_id, request.customer_id, *period);
        if (!computed) return std::move(computed).error();
        p->computed = std::move(*computed);
        return p;
    });
}

core::Result<Generated> Invoicing::commit(storage::UnitOfWork& uow, const Actor& actor,
                                          const std::string& tenant_id,
                                          const GenerateRequest& request,
                                          const Prepared& prepared) {
    return commitChecked(uow, actor, tenant_id, request, prepared, true);
}

core::Result<Generated> Invoicing::commitChecked(storage::UnitOfWork& uow, const Actor& actor,
                                                 const std::string& tenant_id,
                                                 const GenerateRequest& request,
                                                 const Prepared& prepared, bool recheck) {
    const auto finish = [&](Generated g) -> core::Result<Generated> {
        if (request.on_commit) request.on_commit(uow, g);
        return g;
    };
    if (!prepared.computed) return finish({prepared.existing, GenerateOutcome::kExisting});
    const core::Date today = prepared.today;
    const auto existing =
        recheck || prepared.existing
            ? uow.invoices().findLive(tenant_id, request.customer_id, prepared.period.start)
            : std::nullopt;
    const bool regenerate =
        existing && request.regenerate_draft && existing->status == InvoiceStatus::kDraft;
    if (existing && !regenerate) return finish({*existing, GenerateOutcome::kExisting});
    const Computed& computed = *prepared.computed;
    Invoice inv = computed.invoice;
    auto customer = uow.customers().find(tenant_id, request.customer_id);
    if (!customer) return Error::notFound("customer");
    const auto now = clock_.nowSeconds();

    if (regenerate) {
        // The draft again from today's data; the lines added by hand stay after the new
        // ones. A computed line edited by hand (it has a contract) is computed afresh:
        // keeping it too would bill its contract twice.
        for (const auto& l : existing->lines) {
            if (!l.manual || l.contract_id) continue;
            InvoiceLine kept = l;
            kept.position = static_cast<int>(inv.lines.size()) + 1;
            inv.lines.push_back(std::move(kept));
        }
        inv.id = existing->id;
        inv.status = InvoiceStatus::kDraft;
        inv.credit_applied_minor = existing->credit_applied_minor;
        inv.run_id = request.run_id ? request.run_id : existing->run_id;
        inv.created_at = existing->created_at;
        inv.updated_at = now;
        if (auto s = domain::computeTotals(inv); !s.ok()) return std::move(s).error();
        rebalanceCredit(uow, actor, clock_, inv, *customer);
        uow.invoices().update(inv);
        uow.invoices().replaceLines(inv);
        recordAudit(uow, actor, clock_, tenant_id, "invoice.regenerated", "invoice", inv.id,
                    toJson(*existing), toJson(inv));
        if (scripts_ != nullptr)
            scripts_->recordFailures(uow, actor, tenant_id, computed.script_failures, "invoice",
                                     inv.id);
        return finish({inv, GenerateOutcome::kRegenerated});
    }
    if (inv.lines.empty()) return finish({std::nullopt, GenerateOutcome::kNothingToBill});

    inv.id = core::newId("inv", unixMillis(clock_));
    inv.run_id = request.run_id;
    inv.created_at = inv.updated_at = now;
    bool send = false;
    if (computed.held_reason) {
        inv.status = InvoiceStatus::kHeld;
        inv.held_reason = computed.held_reason;
    } else if (request.intent == IssueIntent::kIssue ||
               (request.intent == IssueIntent::kAutoSend && computed.settings.auto_send)) {
        inv.status = InvoiceStatus::kIssued;
        issueOn(inv, today);
        inv.collect_at =
            autoPayAt(*customer, computed.settings, *inv.due_date, computed.tenant.timezone, now);
        send = true;
    }
    if (inv.status != InvoiceStatus::kDraft) assignNumber(uow, inv, today);
    rebalanceCredit(uow, actor, clock_, inv, *customer);
    if (send) {
        queueInvoiceEmail(uow, clock_, {inv, *customer, computed.settings, computed.tenant.name},
                          "invoice.issued");
        inv.emailed_at = now;
    }
    uow.invoices().insert(inv);
    recordAudit(uow, actor, clock_, tenant_id, "invoice.created", "invoice", inv.id, std::nullopt,
                toJson(inv));
    if (scripts_ != nullptr)
        scripts_->recordFailures(uow, actor, tenant_id, computed.script_failures, "invoice",
                                 inv.id);
    return finish({inv, inv.status == InvoiceStatus::kHeld ? GenerateOutcome::kHeld
                                                           : GenerateOutcome::kCreated});
}

core::Result<Generated> Invoicing::generate(const Actor& actor, const std::string& tenant_id,
                                            const GenerateRequest& request) {
    auto prepared = prepare(tenant_id, request);
    if (!prepared) return std::move(prepared).error();
    // A short write transaction writes what the read found missing. It does not look for the
    // period's invoice again first: where there is none, that read would lock the index gap
    // where other customers' invoices go too (MySQL, SERIALIZABLE), and two writers that both
    // read it and then insert there deadlock. The unique key settles a race between two writers
    // of one period instead: the retry looks, and finds theirs.
    const auto attempt = [&](bool recheck) {
        return store_.write([&](storage::UnitOfWork& uow) {
            return commitChecked(uow, actor, tenant_id, request, **prepared, recheck);
        });
    };
    try {
        return attempt(false);
    } catch (const storage::DbError& e) {
        if (e.kind() != storage::DbErrorKind::kUniqueViolation) throw;
        return attempt(true);
    }
}

core::Result<domain::Invoice> Invoicing::get(const std::string& tenant_id, const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        auto inv = uow.invoices().find(tenant_id, id);
        if (!inv) return Error::notFound("invoice");
        return *inv;
    });
}

core::Result<std::string> Invoicing::jsonText(const std::string& tenant_id, const std::string& id) {
    if (!texts_) {
        auto inv = get(tenant_id, id);
        if (!inv.ok()) return std::move(inv).error();
        return invoiceJsonText(*inv, true);
    }
    // The revision and (on a miss) the invoice are read in one transaction: the text put in the
    // cache is the one of that revision.
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<std::string> {
        const auto revision = uow.invoices().revision(tenant_id, id);
        if (!revision) return Error::notFound("invoice");
        if (auto text = texts_->find(tenant_id, id, *revision)) return std::move(*text);
        const auto inv = uow.invoices().find(tenant_id, id);
        if (!inv) return Error::notFound("invoice");
        std::string text = invoiceJsonText(*inv, true);
        texts_->put(tenant_id, id, *revision, text);
        return text;
    });
}

void Invoicing::keepTexts(std::size_t max_bytes) {
    texts_ = max_bytes == 0 ? nullptr : std::make_unique<InvoiceTextCache>(max_bytes);
}

core::Result<InvoiceContext> Invoicing::context(const std::string& tenant_id,
                                                const std::string& id) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<InvoiceContext> {
        auto inv = uow.invoices().find(tenant_id, id);
        if (!inv) return Error::notFound("invoice");
        const auto customer = uow.customers().find(tenant_id, inv->customer_id);
        const auto tenant = uow.tenants().find(tenant_id);
        if (!customer || !tenant) return Error::notFound("invoice");
        return InvoiceContext{*inv, *customer, settingsOf(uow, tenant_id), tenant->name};
    });
}

Page<domain::Invoice> Invoicing::list(const std::string& tenant_id,
                                      const InvoiceListFilter& filter) {
    return store_.read([&](storage::UnitOfWork& uow) {
        return toPage(uow.invoices().list(tenant_id, filter.filter, filter.page),
                      filter.page.limit);
    });
}

core::Result<domain::Invoice> Invoicing::changeStatus(const Actor& actor,
                                                      const std::string& tenant_id,
                                                      const std::string& id,
                                                      const StatusChange& change) {
    if (change.reason && (change.reason->empty() || change.reason->size() > 500))
        return Error::validation("reason", "out_of_range", "must be 1 to 500 bytes");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        auto found = uow.invoices().find(tenant_id, id);
        if (!found) return Error::notFound("invoice");
        const auto tenant = uow.tenants().find(tenant_id);
        auto customer = uow.customers().find(tenant_id, found->customer_id);
        if (!tenant || !customer) return Error::notFound("invoice");
        const Invoice before = *found;
        Invoice inv = *found;
        const auto target_name = std::string(domain::invoiceStatusName(change.target));
        auto event = domain::eventTowards(inv.status, change.target);
        if (!event) return invalidTransition(inv.status, "set to " + target_name);
        // Seed 001: customers in default or on billing hold get held invoices, never emailed
        // until released; issuing such a customer's draft holds it instead.
        std::optional<std::string> hold_reason = change.reason;
        if (*event == InvoiceEvent::kIssue) {
            if (auto customer_hold = holdReason(*customer)) {
                event = InvoiceEvent::kHold;
                hold_reason = std::move(customer_hold);
            }
        }
        const auto next = domain::nextStatus(inv.status, *event);
        if (!next) return invalidTransition(inv.status, "set to " + target_name);
        const core::Date today = todayFor(*tenant);
        const auto settings = settingsOf(uow, tenant_id);
        bool send = false;
        switch (*event) {
            case InvoiceEvent::kIssue:
                assignNumber(uow, inv, today);
                issueOn(inv, today);
                inv.collect_at = autoPayAt(*customer, settings, *inv.due_date, tenant->timezone,
                                           clock_.nowSeconds());
                send = change.send_email.value_or(true);
                break;
            case InvoiceEvent::kRelease:
                assignNumber(uow, inv, today);
                if (!inv.issue_date) issueOn(inv, today);
                inv.collect_at = autoPayAt(*customer, settings, *inv.due_date, tenant->timezone,
                                           clock_.nowSeconds());
                inv.held_reason.reset();
                send = change.send_email.value_or(settings.auto_send);
                break;
            case InvoiceEvent::kHold:
                assignNumber(uow, inv, today);
                inv.held_reason = hold_reason.value_or("held by " + actor.id);
                break;
            case InvoiceEvent::kRecordPayment: {
                const core::Date paid = change.paid_date.value_or(today);
                if (today < paid)
                    return Error::validation("paid_date", "in_future", "may not be in the future");
                inv.paid_date = paid;
                break;
            }
            case InvoiceEvent::kWriteOff:
            case InvoiceEvent::kCancel:
                inv.status_reason = change.reason;
                break;
            case InvoiceEvent::kDueDatePassed:
                break;
        }
        inv.status = *next;
        inv.updated_at = clock_.nowSeconds();
        // Only invoices that take payments are collected.
        if (inv.status != InvoiceStatus::kIssued && inv.status != InvoiceStatus::kOverdue)
            inv.collect_at.reset();
        if (inv.status == InvoiceStatus::kCancelled)
            rebalanceCredit(uow, actor, clock_, inv, *customer);
        if (send) {
            queueInvoiceEmail(uow, clock_, {inv, *customer, settings, tenant->name},
                              "invoice.issued");
            inv.emailed_at = clock_.nowSeconds();
        }
        uow.invoices().update(inv);
        recordAudit(uow, actor, clock_, tenant_id,
                    "invoice." + std::string(domain::invoiceEventName(*event)), "invoice", inv.id,
                    toJson(before, false), toJson(inv, false));
        return inv;
    });
}

std::vector<BulkStatusResult> Invoicing::bulkStatus(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::vector<std::string>& ids,
                                                    const StatusChange& change) {
    std::vector<BulkStatusResult> out;
    out.reserve(ids.size());
    for (const auto& id : ids) {
        auto r = changeStatus(actor, tenant_id, id, change);
        BulkStatusResult result;
        result.invoice_id = id;
        if (r) {
            result.invoice = std::move(*r);
        } else {
            result.error = std::move(r).error();
        }
        out.push_back(std::move(result));
    }
    return out;
}

core::Result<domain::Invoice> Invoicing::send(const Actor& actor, const std::string& tenant_id,
                                              const std::string& id) {
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        auto inv = uow.invoices().find(tenant_id, id);
        if (!inv) return Error::notFound("invoice");
        if (inv->status != InvoiceStatus::kIssued && inv->status != InvoiceStatus::kOverdue)
            return invalidTransition(inv->status, "email");
        const auto tenant = uow.tenants().find(tenant_id);
        const auto customer = uow.customers().find(tenant_id, inv->customer_id);
        if (!tenant || !customer) return Error::notFound("invoice");
        queueInvoiceEmail(uow, clock_, {*inv, *customer, settingsOf(uow, tenant_id), tenant->name},
                          "invoice.sent");
        inv->emailed_at = clock_.nowSeconds();
        inv->updated_at = clock_.nowSeconds();
        uow.invoices().update(*inv);
        recordAudit(uow, actor, clock_, tenant_id, "invoice.sent", "invoice", inv->id, std::nullopt,
                    std::nullopt);
        return *inv;
    });
}

core::Result<domain::Invoice> Invoicing::editDraft(
    const Actor& actor, const std::string& tenant_id, const std::string& id,
    const std::string& action, const std::string& reason,
    const std::function<core::Status(Invoice&, JsonValue& detail)>& change) {
    if (reason.empty() || reason.size() > 500)
        return Error::validation("reason", "required", "a reason of 1 to 500 bytes is required");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<Invoice> {
        auto found = uow.invoices().find(tenant_id, id);
        if (!found) return Error::notFound("invoice");
        if (!domain::isEditable(found->status)) return invalidTransition(found->status, "edit");
        auto customer = uow.customers().find(tenant_id, found->customer_id);
        if (!customer) return Error::notFound("invoice");
        Invoice inv = *found;
        JsonValue detail = JsonValue::object();
        if (auto s = change(inv, detail); !s.ok()) return std::move(s).error();
        for (std::size_t i = 0; i < inv.lines.size(); ++i)
            inv.lines[i].position = static_cast<int>(i) + 1;
        followPercentBases(inv);
        if (auto s = domain::computeTotals(inv); !s.ok()) return std::move(s).error();
        inv.updated_at = clock_.nowSeconds();
        rebalanceCredit(uow, actor, clock_, inv, *customer);
        uow.invoices().update(inv);
        uow.invoices().replaceLines(inv);
        detail.set("reason", JsonValue::string(reason));
        detail.set("total", moneyJson(inv.total_minor, inv.currency));
        recordAudit(uow, actor, clock_, tenant_id, "invoice." + action, "invoice", inv.id,
                    toJson(*found, false), detail);
        return inv;
    });
}

namespace {

JsonValue lineJson(const InvoiceLine& l, const domain::Currency& c);

core::Status applyEdit(InvoiceLine& line, const LineEdit& edit, const domain::Currency& c) {
    if (edit.description) line.description = *edit.description;
    if (edit.taxable) line.taxable = *edit.taxable;
    if (edit.amount_minor) {
        if (edit.wh || edit.rate_micro)
            return Error::validation("amount", "conflict", "send an amount or kwh/rate, not both");
        line.formula = LineFormula::kFixed;
        line.amount_minor = *edit.amount_minor;
    } else if (edit.wh || edit.rate_micro) {
        if (line.formula != LineFormula::kEnergy)
            return Error::validation("kwh", "not_applicable",
                                     "only energy lines have kWh and a rate; send an amount");
        if (edit.wh) line.wh = *edit.wh;
        if (edit.rate_micro) line.rate_micro = *edit.rate_micro;
    }
    if (line.kind == LineKind::kDiscount && line.formula == LineFormula::kFixed &&
        line.amount_minor > 0)
        return Error::validation("amount", "out_of_range", "a discount is zero or negative");
    if (!domain::lineAmount(line, c))
        return Error::validation("amount", "out_of_range", "the line amount is out of range");
    line.manual = true;
    return {};
}

}  // namespace

core::Result<domain::Invoice> Invoicing::addLine(const Actor& actor, const std::string& tenant_id,
                                                 const std::string& id, const LineEdit& edit,
                                                 const std::string& reason) {
    return editDraft(actor, tenant_id, id, "line_added", reason,
                     [&](Invoice& inv, JsonValue& detail) -> core::Status {
                         InvoiceLine line;
                         line.kind = edit.kind.value_or(LineKind::kAdjustment);
                         if (line.kind != LineKind::kAdjustment && line.kind != LineKind::kDiscount)
                             return Error::validation("kind", "invalid_enum",
                                                      "lines added by hand are adjustment or "
                                                      "discount");
                         if (!edit.description || !edit.amount_minor)
                             return Error::validation(!edit.description ? "description" : "amount",
                                                      "required",
                                                      "a new line needs a description and an "
                                                      "amount");
                         line.id = core::newId("inl", unixMillis(clock_));
                         if (auto s = applyEdit(line, edit, inv.currency); !s.ok()) return s;
                         line.amount_minor = *domain::lineAmount(line, inv.currency);
                         inv.lines.push_back(line);
                         line.position = static_cast<int>(inv.lines.size());
                         detail.set("line", lineJson(line, inv.currency));
                         return {};
                     });
}

core::Result<domain::Invoice> Invoicing::editLine(const Actor& actor, const std::string& tenant_id,
                                                  const std::string& id, const std::string& line_id,
                                                  const LineEdit& edit, const std::string& reason) {
    return editDraft(actor, tenant_id, id, "line_updated", reason,
                     [&](Invoice& inv, JsonValue& detail) -> core::Status {
                         auto it = std::find_if(inv.lines.begin(), inv.lines.end(),
                                                [&](const auto& l) { return l.id == line_id; });
                         if (it == inv.lines.end()) return Error::notFound("line");
                         if (edit.kind && *edit.kind != it->kind)
                             return Error::validation("kind", "immutable",
                                                      "a line's kind cannot change");
                         detail.set("line_before", lineJson(*it, inv.currency));
                         if (auto s = applyEdit(*it, edit, inv.currency); !s.ok()) return s;
                         it->amount_minor = *domain::lineAmount(*it, inv.currency);
                         detail.set("line", lineJson(*it, inv.currency));
                         return {};
                     });
}

core::Result<domain::Invoice> Invoicing::removeLine(const Actor& actor,
                                                    const std::string& tenant_id,
                                                    const std::string& id,
                                                    const std::string& line_id,
                                                    const std::string& reason) {
    return editDraft(actor, tenant_id, id, "line_removed", reason,
                     [&](Invoice& inv, JsonValue& detail) -> core::Status {
                         auto it = std::find_if(inv.lines.begin(), inv.lines.end(),
                                                [&](const auto& l) { return l.id == line_id; });
                         if (it == inv.lines.end()) return Error::notFound("line");
                         detail.set("line_before", lineJson(*it, inv.currency));
                         inv.lines.erase(it);
                         return {};
                     });
}

core::Result<storage::CreditEntry> Invoicing::adjustCredit(const Actor& actor,
                                                           const std::string& tenant_id,
                                                           const std::string& customer_id,
                                                           std::int64_t amount_minor,
                                                           const std::string& reason) {
    if (reason.empty() || reason.size() > 500)
        return Error::validation("reason", "required", "a reason of 1 to 500 bytes is required");
    if (amount_minor == 0) return Error::validation("amount", "out_of_range", "may not be zero");
    return store_.write([&](storage::UnitOfWork& uow) -> core::Result<storage::CreditEntry> {
        auto customer = uow.customers().find(tenant_id, customer_id);
        const auto tenant = uow.tenants().find(tenant_id);
        if (!customer || !tenant) return Error::notFound("customer");
        const domain::Currency currency =
            domain::billingCurrencyOf(*customer, tenant->default_currency);
        const auto balance = domain::addMinor(customer->credit_balance_minor, amount_minor);
        if (!balance) return Error::validation("amount", "out_of_range", "the balance overflows");
        if (*balance < 0)
            return Error::validation("amount", "out_of_range",
                                     "the credit balance is " +
                                         money(customer->credit_balance_minor, currency) +
                                         "; it cannot go below zero");
        const auto before = toJson(*customer);
        storage::CreditEntry e = moveCredit(uow, actor, clock_, *customer, currency,
                                            amount_minor > 0 ? "grant" : "adjustment", amount_minor,
                                            std::nullopt, reason);
        recordAudit(uow, actor, clock_, tenant_id, "customer.credit_adjusted", "customer",
                    customer_id, before, toJson(*customer));
        return e;
    });
}

core::Result<Page<storage::CreditEntry>> Invoicing::listCredit(const std::string& tenant_id,
                                                               const std::string& customer_id,
                                                               const storage::PageRequest& page) {
    return store_.read([&](storage::UnitOfWork& uow) -> core::Result<Page<storage::CreditEntry>> {
        if (!uow.customers().find(tenant_id, customer_id)) return Error::notFound("customer");
        return toPage(uow.creditLedger().list(tenant_id, customer_id, page), page.limit);
    });
}

JobOutcome Invoicing::sweepOverdue(WorkLeases& leases) {
    // No zone's today is later than UTC's tomorrow, so invoices due before that are every
    // candidate; each is checked against its tenant's own today.
    const core::Date horizon =
        core::addDays(core::TimeZone::utc().localDate(clock_.nowSeconds()), 1);
    DueSubjects due;
    for (const auto& ref : store_.read(
             [&](storage::UnitOfWork& uow) { return uow.invoices().issuedDueBefore(horizon); }))
        due.add(ref.tenant_id, ref.id);
    const Actor actor = Actor::system("invoice_overdue_sweep");
    return leases.run("invoice_overdue_sweep", due, [&](const JobSubject& subject) {
        const auto changed = store_.write([&](storage::UnitOfWork& uow) -> core::Result<bool> {
            auto inv = uow.invoices().find(subject.tenant_id, subject.key);
            const auto tenant = uow.tenants().find(subject.tenant_id);
            if (!inv || !tenant || inv->status != InvoiceStatus::kIssued || !inv->due_date)
                return false;
            if (!(*inv->due_date < todayFor(*tenant))) return false;
            const Invoice before = *inv;
            inv->status = InvoiceStatus::kOverdue;
            inv->updated_at = clock_.nowSeconds();
            uow.invoices().update(*inv);
            recordAudit(uow, actor, clock_, subject.tenant_id, "invoice.due_date_passed", "invoice",
                        inv->id, toJson(before, false), toJson(*inv, false));
            return true;
        });
        return changed.ok() && *changed ? Handled::kProcessed : Handled::kSkipped;
    });
}

// ---------------------------------------------------------------------------------------------

namespace {

// Written straight as text (core::JsonWriter): an invoice is the API's most read object.
void writeMoney(core::JsonWriter& w, std::int64_t minor, const domain::Currency& c) {
    w.string(domain::formatMinorUnits(minor, c));
}

// `write` for a value, null for none.
template <typename T, typename Write>
void writeOptional(core::JsonWriter& w, const std::optional<T>& value, Write&& write) {
    if (value) {
        write(*value);
    } else {
        w.null();
    }
}

void writeOptionalMoney(core::JsonWriter& w, const std::optional<std::int64_t>& minor,
                        const domain::Currency& c) {
    writeOptional(w, minor, [&](std::int64_t v) { writeMoney(w, v, c); });
}

void writeOptionalFixed(core::JsonWriter& w, const std::optional<std::int64_t>& value,
                        int decimals) {
    writeOptional(w, value, [&](std::int64_t v) { w.string(domain::formatFixed(v, decimals)); });
}

void writeOptionalInt(core::JsonWriter& w, const std::optional<std::int64_t>& value) {
    writeOptional(w, value, [&](std::int64_t v) { w.number(v); });
}

void writeOptionalDate(core::JsonWriter& w, const std::optional<core::Date>& date) {
    writeOptional(w, date, [&](core::Date d) { w.string(core::formatIsoDate(d)); });
}

void writeOptionalTimestamp(core::JsonWriter& w, const std::optional<core::SysSeconds>& t) {
    writeOptional(w, t, [&](core::SysSeconds v) { w.string(core::formatTimestamp(v)); });
}

void writeLine(core::JsonWriter& w, const InvoiceLine& l, const domain::Currency& c) {
    w.beginObject()
        .key("id"_name)
        .string(l.id)
        .key("position"_name)
        .number(l.position)
        .key("kind"_name)
        .string(domain::lineKindName(l.kind))
        .key("formula"_name)
        .string(domain::lineFormulaName(l.formula))
        .key("description"_name)
        .string(l.description)
        .key("contract_id"_name)
        .optionalString(l.contract_id)
        .key("method"_name)
        .optionalString(l.method)
        .key("plugin_id"_name)
        .optionalString(l.plugin_id)
        .key("kwh"_name);
    writeOptionalFixed(w, l.wh, 3);
    w.key("rate_per_kwh"_name);
    writeOptionalFixed(w, l.rate_micro, 6);
    w.key("equipment_hours"_name);
    writeOptionalInt(w, l.equipment_hours);
    w.key("quantity"_name);
    writeOptionalInt(w, l.quantity);
    w.key("unit_amount"_name);
    writeOptionalMoney(w, l.unit_amount_minor, c);
    w.key("days"_name);
    writeOptionalInt(w, l.days);
    w.key("period_days"_name);
    writeOptionalInt(w, l.period_days);
    w.key("percent"_name);
    writeOptionalFixed(w, l.percent_bp, 2);
    w.key("base_amount"_name);
    writeOptionalMoney(w, l.base_minor, c);
    w.key("amount"_name);
    writeMoney(w, l.amount_minor, c);
    w.key("taxable"_name).boolean(l.taxable).key("tax"_name);
    writeMoney(w, l.tax_minor, c);
    w.key("manual"_name).boolean(l.manual).key("script"_name);
    if (l.script_name) {
        w.beginObject().key("name"_name).string(*l.script_name).key("version"_name);
        writeOptionalInt(w, l.script_version);
        w.key("fallback"_name).optionalString(l.script_fallback).endObject();
    } else {
        w.null();
    }
    w.endObject();
}

void writeVariance(core::JsonWriter& w, std::int64_t billed_wh,
                   const std::optional<std::int64_t>& pdu_wh) {
    const auto v = pdu_wh ? domain::energyVariance(billed_wh, *pdu_wh) : std::nullopt;
    using Variance = std::decay_t<decltype(*v)>;
    w.key("variance_percent"_name);
    writeOptional(w, v, [&](const Variance& x) { w.string(domain::formatFixed(x.bp, 2)); });
    w.key("variance_class"_name);
    writeOptional(w, v, [&](const Variance& x) { w.string(domain::varianceClassName(x.cls)); });
}

void writeContractSummary(core::JsonWriter& w, const domain::InvoiceContractSummary& s) {
    w.beginObject()
        .key("contract_id"_name)
        .string(s.contract_id)
        .key("contract_number"_name)
        .optionalString(s.contract_number)
        .key("contract_type"_name)
        .string(s.contract_type)
        .key("kwh_billed"_name)
        .string(domain::formatFixed(s.billed_wh, 3))
        .key("pdu_kwh"_name);
    writeOptionalFixed(w, s.pdu_wh, 3);
    writeVariance(w, s.billed_wh, s.pdu_wh);
    w.key("power_cap_kw"_name);
    writeOptionalFixed(w, s.power_cap_w, 3);
    w.key("cap_exceeded_hours"_name)
        .number(s.cap_exceeded_hours)
        .key("peak_kw"_name)
        .string(domain::formatFixed(s.peak_w, 3))
        .key("excess_kwh"_name)
        .string(domain::formatFixed(s.excess_wh, 3))
        .key("unbilled_equipment_hours"_name)
        .number(s.unbilled_equipment_hours)
        .endObject();
}

// Text this module wrote itself; parsing it cannot fail.
JsonValue parseOwnJson(const std::string& text) { return core::parseJson(text).value(); }

JsonValue lineJson(const InvoiceLine& l, const domain::Currency& c) {
    core::JsonWriter w(256);
    writeLine(w, l, c);
    return parseOwnJson(std::move(w).take());
}

}  // namespace

void writeInvoice(core::JsonWriter& w, const domain::Invoice& inv, bool with_lines) {
    const auto& c = inv.currency;
    w.beginObject()
        .key("id"_name)
        .string(inv.id)
        .key("object"_name)
        .string("invoice")
        .key("customer_id"_name)
        .string(inv.customer_id)
        .key("invoice_number"_name)
        .optionalString(inv.invoice_number)
        .key("status"_name)
        .string(domain::invoiceStatusName(inv.status))
        .key("period_start"_name)
        .string(core::formatIsoDate(inv.period.start))
        .key("period_end"_name)
        .string(core::formatIsoDate(inv.period.end))
        .key("last_day"_name)
        .string(core::formatIsoDate(core::addDays(inv.period.end, -1)))
        .key("currency"_name)
        .string(c.code)
        .key("issue_date"_name);
    writeOptionalDate(w, inv.issue_date);
    w.key("due_date"_name);
    writeOptionalDate(w, inv.due_date);
    w.key("due_days"_name).number(inv.due_days).key("paid_date"_name);
    writeOptionalDate(w, inv.paid_date);
    w.key("tax_rate_percent"_name)
        .string(domain::formatFixed(inv.tax_rate_milli_pct, 3))
        .key("tax_display"_name)
        .string(domain::taxDisplayName(inv.tax_display))
        .key("subtotal"_name);
    writeMoney(w, inv.subtotal_minor, c);
    w.key("discount"_name);
    writeMoney(w, inv.discount_minor, c);
    w.key("tax"_name);
    writeMoney(w, inv.tax_minor, c);
    w.key("total"_name);
    writeMoney(w, inv.total_minor, c);
    w.key("credit_applied"_name);
    writeMoney(w, inv.credit_applied_minor, c);
    w.key("amount_paid"_name);
    writeMoney(w, inv.amount_paid_minor, c);
    w.key("amount_due"_name);
    writeMoney(w, inv.amount_due_minor, c);
    w.key("kwh_billed"_name).string(domain::formatFixed(inv.billed_wh, 3)).key("pdu_kwh"_name);
    writeOptionalFixed(w, inv.pdu_wh, 3);
    writeVariance(w, inv.billed_wh, inv.pdu_wh);
    w.key("run_id"_name)
        .optionalString(inv.run_id)
        .key("held_reason"_name)
        .optionalString(inv.held_reason)
        .key("status_reason"_name)
        .optionalString(inv.status_reason)
        .key("emailed_at"_name);
    writeOptionalTimestamp(w, inv.emailed_at);
    w.key("next_collection_at"_name);
    writeOptionalTimestamp(w, inv.collect_at);
    w.key("collection_failures"_name)
        .number(inv.collection_failures)
        .key("created_at"_name)
        .string(core::formatTimestamp(inv.created_at))
        .key("updated_at"_name)
        .string(core::formatTimestamp(inv.updated_at));
    if (with_lines) {
        w.key("lines"_name).beginArray();
        for (const auto& l : inv.lines) writeLine(w, l, c);
        w.endArray().key("contracts"_name).beginArray();
        for (const auto& s : inv.contracts) writeContractSummary(w, s);
        w.endArray();
    }
    w.endObject();
}

std::string invoiceJsonText(const domain::Invoice& inv, bool with_lines) {
    core::JsonWriter w(with_lines ? 2048 : 1024);
    writeInvoice(w, inv, with_lines);
    return std::move(w).take();
}

JsonValue toJson(const domain::Invoice& inv, bool with_lines) {
    return parseOwnJson(invoiceJsonText(inv, with_lines));
}

JsonValue toJson(const storage::CreditEntry& e) {
    const auto c = domain::findCurrency(e.currency).value_or(domain::Currency{"USD", 2});
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(e.id))
        .set("object", JsonValue::string("credit_entry"))
        .set("customer_id", JsonValue::string(e.customer_id))
        .set("kind", JsonValue::string(e.kind))
        .set("amount", moneyJson(e.amount_minor, c))
        .set("currency", JsonValue::string(e.currency))
        .set("balance_after", moneyJson(e.balance_after_minor, c))
        .set("invoice_id", optionalString(e.invoice_id))
        .set("payment_id", optionalString(e.payment_id))
        .set("reason", optionalString(e.reason))
        .set("actor", JsonValue::string(e.actor))
        .set("created_at", timestampJson(e.created_at));
    return o;
}

}  // namespace billwright::services
