#include <charconv>

#include "domain/currency.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"
#include "services/revenue_guard.h"
#include "services/webhooks.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;
using services::CustomerStatusChange;

// ?within_minutes= of the uncontracted-equipment figures: 1 to 10080 (a week), default 60.
core::Result<std::int64_t> windowMinutes(const Request& r) {
    std::int64_t minutes = 60;
    if (const auto it = r.query.find("within_minutes"); it != r.query.end()) {
        const auto& v = it->second;
        const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), minutes);
        if (ec != std::errc{} || ptr != v.data() + v.size() || minutes < 1 || minutes > 10080)
            return Error::validation("within_minutes", "out_of_range",
                                     "must be an integer from 1 to 10080");
    }
    return minutes;
}

// The three status routes: {"reason"} (required to set a default, optional otherwise), and
// for the pool redirect {"active"}; `fixed` is the change, or none for the redirect, whose
// direction is `active`.
HandlerResult changeStatus(ApiContext& ctx, Request& r, std::optional<CustomerStatusChange> fixed) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto active = fixed ? std::nullopt : f.boolean("active", Presence::kRequired);
    const auto reason = f.string(
        "reason",
        fixed == CustomerStatusChange::kSetDefault ? Presence::kRequired : Presence::kOptional,
        domain::kMaxReasonLength);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    const auto change = fixed     ? *fixed
                        : *active ? CustomerStatusChange::kRedirectOn
                                  : CustomerStatusChange::kRedirectOff;
    auto c = ctx.revenue_guard.change(actorOf(r), *tenant, r.param("customer_id"), change, reason);
    if (!c.ok()) return std::move(c).error();
    return Response::json(200, services::toJson(*c));
}

// POST /v1/customers/{customer_id}/default {"reason"}
HandlerResult setDefault(ApiContext& ctx, Request& r) {
    return changeStatus(ctx, r, CustomerStatusChange::kSetDefault);
}

// POST /v1/customers/{customer_id}/default/clear {"reason"?}
HandlerResult clearDefault(ApiContext& ctx, Request& r) {
    return changeStatus(ctx, r, CustomerStatusChange::kClearDefault);
}

// POST /v1/customers/{customer_id}/pool-redirect {"active", "reason"?}
HandlerResult poolRedirect(ApiContext& ctx, Request& r) {
    return changeStatus(ctx, r, std::nullopt);
}

// GET /v1/customers/{customer_id}/status-events
HandlerResult listStatusEvents(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {});
    if (!page.ok()) return std::move(page).error();
    auto events = ctx.revenue_guard.statusEvents(*tenant, r.param("customer_id"), *page);
    if (!events.ok()) return std::move(events).error();
    return Response::json(200, listJson(events->items, events->has_more,
                                        [](const auto& e) { return services::toJson(e); }));
}

JsonValue inDefaultItem(const domain::Customer& c) {
    JsonValue out = JsonValue::object();
    out.set("id", JsonValue::string(c.id))
        .set("name", JsonValue::string(c.name))
        .set("company_name", services::optionalString(c.company_name))
        .set("default_reason", services::optionalString(c.default_reason))
        .set("default_since", services::optionalTimestamp(c.default_since))
        .set("pool_redirect", JsonValue::boolean(c.pool_redirect));
    return out;
}

// GET /v1/revenue-guard?within_minutes=
HandlerResult getSummary(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"within_minutes"}); !s.ok()) return std::move(s).error();
    const auto minutes = windowMinutes(r);
    if (!minutes.ok()) return minutes.error();
    const auto s = ctx.revenue_guard.summary(*tenant, *minutes * 60);

    JsonValue in_default = listJson(s.in_default.items, s.in_default.has_more, inDefaultItem);
    in_default.set("count", JsonValue::number(s.in_default_count));
    JsonValue overdue = JsonValue::array();
    for (const auto& total : s.overdue) {
        const auto currency = domain::findCurrency(total.currency);
        JsonValue item = JsonValue::object();
        item.set("currency", JsonValue::string(total.currency))
            .set("amount", currency ? services::moneyJson(total.amount_minor, *currency)
                                    : JsonValue::number(total.amount_minor))
            .set("invoices", JsonValue::number(total.count));
        overdue.push(std::move(item));
    }
    JsonValue uncontracted = JsonValue::object();
    uncontracted.set("count", JsonValue::number(s.uncontracted_count))
        .set("within_minutes", JsonValue::number(*minutes));
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("revenue_guard_summary"))
        .set("customers_in_default", std::move(in_default))
        .set("pool_redirects_active", JsonValue::number(s.redirects_active))
        .set("overdue_balance", std::move(overdue))
        .set("uncontracted_equipment", std::move(uncontracted));
    return Response::json(200, out);
}

// GET /v1/revenue-guard/uncontracted?within_minutes=&limit=
HandlerResult getUncontracted(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"within_minutes"});
    if (!page.ok()) return std::move(page).error();
    const auto minutes = windowMinutes(r);
    if (!minutes.ok()) return minutes.error();
    const std::size_t limit = r.query.count("limit") != 0 ? page->limit : 100;
    const auto report = ctx.telemetry.uncontracted(*tenant, *minutes * 60, limit);
    JsonValue data = JsonValue::array();
    for (const auto& item : report.items) {
        JsonValue e = services::toJson(item.equipment, std::nullopt);
        e.set("last_hashrate_ths", services::fixedJson(item.last_hashrate_mth, 3))
            .set("last_hashrate_at", services::timestampJson(core::SysSeconds{
                                         std::chrono::seconds{item.last_hashrate_ts}}));
        data.push(std::move(e));
    }
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("uncontracted_equipment"))
        .set("count", JsonValue::number(report.count))
        .set("within_minutes", JsonValue::number(*minutes))
        .set("data", std::move(data))
        .set("has_more",
             JsonValue::boolean(report.count > static_cast<std::int64_t>(report.items.size())));
    return Response::json(200, out);
}

// Resolving a delinquent account: {"action", "invoice_ids"?, "reason"?, "params"?}.
HandlerResult resolve(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::ResolutionRequest request;
    const auto action = f.oneOf("action", Presence::kRequired,
                                {"apply_credit", "write_off", "mark_paid", "clear_hold"});
    if (auto ids = f.strings("invoice_ids", Presence::kOptional, 500, 64))
        request.invoice_ids = std::move(*ids);
    request.reason = f.string("reason", Presence::kOptional, 500);
    request.params = f.stringMap("params", Presence::kOptional, 20, 500);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    request.action = *services::parseResolution(*action);
    if (request.action != services::Resolution::kMarkPaid && !request.params.empty())
        return Error::validation("params", "not_allowed", "params are for mark_paid only");
    auto outcome = ctx.resolutions.resolve(actorOf(r), *tenant, r.param("customer_id"), request);
    if (!outcome.ok()) return std::move(outcome).error();
    return Response::json(200, services::toJson(*outcome));
}

HandlerResult settingsResult(core::Result<services::RevenueGuardSettingsView> view) {
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

// GET /v1/revenue-guard/settings
HandlerResult getSettings(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    return settingsResult(ctx.revenue_guard.settings(*tenant));
}

// PUT /v1/revenue-guard/settings {"webhook_url": url | null, "webhook_secret"?}
HandlerResult putSettings(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::RevenueGuardSettingsEdit edit;
    if (!f.isNull("webhook_url")) {
        edit.webhook_url =
            f.string("webhook_url", Presence::kRequired, services::kMaxWebhookUrlLength);
    }
    edit.webhook_secret =
        f.string("webhook_secret", Presence::kOptional, services::kMaxWebhookSecretLength);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return settingsResult(ctx.revenue_guard.updateSettings(actorOf(r), *tenant, edit));
}

}  // namespace

void registerRevenueGuardRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add(
        {"POST", "/v1/customers/{customer_id}/default", Access::kAuthenticated, bind(setDefault)});
    router.add({"POST", "/v1/customers/{customer_id}/default/clear", Access::kAuthenticated,
                bind(clearDefault)});
    router.add({"POST", "/v1/customers/{customer_id}/pool-redirect", Access::kAuthenticated,
                bind(poolRedirect)});
    router.add({"GET", "/v1/customers/{customer_id}/status-events", Access::kAuthenticated,
                bind(listStatusEvents)});
    router.add(
        {"POST", "/v1/customers/{customer_id}/resolutions", Access::kAuthenticated, bind(resolve)});
    router.add({"GET", "/v1/revenue-guard", Access::kAuthenticated, bind(getSummary)});
    router.add(
        {"GET", "/v1/revenue-guard/uncontracted", Access::kAuthenticated, bind(getUncontracted)});
    router.add({"GET", "/v1/revenue-guard/settings", Access::kAuthenticated, bind(getSettings)});
    router.add({"PUT", "/v1/revenue-guard/settings", Access::kAuthenticated, bind(putSettings)});
}

}  // namespace billwright::http
