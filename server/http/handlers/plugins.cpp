#include "services/plugins.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"

namespace billwright::http {
namespace {

using core::JsonValue;

// Every plugin file found at start, loaded or refused; the same list for every caller (it
// holds no tenant data).
HandlerResult listPlugins(ApiContext& ctx, Request& r) {
    if (auto s = onlyParameters(r.query, {}); !s.ok()) return std::move(s).error();
    JsonValue data = JsonValue::array();
    for (const auto& info : ctx.plugins.all()) data.push(services::toJson(info));
    return Response::json(200, completeListJson(std::move(data)));
}

HandlerResult getPlugin(ApiContext& ctx, Request& r) {
    const auto* plugin = ctx.plugins.find(r.param("plugin_id"));
    if (plugin == nullptr) return core::Error::notFound("plugin");
    return Response::json(200, services::toJson(plugin->info));
}

HandlerResult getPluginConfig(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto view = ctx.plugins.config(*tenant, r.param("plugin_id"));
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

HandlerResult putPluginConfig(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    auto view = ctx.plugins.putConfig(actorOf(r), *tenant, r.param("plugin_id"), *body);
    if (!view.ok()) return std::move(view).error();
    return Response::json(200, services::toJson(*view));
}

}  // namespace

void registerPluginRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"GET", "/v1/plugins", Access::kAuthenticated, bind(listPlugins)});
    router.add({"GET", "/v1/plugins/{plugin_id}", Access::kAuthenticated, bind(getPlugin)});
    router.add(
        {"GET", "/v1/plugins/{plugin_id}/config", Access::kAuthenticated, bind(getPluginConfig)});
    router.add(
        {"PUT", "/v1/plugins/{plugin_id}/config", Access::kAuthenticated, bind(putPluginConfig)});
}

}  // namespace billwright::http
