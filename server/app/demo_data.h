#pragma once

#include "services/platform_billing.h"

namespace billwright::app {

// Seeds a demo tenant with a billing config and three months of invoices (two paid) when the
// database has no tenants yet. Returns the tenant id, or nothing when it did nothing.
std::optional<std::string> seedDemoData(services::PlatformBilling& billing, storage::Store& store);

}  // namespace billwright::app
