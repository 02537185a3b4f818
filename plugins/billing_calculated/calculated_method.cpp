// Billing method "calculated": power x time online.
//
// Power is the held power sample (same hold rule as hashrate: from its ts until the next sample,
// for at most max_hold_seconds) or else the equipment's nameplate power. The online state comes
// from status changes, and before any is known from a held hashrate (common/online_timeline.h).
// Covered wherever the online state is known and, when online, a power figure exists; known
// offline time is covered with zero energy. Each hour is rounded once, to whole mWh.
//
// Detail per equipment: "online_seconds" (seconds known online, with or without a power figure).
#include <cstdint>
#include <string>

#include <billwright/plugin.hpp>

#include "common/billing_period.h"
#include "common/exact_math.h"
#include "common/held_series.h"
#include "common/hour_emitter.h"
#include "common/hour_sweep.h"
#include "common/online_timeline.h"

namespace billwright::billing_calculated {
namespace {

using common::Int128;

void billEquipment(const sdk::Call& call, const sdk::BillingRequest& request,
                   std::uint32_t equipment_index) {
    const std::int64_t nameplate_mw = request.equipment[equipment_index].power_mw;
    common::OnlineTimeline timeline(call, request, equipment_index);
    common::HeldSeries power(call, request, equipment_index, BW_SAMPLE_POWER,
                             common::holdLimit(request));
    common::HourEmitter emitter(call, equipment_index, request.hour_count);
    Int128 hour_mw_seconds = 0;
    std::int64_t hour_covered = 0;
    std::int64_t online_seconds = 0;

    common::sweepHours(
        request,
        [&](std::int64_t seconds) {
            const common::Online state = timeline.state();
            if (state == common::Online::kUnknown) return;
            if (state == common::Online::kOffline) {
                hour_covered += seconds;
                return;
            }
            online_seconds += seconds;
            std::int64_t power_mw = 0;
            if (power.hasValue()) {
                power_mw = common::nonNegative(power.value());
            } else if (nameplate_mw > 0) {
                power_mw = nameplate_mw;
            } else {
                return;  // online, but no power figure
            }
            hour_covered += seconds;
            hour_mw_seconds += static_cast<Int128>(power_mw) * seconds;
        },
        [&](std::uint32_t) {
            emitter.push(common::saturate(common::roundDiv(hour_mw_seconds, 3600)), hour_covered);
            hour_mw_seconds = 0;
            hour_covered = 0;
        },
        timeline, power);
    emitter.finish();

    call.emitDetail(equipment_index, "online_seconds", std::to_string(online_seconds));
}

constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<common::PerEquipmentMethod<&billEquipment>>("calculated",
                                                                   BW_BILLING_OUTPUT_ENERGY);

}  // namespace
}  // namespace billwright::billing_calculated

BILLWRIGHT_PLUGIN(billwright::sdk::describe("billing_calculated", "1.0.0",
                                            "Energy from power (sample or nameplate) x time online",
                                            BW_KIND_BILLING_METHOD,
                                            &billwright::billing_calculated::kMethod))
