#include "domain/money.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;
using core::ErrorCode;

HandlerResult createTenant(ApiContext& ctx, Request& r) {
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::NewTenant input;
    input.name = f.string("name", Presence::kRequired, domain::kMaxNameLength).value_or("");
    if (auto s = f.oneOf("status", Presence::kOptional, {"active", "suspended"})) {
        input.status = *domain::parseTenantStatus(*s);
    }
    input.timezone = f.string("timezone", Presence::kOptional, 64).value_or("UTC");
    input.default_currency = f.string("default_currency", Presence::kOptional, 64).value_or("USD");
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto tenant = ctx.billing.createTenant(actorOf(r), input);
    if (!tenant.ok()) return std::move(tenant).error();
    return Response::json(201, services::toJson(*tenant));
}

HandlerResult listTenants(ApiContext& ctx, Request& r) {
    auto page = pageRequest(r.query, {"status"});
    if (!page.ok()) return std::move(page).error();
    std::optional<domain::TenantStatus> status;
    if (const auto it = r.query.find("status"); it != r.query.end()) {
        status = domain::parseTenantStatus(it->second);
        if (!status)
            return Error::validation("status", "invalid_enum", "must be active or suspended");
    }
    if (!r.caller().isSuper()) {
        // A tenant key sees exactly its own tenant.
        std::vector<domain::Tenant> own;
        auto t = ctx.billing.getTenant(*r.caller().tenant_id);
        if (t.ok() && (!status || t->status == *status)) own.push_back(*t);
        return Response::json(
            200, listJson(own, false, [](const auto& x) { return services::toJson(x); }));
    }
    const auto result = ctx.billing.listTenants(status, *page);
    return Response::json(200, listJson(result.items, result.has_more,
                                        [](const auto& x) { return services::toJson(x); }));
}

HandlerResult getTenant(ApiContext& ctx, Request& r) {
    const auto& id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, id); !s.ok()) return std::move(s).error();
    auto tenant = ctx.billing.getTenant(id);
    if (!tenant.ok()) return std::move(tenant).error();
    return Response::json(200, services::toJson(*tenant));
}

HandlerResult patchTenant(ApiContext& ctx, Request& r) {
    const auto& id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, id); !s.ok()) return std::move(s).error();
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::TenantChanges changes;
    changes.name = f.string("name", Presence::kOptional, domain::kMaxNameLength);
    if (auto s = f.oneOf("status", Presence::kOptional, {"active", "suspended"})) {
        changes.status = domain::parseTenantStatus(*s);
    }
    changes.timezone = f.string("timezone", Presence::kOptional, 64);
    changes.default_currency = f.string("default_currency", Presence::kOptional, 64);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto tenant = ctx.billing.updateTenant(actorOf(r), id, changes);
    if (!tenant.ok()) return std::move(tenant).error();
    // A suspended tenant's keys stop working on this node at once (ApiKeys caches keys).
    if (changes.status) ctx.keys.forgetCached();
    return Response::json(200, services::toJson(*tenant));
}

HandlerResult putBillingConfig(ApiContext& ctx, Request& r) {
    const auto& id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, id); !s.ok()) return std::move(s).error();
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    domain::BillingConfig config;
    config.tenant_id = id;
    const auto currency_code = f.string("currency", Presence::kRequired, 64);
    const auto amount = f.amountText("flat_rate_amount", Presence::kRequired);
    const auto frequency =
        f.oneOf("billing_frequency", Presence::kRequired, {"monthly", "quarterly", "annually"});
    config.billing_email = f.string("billing_email", Presence::kRequired, 254).value_or("");
    config.auto_generate_invoices =
        f.boolean("auto_generate_invoices", Presence::kOptional).value_or(false);
    config.billing_day_of_month =
        static_cast<int>(f.integer("billing_day_of_month", Presence::kOptional, 1, 31).value_or(1));
    config.payment_due_days = static_cast<int>(
        f.integer("payment_due_days", Presence::kOptional, 0, domain::kMaxPaymentDueDays)
            .value_or(30));
    config.email_notifications =
        f.boolean("email_notifications", Presence::kOptional).value_or(true);
    if (frequency) config.billing_frequency = *domain::parseBillingFrequency(*frequency);
    if (currency_code) {
        if (const auto c = domain::findCurrency(*currency_code)) {
            config.currency = *c;
            if (amount) {
                auto money = domain::parseMoney("flat_rate_amount", *amount, *c);
                if (money.ok()) {
                    config.flat_rate_minor = money->minor;
                    if (money->minor < 0)
                        f.addError("flat_rate_amount", "out_of_range", "must be zero or more");
                } else {
                    const auto& fe = money.error().fields[0];
                    f.addError(fe.field, fe.code, fe.message);
                }
            }
        } else {
            f.addError("currency", "unknown_currency", "must be an ISO 4217 currency code");
        }
    }
    if (!config.billing_email.empty() && !domain::isValidEmail(config.billing_email)) {
        f.addError("billing_email", "invalid_email", "must be an email address");
    }
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto saved = ctx.billing.putBillingConfig(actorOf(r), config);
    if (!saved.ok()) return std::move(saved).error();
    return Response::json(200, services::toJson(*saved));
}

HandlerResult getBillingConfig(ApiContext& ctx, Request& r) {
    const auto& id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, id); !s.ok()) return std::move(s).error();
    auto config = ctx.billing.getBillingConfig(id);
    if (!config.ok()) return std::move(config).error();
    return Response::json(200, services::toJson(*config));
}

}  // namespace

void registerTenantRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"POST", "/v1/tenants", Access::kAuthenticated, bind(createTenant)});
    router.add({"GET", "/v1/tenants", Access::kAuthenticated, bind(listTenants)});
    router.add({"GET", "/v1/tenants/{tenant_id}", Access::kAuthenticated, bind(getTenant)});
    router.add({"PATCH", "/v1/tenants/{tenant_id}", Access::kAuthenticated, bind(patchTenant)});
    router.add({"PUT", "/v1/tenants/{tenant_id}/billing-config", Access::kAuthenticated,
                bind(putBillingConfig)});
    router.add({"GET", "/v1/tenants/{tenant_id}/billing-config", Access::kAuthenticated,
                bind(getBillingConfig)});
}

}  // namespace billwright::http
