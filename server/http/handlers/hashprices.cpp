#include "services/hashprices.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;

core::Result<core::Date> dateParam(const std::string& name, const std::string& text) {
    if (auto d = core::parseIsoDate(text)) return *d;
    return Error::validation(name, "invalid_date", "must be a date YYYY-MM-DD");
}

// PUT /v1/hashprices/{source}/{day}: {"price_per_th_day": "0.052", "currency": "USD"}
HandlerResult putHashprice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto day = dateParam("day", r.param("day"));
    if (!day.ok()) return std::move(day).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto price =
        f.fixed("price_per_th_day", Presence::kRequired, 6, 1, domain::kMaxHashpriceMicro);
    const auto currency = f.string("currency", Presence::kOptional, 3);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto quote = ctx.hashprices.put(actorOf(r), *tenant, r.param("source"), *day, *price, currency);
    if (!quote.ok()) return std::move(quote).error();
    return Response::json(200, services::toJson(*quote));
}

// GET /v1/hashprices/{source}?from=&to=
HandlerResult listHashprices(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {"from", "to"}); !s.ok()) return std::move(s).error();
    Error error{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    std::optional<core::Date> from;
    std::optional<core::Date> to;
    for (const char* name : {"from", "to"}) {
        const auto it = r.query.find(name);
        auto& out = std::string_view(name) == "from" ? from : to;
        if (it == r.query.end()) {
            error.fields.emplace_back(name, "required", "is required (YYYY-MM-DD)");
        } else if (auto d = dateParam(name, it->second); d.ok()) {
            out = *d;
        } else {
            error.fields.push_back(d.error().fields.at(0));
        }
    }
    if (!error.fields.empty()) return error;
    auto quotes = ctx.hashprices.list(*tenant, r.param("source"), *from, *to);
    if (!quotes.ok()) return std::move(quotes).error();
    JsonValue data = JsonValue::array();
    for (const auto& q : *quotes) data.push(services::toJson(q));
    return Response::json(200, completeListJson(std::move(data)));
}

}  // namespace

void registerHashpriceRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add(
        {"PUT", "/v1/hashprices/{source}/{day}", Access::kAuthenticated, bind(putHashprice)});
    router.add({"GET", "/v1/hashprices/{source}", Access::kAuthenticated, bind(listHashprices)});
}

}  // namespace billwright::http
