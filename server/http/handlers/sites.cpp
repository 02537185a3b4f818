#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

constexpr std::int64_t kMaxRateMicro = std::int64_t{1000} * 1000000;  // 1000 per kWh

core::Result<services::SiteEdit> siteEdit(const Request& r, bool creating) {
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    struct Fields {
        std::optional<std::string> name;
        std::optional<std::optional<std::string>> location, operated_for;
        std::optional<std::optional<std::int64_t>> rate;
    } v;
    v.name = f.string("name", creating ? Presence::kRequired : Presence::kOptional,
                      domain::kMaxNameLength);
    if (f.isNull("location")) {
        v.location = std::optional<std::string>{};
    } else if (auto s = f.string("location", Presence::kOptional, 500)) {
        v.location = std::optional<std::string>{*s};
    }
    if (f.isNull("operated_for_customer_id")) {
        v.operated_for = std::optional<std::string>{};
    } else if (auto s = f.string("operated_for_customer_id", Presence::kOptional, 64)) {
        v.operated_for = std::optional<std::string>{*s};
    }
    if (f.isNull("energy_cost_rate_per_kwh")) {
        v.rate = std::optional<std::int64_t>{};
    } else if (auto n =
                   f.fixed("energy_cost_rate_per_kwh", Presence::kOptional, 6, 0, kMaxRateMicro)) {
        v.rate = std::optional<std::int64_t>{*n};
    }
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    return services::SiteEdit([v](domain::Site& s) {
        if (v.name) s.name = *v.name;
        if (v.location) s.location = *v.location;
        if (v.operated_for) s.operated_for_customer_id = *v.operated_for;
        if (v.rate) s.energy_cost_rate_micro = *v.rate;
    });
}

core::JsonValue siteJson(const domain::Site& s) { return services::toJson(s); }

HandlerResult createSite(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = siteEdit(r, true);
    if (!edit.ok()) return std::move(edit).error();
    auto s = ctx.inventory.createSite(actorOf(r), *tenant, *edit);
    if (!s.ok()) return std::move(s).error();
    return Response::json(201, siteJson(*s));
}

HandlerResult listSites(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"operated_for_customer_id"});
    if (!page.ok()) return std::move(page).error();
    std::optional<std::string> operated_for;
    if (const auto it = r.query.find("operated_for_customer_id"); it != r.query.end())
        operated_for = it->second;
    const auto result = ctx.inventory.listSites(*tenant, operated_for, *page);
    return Response::json(200, listJson(result.items, result.has_more, siteJson));
}

HandlerResult getSite(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto s = ctx.inventory.getSite(*tenant, r.param("site_id"));
    if (!s.ok()) return std::move(s).error();
    return Response::json(200, siteJson(*s));
}

HandlerResult patchSite(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto edit = siteEdit(r, false);
    if (!edit.ok()) return std::move(edit).error();
    auto s = ctx.inventory.updateSite(actorOf(r), *tenant, r.param("site_id"), *edit);
    if (!s.ok()) return std::move(s).error();
    return Response::json(200, siteJson(*s));
}

HandlerResult deleteSite(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = ctx.inventory.deleteSite(actorOf(r), *tenant, r.param("site_id")); !s.ok())
        return std::move(s).error();
    return Response::noContent();
}

}  // namespace

void registerSiteRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"POST", "/v1/sites", Access::kAuthenticated, bind(createSite)});
    router.add({"GET", "/v1/sites", Access::kAuthenticated, bind(listSites)});
    router.add({"GET", "/v1/sites/{site_id}", Access::kAuthenticated, bind(getSite)});
    router.add({"PATCH", "/v1/sites/{site_id}", Access::kAuthenticated, bind(patchSite)});
    router.add({"DELETE", "/v1/sites/{site_id}", Access::kAuthenticated, bind(deleteSite)});
}

}  // namespace billwright::http
