// API representations of the hosting inventory (customers, sites, equipment, settings).

#include "core/date.h"
#include "domain/decimal.h"
#include "services/representation.h"

namespace billwright::services {

using core::JsonValue;

JsonValue fixedJson(std::int64_t value, int decimals) {
    return JsonValue::string(domain::formatFixed(value, decimals));
}

JsonValue optionalFixed(const std::optional<std::int64_t>& value, int decimals) {
    return value ? fixedJson(*value, decimals) : JsonValue::null();
}

JsonValue timestampJson(core::SysSeconds t) { return JsonValue::string(core::formatTimestamp(t)); }

JsonValue optionalTimestamp(const std::optional<core::SysSeconds>& t) {
    return t ? timestampJson(*t) : JsonValue::null();
}

JsonValue dateJson(core::Date d) { return JsonValue::string(core::formatIsoDate(d)); }

JsonValue optionalDateJson(const std::optional<core::Date>& d) {
    return d ? dateJson(*d) : JsonValue::null();
}

JsonValue toJson(const domain::Customer& c) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(c.id))
        .set("object", JsonValue::string("customer"))
        .set("name", JsonValue::string(c.name))
        .set("company_name", optionalString(c.company_name))
        .set("contact_email", JsonValue::string(c.contact_email))
        .set("billing_email", JsonValue::string(c.invoiceEmail()))
        .set("billing_email_set", JsonValue::boolean(c.billing_email.has_value()))
        .set("phone", optionalString(c.phone))
        .set("billing_currency", optionalString(c.billing_currency))
        .set("active", JsonValue::boolean(c.active))
        .set("portal_access", JsonValue::boolean(c.portal_access))
        .set("internal_notes", optionalString(c.internal_notes))
        .set("in_default", JsonValue::boolean(c.in_default))
        .set("default_reason", optionalString(c.default_reason))
        .set("default_since", optionalTimestamp(c.default_since))
        .set("billing_hold", JsonValue::boolean(c.billing_hold))
        .set("pool_redirect", JsonValue::boolean(c.pool_redirect))
        .set("auto_pay", JsonValue::boolean(c.auto_pay))
        .set("show_line_items",
             c.show_line_items ? JsonValue::boolean(*c.show_line_items) : JsonValue::null())
        .set("credit_balance",
             c.billing_currency && domain::findCurrency(*c.billing_currency)
                 ? moneyJson(c.credit_balance_minor, *domain::findCurrency(*c.billing_currency))
                 : JsonValue::string(std::to_string(c.credit_balance_minor)))
        .set("archived", JsonValue::boolean(c.archived_at.has_value()))
        .set("archived_at", optionalTimestamp(c.archived_at))
        .set("created_at", timestampJson(c.created_at))
        .set("updated_at", timestampJson(c.updated_at));
    return o;
}

JsonValue toJson(const domain::Site& s) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(s.id))
        .set("object", JsonValue::string("site"))
        .set("name", JsonValue::string(s.name))
        .set("location", optionalString(s.location))
        .set("energy_cost_rate_per_kwh", optionalFixed(s.energy_cost_rate_micro, 6))
        .set("currency", JsonValue::string(s.currency))
        .set("operated_for_customer_id", optionalString(s.operated_for_customer_id))
        .set("operated_for_customer", JsonValue::boolean(s.operated_for_customer_id.has_value()))
        .set("created_at", timestampJson(s.created_at))
        .set("updated_at", timestampJson(s.updated_at));
    return o;
}

JsonValue toJson(const domain::Equipment& e, const std::optional<std::string>& active_contract_id) {
    JsonValue o = JsonValue::object();
    o.set("id", JsonValue::string(e.id))
        .set("object", JsonValue::string("equipment"))
        .set("serial_number", JsonValue::string(e.serial_number))
        .set("model", JsonValue::string(e.model))
        .set("hashrate_ths", fixedJson(e.hashrate_mth, 3))
        .set("power_w", fixedJson(e.power_mw, 3))
        .set("efficiency_jth", fixedJson(e.efficiency_mjth, 3))
        .set("efficiency_computed", JsonValue::boolean(e.efficiency_computed))
        .set("site_id", optionalString(e.site_id))
        .set("owner", JsonValue::string(e.owner_customer_id ? "customer" : "tenant"))
        .set("owner_customer_id", optionalString(e.owner_customer_id))
        .set("status", JsonValue::string(std::string(domain::equipmentStatusName(e.status))))
        .set("pdu_port", optionalString(e.pdu_port));
    o.set("active_contract_id", optionalString(active_contract_id));
    o.set("created_at", timestampJson(e.created_at)).set("updated_at", timestampJson(e.updated_at));
    return o;
}

namespace {
JsonValue retryDaysJson(const std::vector<int>& days) {
    JsonValue out = JsonValue::array();
    for (const int d : days) out.push(JsonValue::number(std::int64_t{d}));
    return out;
}
}  // namespace

JsonValue toJson(const domain::TenantBillingSettings& s, const domain::Currency& currency) {
    JsonValue o = JsonValue::object();
    o.set("object", JsonValue::string("billing_settings"))
        .set("tenant_id", JsonValue::string(s.tenant_id))
        .set("billing_day", JsonValue::number(std::int64_t{s.billing_day}))
        .set("invoice_due_days", JsonValue::number(std::int64_t{s.invoice_due_days}))
        .set("auto_generate", JsonValue::boolean(s.auto_generate))
        .set("auto_send", JsonValue::boolean(s.auto_send))
        .set("default_energy_rate_per_kwh", optionalFixed(s.default_energy_rate_micro, 6))
        .set("currency", JsonValue::string(std::string(currency.code)))
        .set("tax_rate_percent", JsonValue::string(domain::formatFixed(s.tax_rate_milli_pct, 3)))
        .set("tax_display", JsonValue::string(s.tax_display))
        .set("invoice_header", optionalString(s.invoice_header))
        .set("invoice_logo_url", optionalString(s.invoice_logo_url))
        .set("invoice_footer", optionalString(s.invoice_footer))
        .set("show_line_items", JsonValue::boolean(s.show_line_items))
        .set("sender_name", optionalString(s.sender_name))
        .set("sender_email", optionalString(s.sender_email))
        .set("reply_to", optionalString(s.reply_to))
        .set("auto_pay_timing", JsonValue::string(s.auto_pay_timing))
        .set("payment_retry_days", retryDaysJson(s.payment_retry_days))
        .set("updated_at", s.updated_at.time_since_epoch().count() == 0
                               ? JsonValue::null()
                               : timestampJson(s.updated_at));
    return o;
}

}  // namespace billwright::services
