// How the Stripe plugins (payment_stripe, payment_plaid_ach) read a PaymentIntent Stripe answered
// (plugins/common/stripe_api.cpp): answers found by tests/fuzz/webhook_*_fuzzer stay refused.
#include <cstdint>
#include <string>

#include <boost/test/unit_test.hpp>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/stripe_api.h"

namespace billwright::plugin_tests {

BOOST_AUTO_TEST_SUITE(stripe_api)

codec::JsonValue intent(const std::string& json) {
    auto parsed = codec::parseJson(json);
    BOOST_TEST_REQUIRE(parsed.has_value());
    return *parsed;
}

BOOST_AUTO_TEST_CASE(a_succeeded_intent_reports_the_amount_received) {
    const auto result = common::paymentOfIntent(
        intent(R"({"id":"pi_1","status":"succeeded","amount_received":150000,"currency":"usd"})"));
    BOOST_TEST(result.status == BW_PAYMENT_SUCCEEDED);
    BOOST_TEST(result.amount_received_minor == 150000);
}

BOOST_AUTO_TEST_CASE(a_succeeded_intent_without_a_positive_amount_received_is_unavailable) {
    // Found by webhook_stripe_fuzzer: the plugin reported a success of 0 (a broken result).
    for (const char* json : {R"({"id":"pi_1","status":"succeeded","currency":"usd"})",
                             R"({"id":"pi_1","status":"succeeded","amount_received":0})",
                             R"({"id":"pi_1","status":"succeeded","amount_received":-5})",
                             R"({"id":"pi_1","status":"succeeded","amount_received":"150000"})"}) {
        try {
            (void)common::paymentOfIntent(intent(json));
            BOOST_ERROR("accepted " << json);
        } catch (const sdk::Error& e) {
            BOOST_TEST(e.status() == BW_ERR_UNAVAILABLE, json);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
