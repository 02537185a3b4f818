#include "domain/money.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;
using domain::TermKind;

constexpr std::int64_t kMaxRateMicro = std::int64_t{1000} * 1000000;  // 1000 per kWh
constexpr std::int64_t kMaxQuantity = std::int64_t{1} << 50;
constexpr std::int64_t kMaxHashpriceBp = 100000;  // 1000 %
constexpr std::int64_t kMaxPercentBp = 10000;     // 100 %
constexpr std::size_t kMaxIdsPerCall = 1000;
constexpr std::size_t kMaxIdLength = 64;

using OptionalFixed = std::optional<std::optional<std::int64_t>>;
using OptionalText = std::optional<std::optional<std::string>>;

struct ContractFields {
    std::optional<std::string> customer_id;
    std::optional<domain::ContractType> type;
    std::optional<TermKind> term;
    std::optional<std::optional<std::int64_t>> term_days;
    std::optional<core::Date> start_date;
    std::optional<std::optional<core::Date>> end_date;
    std::optional<bool> auto_renew;
    std::optional<std::int64_t> notice_days;
    std::optional<std::int64_t> max_extensions;
    std::optional<std::vector<std::string>> billing_methods;
    OptionalFixed rate, power_cap, failover_bp, failover_rate, miner_hashrate, miner_efficiency,
        quantity, connector_fee, service_fee, management_fee, lease_fee, discount;
    std::optional<domain::FailoverMode> failover_mode;
    OptionalText failover_source, miner_model, payout_wallet, notes;
    bool activate = false;
};

// The contract fields of a create body (customer_id and type required) or a PATCH body (any
// subset; JSON null clears an optional field, and end_date null returns to the term's end).
// `currency` is the contract's, for service_fee_per_site; none when the customer is unknown.
core::Result<ContractFields> readContractFields(const JsonValue& body, bool creating,
                                                const std::optional<domain::Currency>& currency,
                                                const std::vector<std::string>& known_methods,
                                                FieldReader& f) {
    const auto req = creating ? Presence::kRequired : Presence::kOptional;
    const auto opt = Presence::kOptional;
    ContractFields v;
    const auto nullableFixed = [&](const char* name, int decimals, std::int64_t min,
                                   std::int64_t max, OptionalFixed& out) {
        if (f.isNull(name)) {
            out = std::optional<std::int64_t>{};
        } else if (auto n = f.fixed(name, opt, decimals, min, max)) {
            out = std::optional<std::int64_t>{*n};
        }
    };
    const auto nullableText = [&](const char* name, std::size_t max, OptionalText& out) {
        if (f.isNull(name)) {
            out = std::optional<std::string>{};
        } else if (auto s = f.string(name, opt, max)) {
            out = std::optional<std::string>{*s};
        }
    };
    v.customer_id = f.string("customer_id", req, kMaxIdLength);
    if (auto t = f.oneOf("type", req, {"hosted", "lease", "infinity", "o_and_m"}))
        v.type = domain::parseContractType(*t);
    if (auto t = f.oneOf("term", opt,
                         {"month_to_month", "3_months", "6_months", "1_year", "2_years", "custom"}))
        v.term = domain::parseTermKind(*t);
    if (f.isNull("term_days")) {
        v.term_days = std::optional<std::int64_t>{};
    } else if (auto n = f.integer("term_days", opt, 1, domain::kMaxCustomTermDays)) {
        v.term_days = std::optional<std::int64_t>{*n};
    }
    v.start_date = f.date("start_date", opt);
    if (f.isNull("end_date")) {
        v.end_date = std::optional<core::Date>{};
    } else if (auto d = f.date("end_date", opt)) {
        v.end_date = std::optional<core::Date>{*d};
    }
    v.auto_renew = f.boolean("auto_renew", opt);
    v.notice_days = f.integer("notice_days", opt, 0, domain::kMaxNoticeDays);
    v.max_extensions = f.integer("max_extensions", opt, 0, domain::kMaxExtensionsLimit);
    if (const JsonValue* methods = body.isObject() ? body.find("billing_methods") : nullptr) {
        if (methods->isNull()) {
            f.isNull("billing_methods");
            v.billing_methods = std::vector<std::string>{};
        } else if (auto names = f.strings("billing_methods", opt, 3, 64)) {
            // Each entry names an energy billing method of a loaded plugin.
            bool all_known = true;
            for (const auto& name : *names) {
                if (std::find(known_methods.begin(), known_methods.end(), name) ==
                    known_methods.end()) {
                    std::string list;
                    for (const auto& m : known_methods) list += (list.empty() ? "" : ", ") + m;
                    f.addError("billing_methods", "invalid_enum",
                               name + " is not a loaded billing method (loaded: " + list + ")");
                    all_known = false;
                    break;
                }
            }
            if (all_known) v.billing_methods = std::move(*names);
        }
    }
    nullableFixed("rate_per_kwh", 6, 1, kMaxRateMicro, v.rate);
    nullableFixed("power_cap_kw", 3, 1, kMaxQuantity, v.power_cap);
    if (auto m = f.oneOf("failover_mode", opt, {"off", "hashprice", "fixed_rate"}))
        v.failover_mode = domain::parseFailoverMode(*m);
    nullableFixed("failover_hashprice_percent", 2, 1, kMaxHashpriceBp, v.failover_bp);
    if (f.isNull("failover_hashprice_source")) {
        v.failover_source = std::optional<std::string>{};
    } else if (auto s = f.oneOf("failover_hashprice_source", opt,
                                {"manual", "luxor", "braiins", "hashrate_index"})) {
        v.failover_source = std::optional<std::string>{*s};
    }
    nullableFixed("failover_rate_per_kwh", 6, 1, kMaxRateMicro, v.failover_rate);
    nullableText("miner_model", domain::kMaxNameLength, v.miner_model);
    nullableFixed("miner_hashrate_ths", 3, 1, kMaxQuantity, v.miner_hashrate);
    nullableFixed("miner_efficiency_jth", 3, 1, kMaxQuantity, v.miner_efficiency);
    if (f.isNull("quantity")) {
        v.quantity = std::optional<std::int64_t>{};
    } else if (auto n = f.integer("quantity", opt, 1, 1000000)) {
        v.quantity = std::optional<std::int64_t>{*n};
    }
    nullableFixed("connector_fee_percent", 2, 0, kMaxPercentBp, v.connector_fee);
    nullableText("payout_wallet", 128, v.payout_wallet);
    // Monthly fees in the contract's currency, zero or more.
    const auto nullableFee = [&](const char* name, OptionalFixed& out) {
        if (f.isNull(name)) {
            out = std::optional<std::int64_t>{};
        } else if (auto text = f.amountText(name, opt); text && currency) {
            auto money = domain::parseMoney(name, *text, *currency);
            if (!money.ok()) {
                f.addError(money.error());
            } else if (money->minor < 0) {
                f.addError(name, "out_of_range", "must be zero or more");
            } else {
                out = std::optional<std::int64_t>{money->minor};
            }
        }
    };
    nullableFee("service_fee_per_site", v.service_fee);
    nullableFee("lease_fee_per_unit", v.lease_fee);
    nullableFixed("discount_percent", 2, 0, 10000, v.discount);
    nullableFixed("management_fee_per_kwh", 6, 0, kMaxRateMicro, v.management_fee);
    nullableText("notes", domain::kMaxNotesLength, v.notes);
    if (creating) v.activate = f.boolean("activate", opt).value_or(false);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return v;
}

services::ContractEdit toEdit(ContractFields v, bool creating) {
    return [v = std::move(v), creating](domain::Contract& c) {
        if (v.customer_id) c.customer_id = *v.customer_id;
        if (v.type) c.type = *v.type;
        if (v.term) {
            c.term.kind = *v.term;
            if (*v.term != TermKind::kCustom) c.term.custom_days = 0;
        }
        if (v.term_days) c.term.custom_days = static_cast<int>(v.term_days->value_or(0));
        if (v.start_date) c.start_date = *v.start_date;
        if (v.end_date) {
            c.end_date_overridden = v.end_date->has_value();
            if (*v.end_date) c.end_date = **v.end_date;
        }
        if (v.auto_renew) {
            c.auto_renew = *v.auto_renew;
        } else if (creating) {
            // Hosted contracts renew unless told otherwise (seed 002); the others cannot.
            c.auto_renew = c.type == domain::ContractType::kHosted;
        }
        if (v.notice_days) c.notice_days = static_cast<int>(*v.notice_days);
        if (v.max_extensions) c.max_extensions = static_cast<int>(*v.max_extensions);
        if (v.billing_methods) c.billing_methods = *v.billing_methods;
        if (v.rate) c.rate_micro = *v.rate;
        if (v.power_cap) c.power_cap_w = *v.power_cap;
        if (v.failover_mode) {
            // Switching the mode drops the settings the new mode does not use, unless the same
            // request sends them (then validation names them).
            c.failover_mode = *v.failover_mode;
            const bool hashprice = *v.failover_mode == domain::FailoverMode::kHashprice;
            const bool fixed = *v.failover_mode == domain::FailoverMode::kFixedRate;
            if (!hashprice && !v.failover_bp) c.failover_hashprice_bp.reset();
            if (!hashprice && !v.failover_source) c.failover_hashprice_source.reset();
            if (!fixed && !v.failover_rate) c.failover_rate_micro.reset();
        }
        if (v.failover_bp) c.failover_hashprice_bp = *v.failover_bp;
        if (v.failover_source) c.failover_hashprice_source = *v.failover_source;
        if (v.failover_rate) c.failover_rate_micro = *v.failover_rate;
        if (v.miner_model) c.miner_model = *v.miner_model;
        if (v.miner_hashrate) c.miner_hashrate_mth = *v.miner_hashrate;
        if (v.miner_efficiency) c.miner_efficiency_mjth = *v.miner_efficiency;
        if (v.quantity) c.quantity = *v.quantity;
        if (v.connector_fee) c.connector_fee_bp = *v.connector_fee;
        if (v.payout_wallet) c.payout_wallet = *v.payout_wallet;
        if (v.service_fee) c.service_fee_per_site_minor = *v.service_fee;
        if (v.management_fee) c.management_fee_rate_micro = *v.management_fee;
        if (v.lease_fee) c.lease_fee_per_unit_minor = *v.lease_fee;
        if (v.discount) c.discount_bp = *v.discount;
        if (v.notes) c.notes = *v.notes;
    };
}

Response contractResponse(int status, const services::ContractView& view) {
    return Response::json(status, services::toJson(view));
}

// The currency a new contract for `customer_id` will have, when the customer exists.
std::optional<domain::Currency> customerCurrency(ApiContext& ctx, const std::string& tenant_id,
                                                 const std::string& customer_id) {
    auto customer = ctx.inventory.getCustomer(tenant_id, customer_id);
    if (!customer.ok()) return std::nullopt;
    auto tenant = ctx.billing.getTenant(tenant_id);
    if (!tenant.ok()) return std::nullopt;
    return domain::billingCurrencyOf(*customer, tenant->default_currency);
}

HandlerResult createContract(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    std::optional<domain::Currency> currency;
    if (const JsonValue* id = body->isObject() ? body->find("customer_id") : nullptr;
        id != nullptr && id->isString() && !id->asString().empty() &&
        id->asString().size() <= kMaxIdLength) {
        currency = customerCurrency(ctx, *tenant, id->asString());
        if (!currency) f.addError("customer_id", "not_found", "no such customer");
    }
    auto fields = readContractFields(*body, true, currency, ctx.plugins.energyMethods(), f);
    if (!fields.ok()) return std::move(fields).error();
    const std::string customer_id = *fields->customer_id;
    const bool activate = fields->activate;
    auto view = ctx.contracts.create(actorOf(r), *tenant, customer_id,
                                     toEdit(std::move(fields).value(), true), activate);
    if (!view.ok()) return std::move(view).error();
    Response response = contractResponse(201, *view);
    response.headers.emplace_back("Location", "/v1/contracts/" + view->contract.id);
    return response;
}

HandlerResult listContracts(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"customer_id", "status", "type", "equipment_id"});
    if (!page.ok()) return std::move(page).error();
    Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    storage::ContractFilter filter;
    const auto param = [&](const char* name) -> std::optional<std::string> {
        const auto it = r.query.find(name);
        if (it == r.query.end()) return std::nullopt;
        return it->second;
    };
    filter.customer_id = param("customer_id");
    filter.equipment_id = param("equipment_id");
    if (const auto status = param("status")) {
        filter.status = domain::parseContractStatus(*status);
        if (!filter.status)
            error.fields.push_back(
                {"status", "invalid_enum", "must be one of draft, active, expired, cancelled"});
    }
    if (const auto type = param("type")) {
        filter.type = domain::parseContractType(*type);
        if (!filter.type)
            error.fields.push_back(
                {"type", "invalid_enum", "must be one of hosted, lease, infinity, o_and_m"});
    }
    if (!error.fields.empty()) return error;
    const auto result = ctx.contracts.list(*tenant, filter, *page);
    JsonValue data = JsonValue::array();
    for (const auto& view : result.items) data.push(services::toJson(view, false));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("list"))
        .set("data", std::move(data))
        .set("has_more", JsonValue::boolean(result.has_more))
        .set("next_cursor", result.has_more && !result.items.empty()
                                ? JsonValue::string(result.items.back().contract.id)
                                : JsonValue::null());
    return Response::json(200, out);
}

HandlerResult getContract(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.contracts.get(*tenant, r.param("contract_id"));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

JsonValue previewJson(const services::UsagePreview& p) {
    const int exponent = p.contract.currency.exponent;
    const auto at = [](std::int64_t t) {
        return services::timestampJson(core::SysSeconds{std::chrono::seconds{t}});
    };
    const auto money = [&](const std::optional<std::int64_t>& v) {
        return v ? services::fixedJson(*v, exponent) : JsonValue::null();
    };
    JsonValue lines = JsonValue::array();
    for (const auto& l : p.lines) {
        JsonValue item = JsonValue::object();
        item.set("kind", JsonValue::string(l.kind))
            .set("method", JsonValue::string(l.method))
            .set("plugin_id",
                 l.plugin_id.empty() ? JsonValue::null() : JsonValue::string(l.plugin_id))
            .set("description", JsonValue::string(l.description))
            .set("kwh", services::fixedJson(l.wh, 3))
            .set("equipment_hours", JsonValue::number(l.equipment_hours))
            .set("rate_per_kwh", services::optionalFixed(l.rate_micro, 6))
            .set("amount", money(l.amount_minor));
        lines.push(std::move(item));
    }
    JsonValue units = JsonValue::array();
    for (const auto& u : p.equipment) {
        JsonValue uses = JsonValue::array();
        for (const auto& use : u.uses) {
            JsonValue item = JsonValue::object();
            item.set("method", JsonValue::string(use.method))
                .set("hours", JsonValue::number(use.hours))
                .set("kwh",
                     services::fixedJson(domain::mulDivRound(use.mwh, 1, 1000).value_or(0), 3));
            uses.push(std::move(item));
        }
        JsonValue details = JsonValue::object();
        for (const auto& [method, pairs] : u.details) {
            JsonValue d = JsonValue::object();
            for (const auto& [k, v] : pairs) d.set(k, JsonValue::string(v));
            details.set(method, std::move(d));
        }
        JsonValue item = JsonValue::object();
        item.set("equipment_id", JsonValue::string(u.equipment_id))
            .set("methods", std::move(uses))
            .set("unbilled_hours", JsonValue::number(u.unbilled_hours))
            .set("details", std::move(details));
        units.push(std::move(item));
    }
    JsonValue chain = JsonValue::array();
    for (const auto& m : p.contract.billing_methods) chain.push(JsonValue::string(m));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("usage_preview"))
        .set("contract_id", JsonValue::string(p.contract.id))
        .set("period_start", JsonValue::string(core::formatIsoDate(p.period_start)))
        .set("period_end", JsonValue::string(core::formatIsoDate(p.period_end)))
        .set("billed_from", at(p.from))
        .set("billed_to", at(p.to))
        .set("hours", JsonValue::number(p.hours))
        .set("currency", JsonValue::string(std::string(p.contract.currency.code)))
        .set("billing_methods", std::move(chain))
        .set("failover_mode",
             JsonValue::string(std::string(domain::failoverModeName(p.contract.failover_mode))))
        .set("lines", std::move(lines))
        .set("unbilled_equipment_hours", JsonValue::number(p.unbilled_equipment_hours))
        .set("unbilled_reason",
             p.unbilled_reason ? JsonValue::string(*p.unbilled_reason) : JsonValue::null())
        .set("total", services::fixedJson(p.total_minor, exponent))
        .set("equipment", std::move(units));
    return out;
}

// GET /v1/contracts/{id}/usage-preview?period_start=YYYY-MM-DD[&period_end=YYYY-MM-DD]: the
// billing-method chain's result for the period; nothing is created.
HandlerResult usagePreview(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"period_start", "period_end"}); !s.ok())
        return std::move(s).error();
    Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    std::optional<core::Date> start;
    std::optional<core::Date> end;
    if (const auto it = r.query.find("period_start"); it == r.query.end()) {
        error.fields.emplace_back("period_start", "required", "is required (YYYY-MM-DD)");
    } else if (!(start = core::parseIsoDate(it->second))) {
        error.fields.emplace_back("period_start", "invalid_date", "must be a date YYYY-MM-DD");
    }
    if (const auto it = r.query.find("period_end"); it != r.query.end()) {
        if (!(end = core::parseIsoDate(it->second)))
            error.fields.emplace_back("period_end", "invalid_date", "must be a date YYYY-MM-DD");
    }
    if (!error.fields.empty()) return error;
    auto preview = ctx.chain.preview(*tenant, r.param("contract_id"), *start, end);
    if (!preview.ok()) return std::move(preview).error();
    return Response::json(200, previewJson(*preview));
}

HandlerResult patchContract(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto existing = ctx.contracts.get(*tenant, r.param("contract_id"));
    if (!existing.ok()) return std::move(existing).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto fields = readContractFields(*body, false, existing->contract.currency,
                                     ctx.plugins.energyMethods(), f);
    if (!fields.ok()) return std::move(fields).error();
    auto view = ctx.contracts.update(actorOf(r), *tenant, r.param("contract_id"),
                                     toEdit(std::move(fields).value(), false));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult activateContract(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto view = ctx.contracts.activate(actorOf(r), *tenant, r.param("contract_id"));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult cancelContract(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto reason = f.string("reason", Presence::kOptional, 500);
    if (reason && reason->empty()) f.addError("reason", "out_of_range", "must be 1 to 500 bytes");
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto view = ctx.contracts.cancel(actorOf(r), *tenant, r.param("contract_id"), reason);
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult extendContract(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto days = f.integer("days", Presence::kOptional, 1, domain::kMaxCustomTermDays);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto view =
        ctx.contracts.extend(actorOf(r), *tenant, r.param("contract_id"),
                             days ? std::optional<int>(static_cast<int>(*days)) : std::nullopt);
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult giveNotice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto date = f.date("date", Presence::kOptional);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto view = ctx.contracts.giveNotice(actorOf(r), *tenant, r.param("contract_id"), date);
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult withdrawNotice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.contracts.withdrawNotice(actorOf(r), *tenant, r.param("contract_id"));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

// {"<name>": ["id", ...]} with 1..kMaxIdsPerCall ids.
core::Result<std::vector<std::string>> idList(const Request& r, std::string_view name) {
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    auto ids = f.strings(name, Presence::kRequired, kMaxIdsPerCall, kMaxIdLength);
    if (ids && ids->empty()) f.addError(std::string(name), "required", "name at least one id");
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return std::move(*ids);
}

HandlerResult assignEquipment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto ids = idList(r, "equipment_ids");
    if (!ids.ok()) return std::move(ids).error();
    auto view = ctx.contracts.assignEquipment(actorOf(r), *tenant, r.param("contract_id"), *ids);
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult unassignEquipment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.contracts.unassignEquipment(actorOf(r), *tenant, r.param("contract_id"),
                                                r.param("equipment_id"));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult assignSites(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto ids = idList(r, "site_ids");
    if (!ids.ok()) return std::move(ids).error();
    auto view = ctx.contracts.assignSites(actorOf(r), *tenant, r.param("contract_id"), *ids);
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

HandlerResult unassignSite(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view =
        ctx.contracts.unassignSite(actorOf(r), *tenant, r.param("contract_id"), r.param("site_id"));
    if (!view.ok()) return std::move(view).error();
    return contractResponse(200, *view);
}

}  // namespace

void registerContractRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    const auto add = [&](const char* method, const char* pattern, ContextHandler fn) {
        router.add({method, pattern, Access::kAuthenticated, bind(fn)});
    };
    add("POST", "/v1/contracts", createContract);
    add("GET", "/v1/contracts", listContracts);
    add("GET", "/v1/contracts/{contract_id}", getContract);
    add("PATCH", "/v1/contracts/{contract_id}", patchContract);
    add("POST", "/v1/contracts/{contract_id}/activate", activateContract);
    add("POST", "/v1/contracts/{contract_id}/cancel", cancelContract);
    add("POST", "/v1/contracts/{contract_id}/extend", extendContract);
    add("POST", "/v1/contracts/{contract_id}/notice", giveNotice);
    add("DELETE", "/v1/contracts/{contract_id}/notice", withdrawNotice);
    add("POST", "/v1/contracts/{contract_id}/equipment", assignEquipment);
    add("DELETE", "/v1/contracts/{contract_id}/equipment/{equipment_id}", unassignEquipment);
    add("POST", "/v1/contracts/{contract_id}/sites", assignSites);
    add("DELETE", "/v1/contracts/{contract_id}/sites/{site_id}", unassignSite);
    add("GET", "/v1/contracts/{contract_id}/usage-preview", usagePreview);
}

}  // namespace billwright::http
