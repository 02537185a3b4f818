// billing_flat_load: an example billing-method plugin built against the installed SDK only.
//
// Method "flat_load" bills energy without telemetry: every equipment is taken to draw its
// nameplate power x load_percent / 100 for every second of the period. Each hour is covered in
// full, so in a contract's priority list flat_load bills every hour the methods before it left
// open (and a method after it never bills anything). Per hour:
//
//   energy_mwh = power_mw x load_percent x hour_seconds / (100 x 3600)
//
// rounded half up to whole mWh, in integers only; the last hour of a period may be shorter. An
// equipment with no nameplate power (0) gets its hours covered with zero energy.
//
// Configuration: load_percent (integer 0..100, default 100) and meter_api_token, a secret that
// only illustrates how a plugin reads one: a real plugin would send it to its meter service with
// call.http(...). This one reports whether the token is set (detail "meter_api_token": "set" or
// "not set") and never logs or emits its value.
#include <billwright/plugin.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace {

namespace sdk = billwright::sdk;

constexpr std::int64_t kMaxLoadPercent = 100;
constexpr std::int64_t kSecondsPerHour = 3600;
constexpr std::int64_t kDivisor = kMaxLoadPercent * kSecondsPerHour;  // percent x seconds/hour
// power_mw x load_percent x hour_seconds stays within 64 bits up to this power.
constexpr std::int64_t kMaxPowerMw = std::numeric_limits<std::int64_t>::max() / kDivisor;
// Hours emitted per emit_hours call, so a long period never needs one large buffer.
constexpr std::size_t kHoursPerEmit = 256;

// The configured load, 0..100. The server stores a BW_CONFIG_INTEGER as decimal text and serves
// the declared default when the tenant set none, but a plugin checks what it reads.
std::int64_t loadPercent(const sdk::Call& call) {
    const auto text = call.config("load_percent");
    if (!text) throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "load_percent is not configured");
    const auto value = sdk::Call::parseInteger(*text);
    if (!value || *value < 0 || *value > kMaxLoadPercent)
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "load_percent must be an integer from 0 to 100");
    return *value;
}

// power_mw x load_percent x seconds / 360000, rounded half up; all three are non-negative and
// power_mw <= kMaxPowerMw, load_percent <= 100, seconds <= 3600, so nothing overflows.
std::int64_t hourEnergyMwh(std::int64_t power_mw, std::int64_t load_percent, std::int64_t seconds) {
    return (power_mw * load_percent * seconds + kDivisor / 2) / kDivisor;
}

class FlatLoad final : public sdk::BillingMethod {
    void bill(sdk::Call& call, const sdk::BillingRequest& request) override {
        const std::int64_t load = loadPercent(call);
        // Never log a secret, not even part of it: say only whether it is set.
        const bool token_set = call.secret("meter_api_token").has_value();

        std::vector<std::int64_t> energy;
        std::vector<std::int64_t> covered;
        energy.reserve(kHoursPerEmit);
        covered.reserve(kHoursPerEmit);
        for (std::uint32_t i = 0; i < request.equipment.size(); ++i) {
            const sdk::Equipment& unit = request.equipment[i];
            if (unit.power_mw < 0 || unit.power_mw > kMaxPowerMw)
                throw sdk::Error(
                    BW_ERR_INVALID_ARGUMENT,
                    "equipment " + std::string(unit.id) + " has a nameplate power out of range");
            for (std::uint32_t first = 0; first < request.hour_count;) {
                energy.clear();
                covered.clear();
                std::uint32_t hour = first;
                for (; hour < request.hour_count && hour - first < kHoursPerEmit; ++hour) {
                    const std::int64_t seconds = request.hourSeconds(hour);
                    energy.push_back(hourEnergyMwh(unit.power_mw, load, seconds));
                    covered.push_back(seconds);  // the whole hour: this method has data for it
                }
                call.emitHours(i, first, energy, covered);
                first = hour;
            }
            call.emitDetail(i, "load_percent", std::to_string(load));
            call.emitDetail(i, "meter_api_token", token_set ? "set" : "not set");
        }
    }
};

constexpr bw_config_key kLoadPercent =
    sdk::configKey("load_percent", BW_CONFIG_INTEGER, 0, "100",
                   "Share of the nameplate power every equipment is billed for, 0 to 100");
constexpr bw_config_key kMeterApiToken =
    sdk::configKey("meter_api_token", BW_CONFIG_STRING, BW_CONFIG_SECRET, nullptr,
                   "Token for the tenant's meter service (an illustration of a secret key)");
constexpr const bw_config_key* kKeys[] = {&kLoadPercent, &kMeterApiToken};
constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<FlatLoad>("flat_load", BW_BILLING_OUTPUT_ENERGY);

}  // namespace

BILLWRIGHT_PLUGIN(sdk::describe("billing_flat_load", "1.0.0",
                                "Energy from nameplate power at a configured load, every hour",
                                BW_KIND_BILLING_METHOD, kKeys, &kMethod))
