#include "services/plugins.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "plugins/registry.h"

namespace billwright::http {
namespace {

using core::JsonValue;

// A plugin as the API shows it: services::toJson, plus what a payment processor (ABI 1.1)
// declares, or null for other plugins.
JsonValue pluginJson(const plugins::PluginInfo& info) {
    JsonValue out = services::toJson(info);
    JsonValue processor = JsonValue::null();
    if (info.payment_processor) {
        JsonValue types = JsonValue::array();
        for (auto& t : plugins::paymentMethodTypeNames(info.payment_method_types))
            types.push(JsonValue::string(std::move(t)));
        JsonValue flags = JsonValue::array();
        for (auto& f : plugins::paymentProcessorFlagNames(info.payment_flags))
            flags.push(JsonValue::string(std::move(f)));
        processor = JsonValue::object();
        processor.set("method_types", std::move(types)).set("flags", std::move(flags));
    }
    out.set("payment_processor", std::move(processor));
    return out;
}

// Every plugin file found at start, loaded or refused; the same list for every caller (it
// holds no tenant data).
HandlerResult listPlugins(ApiContext& ctx, Request& r) {
    if (auto s = onlyParameters(r.query, {}); !s.ok()) return std::move(s).error();
    JsonValue data = JsonValue::array();
    for (const auto& info : ctx.plugins.all()) data.push(pluginJson(info));
    return Response::json(200, completeListJson(std::move(data)));
}

HandlerResult getPlugin(ApiContext& ctx, Request& r) {
    const auto* plugin = ctx.plugins.find(r.param("plugin_id"));
    if (plugin == nullptr) return core::Error::notFound("plugin");
    return Response::json(200, pluginJson(plugin->info));
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
