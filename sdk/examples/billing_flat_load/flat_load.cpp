// billing_fixed_daily: an example billing-method plugin built against the installed SDK only.
//
// Method "fixed_daily" bills a configured amount per equipment per day of the period:
//   amount = daily_amount x equipment_count x period_seconds / 86400
// in minor units of the request's currency, a partial day pro rata by the second and the result
// rounded half up. Integers only; an amount that does not fit in 64 bits is an error, not a wrap.
// Each call emits exactly one amount line (the host may split a contract's equipment over several
// calls; each call bills its own share).
#include <billwright/plugin.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace {

namespace sdk = billwright::sdk;

constexpr std::int64_t kSecondsPerDay = 86400;

// a * b, or an error when it overflows; both are non-negative.
std::int64_t multiply(std::int64_t a, std::int64_t b) {
    if (a != 0 && b > std::numeric_limits<std::int64_t>::max() / a)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "daily_amount is too large for this period");
    return a * b;
}

std::int64_t add(std::int64_t a, std::int64_t b) {
    if (b > std::numeric_limits<std::int64_t>::max() - a)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "daily_amount is too large for this period");
    return a + b;
}

// per_day x seconds / 86400, rounded half up, without an intermediate that can overflow:
// whole days first, then the remaining seconds of the last partial day.
std::int64_t proRata(std::int64_t per_day, std::int64_t seconds) {
    const std::int64_t days = seconds / kSecondsPerDay;
    const std::int64_t rest = seconds % kSecondsPerDay;
    // per_day x rest / 86400 = (per_day / 86400) x rest + (per_day % 86400) x rest / 86400,
    // where the second product is below 86400^2 and the first below per_day.
    const std::int64_t partial =
        (per_day / kSecondsPerDay) * rest +
        ((per_day % kSecondsPerDay) * rest + kSecondsPerDay / 2) / kSecondsPerDay;
    return add(multiply(per_day, days), partial);
}

class FixedDaily final : public sdk::BillingMethod {
    void bill(sdk::Call& call, const sdk::BillingRequest& request) override {
        // Required key: the server refuses a tenant configuration without it, but a plugin
        // still says clearly what is wrong rather than billing zero.
        const auto text = call.config("daily_amount");
        if (!text) throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "daily_amount is not configured");
        const auto daily = sdk::Call::parseInteger(*text);
        if (!daily || *daily < 0)
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "daily_amount must be a non-negative integer of minor units");
        if (request.period_end < request.period_start)
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the period ends before it starts");

        const auto equipment = static_cast<std::int64_t>(request.equipment.size());
        const std::int64_t seconds = request.period_end - request.period_start;
        const std::int64_t amount = proRata(multiply(*daily, equipment), seconds);

        for (std::uint32_t i = 0; i < request.equipment.size(); ++i)
            call.emitDetail(i, "daily_amount", std::to_string(*daily));
        call.emitAmount(amount, "Fixed daily fee: " + std::to_string(equipment) + " equipment x " +
                                    std::to_string(seconds) + " s at " + std::to_string(*daily) +
                                    " per equipment-day");
    }
};

constexpr bw_config_key kDailyAmount =
    sdk::configKey("daily_amount", BW_CONFIG_INTEGER, BW_CONFIG_REQUIRED, nullptr,
                   "Amount per equipment per day, in minor units of the contract currency");
constexpr const bw_config_key* kKeys[] = {&kDailyAmount};
constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<FixedDaily>("fixed_daily", BW_BILLING_OUTPUT_AMOUNT);

}  // namespace

BILLWRIGHT_PLUGIN(sdk::describe("billing_fixed_daily", "1.0.0",
                                "A fixed amount per equipment per day of the period",
                                BW_KIND_BILLING_METHOD, kKeys, &kMethod))
