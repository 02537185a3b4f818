#include "domain/money.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;

HandlerResult generateInvoice(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto period_start = f.date("period_start", Presence::kRequired);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto generated = ctx.billing.generateInvoice(actorOf(r), tenant_id, *period_start);
    if (!generated.ok()) return std::move(generated).error();
    Response response =
        Response::json(generated->created ? 201 : 200, services::toJson(generated->invoice));
    response.headers.emplace_back(
        "Location", "/v1/tenants/" + tenant_id + "/invoices/" + generated->invoice.id);
    return response;
}

HandlerResult listInvoices(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    auto page = pageRequest(r.query, {"status", "issued_from", "issued_to"});
    if (!page.ok()) return std::move(page).error();
    storage::PlatformInvoiceFilter filter;
    filter.tenant_id = tenant_id;
    filter.page = *page;
    Error errors{core::ErrorCode::kValidationFailed, "the query has invalid parameters", {}};
    if (const auto it = r.query.find("status"); it != r.query.end()) {
        filter.status = domain::parsePlatformInvoiceStatus(it->second);
        if (!filter.status) {
            errors.fields.push_back({"status", "invalid_enum",
                                     "must be one of pending_payment, paid, failed, overdue"});
        }
    }
    for (const auto* name : {"issued_from", "issued_to"}) {
        if (const auto it = r.query.find(name); it != r.query.end()) {
            const auto d = core::parseIsoDate(it->second);
            if (!d) {
                errors.fields.push_back({name, "invalid_date", "must be a real date YYYY-MM-DD"});
            } else if (std::string_view(name) == "issued_from") {
                filter.issued_from = d;
            } else {
                filter.issued_to = d;
            }
        }
    }
    if (!errors.fields.empty()) return errors;
    auto result = ctx.billing.listInvoices(filter);
    if (!result.ok()) return std::move(result).error();
    return Response::json(200, listJson(result->items, result->has_more,
                                        [](const auto& x) { return services::toJson(x); }));
}

HandlerResult getInvoice(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    auto invoice = ctx.billing.getInvoice(tenant_id, r.param("invoice_id"));
    if (!invoice.ok()) return std::move(invoice).error();
    auto attempts = ctx.billing.listAttempts(tenant_id, invoice->id);
    if (!attempts.ok()) return std::move(attempts).error();
    core::JsonValue body = services::toJson(*invoice);
    core::JsonValue list = core::JsonValue::array();
    for (const auto& a : *attempts) list.push(services::toJson(a, invoice->currency));
    body.set("payment_attempts", std::move(list));
    return Response::json(200, body);
}

HandlerResult recordPayment(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::PaymentDetails details;
    details.paid_date = f.date("paid_date", Presence::kOptional);
    details.payment_reference = f.string("payment_reference", Presence::kOptional, 200);
    details.payment_method = f.string("payment_method", Presence::kOptional, 64);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto invoice = ctx.billing.recordPayment(actorOf(r), tenant_id, r.param("invoice_id"), details);
    if (!invoice.ok()) return std::move(invoice).error();
    return Response::json(200, services::toJson(*invoice));
}

// The tenant pays its platform invoice through a payment processor the platform configured
// (platform.plugins.<id>.<key>): super keys and the tenant's admins; viewers read only.
HandlerResult chargeInvoice(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    if (auto s = requireWriter(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::PlatformCharge charge;
    if (auto plugin = f.string("plugin_id", Presence::kRequired, 64)) charge.plugin_id = *plugin;
    if (auto m = f.string("method_reference", Presence::kOptional, 255))
        charge.method_reference = *m;
    if (auto url = f.string("return_url", Presence::kOptional, 2048)) charge.return_url = *url;
    charge.params = f.stringMap("params", Presence::kOptional, 20, 500);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto outcome = ctx.billing.chargeInvoice(actorOf(r), tenant_id, r.param("invoice_id"), charge);
    if (!outcome.ok()) return std::move(outcome).error();
    const auto optional = [](const std::optional<std::string>& v) {
        return v ? core::JsonValue::string(*v) : core::JsonValue::null();
    };
    core::JsonValue result = core::JsonValue::object();
    result.set("status", core::JsonValue::string(outcome->status))
        .set("reference", optional(outcome->reference))
        .set("failure_code", optional(outcome->failure_code))
        .set("action_url", optional(outcome->action_url));
    core::JsonValue out = core::JsonValue::object();
    out.set("object", core::JsonValue::string("platform_charge"))
        .set("charge", std::move(result))
        .set("invoice", services::toJson(outcome->invoice));
    return Response::json(200, out);
}

HandlerResult recordFailure(ApiContext& ctx, Request& r) {
    const auto& tenant_id = r.param("tenant_id");
    if (auto s = requireVisibleTenant(r, tenant_id); !s.ok()) return std::move(s).error();
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::FailureDetails details;
    details.failure_reason = f.string("failure_reason", Presence::kOptional, 500);
    details.payment_reference = f.string("payment_reference", Presence::kOptional, 200);
    details.payment_method = f.string("payment_method", Presence::kOptional, 64);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto invoice = ctx.billing.recordFailure(actorOf(r), tenant_id, r.param("invoice_id"), details);
    if (!invoice.ok()) return std::move(invoice).error();
    return Response::json(200, services::toJson(*invoice));
}

HandlerResult dashboard(ApiContext& ctx, Request& r) {
    if (auto s = requireSuper(r); !s.ok()) return std::move(s).error();
    if (!r.query.empty()) {
        return Error::validation(r.query.begin()->first, "unknown_parameter",
                                 "is not a known parameter");
    }
    const auto m = ctx.billing.dashboard();
    core::JsonValue revenue = core::JsonValue::array();
    for (const auto& figure : m.monthly_revenue) {
        core::JsonValue item = core::JsonValue::object();
        item.set("currency", core::JsonValue::string(std::string(figure.currency.code)))
            .set("amount", services::moneyJson(figure.amount_minor, figure.currency));
        revenue.push(std::move(item));
    }
    core::JsonValue body = core::JsonValue::object();
    body.set("object", core::JsonValue::string("billing_dashboard_metrics"))
        .set("total_tenants", core::JsonValue::number(m.total_tenants))
        .set("pending_invoices", core::JsonValue::number(m.pending_invoices))
        .set("overdue_invoices", core::JsonValue::number(m.overdue_invoices))
        .set("failed_invoices", core::JsonValue::number(m.failed_invoices))
        .set("month", core::JsonValue::string(m.month))
        .set("monthly_revenue", std::move(revenue));
    return Response::json(200, body);
}

}  // namespace

void registerPlatformInvoiceRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"POST", "/v1/tenants/{tenant_id}/invoices", Access::kAuthenticated,
                bind(generateInvoice)});
    router.add(
        {"GET", "/v1/tenants/{tenant_id}/invoices", Access::kAuthenticated, bind(listInvoices)});
    router.add({"GET", "/v1/tenants/{tenant_id}/invoices/{invoice_id}", Access::kAuthenticated,
                bind(getInvoice)});
    router.add({"POST", "/v1/tenants/{tenant_id}/invoices/{invoice_id}/payments",
                Access::kAuthenticated, bind(recordPayment)});
    router.add({"POST", "/v1/tenants/{tenant_id}/invoices/{invoice_id}/charges",
                Access::kAuthenticated, bind(chargeInvoice)});
    router.add({"POST", "/v1/tenants/{tenant_id}/invoices/{invoice_id}/payment-failures",
                Access::kAuthenticated, bind(recordFailure)});
    router.add({"GET", "/v1/dashboard/billing", Access::kAuthenticated, bind(dashboard)});
}

}  // namespace billwright::http
