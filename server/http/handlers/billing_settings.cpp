#include "domain/inventory.h"
#include "domain/invoice.h"
#include "domain/payment.h"
#include "http/access.h"
#include "http/api.h"
#include "http/fields.h"
#include "services/representation.h"

namespace billwright::http {
namespace {

HandlerResult getBillingSettings(ApiContext& ctx, Request& r) {
    auto tenant = tenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto s = ctx.inventory.getSettings(*tenant);
    if (!s.ok()) return std::move(s).error();
    auto t = ctx.billing.getTenant(*tenant);
    if (!t.ok()) return std::move(t).error();
    return Response::json(200, services::toJson(*s, t->default_currency));
}

// Any subset of the settings; JSON null clears the optional ones. Field types and ranges are
// checked here, the cross-field rules by domain::validateBillingSettings in the service.
HandlerResult patchBillingSettings(ApiContext& ctx, Request& r) {
    auto tenant = writableTenantScope(r, ctx.store);
    if (!tenant.ok()) return std::move(tenant).error();
    auto body = parseBody(r.body);
    if (!body.ok()) return std::move(body).error();
    FieldReader f(*body);
    const auto opt = Presence::kOptional;
    using OptionalText = std::optional<std::optional<std::string>>;
    const auto nullableText = [&](const char* name, std::size_t max, OptionalText& out) {
        if (f.isNull(name)) {
            out = std::optional<std::string>{};
        } else if (auto s = f.string(name, opt, max)) {
            out = std::optional<std::string>{*s};
        }
    };
    std::optional<std::optional<std::int64_t>> rate;
    if (f.isNull("default_energy_rate_per_kwh")) {
        rate = std::optional<std::int64_t>{};
    } else if (auto v = f.fixed("default_energy_rate_per_kwh", opt, 6, 0,
                                std::int64_t{1000} * 1000000)) {
        rate = v;
    }
    const auto billing_day = f.integer("billing_day", opt, 1, domain::kMaxCustomerBillingDay);
    const auto due_days = f.integer("invoice_due_days", opt, 0, domain::kMaxInvoiceDueDays);
    const auto auto_generate = f.boolean("auto_generate", opt);
    const auto auto_send = f.boolean("auto_send", opt);
    const auto tax_rate = f.fixed("tax_rate_percent", opt, 3, 0, domain::kMaxTaxRateMilliPct);
    const auto tax_display = f.oneOf("tax_display", opt, {"exclusive", "inclusive"});
    OptionalText header, logo, footer, sender_name, sender_email, reply_to;
    nullableText("invoice_header", domain::kMaxInvoiceHeaderLength, header);
    nullableText("invoice_logo_url", domain::kMaxLogoUrlLength, logo);
    nullableText("invoice_footer", domain::kMaxInvoiceFooterLength, footer);
    const auto show_lines = f.boolean("show_line_items", opt);
    nullableText("sender_name", domain::kMaxSenderNameLength, sender_name);
    nullableText("sender_email", 254, sender_email);
    nullableText("reply_to", 254, reply_to);
    const auto auto_pay_timing = f.oneOf("auto_pay_timing", opt, {"on_issue", "on_due_date"});
    const auto retry_days =
        f.integers("payment_retry_days", opt, domain::kMaxRetries, 1, domain::kMaxRetryDay);
    if (auto s = f.finish(); !s.ok()) return std::move(s).error();
    auto saved =
        ctx.inventory.updateSettings(actorOf(r), *tenant, [&](domain::TenantBillingSettings& s) {
            if (rate) s.default_energy_rate_micro = *rate;
            if (billing_day) s.billing_day = static_cast<int>(*billing_day);
            if (due_days) s.invoice_due_days = static_cast<int>(*due_days);
            if (auto_generate) s.auto_generate = *auto_generate;
            if (auto_send) s.auto_send = *auto_send;
            if (tax_rate) s.tax_rate_milli_pct = *tax_rate;
            if (tax_display) s.tax_display = *tax_display;
            if (header) s.invoice_header = *header;
            if (logo) s.invoice_logo_url = *logo;
            if (footer) s.invoice_footer = *footer;
            if (show_lines) s.show_line_items = *show_lines;
            if (sender_name) s.sender_name = *sender_name;
            if (sender_email) s.sender_email = *sender_email;
            if (reply_to) s.reply_to = *reply_to;
            if (auto_pay_timing) s.auto_pay_timing = *auto_pay_timing;
            if (retry_days) s.payment_retry_days.assign(retry_days->begin(), retry_days->end());
        });
    if (!saved.ok()) return std::move(saved).error();
    auto t = ctx.billing.getTenant(*tenant);
    if (!t.ok()) return std::move(t).error();
    return Response::json(200, services::toJson(*saved, t->default_currency));
}

}  // namespace

void registerBillingSettingsRoutes(Router& router, ApiContext& ctx) {
    auto bind = [&ctx](ContextHandler fn) { return bindHandler(ctx, fn); };
    router.add({"GET", "/v1/billing-settings", Access::kAuthenticated, bind(getBillingSettings)});
    router.add(
        {"PATCH", "/v1/billing-settings", Access::kAuthenticated, bind(patchBillingSettings)});
}

}  // namespace billwright::http
