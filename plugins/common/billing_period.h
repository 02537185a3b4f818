#pragma once

#include <cstdint>

#include <billwright/plugin.hpp>

namespace billwright::common {

// Samples per telemetry_read: a month of minute samples of one kind takes about 85 reads, and
// no plugin ever holds more than this many samples of one kind at once.
constexpr std::uint32_t kReadBatch = 512;

// Throws Error(BW_ERR_INVALID_ARGUMENT) unless hour_count is the number of hours of
// [period_start, period_end) counted from period_start, the last one possibly short (0 for a
// period that does not run forward). Every hour index a plugin computes relies on it.
void checkPeriod(const sdk::BillingRequest& request);

// How long a power or hashrate sample may stand for: the request's max_hold_seconds, or 0 when
// that is negative.
std::int64_t holdLimit(const sdk::BillingRequest& request);

// A billing method that bills each equipment of the request on its own with `BillOne`, after
// checking the period: the shape of every first-party energy method.
template <void (*BillOne)(const sdk::Call&, const sdk::BillingRequest&, std::uint32_t)>
class PerEquipmentMethod final : public sdk::BillingMethod {
    void bill(sdk::Call& call, const sdk::BillingRequest& request) override {
        checkPeriod(request);
        if (request.hour_count == 0) return;
        for (std::uint32_t i = 0; i < request.equipment.size(); ++i) BillOne(call, request, i);
    }
};

}  // namespace billwright::common
