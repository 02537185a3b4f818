#pragma once

#include "core/json.h"
#include "domain/api_key.h"
#include "domain/audit_event.h"
#include "domain/billing_config.h"
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

core::JsonValue moneyJson(std::int64_t minor, const domain::Currency& currency);
core::JsonValue optionalString(const std::optional<std::string>& value);

}  // namespace billwright::services
