// The host's PaymentProcessor facade over a processor written in C that answers whatever the
// test asks for: results are copied out and checked, error statuses keep the plugin's message,
// and a result that breaks the contract is an error, never a crash or a half-read value.
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>

#include "plugins/payment_runner.h"
#include "plugins/processor_fixture.h"

namespace billwright::plugin_tests {
namespace {

using plugins::MethodStatus;
using plugins::MethodType;
using plugins::PaymentStatus;
using plugins::RefundStatus;
using plugins::WebhookEvent;

plugins::ChargeRequest chargeOf(std::int64_t amount) {
    plugins::ChargeRequest r;
    r.payer.id = "cus_1";
    r.payer.name = "Ada Miner";
    r.payment_id = "pay_1";
    r.invoice_id = "inv_1";
    r.idempotency_key = "idem_1";
    r.amount = {amount, "USD", 2};
    r.description = "Invoice inv_1";
    return r;
}

plugins::RefundRequest refundOf(std::int64_t amount) {
    plugins::RefundRequest r;
    r.refund_id = "rfd_1";
    r.idempotency_key = "idem_rfd_1";
    r.payment_reference = "ch_1";
    r.amount = {amount, "USD", 2};
    r.reason = "requested_by_customer";
    return r;
}

struct ScriptedFixture : ProcessorFixture {
    plugins::PaymentProcessor scripted = processor(testModule("payment_scripted"));
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_processor_facade, ScriptedFixture)

BOOST_AUTO_TEST_CASE(the_facade_shows_what_the_processor_declared) {
    BOOST_TEST(scripted.plugin().info.id == "payment_scripted");
    BOOST_TEST(scripted.handles(MethodType::kCard));
    BOOST_TEST(scripted.handles(MethodType::kBankAccount));
    BOOST_TEST(!scripted.handles(MethodType::kManual));
    BOOST_TEST(scripted.has(BW_PROCESSOR_WEBHOOKS));
    BOOST_TEST(!scripted.has(BW_PROCESSOR_RECORDS));
}

BOOST_AUTO_TEST_CASE(a_billing_plugin_has_no_processor_facade) {
    const auto& info = registry.loadFile(firstParty("billing_flat"));
    BOOST_REQUIRE(info.loaded);
    const auto facade = plugins::PaymentProcessor::of(env, *registry.find("billing_flat"));
    BOOST_REQUIRE(!facade.ok());
    BOOST_TEST((facade.error().code == core::ErrorCode::kNotFound));
}

BOOST_AUTO_TEST_CASE(a_successful_charge_is_copied_out) {
    const auto paid = scripted.charge(context(), chargeOf(2500));
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->status == PaymentStatus::kSucceeded));
    BOOST_TEST(paid->reference == "ch_1");
    BOOST_TEST(paid->amount_received_minor == 2500);
    BOOST_TEST((paid->fee_minor == std::optional<std::int64_t>(30)));
    BOOST_TEST(paid->failure_code.empty());
}

BOOST_AUTO_TEST_CASE(the_plugin_receives_the_request_as_the_host_built_it) {
    plugins::ChargeRequest request = chargeOf(2500);
    request.off_session = true;
    request.surcharge_minor = 75;
    const auto echoed = scripted.charge(context({{"charge", "echo"}}), request);
    BOOST_REQUIRE_MESSAGE(echoed.ok(), problem(echoed));
    BOOST_TEST(echoed->reference == "idem_1");
    BOOST_TEST(echoed->failure_message == "Invoice inv_1");
    BOOST_TEST(echoed->action_url == "https://off.example");
    BOOST_TEST((echoed->fee_minor == std::optional<std::int64_t>(75)));
}

BOOST_AUTO_TEST_CASE(a_decline_and_a_required_action_are_results_not_errors) {
    const auto declined = scripted.charge(context({{"charge", "declined"}}), chargeOf(2500));
    BOOST_REQUIRE(declined.ok());
    BOOST_TEST((declined->status == PaymentStatus::kFailed));
    BOOST_TEST(declined->failure_code == "card_declined");
    BOOST_TEST(declined->amount_received_minor == 0);
    const auto action = scripted.charge(context({{"charge", "action"}}), chargeOf(2500));
    BOOST_REQUIRE(action.ok());
    BOOST_TEST((action->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(action->action_url == "https://hooks.example/3ds");
}

BOOST_AUTO_TEST_CASE(an_error_status_keeps_the_plugins_message) {
    const auto failed = scripted.charge(context({{"charge", "error"}}), chargeOf(2500));
    BOOST_REQUIRE(!failed.ok());
    BOOST_TEST(failed.error().status == BW_ERR_UNAVAILABLE);
    BOOST_TEST(!failed.error().broken_result);
    BOOST_TEST(failed.error().message == "the provider answered 503");
    BOOST_TEST((failed.error().toError("payment_scripted").code == core::ErrorCode::kPluginFailed));
}

BOOST_AUTO_TEST_CASE(a_charge_result_that_breaks_the_contract_is_an_internal_error) {
    for (const char* answer :
         {"unknown_status", "no_reference", "over", "short_success", "partial_in_full",
          "failed_without_code", "bad_code", "action_without_url", "negative_fee", "too_long",
          "bad_utf8", "control", "unknown_error"}) {
        BOOST_TEST_CONTEXT("answer " << answer) {
            const auto r = scripted.charge(context({{"charge", answer}}), chargeOf(2500));
            BOOST_REQUIRE(!r.ok());
            BOOST_TEST(r.error().status == BW_ERR_INTERNAL);
            BOOST_TEST(r.error().broken_result);
            BOOST_TEST(!r.error().message.empty());
        }
    }
    // The facade still works after the garbage.
    BOOST_TEST(scripted.charge(context(), chargeOf(100)).ok());
}

BOOST_AUTO_TEST_CASE(a_null_entry_point_is_unsupported) {
    plugins::LookupRequest lookup;
    lookup.payment_id = "pay_1";
    lookup.amount = {2500, "USD", 2};
    const auto r = scripted.lookup(context(), lookup);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().status == BW_ERR_UNSUPPORTED);
    BOOST_TEST(!r.error().broken_result);
}

BOOST_AUTO_TEST_CASE(a_request_the_host_built_wrongly_never_reaches_the_plugin) {
    plugins::ChargeRequest no_key = chargeOf(2500);
    no_key.idempotency_key.clear();
    BOOST_CHECK_THROW(plugins::ignoreResult(scripted.charge(context(), no_key)),
                      std::invalid_argument);
    BOOST_CHECK_THROW(plugins::ignoreResult(scripted.charge(context(), chargeOf(0))),
                      std::invalid_argument);
    plugins::ChargeRequest all_surcharge = chargeOf(2500);
    all_surcharge.surcharge_minor = 2500;
    BOOST_CHECK_THROW(plugins::ignoreResult(scripted.charge(context(), all_surcharge)),
                      std::invalid_argument);
    plugins::RefundRequest no_payment = refundOf(100);
    no_payment.payment_reference.clear();
    BOOST_CHECK_THROW(plugins::ignoreResult(scripted.refund(context(), no_payment)),
                      std::invalid_argument);
    BOOST_TEST(metrics.render().find("payment_scripted") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(methods_are_begun_and_set_up_and_checked) {
    plugins::MethodRequest request;
    request.payer.id = "cus_1";
    request.token = "pm_card_visa";
    const auto begun = scripted.beginMethod(context(), request);
    BOOST_REQUIRE_MESSAGE(begun.ok(), problem(begun));
    BOOST_TEST(begun->client_token == "link-sandbox-1");
    BOOST_TEST(begun->client_token_expires_at == 1800000000);
    BOOST_TEST(!begun->method_type.has_value());

    const auto saved = scripted.setupMethod(context(), request);
    BOOST_REQUIRE_MESSAGE(saved.ok(), problem(saved));
    BOOST_TEST(saved->reference == "pm_card_visa");
    BOOST_TEST(saved->provider_customer == "cus_provider_1");
    BOOST_TEST((saved->method_type == MethodType::kCard));
    BOOST_TEST((saved->status == MethodStatus::kActive));
    BOOST_TEST(saved->label == "visa 4242");

    const std::vector<std::pair<const char*, std::string>> broken = {
        {"begin_method", "no_token"},
        {"setup_method", "no_reference"},
        {"setup_method", "undeclared_type"},
        {"setup_method", "failed_status"},
    };
    for (const auto& [entry, answer] : broken) {
        BOOST_TEST_CONTEXT(entry << " " << answer) {
            const auto ctx = context({{entry, answer}});
            const auto r = std::string(entry) == "begin_method"
                               ? scripted.beginMethod(ctx, request)
                               : scripted.setupMethod(ctx, request);
            BOOST_REQUIRE(!r.ok());
            BOOST_TEST(r.error().broken_result);
        }
    }
}

BOOST_AUTO_TEST_CASE(refunds_are_copied_out_and_checked) {
    const auto pending = scripted.refund(context(), refundOf(1000));
    BOOST_REQUIRE_MESSAGE(pending.ok(), problem(pending));
    BOOST_TEST((pending->status == RefundStatus::kPending));
    BOOST_TEST(pending->reference == "re_1");
    for (const char* answer : {"failed_without_code", "unknown_status"}) {
        const auto r = scripted.refund(context({{"refund", answer}}), refundOf(1000));
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().broken_result, answer);
    }
}

BOOST_AUTO_TEST_CASE(webhooks_say_what_happened_or_are_denied) {
    plugins::WebhookRequest delivery;
    delivery.headers = "Content-Type: application/json\r\n";
    delivery.body = R"({"id":"evt_1"})";
    delivery.received_at = kNowSeconds;

    const auto paid = scripted.webhook(context(), delivery);
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->event == WebhookEvent::kPayment));
    BOOST_TEST(paid->event_id == "evt_1");
    BOOST_TEST(paid->occurred_at == 1700000000);
    BOOST_TEST(paid->payment_id == "pay_1");
    BOOST_REQUIRE(paid->payment.has_value());
    BOOST_TEST((paid->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(paid->payment->reference == "pi_1");
    BOOST_TEST(paid->payment->amount_received_minor == 2500);
    BOOST_TEST(!paid->payment->fee_minor.has_value());

    const auto denied = scripted.webhook(context({{"webhook", "denied"}}), delivery);
    BOOST_REQUIRE(!denied.ok());
    BOOST_TEST(denied.error().status == BW_ERR_DENIED);
    BOOST_TEST(denied.error().message == "bad signature");

    const auto refunded = scripted.webhook(context({{"webhook", "refund"}}), delivery);
    BOOST_REQUIRE(refunded.ok());
    BOOST_TEST((refunded->event == WebhookEvent::kRefund));
    BOOST_TEST(refunded->refund_reference == "re_1");
    BOOST_TEST((refunded->refund_status == RefundStatus::kSucceeded));
    BOOST_TEST(!refunded->payment.has_value());

    const auto method = scripted.webhook(context({{"webhook", "method_failed"}}), delivery);
    BOOST_REQUIRE(method.ok());
    BOOST_TEST((method->method_status == MethodStatus::kFailed));
    BOOST_TEST(method->method_failure_code == "account_closed");

    for (const char* answer : {"reassigned", "method_failed_without_code", "unknown_event"}) {
        const auto r = scripted.webhook(context({{"webhook", answer}}), delivery);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().broken_result, answer);
    }
}

BOOST_AUTO_TEST_CASE(every_call_is_counted_and_a_broken_result_is_logged) {
    plugins::ignoreResult(scripted.charge(context(), chargeOf(100)));
    plugins::ignoreResult(scripted.charge(context({{"charge", "over"}}), chargeOf(100)));
    const std::string text = metrics.render();
    BOOST_TEST(
        text.find(R"(billwright_plugin_calls_total{plugin="payment_scripted",status="ok"} 2)") !=
        std::string::npos);
    std::fflush(sink);
    std::rewind(sink);
    std::string logged;
    for (int c = std::fgetc(sink); c != EOF; c = std::fgetc(sink)) logged += static_cast<char>(c);
    BOOST_TEST(logged.find("plugin broke the payment contract") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
