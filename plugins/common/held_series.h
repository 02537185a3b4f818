#pragma once

#include <cstdint>
#include <limits>
#include <optional>

#include <billwright/plugin.hpp>

namespace billwright::common {

// The value one telemetry kind of one equipment puts in force, walked forward through the
// billing period: a sample is in force from its ts until the next sample and, with a hold limit,
// for at most that many seconds. Streams the period's samples in batches, starting from the
// last sample before period_start (which may still be in force at the start).
class HeldSeries {
public:
    static constexpr std::int64_t kNoHoldLimit = -1;

    // `call` must outlive the series. hold_limit >= 0, or kNoHoldLimit.
    HeldSeries(const sdk::Call& call, const sdk::BillingRequest& request,
               std::uint32_t equipment_index, std::int32_t kind, std::int64_t hold_limit);

    // Finds the state at moment t; t never decreases between calls. Does nothing while t is
    // before until(), since the state found last still holds.
    void moveTo(std::int64_t t);

    bool hasValue() const { return has_value_; }
    std::int64_t value() const { return value_; }  // meaningful when hasValue()
    // The state found by the last moveTo(t) holds over [t, until()).
    std::int64_t until() const { return until_; }

private:
    sdk::SampleReader reader_;
    std::optional<sdk::Sample> last_;  // the latest sample at or before the current moment
    std::int64_t hold_;
    bool has_value_ = false;
    std::int64_t value_ = 0;
    std::int64_t until_ = std::numeric_limits<std::int64_t>::min();
};

}  // namespace billwright::common
