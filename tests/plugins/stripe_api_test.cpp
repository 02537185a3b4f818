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

BOOST_AUTO_TEST_CASE(an_id_that_is_not_a_stripe_token_reads_as_no_id) {
    // Found by webhook_plaid_ach_fuzzer: an event id with control characters was reported as the
    // webhook's event_id, a result the host must refuse.
    for (const char* json :
         {"{\"id\":\"pi_\u007f1\",\"status\":\"succeeded\",\"amount_received\":1}",
          R"({"id":"pi 1","status":"succeeded","amount_received":1})",
          R"({"id":"","status":"succeeded","amount_received":1})"}) {
        try {
            (void)common::paymentOfIntent(intent(json));
            BOOST_ERROR("accepted " << json);
        } catch (const sdk::Error& e) {
            BOOST_TEST(e.status() == BW_ERR_UNAVAILABLE, json);
        }
    }
    const auto ok = common::paymentOfIntent(
        intent(R"({"id":"pi_fake_1-x","status":"succeeded","amount_received":1})"));
    BOOST_TEST(ok.reference == "pi_fake_1-x");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
