#include <algorithm>

#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/outbox.h"

namespace billwright::http {
namespace {

using core::Error;

// GET /v1/outbox?status=&kind=&channel=&object_id=&limit=&starting_after=
HandlerResult listOutbox(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"status", "kind", "channel", "object_id"});
    if (!page.ok()) return std::move(page).error();
    storage::OutboxFilter filter;
    filter.tenant_id = *tenant;
    filter.page = *page;
    if (const auto it = r.query.find("status"); it != r.query.end()) {
        const auto& all = services::kOutboxStatuses;
        if (std::find(std::begin(all), std::end(all), it->second) == std::end(all))
            return Error::validation("status", "invalid_enum",
                                     "must be one of pending, sent, failed");
        filter.status = it->second;
    }
    if (const auto it = r.query.find("kind"); it != r.query.end()) filter.kind = it->second;
    if (const auto it = r.query.find("channel"); it != r.query.end()) {
        const auto& all = services::kOutboxChannels;
        if (std::find(std::begin(all), std::end(all), it->second) == std::end(all))
            return Error::validation("channel", "invalid_enum", "must be one of email, webhook");
        filter.channel = it->second;
    }
    if (const auto it = r.query.find("object_id"); it != r.query.end())
        filter.object_id = it->second;
    auto result = ctx.outbox.list(filter);
    if (!result.ok()) return std::move(result).error();
    return Response::json(200, listJson(result->items, result->has_more,
                                        [](const auto& m) { return services::toJson(m); }));
}

HandlerResult getOutboxMessage(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {}); !s.ok()) return std::move(s).error();
    auto message = ctx.outbox.get(*tenant, r.param("message_id"));
    if (!message.ok()) return std::move(message).error();
    return Response::json(200, services::toJson(*message));
}

HandlerResult retryOutboxMessage(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto message = ctx.outbox.retry(actorOf(r), *tenant, r.param("message_id"));
    if (!message.ok()) return std::move(message).error();
    return Response::json(200, services::toJson(*message));
}

}  // namespace

void registerOutboxRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"GET", "/v1/outbox", Access::kAuthenticated, bind(listOutbox)});
    router.add({"GET", "/v1/outbox/{message_id}", Access::kAuthenticated, bind(getOutboxMessage)});
    router.add({"POST", "/v1/outbox/{message_id}/retry", Access::kAuthenticated,
                bind(retryOutboxMessage)});
}

}  // namespace billwright::http
