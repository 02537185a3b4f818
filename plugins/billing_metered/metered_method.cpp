// Billing method "metered": energy from PDU counter readings.
//
// Between two consecutive readings a <= b the counter rose by b - a (Wh); that energy is spread
// evenly over [a.ts, b.ts) and each hour gets the part inside it, so a period edge between two
// readings gets its share (the last reading before period_start and the first at or after
// period_end take part). A reading lower than the previous one is a counter reset: it starts a
// new segment and the interval before it has no data, never a negative delta. An interval inside
// one segment is covered however long it is. Each hour's share is kept as an exact fraction and
// rounded once, to whole mWh.
//
// Details per equipment: "readings" (the counter readings looked at: the period's and the
// two edge ones), "resets" (resets cutting an interval that overlaps the period) and
// "covered_seconds" (seconds of the period with data).
#include <cstdint>
#include <optional>
#include <string>

#include <billwright/plugin.hpp>

#include "common/billing_period.h"
#include "common/exact_math.h"
#include "common/hour_emitter.h"

namespace billwright::billing_metered {
namespace {

using common::Int128;

// The hours of one equipment, filled in hour order as counter intervals arrive in time order.
class MeteredHours {
public:
    MeteredHours(const sdk::Call& call, const sdk::BillingRequest& request,
                 std::uint32_t equipment_index)
        : request_(request), emitter_(call, equipment_index, request.hour_count) {}

    // Spreads the energy between readings a and b (a.value <= b.value) over the hours.
    void addInterval(const sdk::Sample& a, const sdk::Sample& b) {
        std::int64_t start = a.ts < request_.period_start ? request_.period_start : a.ts;
        const std::int64_t end = b.ts < request_.period_end ? b.ts : request_.period_end;
        const Int128 delta_mwh = (static_cast<Int128>(b.value) - a.value) * 1000;
        const Int128 length = static_cast<Int128>(b.ts) - a.ts;
        while (start < end) {
            const auto hour = static_cast<std::uint32_t>((start - request_.period_start) / 3600);
            const std::int64_t hour_end = request_.hourStart(hour) + request_.hourSeconds(hour);
            const std::int64_t piece_end = end < hour_end ? end : hour_end;
            const std::int64_t seconds = piece_end - start;
            closeHoursBefore(hour);
            sum_.add(delta_mwh * seconds, length);
            covered_ += seconds;
            total_covered_ += seconds;
            start = piece_end;
        }
    }

    void finish() {
        closeHoursBefore(request_.hour_count);
        emitter_.finish();
    }

    std::int64_t totalCoveredSeconds() const { return total_covered_; }

private:
    void closeHoursBefore(std::uint32_t hour) {
        while (current_ < hour) {
            emitter_.push(common::saturate(sum_.rounded()), covered_);
            sum_ = common::ExactSum();
            covered_ = 0;
            ++current_;
        }
    }

    const sdk::BillingRequest& request_;
    common::HourEmitter emitter_;
    std::uint32_t current_ = 0;  // the hour being summed
    common::ExactSum sum_;
    std::int64_t covered_ = 0;
    std::int64_t total_covered_ = 0;
};

bool overlapsPeriod(const sdk::Sample& a, const sdk::Sample& b, const sdk::BillingRequest& r) {
    const std::int64_t start = a.ts < r.period_start ? r.period_start : a.ts;
    const std::int64_t end = b.ts < r.period_end ? b.ts : r.period_end;
    return start < end;
}

void billEquipment(const sdk::Call& call, const sdk::BillingRequest& request,
                   std::uint32_t equipment_index) {
    MeteredHours hours(call, request, equipment_index);
    std::int64_t readings = 0;
    std::int64_t resets = 0;
    std::optional<sdk::Sample> previous;
    const auto take = [&](const sdk::Sample& reading) {
        ++readings;
        if (previous && overlapsPeriod(*previous, reading, request)) {
            if (reading.value < previous->value) {
                ++resets;
            } else {
                hours.addInterval(*previous, reading);
            }
        }
        previous = reading;
    };

    if (const auto before =
            call.edge(equipment_index, BW_SAMPLE_ENERGY, request.period_start, BW_EDGE_BEFORE)) {
        take(*before);
    }
    sdk::SampleReader reader(call, equipment_index, BW_SAMPLE_ENERGY, request.period_start,
                             request.period_end, common::kReadBatch);
    for (sdk::Sample reading; reader.next(reading);) take(reading);
    if (const auto after =
            call.edge(equipment_index, BW_SAMPLE_ENERGY, request.period_end, BW_EDGE_AT_OR_AFTER)) {
        take(*after);
    }
    hours.finish();

    call.emitDetail(equipment_index, "readings", std::to_string(readings));
    call.emitDetail(equipment_index, "resets", std::to_string(resets));
    call.emitDetail(equipment_index, "covered_seconds",
                    std::to_string(hours.totalCoveredSeconds()));
}

constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<common::PerEquipmentMethod<&billEquipment>>("metered",
                                                                   BW_BILLING_OUTPUT_ENERGY);

}  // namespace
}  // namespace billwright::billing_metered

BILLWRIGHT_PLUGIN(billwright::sdk::describe("billing_metered", "1.0.0",
                                            "Energy from PDU energy counter readings",
                                            BW_KIND_BILLING_METHOD,
                                            &billwright::billing_metered::kMethod))
