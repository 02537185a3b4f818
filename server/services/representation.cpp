#include "services/representation.h"

#include "core/date.h"
#include "domain/money.h"

namespace billwright::services {

using core::JsonValue;

JsonValue optionalString(const std::optional<std::string>& value) {
    return value ? JsonValue::string(*value) : JsonValue::null();
}

namespace {

JsonValue timestamp(core::SysSeconds t) { return JsonValue::string(core::formatTimestamp(t)); }
JsonValue date(core::Date d) { return JsonValue::string(core::formatIsoDate(d)); }

JsonValue parsedOrString(const std::string& text) {
    auto parsed = core::parseJson(text);
    if (parsed.ok()) return std::move(parsed).value();
    return JsonValue::string(text);
}

}  // namespace

JsonValue moneyJson(std::int64_t minor, const domain::Currency& currency) {
    return JsonValue::string(domain::formatMinorUnits(minor, currency));
}

JsonValue toJson(const domain::Tenant& t) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(t.id))
        .set("object", JsonValue::string("tenant"))
        .set("name", JsonValue::string(t.name))
        .set("status", JsonValue::string(std::string(domain::tenantStatusName(t.status))))
        .set("timezone", JsonValue::string(t.timezone))
        .set("default_currency", JsonValue::string(std::string(t.default_currency.code)))
        .set("created_at", timestamp(t.created_at))
        .set("updated_at", timestamp(t.updated_at));
    return o;
}

JsonValue toJson(const domain::BillingConfig& b) {
    JsonValue o = JsonValue::object();
    o.set("object", JsonValue::string("billing_config"))
        .set("tenant_id", JsonValue::string(b.tenant_id))
        .set("flat_rate_amount", moneyJson(b.flat_rate_minor, b.currency))
        .set("currency", JsonValue::string(std::string(b.currency.code)))
        .set("billing_frequency",
             JsonValue::string(std::string(domain::billingFrequencyName(b.billing_frequency))))
        .set("billing_email", JsonValue::string(b.billing_email))
        .set("auto_generate_invoices", JsonValue::boolean(b.auto_generate_invoices))
        .set("billing_day_of_month", JsonValue::number(b.billing_day_of_month))
        .set("payment_due_days", JsonValue::number(b.payment_due_days))
        .set("email_notifications", JsonValue::boolean(b.email_notifications))
        .set("created_at", timestamp(b.created_at))
        .set("updated_at", timestamp(b.updated_at));
    return o;
}

JsonValue toJson(const domain::PlatformInvoice& i) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(i.id))
        .set("object", JsonValue::string("platform_invoice"))
        .set("tenant_id", JsonValue::string(i.tenant_id))
        .set("invoice_number", JsonValue::string(i.invoice_number))
        .set("amount", moneyJson(i.amount_minor, i.currency))
        .set("currency", JsonValue::string(std::string(i.currency.code)))
        .set("status", JsonValue::string(std::string(domain::platformInvoiceStatusName(i.status))))
        .set("billing_frequency",
             JsonValue::string(std::string(domain::billingFrequencyName(i.billing_frequency))))
        .set("period_start", date(i.period.start))
        .set("period_end", date(i.period.end))
        .set("issue_date", date(i.issue_date))
        .set("due_date", date(i.due_date))
        .set("paid_date", i.paid_date ? date(*i.paid_date) : JsonValue::null())
        .set("payment_reference", optionalString(i.payment_reference))
        .set("payment_method", optionalString(i.payment_method))
        .set("failed_attempts", JsonValue::number(i.failed_attempts))
        .set("last_failure_reason", optionalString(i.last_failure_reason))
        .set("created_at", timestamp(i.created_at))
        .set("updated_at", timestamp(i.updated_at));
    return o;
}

JsonValue toJson(const storage::PaymentAttempt& a, const domain::Currency& currency) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(a.id))
        .set("object", JsonValue::string("payment_attempt"))
        .set("invoice_id", JsonValue::string(a.invoice_id))
        .set("outcome", JsonValue::string(a.outcome))
        .set("amount", moneyJson(a.amount_minor, currency))
        .set("currency", JsonValue::string(a.currency))
        .set("payment_method", optionalString(a.payment_method))
        .set("payment_reference", optionalString(a.payment_reference))
        .set("paid_date", a.paid_date ? date(*a.paid_date) : JsonValue::null())
        .set("failure_reason", optionalString(a.failure_reason))
        .set("created_at", timestamp(a.created_at));
    return o;
}

JsonValue toJson(const domain::ApiKey& k) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(k.id))
        .set("object", JsonValue::string("api_key"))
        .set("name", JsonValue::string(k.name))
        .set("role", JsonValue::string(std::string(domain::roleName(k.role))))
        .set("tenant_id", optionalString(k.tenant_id))
        .set("created_at", timestamp(k.created_at))
        .set("created_by", optionalString(k.created_by))
        .set("revoked_at", k.revoked_at ? timestamp(*k.revoked_at) : JsonValue::null())
        .set("last_used_at", k.last_used_at ? timestamp(*k.last_used_at) : JsonValue::null());
    return o;
}

JsonValue toJson(const domain::AuditEvent& e) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(e.id))
        .set("object", JsonValue::string("audit_event"))
        .set("tenant_id", optionalString(e.tenant_id))
        .set("actor", JsonValue::string(e.actor))
        .set("actor_role", JsonValue::string(e.actor_role))
        .set("action", JsonValue::string(e.action))
        .set("object_type", JsonValue::string(e.object_type))
        .set("object_id", JsonValue::string(e.object_id))
        .set("before", e.before_json ? parsedOrString(*e.before_json) : JsonValue::null())
        .set("after", e.after_json ? parsedOrString(*e.after_json) : JsonValue::null())
        .set("request_id", optionalString(e.request_id))
        .set("created_at", timestamp(e.created_at));
    return o;
}

}  // namespace billwright::services
