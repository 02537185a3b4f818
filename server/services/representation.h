#pragma once

#include "core/json.h"
#include "domain/api_key.h"
#include "domain/audit_event.h"
#include "domain/billing_config.h"
#include "domain/inventory.h"
#include "domain/platform_invoice.h"
#include "domain/tenant.h"
#include "storage/repositories.h"

namespace billwright::services {

// The API representation of each object. HTTP responses and audit before/after snapshots use
// the same functions, so the audit trail shows exactly what the API showed.
core::JsonValue toJson(const domain::Tenant& tenant);
core::JsonValue toJson(const domain::BillingConfig& config);
core::JsonValue toJson(const domain::PlatformInvoice& invoice);
core::JsonValue toJson(const storage::PaymentAttempt& attempt, const domain::Currency& currency);
core::JsonValue toJson(const domain::ApiKey& key);  // never the secret or its hash
core::JsonValue toJson(const domain::AuditEvent& event);

core::JsonValue toJson(const domain::Customer& customer);
core::JsonValue toJson(const domain::Site& site);
// `active_contract_id`: the active contract holding the unit, when the caller looked it up.
core::JsonValue toJson(const domain::Equipment& equipment,
                       const std::optional<std::string>& active_contract_id);
core::JsonValue toJson(const domain::TenantBillingSettings& settings,
                       const domain::Currency& currency);

// A fixed-point decimal as a JSON string with exactly `decimals` places ("110.000").
core::JsonValue fixedJson(std::int64_t value, int decimals);
core::JsonValue optionalFixed(const std::optional<std::int64_t>& value, int decimals);
core::JsonValue timestampJson(core::SysSeconds t);
core::JsonValue optionalTimestamp(const std::optional<core::SysSeconds>& t);

core::JsonValue moneyJson(std::int64_t minor, const domain::Currency& currency);
core::JsonValue dateJson(core::Date d);
core::JsonValue optionalDateJson(const std::optional<core::Date>& d);
core::JsonValue optionalString(const std::optional<std::string>& value);

}  // namespace billwright::services
