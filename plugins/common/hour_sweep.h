#pragma once

#include <algorithm>
#include <cstdint>

#include <billwright/plugin.hpp>

namespace billwright::common {

// Walks the billing period in pieces of time that lie inside one hour and over which none of
// `series` (HeldSeries, OnlineTimeline: anything with moveTo(t) and until()) changes. Calls
// on_piece(seconds) for each piece, with every series moved to its start, and on_hour(hour)
// after each hour's last piece.
template <class OnPiece, class OnHour, class... Series>
void sweepHours(const sdk::BillingRequest& request, OnPiece&& on_piece, OnHour&& on_hour,
                Series&... series) {
    std::int64_t t = request.period_start;
    for (std::uint32_t hour = 0; hour < request.hour_count; ++hour) {
        const std::int64_t hour_end = request.hourStart(hour) + request.hourSeconds(hour);
        while (t < hour_end) {
            (series.moveTo(t), ...);
            std::int64_t next = hour_end;
            ((next = std::min(next, series.until())), ...);
            // A series whose state does not hold past t would loop forever.
            if (next <= t) throw sdk::Error(BW_ERR_INTERNAL, "a telemetry series did not advance");
            on_piece(next - t);
            t = next;
        }
        on_hour(hour);
    }
}

}  // namespace billwright::common
