// Billing method "hash": energy derived from hashrate.
//
// A hashrate sample holds from its ts until the next sample, for at most max_hold_seconds;
// power = hashrate x efficiency (TH/s x J/TH = W), energy = power x time. No data where no
// sample holds, or when the equipment's efficiency is 0 (unknown). While the latest status
// change says offline, a held sample counts as 0 TH/s: covered, zero energy, and 0 in the
// average hashrate. Each hour is rounded once, to whole mWh.
//
// Details per equipment: "hashrate_covered_seconds" (seconds a hashrate sample holds, whatever
// the efficiency) and "average_hashrate_mth" (milli-TH/s weighted by time over those seconds;
// absent when there are none).
#include <cstdint>
#include <string>

#include <billwright/plugin.hpp>

#include "common/billing_period.h"
#include "common/exact_math.h"
#include "common/hour_emitter.h"
#include "common/hour_sweep.h"
#include "common/online_timeline.h"

namespace billwright::billing_hash {
namespace {

using common::Int128;

void billEquipment(const sdk::Call& call, const sdk::BillingRequest& request,
                   std::uint32_t equipment_index) {
    const std::int64_t efficiency_mjth = request.equipment[equipment_index].efficiency_mjth;
    common::OnlineTimeline timeline(call, request, equipment_index);
    common::HourEmitter emitter(call, equipment_index, request.hour_count);
    Int128 hour_mw_seconds_x1000 = 0;  // milli-TH/s x milli-J/TH x s = mW x s x 1000
    std::int64_t hour_covered = 0;
    Int128 hashrate_mth_seconds = 0;
    std::int64_t hashrate_seconds = 0;

    common::sweepHours(
        request,
        [&](std::int64_t seconds) {
            const common::HeldSeries& hashrate = timeline.hashrate();
            if (!hashrate.hasValue()) return;
            const std::int64_t mth =
                timeline.reportedOffline() ? 0 : common::nonNegative(hashrate.value());
            hashrate_seconds += seconds;
            hashrate_mth_seconds += static_cast<Int128>(mth) * seconds;
            if (efficiency_mjth > 0) {
                hour_covered += seconds;
                hour_mw_seconds_x1000 += static_cast<Int128>(mth) * efficiency_mjth * seconds;
            }
        },
        [&](std::uint32_t) {
            emitter.push(common::saturate(common::roundDiv(hour_mw_seconds_x1000, 1000 * 3600)),
                         hour_covered);
            hour_mw_seconds_x1000 = 0;
            hour_covered = 0;
        },
        timeline);
    emitter.finish();

    call.emitDetail(equipment_index, "hashrate_covered_seconds", std::to_string(hashrate_seconds));
    if (hashrate_seconds > 0) {
        const std::int64_t average =
            common::saturate(common::roundDiv(hashrate_mth_seconds, hashrate_seconds));
        call.emitDetail(equipment_index, "average_hashrate_mth", std::to_string(average));
    }
}

constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<common::PerEquipmentMethod<&billEquipment>>("hash",
                                                                   BW_BILLING_OUTPUT_ENERGY);

}  // namespace
}  // namespace billwright::billing_hash

BILLWRIGHT_PLUGIN(billwright::sdk::describe("billing_hash", "1.0.0",
                                            "Energy derived from hashrate and efficiency",
                                            BW_KIND_BILLING_METHOD,
                                            &billwright::billing_hash::kMethod))
