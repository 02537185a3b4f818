// Payments: methods on file (/v1/customers/{id}/payment-methods), paying an invoice
// (/v1/invoices/{id}/payments), payments and refunds (/v1/payments), and the providers'
// webhooks (/v1/webhooks/{tenant_id}/{plugin_id}).

#include "services/payments.h"
#include "domain/money.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

using core::Error;
using core::JsonValue;

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kMaxTokenLength = 2048;
constexpr std::size_t kMaxParams = 20;
constexpr std::size_t kMaxParamLength = 500;

Response paymentResponse(int status, const domain::Payment& p) {
    return Response::json(status, services::toJson(p));
}

// The processor's call parameters: an object of strings (payment_manual: reference, channel,
// received_on, note).
std::map<std::string, std::string> readParams(FieldReader& f) {
    return f.stringMap("params", Presence::kOptional, kMaxParams, kMaxParamLength);
}

// ---- methods on file -------------------------------------------------------------------------

HandlerResult listMethods(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    if (auto s = onlyParameters(r.query, {}); !s.ok()) return std::move(s).error();
    auto methods = ctx.payments.listMethods(*tenant, r.param("customer_id"));
    if (!methods.ok()) return std::move(methods).error();
    return Response::json(
        200, listJson(*methods, false, [](const auto& m) { return services::toJson(m); }));
}

HandlerResult getMethod(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto m = ctx.payments.getMethod(*tenant, r.param("customer_id"), r.param("method_id"));
    if (!m.ok()) return std::move(m).error();
    return Response::json(200, services::toJson(*m));
}

// A client token for the processor's widget (Stripe.js, Plaid Link): the browser collects the
// card or bank account, and POST .../payment-methods then files what it ended with.
HandlerResult beginMethod(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto plugin = f.string("plugin_id", Presence::kRequired, kMaxIdLength);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto session = ctx.payments.beginMethod(actorOf(r), *tenant, r.param("customer_id"), *plugin);
    if (!session.ok()) return std::move(session).error();
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("payment_method_session"))
        .set("plugin_id", JsonValue::string(session->plugin_id))
        .set("client_token", JsonValue::string(session->client_token))
        .set("expires_at", session->expires_at ? services::timestampJson(core::SysSeconds{
                                                     std::chrono::seconds{*session->expires_at}})
                                               : JsonValue::null());
    return Response::json(201, out);
}

HandlerResult addMethod(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto plugin = f.string("plugin_id", Presence::kRequired, kMaxIdLength);
    const auto token = f.string("token", Presence::kRequired, kMaxTokenLength);
    const auto make_default = f.boolean("make_default", Presence::kOptional);
    const auto params = readParams(f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto m = ctx.payments.addMethod(actorOf(r), *tenant, r.param("customer_id"), *plugin, *token,
                                    make_default.value_or(false), params);
    if (!m.ok()) return std::move(m).error();
    return Response::json(201, services::toJson(*m));
}

HandlerResult makeDefault(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto m =
        ctx.payments.makeDefault(actorOf(r), *tenant, r.param("customer_id"), r.param("method_id"));
    if (!m.ok()) return std::move(m).error();
    return Response::json(200, services::toJson(*m));
}

HandlerResult removeMethod(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto m = ctx.payments.removeMethod(actorOf(r), *tenant, r.param("customer_id"),
                                       r.param("method_id"));
    if (!m.ok()) return std::move(m).error();
    return Response::json(200, services::toJson(*m));
}

// ---- payments --------------------------------------------------------------------------------

HandlerResult payInvoice(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto inv = ctx.invoicing.get(*tenant, r.param("invoice_id"));
    if (!inv.ok()) return std::move(inv).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    services::PayRequest request;
    request.method_id = f.string("payment_method_id", Presence::kOptional, kMaxIdLength);
    request.plugin_id = f.string("plugin_id", Presence::kOptional, kMaxIdLength);
    if (request.method_id && request.plugin_id)
        f.addError("plugin_id", "conflict",
                   "send payment_method_id (charge a method on file) or plugin_id (record a "
                   "payment), not both");
    if (!request.method_id && !request.plugin_id)
        f.addError("payment_method_id", "required",
                   "send payment_method_id (charge a method on file) or plugin_id (record a "
                   "payment)");
    if (auto text = f.amountText("amount", Presence::kOptional)) {
        auto money = domain::parseMoney("amount", *text, inv->currency);
        if (!money.ok()) {
            f.addError(money.error());
        } else if (money->minor <= 0) {
            f.addError("amount", "out_of_range", "must be more than zero");
        } else {
            request.amount_minor = money->minor;
        }
    }
    request.params = readParams(f);
    if (auto url = f.string("return_url", Presence::kOptional, 2048)) request.return_url = *url;
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto p = ctx.payments.pay(actorOf(r), *tenant, inv->id, request);
    if (!p.ok()) return std::move(p).error();
    return paymentResponse(201, *p);
}

HandlerResult listPayments(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto page = pageRequest(r.query, {"customer_id", "invoice_id", "status"});
    if (!page.ok()) return std::move(page).error();
    storage::PaymentFilter filter;
    if (auto it = r.query.find("customer_id"); it != r.query.end()) filter.customer_id = it->second;
    if (auto it = r.query.find("invoice_id"); it != r.query.end()) filter.invoice_id = it->second;
    if (r.params.count("invoice_id") != 0) filter.invoice_id = r.param("invoice_id");
    if (auto it = r.query.find("status"); it != r.query.end()) {
        filter.status = domain::parsePaymentStatus(it->second);
        if (!filter.status)
            return Error::validation("status", "invalid_enum",
                                     "processing, pending, requires_action, succeeded, partial, "
                                     "failed or canceled");
    }
    if (filter.invoice_id && r.params.count("invoice_id") != 0) {
        auto inv = ctx.invoicing.get(*tenant, *filter.invoice_id);
        if (!inv.ok()) return std::move(inv).error();
    }
    auto payments = ctx.payments.list(*tenant, filter, *page);
    if (!payments.ok()) return std::move(payments).error();
    return Response::json(200, listJson(payments->items, payments->has_more,
                                        [](const auto& p) { return services::toJson(p); }));
}

HandlerResult getPayment(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto p = ctx.payments.get(*tenant, r.param("payment_id"));
    if (!p.ok()) return std::move(p).error();
    return paymentResponse(200, *p);
}

HandlerResult refreshPayment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto p = ctx.payments.refresh(actorOf(r), *tenant, r.param("payment_id"));
    if (!p.ok()) return std::move(p).error();
    return paymentResponse(200, *p);
}

HandlerResult refundPayment(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto p = ctx.payments.get(*tenant, r.param("payment_id"));
    if (!p.ok()) return std::move(p).error();
    const auto currency = services::paymentCurrency(*p);
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    std::optional<std::int64_t> amount;
    if (auto text = f.amountText("amount", Presence::kOptional)) {
        auto money = domain::parseMoney("amount", *text, currency);
        if (!money.ok()) {
            f.addError(money.error());
        } else if (money->minor <= 0) {
            f.addError("amount", "out_of_range", "must be more than zero");
        } else {
            amount = money->minor;
        }
    }
    const auto reason = f.string("reason", Presence::kRequired, 500);
    const auto params = readParams(f);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto refund = ctx.payments.refund(actorOf(r), *tenant, p->id, amount, *reason, params);
    if (!refund.ok()) return std::move(refund).error();
    return Response::json(201, services::toJson(*refund));
}

HandlerResult listRefunds(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto refunds = ctx.payments.refunds(*tenant, r.param("payment_id"));
    if (!refunds.ok()) return std::move(refunds).error();
    return Response::json(
        200, listJson(*refunds, false, [](const auto& x) { return services::toJson(x); }));
}

// ---- webhooks --------------------------------------------------------------------------------

// No API key: the provider's signature, checked by the plugin, is the authentication. The
// headers go to the plugin as received, the body byte for byte.
HandlerResult receiveWebhook(ApiContext& ctx, Request& r) {
    std::string headers;
    for (const auto& [name, value] : r.headers) headers += name + ": " + value + "\r\n";
    auto outcome =
        ctx.payments.webhook(r.param("tenant_id"), r.param("plugin_id"), headers, r.body);
    if (!outcome.ok()) return std::move(outcome).error();
    JsonValue out = JsonValue::object();
    out.set("object", JsonValue::string("webhook_receipt"))
        .set("event", JsonValue::string(outcome->event))
        .set("event_id", JsonValue::string(outcome->event_id))
        .set("duplicate", JsonValue::boolean(outcome->duplicate))
        .set("outcome", JsonValue::string(outcome->outcome));
    return Response::json(200, out);
}

}  // namespace

void registerPaymentRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    const auto A = Access::kAuthenticated;
    const std::string methods = "/v1/customers/{customer_id}/payment-methods";
    router.add({"GET", methods, A, bind(listMethods)});
    router.add({"POST", methods, A, bind(addMethod)});
    router.add({"POST", methods + "/session", A, bind(beginMethod)});
    router.add({"GET", methods + "/{method_id}", A, bind(getMethod)});
    router.add({"DELETE", methods + "/{method_id}", A, bind(removeMethod)});
    router.add({"POST", methods + "/{method_id}/default", A, bind(makeDefault)});
    router.add({"POST", "/v1/invoices/{invoice_id}/payments", A, bind(payInvoice)});
    router.add({"GET", "/v1/invoices/{invoice_id}/payments", A, bind(listPayments)});
    router.add({"GET", "/v1/payments", A, bind(listPayments)});
    router.add({"GET", "/v1/payments/{payment_id}", A, bind(getPayment)});
    router.add({"POST", "/v1/payments/{payment_id}/refresh", A, bind(refreshPayment)});
    router.add({"POST", "/v1/payments/{payment_id}/refunds", A, bind(refundPayment)});
    router.add({"GET", "/v1/payments/{payment_id}/refunds", A, bind(listRefunds)});
    router.add({"POST", "/v1/webhooks/{tenant_id}/{plugin_id}", Access::kPublic,
                bind(receiveWebhook), BodyKind::kRaw});
}

}  // namespace billwright::http
