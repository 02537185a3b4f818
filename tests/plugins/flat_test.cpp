// Golden tests of billing_flat: one amount line per call from the call's parameters.
#include <cstdint>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/mock_host.hpp>

#include "plugins/plugin_fixture.h"

namespace billwright::plugin_tests {
namespace {

const bw_plugin_descriptor* flatPlugin() { return plugin("billing_flat"); }

void setUp(mock::MockHost& host) {
    host.setPeriod(kT0, kT0 + 30 * kDay);
    const auto eq = host.addEquipment({"eqp_1", "S19", 3'250'000, 130'000, 25'000});
    host.addSample(eq, BW_SAMPLE_ENERGY, kT0, 1000);  // never read
}

}  // namespace

BOOST_AUTO_TEST_SUITE(flat)

BOOST_AUTO_TEST_CASE(bills_the_amount_with_the_description_parameter) {
    mock::MockHost host;
    setUp(host);
    host.setParam("amount_minor", "12500");
    host.setParam("description", "Hosting, November 2026");
    host.setConfig("line_description", "Rack rental");
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.amounts().size() == 1u);
    BOOST_TEST(host.amounts()[0].amount_minor == 12'500);
    BOOST_TEST(host.amounts()[0].description == "Hosting, November 2026");
    BOOST_TEST(host.lastError().empty());
    BOOST_TEST(host.telemetryReads() == 0u);
    BOOST_TEST(emittedHours(host, 0) == 0u);
}

BOOST_AUTO_TEST_CASE(without_a_description_parameter_the_configured_one_is_used) {
    mock::MockHost host;
    setUp(host);
    host.setParam("amount_minor", "999");
    host.setConfig("line_description", "Rack rental");
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.amounts().size() == 1u);
    BOOST_TEST(host.amounts()[0].amount_minor == 999);
    BOOST_TEST(host.amounts()[0].description == "Rack rental");
}

BOOST_AUTO_TEST_CASE(without_any_description_the_declared_default_is_used) {
    mock::MockHost host;
    setUp(host);
    host.setParam("amount_minor", "0");  // zero is a valid amount
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.amounts().size() == 1u);
    BOOST_TEST(host.amounts()[0].amount_minor == 0);
    BOOST_TEST(host.amounts()[0].description == "Flat fee");
}

BOOST_AUTO_TEST_CASE(a_missing_negative_or_non_integer_amount_is_refused_and_bills_nothing) {
    for (const char* amount : {"", "-1", "12.50", "abc", "99999999999999999999"}) {
        mock::MockHost host;
        setUp(host);
        if (amount[0] != '\0') host.setParam("amount_minor", amount);
        host.setParam("description", "Hosting");
        BOOST_TEST(host.bill(flatPlugin()) == BW_ERR_INVALID_ARGUMENT, "amount_minor=" << amount);
        BOOST_TEST(!host.lastError().empty(), "amount_minor=" << amount);
        BOOST_TEST(host.amounts().empty(), "amount_minor=" << amount);
    }
}

BOOST_AUTO_TEST_CASE(a_second_bill_replaces_the_results_of_the_first) {
    mock::MockHost host;
    setUp(host);
    host.setParam("amount_minor", "100");
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_OK);
    host.setParam("amount_minor", "-5");
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(host.amounts().empty());
    host.setParam("amount_minor", "200");
    BOOST_TEST_REQUIRE(host.bill(flatPlugin()) == BW_OK);
    BOOST_TEST_REQUIRE(host.amounts().size() == 1u);
    BOOST_TEST(host.amounts()[0].amount_minor == 200);
    BOOST_TEST(host.lastError().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
