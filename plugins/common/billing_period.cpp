#include "common/billing_period.h"

#include <cstdint>
#include <string>

#include <billwright/plugin.hpp>

#include "common/exact_math.h"

namespace billwright::common {

void checkPeriod(const sdk::BillingRequest& request) {
    Int128 expected = 0;
    if (request.period_end > request.period_start) {
        const Int128 span = static_cast<Int128>(request.period_end) - request.period_start;
        expected = (span + 3599) / 3600;
    }
    if (expected != request.hour_count) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "hour_count " + std::to_string(request.hour_count) +
                             " does not match the period [" + std::to_string(request.period_start) +
                             ", " + std::to_string(request.period_end) + ")");
    }
}

std::int64_t holdLimit(const sdk::BillingRequest& request) {
    return nonNegative(request.max_hold_seconds);
}

}  // namespace billwright::common
