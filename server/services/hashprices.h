#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/date.h"
#include "core/error.h"
#include "core/json.h"
#include "domain/hashprice.h"
#include "services/actor.h"
#include "storage/repositories.h"

namespace billwright::services {

// Market hashprices a tenant records per source and day, which contract failover by hashprice
// prices uncovered hours with (see BillingChain).
class Hashprices {
public:
    Hashprices(storage::Store& store, const core::Clock& clock);

    // Records (or corrects) the price of one day. `currency` defaults to the tenant's.
    core::Result<domain::HashpriceQuote> put(const Actor& actor, const std::string& tenant_id,
                                             const std::string& source, core::Date day,
                                             std::int64_t price_micro,
                                             std::optional<std::string> currency);
    // The quotes of [from, to] (at most 400 days), oldest first.
    core::Result<std::vector<domain::HashpriceQuote>> list(const std::string& tenant_id,
                                                           const std::string& source,
                                                           core::Date from, core::Date to);

private:
    storage::Store& store_;
    const core::Clock& clock_;
};

core::JsonValue toJson(const domain::HashpriceQuote& quote);
// Whether `source` is one of domain::kHashpriceSources; else a 422 naming "source".
core::Status checkHashpriceSource(const std::string& source);

}  // namespace billwright::services
