#include "common/online_timeline.h"

#include <cstdint>

#include <billwright/plugin.hpp>

#include "common/billing_period.h"
#include "common/held_series.h"

namespace billwright::common {

OnlineTimeline::OnlineTimeline(const sdk::Call& call, const sdk::BillingRequest& request,
                               std::uint32_t equipment_index)
    : status_(call, request, equipment_index, BW_SAMPLE_STATUS, HeldSeries::kNoHoldLimit),
      hashrate_(call, request, equipment_index, BW_SAMPLE_HASHRATE, holdLimit(request)) {}

Online OnlineTimeline::state() const {
    if (status_.hasValue()) return status_.value() > 0 ? Online::kOnline : Online::kOffline;
    if (hashrate_.hasValue()) return hashrate_.value() > 0 ? Online::kOnline : Online::kOffline;
    return Online::kUnknown;
}

}  // namespace billwright::common
