#include "common/held_series.h"

#include <cstdint>
#include <limits>

#include <billwright/plugin.hpp>

#include "common/billing_period.h"
#include "common/exact_math.h"

namespace billwright::common {

HeldSeries::HeldSeries(const sdk::Call& call, const sdk::BillingRequest& request,
                       std::uint32_t equipment_index, std::int32_t kind, std::int64_t hold_limit)
    : reader_(call, equipment_index, kind, request.period_start, request.period_end, kReadBatch),
      last_(call.edge(equipment_index, kind, request.period_start, BW_EDGE_BEFORE)),
      hold_(hold_limit) {}

void HeldSeries::moveTo(std::int64_t t) {
    if (t < until_) return;
    for (auto s = reader_.peek(); s && s->ts <= t; s = reader_.peek()) {
        last_ = *s;
        sdk::Sample consumed;
        reader_.next(consumed);
    }
    const auto upcoming = reader_.peek();
    has_value_ = false;
    until_ = upcoming ? upcoming->ts : std::numeric_limits<std::int64_t>::max();
    if (!last_) return;
    const std::int64_t expiry = hold_ == kNoHoldLimit ? std::numeric_limits<std::int64_t>::max()
                                                      : saturatingAdd(last_->ts, hold_);
    if (t >= expiry) return;
    has_value_ = true;
    value_ = last_->value;
    if (expiry < until_) until_ = expiry;
}

}  // namespace billwright::common
