// payment_manual through the host's PaymentProcessor, as the payment services will call it:
// a good record, every bad parameter named in the error, refunds recorded the same way, and the
// entry points it does not have.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>

#include "plugins/payment_runner.h"
#include "plugins/processor_fixture.h"

namespace billwright::plugin_tests {
namespace {

using Params = std::map<std::string, std::string>;

constexpr std::int64_t kHourSeconds = 3600;

plugins::ChargeRequest record(std::int64_t amount = 125'000) {
    plugins::ChargeRequest r;
    r.payer.id = "cus_1";
    r.payer.name = "Ada Miner";
    r.payment_id = "pay_1";
    r.invoice_id = "inv_1";
    r.idempotency_key = "idem_1";
    r.amount = {amount, "USD", 2};
    return r;
}

plugins::RefundRequest refundOf(const std::string& payment_reference) {
    plugins::RefundRequest r;
    r.refund_id = "rfd_1";
    r.idempotency_key = "idem_rfd_1";
    r.payment_reference = payment_reference;
    r.amount = {20'000, "USD", 2};
    r.reason = "requested_by_customer";
    return r;
}

Params good() {
    return {{"reference", "  CHK-1001 "},
            {"channel", "cheque"},
            {"received_on", "2026-10-30"},
            {"note", "Posted by the customer;\nbanked on Friday"}};
}

Params with(Params p, const std::string& key, const std::string& value) {
    p[key] = value;
    return p;
}

Params without(Params p, const std::string& key) {
    p.erase(key);
    return p;
}

std::string repeat(const std::string& s, std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out += s;
    return out;
}

struct ManualFixture : ProcessorFixture {
    plugins::PaymentProcessor manual = processor(firstParty("payment_manual"));
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_manual, ManualFixture)

BOOST_AUTO_TEST_CASE(it_loads_as_a_manual_processor_that_records_without_configuration) {
    const plugins::PluginInfo& info = manual.plugin().info;
    BOOST_TEST(info.version == "1.0.0");
    BOOST_TEST(info.abi_major == 1);
    BOOST_TEST(info.abi_minor == 1);
    BOOST_TEST(info.kinds == std::vector<std::string>{"payment_processor"},
               boost::test_tools::per_element());
    BOOST_TEST(info.config_keys.empty());
    BOOST_TEST(plugins::paymentMethodTypeNames(info.payment_method_types) ==
                   std::vector<std::string>{"manual"},
               boost::test_tools::per_element());
    BOOST_TEST(plugins::paymentProcessorFlagNames(info.payment_flags) ==
                   (std::vector<std::string>{"refunds", "records"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_good_record_succeeds_for_the_whole_amount_under_channel_and_reference) {
    const auto paid = manual.charge(context(good()), record(125'000));
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->status == plugins::PaymentStatus::kSucceeded));
    BOOST_TEST(paid->reference == "cheque:CHK-1001");
    BOOST_TEST(paid->amount_received_minor == 125'000);
    BOOST_TEST((paid->fee_minor == std::optional<std::int64_t>(0)));
    BOOST_TEST(paid->failure_code.empty());
    BOOST_TEST(paid->action_url.empty());
    // No state: the same record again gives the same answer (the host refuses the duplicate).
    const auto again = manual.charge(context(good()), record(125'000));
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->reference == paid->reference);
}

BOOST_AUTO_TEST_CASE(optional_parameters_may_be_absent_or_blank) {
    for (const Params& params :
         {without(without(good(), "received_on"), "note"),
          with(with(good(), "received_on", "  "), "note", ""),
          with(good(), "reference", repeat("R", 100)), with(good(), "reference", repeat("é", 100)),
          with(good(), "note", repeat("ü", 500)), with(good(), "channel", " wire "),
          with(good(), "received_on", "1970-01-01"), with(good(), "received_on", "2024-02-29")}) {
        const auto r = manual.charge(context(params), record());
        BOOST_TEST(r.ok(), (r.ok() ? std::string() : problem(r)));
    }
    const auto wire = manual.charge(context(with(good(), "channel", "wire")), record());
    BOOST_REQUIRE(wire.ok());
    BOOST_TEST(wire->reference == "wire:CHK-1001");
}

BOOST_AUTO_TEST_CASE(each_bad_parameter_is_an_invalid_argument_naming_it) {
    struct Case {
        Params params;
        std::string names;
    };
    const std::vector<Case> cases = {
        {without(good(), "reference"), "reference"},
        {with(good(), "reference", "   "), "reference"},
        {with(good(), "reference", repeat("R", 101)), "reference"},
        {with(good(), "reference", repeat("é", 101)), "reference"},
        {with(good(), "reference", "CHK\t1001"), "reference"},
        {with(good(), "reference", "CHK\x7f"), "reference"},
        {with(good(), "reference", "CHK\xc2\x85"), "reference"},  // U+0085, a C1 control
        {with(good(), "reference", "CHK-\xff"), "reference"},
        {without(good(), "channel"), "channel"},
        {with(good(), "channel", "bank"), "channel"},
        {with(good(), "channel", "Wire"), "channel"},
        {with(good(), "received_on", "2026-13-01"), "received_on"},
        {with(good(), "received_on", "2026-02-29"), "received_on"},
        {with(good(), "received_on", "2026-11-1"), "received_on"},
        {with(good(), "received_on", "01/11/2026"), "received_on"},
        {with(good(), "received_on", "1969-12-31"), "received_on"},
        {with(good(), "received_on", "2026-11-02"), "received_on"},  // the future
        {with(good(), "note", repeat("n", 501)), "note"},
        {with(good(), "note", "bell\x07"), "note"},
    };
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT("expects parameter " << c.names) {
            const auto r = manual.charge(context(c.params), record());
            BOOST_REQUIRE(!r.ok());
            BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
            BOOST_TEST(!r.error().broken_result);
            BOOST_TEST(r.error().message.find("parameter " + c.names + " ") == 0U,
                       r.error().message);
        }
    }
}

BOOST_AUTO_TEST_CASE(received_on_may_be_today_anywhere_on_earth_but_not_later) {
    // 2026-11-01T12:00Z: it is already 2026-11-02 at UTC+14.
    setNow(kNowSeconds + 12 * kHourSeconds);
    BOOST_TEST(manual.charge(context(with(good(), "received_on", "2026-11-02")), record()).ok());
    BOOST_TEST(!manual.charge(context(with(good(), "received_on", "2026-11-03")), record()).ok());
    // 2026-11-01T09:59Z: 23:59 on Nov 1 at UTC+14.
    setNow(kNowSeconds + 10 * kHourSeconds - 60);
    BOOST_TEST(!manual.charge(context(with(good(), "received_on", "2026-11-02")), record()).ok());
    BOOST_TEST(manual.charge(context(with(good(), "received_on", "2026-11-01")), record()).ok());
}

BOOST_AUTO_TEST_CASE(a_refund_is_recorded_under_its_own_channel_and_reference) {
    const Params params = {
        {"reference", "RF-77"}, {"channel", "wire"}, {"refunded_on", "2026-10-31"}};
    const auto refunded = manual.refund(context(params), refundOf("cheque:CHK-1001"));
    BOOST_REQUIRE_MESSAGE(refunded.ok(), problem(refunded));
    BOOST_TEST((refunded->status == plugins::RefundStatus::kSucceeded));
    BOOST_TEST(refunded->reference == "wire:RF-77");
    BOOST_TEST(refunded->failure_code.empty());
}

BOOST_AUTO_TEST_CASE(a_bad_refund_names_what_is_wrong) {
    const Params params = {{"reference", "RF-77"}, {"channel", "wire"}};
    for (const char* foreign : {"ch_123", "wire:", "bank:123"}) {
        const auto r = manual.refund(context(params), refundOf(foreign));
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
        BOOST_TEST(r.error().message.find("payment_reference") != std::string::npos, foreign);
    }
    struct Case {
        Params params;
        std::string names;
    };
    for (const Case& c :
         std::vector<Case>{{without(params, "reference"), "reference"},
                           {without(params, "channel"), "channel"},
                           {with(params, "refunded_on", "2027-01-01"), "refunded_on"},
                           {with(params, "note", repeat("n", 501)), "note"}}) {
        const auto r = manual.refund(context(c.params), refundOf("cheque:CHK-1001"));
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
        BOOST_TEST(r.error().message.find("parameter " + c.names + " ") == 0U, r.error().message);
    }
}

BOOST_AUTO_TEST_CASE(methods_lookups_and_webhooks_are_unsupported) {
    plugins::MethodRequest method;
    BOOST_TEST(manual.beginMethod(context(), method).error().status == BW_ERR_UNSUPPORTED);
    BOOST_TEST(manual.setupMethod(context(), method).error().status == BW_ERR_UNSUPPORTED);
    plugins::LookupRequest lookup;
    lookup.payment_id = "pay_1";
    lookup.amount = {100, "USD", 2};
    BOOST_TEST(manual.lookup(context(), lookup).error().status == BW_ERR_UNSUPPORTED);
    BOOST_TEST(manual.webhook(context(), plugins::WebhookRequest{}).error().status ==
               BW_ERR_UNSUPPORTED);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
