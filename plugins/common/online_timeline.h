#pragma once

#include <algorithm>
#include <cstdint>

#include <billwright/plugin.hpp>

#include "common/held_series.h"

namespace billwright::common {

enum class Online { kUnknown, kOffline, kOnline };

// Whether an equipment is online, walked forward through the billing period: the latest status
// change decides (1 online, 0 offline; any value > 0 counts as online) and holds until the next
// one; before any status change is known, a held hashrate sample decides (> 0 online, 0
// offline); otherwise the state is unknown. Also carries the held hashrate itself, which the
// hash-derived method bills.
class OnlineTimeline {
public:
    OnlineTimeline(const sdk::Call& call, const sdk::BillingRequest& request,
                   std::uint32_t equipment_index);

    // As HeldSeries::moveTo / until.
    void moveTo(std::int64_t t) {
        status_.moveTo(t);
        hashrate_.moveTo(t);
    }
    std::int64_t until() const { return std::min(status_.until(), hashrate_.until()); }

    Online state() const;
    // The latest status change says offline: a held hashrate counts as 0 TH/s.
    bool reportedOffline() const { return status_.hasValue() && status_.value() <= 0; }
    const HeldSeries& hashrate() const { return hashrate_; }

private:
    HeldSeries status_;
    HeldSeries hashrate_;
};

}  // namespace billwright::common
