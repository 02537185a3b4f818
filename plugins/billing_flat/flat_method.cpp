// Billing method "flat": a fixed amount per period, without telemetry.
//
// Parameters of the call: "amount_minor" (required, an integer >= 0, in minor units of the
// request's currency) and "description" (optional; else the configuration key
// "line_description", which defaults to "Flat fee").
#include <cstdint>
#include <string>

#include <billwright/plugin.hpp>

namespace billwright::billing_flat {
namespace {

constexpr const char* kDefaultDescription = "Flat fee";

class FlatMethod final : public sdk::BillingMethod {
    void bill(sdk::Call& call, const sdk::BillingRequest&) override {
        const std::int64_t amount = call.integerParam("amount_minor");
        if (amount < 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "parameter amount_minor must be >= 0, got " + std::to_string(amount));
        }
        auto description = call.param("description");
        if (!description || description->empty()) description = call.config("line_description");
        if (!description || description->empty()) description = kDefaultDescription;
        call.emitAmount(amount, std::string(*description));
    }
};

constexpr bw_config_key kLineDescription =
    sdk::configKey("line_description", BW_CONFIG_STRING, 0, kDefaultDescription,
                   "Description of the flat-fee line when the call gives none");
constexpr const bw_config_key* kConfigKeys[] = {&kLineDescription};
constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<FlatMethod>("flat", BW_BILLING_OUTPUT_AMOUNT);

}  // namespace
}  // namespace billwright::billing_flat

BILLWRIGHT_PLUGIN(billwright::sdk::describe("billing_flat", "1.0.0", "A fixed amount per period",
                                            BW_KIND_BILLING_METHOD,
                                            billwright::billing_flat::kConfigKeys,
                                            &billwright::billing_flat::kMethod))
