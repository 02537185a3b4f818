#pragma once

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/date.h"

namespace billwright::domain {

// A market hashprice recorded by a tenant for one day and one source (contract failover by
// hashprice names the source): the revenue of 1 TH/s for one day, in micro-units of the
// currency's major unit ("0.052" USD per TH/s per day = 52000). It holds from its day until the
// next recorded day.
struct HashpriceQuote {
    std::string tenant_id;
    std::string source;  // one of kHashpriceSources (domain/contract.h)
    core::Date day{};
    std::string currency;  // ISO 4217
    std::int64_t price_micro = 0;
    core::SysSeconds recorded_at{};
};

inline constexpr std::int64_t kMaxHashpriceMicro = std::int64_t{1000} * 1000000;  // 1000 / TH / day

}  // namespace billwright::domain
