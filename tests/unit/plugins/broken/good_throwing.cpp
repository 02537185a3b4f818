// A valid plugin, written with the C++ wrapper, whose billing method always throws: by default a
// std::runtime_error("boom"); with the call parameter mode=int a non-std exception (an int). The
// wrapper must turn both into an error status with a message; nothing may escape the ABI. It is an
// energy method, so a contract may name it in its billing-method chain; its keys include a
// required secret, so a tenant must configure it first.
#include <billwright/plugin.hpp>

#include <stdexcept>

namespace {

namespace sdk = billwright::sdk;

class Throwing final : public sdk::BillingMethod {
    void bill(sdk::Call& call, const sdk::BillingRequest&) override {
        const auto mode = call.param("mode");
        if (mode && *mode == "int") throw 42;
        throw std::runtime_error("boom");
    }
};

constexpr bw_config_key kLabel =
    sdk::configKey("label", BW_CONFIG_STRING, 0, "thrown", "The line's label");
constexpr bw_config_key kToken = sdk::configKey(
    "api_token", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET, nullptr, "A secret");
constexpr const bw_config_key* kKeys[] = {&kLabel, &kToken};
constexpr bw_billing_method_api kMethod =
    sdk::billingMethod<Throwing>("throwing", BW_BILLING_OUTPUT_ENERGY);

}  // namespace

BILLWRIGHT_PLUGIN(sdk::describe("good_throwing", "2.3.4", "Throws from bill()",
                                BW_KIND_BILLING_METHOD, kKeys, &kMethod))
