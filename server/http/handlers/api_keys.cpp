#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/audit.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

HandlerResult createKey(ApiContext& ctx, Request& r) {
    if (auto s = requireWriter(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::NewApiKey input;
    input.name = f.string("name", Presence::kRequired, domain::kMaxNameLength).value_or("");
    const auto role =
        f.oneOf("role", Presence::kRequired, {"super", "tenant_admin", "tenant_viewer"});
    input.tenant_id = f.string("tenant_id", Presence::kOptional, 64);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    input.role = *domain::parseRole(*role);
    auto issued = ctx.keys.create(r.caller(), actorOf(r), input);
    if (!issued.ok()) return std::move(issued).error();
    core::JsonValue out = services::toJson(issued->key);
    out.set("secret", core::JsonValue::string(issued->secret));
    return Response::json(201, out);
}

HandlerResult listKeys(ApiContext& ctx, Request& r) {
    if (auto s = requireWriter(r); !s.ok()) return std::move(s).error();
    auto page = pageRequest(r.query, {"tenant_id"});
    if (!page.ok()) return std::move(page).error();
    std::optional<std::string> tenant;
    if (const auto it = r.query.find("tenant_id"); it != r.query.end()) tenant = it->second;
    auto result = ctx.keys.list(r.caller(), tenant, *page);
    if (!result.ok()) return std::move(result).error();
    return Response::json(200, listJson(result->items, result->has_more,
                                        [](const auto& x) { return services::toJson(x); }));
}

HandlerResult revokeKey(ApiContext& ctx, Request& r) {
    if (auto s = requireWriter(r); !s.ok()) return std::move(s).error();
    auto key = ctx.keys.revoke(r.caller(), actorOf(r), r.param("key_id"));
    if (!key.ok()) return std::move(key).error();
    return Response::json(200, services::toJson(*key));
}

HandlerResult listAudit(ApiContext& ctx, Request& r) {
    if (auto s = requireWriter(r); !s.ok()) return std::move(s).error();
    auto page = pageRequest(r.query, {"tenant_id"});
    if (!page.ok()) return std::move(page).error();
    std::optional<std::string> tenant;
    if (const auto it = r.query.find("tenant_id"); it != r.query.end()) tenant = it->second;
    if (!r.caller().isSuper()) {
        if (tenant && tenant != r.caller().tenant_id) return core::Error::notFound("tenant");
        tenant = r.caller().tenant_id;
    }
    auto rows = services::listAuditEvents(ctx.store, tenant, *page);
    const auto result = services::toPage(std::move(rows), page->limit);
    return Response::json(200, listJson(result.items, result.has_more,
                                        [](const auto& x) { return services::toJson(x); }));
}

}  // namespace

void registerApiKeyRoutes(Router& router, ApiContext& ctx) {
    router.add({"POST", "/v1/api-keys", Access::kAuthenticated, bindHandler(ctx, createKey)});
    router.add({"GET", "/v1/api-keys", Access::kAuthenticated, bindHandler(ctx, listKeys)});
    router.add(
        {"DELETE", "/v1/api-keys/{key_id}", Access::kAuthenticated, bindHandler(ctx, revokeKey)});
}

void registerAuditRoutes(Router& router, ApiContext& ctx) {
    router.add({"GET", "/v1/audit-events", Access::kAuthenticated, bindHandler(ctx, listAudit)});
}

}  // namespace billwright::http
