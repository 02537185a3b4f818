// payment_stripe against FakeStripe through the host's PaymentProcessor and real outbound HTTP:
// saved cards, off- and on-session charges, declines and 3-D Secure, a retried charge that
// collects once, refunds, lookups and Stripe-Signature webhooks (valid, refused, duplicated and
// out of order).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/codec.hpp>

#include "fakes/fake_stripe.h"
#include "plugins/payment_runner.h"
#include "plugins/provider_fixture.h"

namespace billwright::plugin_tests {
namespace {

using plugins::MethodStatus;
using plugins::MethodType;
using plugins::PaymentStatus;
using plugins::RefundStatus;
using plugins::WebhookEvent;

constexpr char kEndpoint[] = "https://billing.example/v1/webhooks/ten_test/payment_stripe";

std::string formValue(const std::string& body, const std::string& key) {
    const auto pairs = codec::parseForm(body);
    if (!pairs) return "<malformed>";
    for (const auto& [k, v] : *pairs) {
        if (k == key) return v;
    }
    return "<absent>";
}

struct StripeFixture : ProviderFixture {
    StripeFixture() : ProviderFixture("payment_stripe") {
        fake.setNow(kNowSeconds);
        fake.setWebhookEndpoint(kEndpoint);
        config["api_base_url"] = fake.baseUrl();
        secrets["secret_key"] = fake.options().secret_key;
        secrets["webhook_secret"] = fake.options().webhook_secret;
    }

    const plugins::PaymentProcessor& stripe() const { return processor_under_test; }

    // A card on file for a new customer; the payer with that customer.
    plugins::MethodResult saveCard(const std::string& token, const std::string& customer = "") {
        plugins::MethodRequest request;
        request.payer = testPayer(customer);
        request.token = token;
        const auto saved = stripe().setupMethod(call(), request);
        BOOST_TEST_REQUIRE(saved.ok(), problem(saved));
        return saved.value();
    }

    // A charge the payer makes on the portal (3-D Secure returns there), with the saved card's
    // customer.
    static plugins::ChargeRequest onSessionCharge(const std::string& method,
                                                  const plugins::MethodResult& card) {
        plugins::ChargeRequest r = savedMethodCharge(method, card.provider_customer);
        r.off_session = false;
        r.return_url = "https://portal.example/pay/inv_1/done";
        return r;
    }

    plugins::RefundRequest refundOf(const std::string& payment, std::int64_t amount,
                                    const std::string& key) const {
        plugins::RefundRequest r;
        r.payer = testPayer();
        r.refund_id = "rfd_" + key;
        r.idempotency_key = key;
        r.payment_reference = payment;
        r.amount = {amount, "USD", 2};
        r.reason = "requested_by_customer";
        return r;
    }

    // Received when the fake's clock says, unless told otherwise.
    plugins::ProcessorResult<plugins::WebhookResult> deliver(
        const fakes::WebhookDelivery& delivery, std::optional<std::int64_t> received_at = {}) {
        return ProviderFixture::deliver(delivery, received_at.value_or(fake.now()));
    }

    // The one queued delivery of `type` (the queue is emptied).
    fakes::WebhookDelivery only(const std::string& type) {
        return onlyOfType(fake.takeWebhooks(), type);
    }

    fakes::FakeStripe fake;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_stripe, StripeFixture)

BOOST_AUTO_TEST_CASE(it_declares_cards_with_saved_methods_off_session_refunds_and_webhooks) {
    checkDeclares({"card"}, {"needs_method", "off_session", "refunds", "webhooks"},
                  {"secret_key", "webhook_secret"});
    std::map<std::string, const plugins::ConfigKeySpec*> keys;
    for (const auto& k : stripe().plugin().info.config_keys) keys[k.name] = &k;
    BOOST_TEST(keys["secret_key"]->required);
    BOOST_TEST((keys["api_base_url"]->type == plugins::ConfigType::kUrl));
    BOOST_TEST(keys["api_base_url"]->default_value.value_or("") == "https://api.stripe.com");
    BOOST_TEST((keys["fee_percent"]->type == plugins::ConfigType::kDecimal));
    BOOST_TEST(keys["fee_mode"]->default_value.value_or("") == "absorb");
    BOOST_TEST(keys["fee_fixed_minor"]->default_value.value_or("") == "30");
}

BOOST_AUTO_TEST_CASE(begin_method_creates_the_customer_and_a_setup_intent_for_the_widget) {
    plugins::MethodRequest request;
    request.payer = testPayer();
    const auto begun = stripe().beginMethod(call(), request);
    BOOST_REQUIRE_MESSAGE(begun.ok(), problem(begun));
    BOOST_TEST(begun->provider_customer == "cus_fake_1");
    BOOST_TEST(begun->client_token == "seti_fake_1_secret_fake");
    BOOST_TEST(fake.counts().customers == 1);
    BOOST_TEST(fake.counts().setup_intents == 1);
    const auto customers = fake.requests("POST", "/v1/customers");
    BOOST_REQUIRE(customers.size() == 1U);
    BOOST_TEST(customers[0].header("Authorization") == "Bearer sk_test_fake");
    BOOST_TEST(customers[0].header("Stripe-Version") == "2026-06-24.dahlia");
    BOOST_TEST(!customers[0].header("Idempotency-Key").empty());
    BOOST_TEST(formValue(customers[0].body, "metadata[payer_id]") == "cus_1");
    BOOST_TEST(formValue(customers[0].body, "email") == "ada@example.com");
    const auto intents = fake.requests("POST", "/v1/setup_intents");
    BOOST_REQUIRE(intents.size() == 1U);
    BOOST_TEST(formValue(intents[0].body, "usage") == "off_session");
    BOOST_TEST(!intents[0].header("Idempotency-Key").empty());
}

BOOST_AUTO_TEST_CASE(a_card_is_saved_for_off_session_use_and_labelled) {
    const auto saved = saveCard("pm_card_visa");
    BOOST_TEST(saved.provider_customer == "cus_fake_1");
    BOOST_TEST(saved.reference.rfind("pm_fake_", 0) == 0U, saved.reference);
    BOOST_TEST((saved.method_type == std::optional<MethodType>(MethodType::kCard)));
    BOOST_TEST((saved.status == std::optional<MethodStatus>(MethodStatus::kActive)));
    BOOST_TEST(saved.label == "visa 4242");
    const auto pm = fake.object(saved.reference);
    BOOST_REQUIRE(pm.has_value());
    BOOST_TEST(pm->find("customer")->asString() == "cus_fake_1");
    // A second card for the same payer reuses the customer; a card already attached is active
    // as it is.
    const auto second = saveCard("pm_card_mastercard", saved.provider_customer);
    BOOST_TEST(second.label == "mastercard 4444");
    BOOST_TEST(fake.counts().customers == 1);
    const int intents = fake.counts().setup_intents;
    const auto again = saveCard(saved.reference, saved.provider_customer);
    BOOST_TEST(again.reference == saved.reference);
    BOOST_TEST(fake.counts().setup_intents == intents);
}

BOOST_AUTO_TEST_CASE(a_card_that_fails_the_setup_check_is_refused) {
    plugins::MethodRequest request;
    request.payer = testPayer();
    request.token = "pm_card_visa_chargeDeclined";
    const auto refused = stripe().setupMethod(call(), request);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(refused.error().message.find("card_declined") != std::string::npos,
               refused.error().message);
    for (const char* bad : {"", "tok_visa", "cus_1"}) {
        request.token = bad;
        const auto r = stripe().setupMethod(call(), request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
    }
}

BOOST_AUTO_TEST_CASE(a_card_needing_3ds_on_setup_is_pending_until_the_setup_intent_succeeds) {
    const auto saved = saveCard("pm_card_authenticationRequiredOnSetup");
    BOOST_TEST((saved.status == std::optional<MethodStatus>(MethodStatus::kPendingVerification)));
    fake.takeWebhooks();
    fake.completeAction("seti_fake_1", fakes::Send::kQueue);
    const auto verified = deliver(only("setup_intent.succeeded"));
    BOOST_REQUIRE_MESSAGE(verified.ok(), problem(verified));
    BOOST_TEST((verified->event == WebhookEvent::kMethod));
    BOOST_TEST(verified->method_reference == saved.reference);
    BOOST_TEST((verified->method_status == std::optional<MethodStatus>(MethodStatus::kActive)));
    // Set up for off-session use: auto-pay now goes through without the payer.
    const auto paid =
        stripe().charge(call(), savedMethodCharge(saved.reference, saved.provider_customer));
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->status == PaymentStatus::kSucceeded));
}

BOOST_AUTO_TEST_CASE(an_off_session_charge_succeeds_with_the_fee_of_its_balance_transaction) {
    const auto card = saveCard("pm_card_visa");
    const auto paid =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->status == PaymentStatus::kSucceeded));
    BOOST_TEST(paid->reference == "pi_fake_1");
    BOOST_TEST(paid->amount_received_minor == 10'000);
    BOOST_TEST((paid->fee_minor == std::optional<std::int64_t>(320)));  // 2.9 % + 30
    const auto sent = fake.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE(sent.size() == 1U);
    const std::string& body = sent[0].body;
    BOOST_TEST(sent[0].header("Idempotency-Key") == "idem_1");
    BOOST_TEST(sent[0].header("Content-Type") == "application/x-www-form-urlencoded");
    BOOST_TEST(formValue(body, "amount") == "10000");
    BOOST_TEST(formValue(body, "currency") == "usd");
    BOOST_TEST(formValue(body, "customer") == card.provider_customer);
    BOOST_TEST(formValue(body, "payment_method") == card.reference);
    BOOST_TEST(formValue(body, "confirm") == "true");
    BOOST_TEST(formValue(body, "off_session") == "true");
    BOOST_TEST(formValue(body, "metadata[payment_id]") == "pay_1");
    BOOST_TEST(formValue(body, "metadata[invoice_id]") == "inv_1");
    BOOST_TEST(formValue(body, "metadata[fee_mode]") == "absorb");
    BOOST_TEST(fake.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(a_passed_on_surcharge_is_collected_and_recorded_with_the_payment) {
    config["fee_mode"] = "pass_through";
    const auto card = saveCard("pm_card_visa");
    plugins::ChargeRequest request =
        savedMethodCharge(card.reference, card.provider_customer, 10'330);
    request.surcharge_minor = 330;
    const auto paid = stripe().charge(call(), request);
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST(paid->amount_received_minor == 10'330);
    BOOST_TEST((paid->fee_minor == std::optional<std::int64_t>(330)));  // 299.57 -> 300, + 30
    const auto intent = fake.object(paid->reference);
    BOOST_REQUIRE(intent.has_value());
    BOOST_TEST(intent->find("metadata")->find("surcharge_minor")->asString() == "330");
    BOOST_TEST(intent->find("metadata")->find("fee_mode")->asString() == "pass_through");
}

BOOST_AUTO_TEST_CASE(a_decline_is_a_failed_result_not_an_error) {
    const auto card = saveCard("pm_card_chargeCustomerFail");  // attaches, every charge declines
    const auto declined =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE_MESSAGE(declined.ok(), problem(declined));
    BOOST_TEST((declined->status == PaymentStatus::kFailed));
    BOOST_TEST(declined->failure_code == "card_declined");
    BOOST_TEST(declined->failure_message == "Your card was declined.");
    BOOST_TEST(declined->reference == "pi_fake_1");
    BOOST_TEST(declined->amount_received_minor == 0);
    BOOST_TEST(fake.counts().succeeded_charges == 0);
}

BOOST_AUTO_TEST_CASE(declines_carry_the_stable_failure_codes) {
    const auto card = saveCard("pm_card_visa");
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"},
        {"pm_card_chargeDeclinedExpiredCard", "expired_card"},
        {"pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc"},
        {"pm_card_chargeDeclinedProcessingError", "processing_error"},
        {"pm_card_radarBlock", "fraudulent"},
        {"pm_card_visa_chargeDeclinedLostCard", "card_declined"},
        {"pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined"},
    };
    int n = 0;
    for (const auto& [token, code] : cases) {
        BOOST_TEST_CONTEXT(token) {
            const auto r =
                stripe().charge(call(), savedMethodCharge(token, card.provider_customer, 5'000,
                                                          "idem_" + std::to_string(++n)));
            BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
            BOOST_TEST((r->status == PaymentStatus::kFailed));
            BOOST_TEST(r->failure_code == code);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_off_session_charge_needing_3ds_fails_authentication_required) {
    const auto card = saveCard("pm_card_visa");
    const auto r = stripe().charge(
        call(), savedMethodCharge("pm_card_authenticationRequired", card.provider_customer));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kFailed));
    BOOST_TEST(r->failure_code == "authentication_required");
}

BOOST_AUTO_TEST_CASE(an_on_session_charge_needing_3ds_requires_action_then_succeeds_by_webhook) {
    const auto card = saveCard("pm_card_visa");
    const plugins::ChargeRequest request = onSessionCharge("pm_card_threeDSecure2Required", card);
    const auto r = stripe().charge(call(), request);
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(r->action_url == fake.baseUrl() + "/3ds/" + r->reference);
    BOOST_TEST(r->amount_received_minor == 0);
    const auto sent = fake.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE(sent.size() == 1U);
    BOOST_TEST(formValue(sent[0].body, "off_session") == "<absent>");
    BOOST_TEST(formValue(sent[0].body, "return_url") == request.return_url);

    fake.takeWebhooks();
    fake.completeAction(r->reference, fakes::Send::kQueue);
    const auto paid = deliver(only("payment_intent.succeeded"));
    BOOST_REQUIRE_MESSAGE(paid.ok(), problem(paid));
    BOOST_TEST((paid->event == WebhookEvent::kPayment));
    BOOST_TEST(paid->payment_id == "pay_1");
    BOOST_REQUIRE(paid->payment.has_value());
    BOOST_TEST((paid->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(paid->payment->reference == r->reference);
    BOOST_TEST(paid->payment->amount_received_minor == 10'000);
}

BOOST_AUTO_TEST_CASE(a_charge_whose_answer_timed_out_is_retried_with_its_key_and_charges_once) {
    config["request_timeout_ms"] = "300";
    const auto card = saveCard("pm_card_visa");
    fake.delayResponseNext(std::chrono::milliseconds(2000), {"POST", "/v1/payment_intents"});
    const auto lost =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!lost.ok());
    BOOST_TEST(lost.error().status == BW_ERR_TIMEOUT);
    BOOST_TEST(fake.counts().succeeded_charges == 1);  // Stripe acted; the answer was lost

    const auto retried =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE_MESSAGE(retried.ok(), problem(retried));
    BOOST_TEST((retried->status == PaymentStatus::kSucceeded));
    BOOST_TEST(retried->reference == "pi_fake_1");
    const fakes::StripeCounts counts = fake.counts();
    BOOST_TEST(counts.payment_intents == 1);
    BOOST_TEST(counts.charges == 1);
    BOOST_TEST(counts.succeeded_charges == 1);
    BOOST_TEST(counts.idempotent_replays == 1);
    const auto sent = fake.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE(sent.size() == 2U);
    BOOST_TEST(sent[0].header("Idempotency-Key") == sent[1].header("Idempotency-Key"));
    BOOST_TEST(sent[0].body == sent[1].body);
}

BOOST_AUTO_TEST_CASE(a_dropped_answer_is_a_network_error_and_the_retry_is_replayed) {
    const auto card = saveCard("pm_card_visa");
    fake.dropResponseNext({"POST", "/v1/payment_intents"});
    const auto lost =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!lost.ok());
    BOOST_TEST(lost.error().status == BW_ERR_NETWORK);
    const auto retried =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE_MESSAGE(retried.ok(), problem(retried));
    BOOST_TEST(retried->reference == "pi_fake_1");
    BOOST_TEST(fake.counts().succeeded_charges == 1);
    BOOST_TEST(fake.counts().idempotent_replays == 1);
}

BOOST_AUTO_TEST_CASE(a_provider_error_is_unavailable_and_a_retry_charges_once) {
    const auto card = saveCard("pm_card_visa");
    fake.failNext(1, 500, {{"Stripe-Should-Retry", "true"}}, {"POST", "/v1/payment_intents"});
    const auto failed =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!failed.ok());
    BOOST_TEST(failed.error().status == BW_ERR_UNAVAILABLE);
    const auto retried =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE_MESSAGE(retried.ok(), problem(retried));
    BOOST_TEST(fake.counts().payment_intents == 1);
    BOOST_TEST(fake.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(bad_input_and_bad_configuration_are_invalid_arguments) {
    const auto card = saveCard("pm_card_visa");
    const auto sent_before = fake.requests().size();
    plugins::ChargeRequest yen = savedMethodCharge(card.reference, card.provider_customer, 5'000);
    yen.amount = {5'000, "JPY", 2};  // Stripe's yen has no decimals
    plugins::ChargeRequest no_method = savedMethodCharge("", card.provider_customer);
    for (const auto& request : {yen, no_method}) {
        const auto r = stripe().charge(call(), request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
    }
    config["fee_mode"] = "sometimes";
    const auto bad_mode =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!bad_mode.ok());
    BOOST_TEST(bad_mode.error().message.find("fee_mode") != std::string::npos);
    BOOST_TEST(fake.requests().size() == sent_before);  // nothing reached Stripe

    config.erase("fee_mode");
    const auto small =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer, 20));
    BOOST_REQUIRE(!small.ok());
    BOOST_TEST(small.error().status == BW_ERR_INVALID_ARGUMENT);  // Stripe's amount_too_small

    secrets["secret_key"] = "sk_test_wrong";
    const auto unauthorized =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!unauthorized.ok());
    BOOST_TEST(unauthorized.error().status == BW_ERR_INVALID_ARGUMENT);
    secrets.erase("secret_key");
    const auto unconfigured =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(!unconfigured.ok());
    BOOST_TEST(unconfigured.error().message.find("secret_key") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_provider_host_off_the_allowlist_is_refused_by_the_host) {
    env.http_allowlist.erase("payment_stripe");
    plugins::MethodRequest request;
    request.payer = testPayer();
    request.token = "pm_card_visa";
    const auto r = stripe().setupMethod(call(), request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().status == BW_ERR_DENIED);
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_CASE(lookup_reads_the_payment_as_it_stands) {
    const auto card = saveCard("pm_card_visa");
    const auto paid =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(paid.ok());
    plugins::LookupRequest request;
    request.payer = testPayer(card.provider_customer);
    request.payment_id = "pay_1";
    request.reference = paid->reference;
    request.amount = {10'000, "USD", 2};
    const auto found = stripe().lookup(call(), request);
    BOOST_REQUIRE_MESSAGE(found.ok(), problem(found));
    BOOST_TEST((found->status == PaymentStatus::kSucceeded));
    BOOST_TEST((found->fee_minor == std::optional<std::int64_t>(320)));
    request.reference = "pi_fake_999";
    const auto missing = stripe().lookup(call(), request);
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST(missing.error().status == BW_ERR_NOT_FOUND);
    request.reference = paid->reference;
    request.amount = {9'999, "USD", 2};
    const auto other = stripe().lookup(call(), request);
    BOOST_REQUIRE(!other.ok());
    BOOST_TEST(other.error().status == BW_ERR_INVALID_ARGUMENT);
}

BOOST_AUTO_TEST_CASE(refunds_give_back_part_then_the_rest_of_a_payment) {
    const auto card = saveCard("pm_card_visa");
    const auto paid =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(paid.ok());
    const auto part = stripe().refund(call(), refundOf(paid->reference, 4'000, "idem_r1"));
    BOOST_REQUIRE_MESSAGE(part.ok(), problem(part));
    BOOST_TEST((part->status == RefundStatus::kSucceeded));
    BOOST_TEST(part->reference == "re_fake_1");
    const auto sent = fake.requests("POST", "/v1/refunds");
    BOOST_REQUIRE(sent.size() == 1U);
    BOOST_TEST(sent[0].header("Idempotency-Key") == "idem_r1");
    BOOST_TEST(formValue(sent[0].body, "payment_intent") == paid->reference);
    BOOST_TEST(formValue(sent[0].body, "amount") == "4000");
    BOOST_TEST(formValue(sent[0].body, "metadata[refund_id]") == "rfd_idem_r1");

    const auto rest = stripe().refund(call(), refundOf(paid->reference, 6'000, "idem_r2"));
    BOOST_REQUIRE_MESSAGE(rest.ok(), problem(rest));
    BOOST_TEST((rest->status == RefundStatus::kSucceeded));
    const auto charge = fake.object("ch_fake_1");
    BOOST_REQUIRE(charge.has_value());
    BOOST_TEST(charge->find("amount_refunded")->asInt64().value_or(0) == 10'000);

    // A retried refund is replayed; more than what is left is refused.
    const auto replay = stripe().refund(call(), refundOf(paid->reference, 6'000, "idem_r2"));
    BOOST_REQUIRE(replay.ok());
    BOOST_TEST(replay->reference == rest->reference);
    const auto too_much = stripe().refund(call(), refundOf(paid->reference, 1, "idem_r3"));
    BOOST_REQUIRE(!too_much.ok());
    BOOST_TEST(too_much.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(fake.counts().refunds == 2);
}

BOOST_AUTO_TEST_CASE(a_refund_that_fails_later_is_reported_by_webhook) {
    const auto card = saveCard("pm_card_visa");
    const auto paid =
        stripe().charge(call(), savedMethodCharge("pm_card_refundFail", card.provider_customer));
    BOOST_REQUIRE(paid.ok());
    fake.takeWebhooks();
    const auto refunded = stripe().refund(call(), refundOf(paid->reference, 10'000, "idem_r1"));
    BOOST_REQUIRE(refunded.ok());
    BOOST_TEST((refunded->status == RefundStatus::kSucceeded));
    const auto charge_refunded = deliver(only("charge.refunded"));
    BOOST_REQUIRE_MESSAGE(charge_refunded.ok(), problem(charge_refunded));
    BOOST_TEST((charge_refunded->event == WebhookEvent::kPayment));
    BOOST_TEST(charge_refunded->payment_id == "pay_1");

    fake.settleRefund(refunded->reference, "declined", fakes::Send::kQueue);
    const auto failed = deliver(only("refund.failed"));
    BOOST_REQUIRE_MESSAGE(failed.ok(), problem(failed));
    BOOST_TEST((failed->event == WebhookEvent::kRefund));
    BOOST_TEST(failed->refund_reference == refunded->reference);
    BOOST_TEST((failed->refund_status == std::optional<RefundStatus>(RefundStatus::kFailed)));
    BOOST_TEST(failed->payment_id == "pay_1");
    BOOST_TEST(failed->event_id.rfind("evt_", 0) == 0U);
}

BOOST_AUTO_TEST_CASE(a_verified_webhook_reports_the_payment_with_the_event_and_payment_ids) {
    const auto card = saveCard("pm_card_visa");
    fake.takeWebhooks();
    const auto paid =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(paid.ok());
    const fakes::WebhookDelivery delivery = only("payment_intent.succeeded");
    const auto r = deliver(delivery);
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->event == WebhookEvent::kPayment));
    BOOST_TEST(r->event_id == codec::parseJson(delivery.body)->getString("id").value_or("?"));
    BOOST_TEST(r->occurred_at == kNowSeconds);
    BOOST_TEST(r->payment_id == "pay_1");
    BOOST_REQUIRE(r->payment.has_value());
    BOOST_TEST((r->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(r->payment->reference == paid->reference);
    BOOST_TEST((r->payment->fee_minor == std::optional<std::int64_t>(320)));
}

BOOST_AUTO_TEST_CASE(deliveries_that_do_not_verify_are_denied_before_anything_is_read) {
    const auto card = saveCard("pm_card_visa");
    fake.takeWebhooks();
    const auto paid =
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer));
    BOOST_REQUIRE(paid.ok());
    const fakes::WebhookDelivery good = only("payment_intent.succeeded");

    fakes::WebhookDelivery tampered = good;
    tampered.body.replace(tampered.body.find("payment_intent.succeeded"), 24,
                          "payment_intent.canceled!");
    fakes::WebhookDelivery unsigned_delivery = good;
    unsigned_delivery.headers.clear();
    fakes::WebhookDelivery forged = good;
    forged.setHeader("Stripe-Signature", fakes::FakeStripe::signatureHeader({"whsec_someone_else"},
                                                                            fake.now(), good.body));
    fakes::WebhookDelivery garbled = good;
    garbled.setHeader("Stripe-Signature", "v1=abc");

    const auto requests_before = fake.requests().size();
    checkDenied({
        {"tampered body", tampered, fake.now()},
        {"missing header", unsigned_delivery, fake.now()},
        {"another secret", forged, fake.now()},
        {"no timestamp", garbled, fake.now()},
        {"stale timestamp", good, fake.now() + 301},
        {"timestamp from the future", good, fake.now() - 301},
    });
    BOOST_TEST(fake.requests().size() == requests_before);  // Stripe was not asked anything

    secrets.erase("webhook_secret");
    const auto unconfigured = deliver(good);
    BOOST_REQUIRE(!unconfigured.ok());
    BOOST_TEST(unconfigured.error().status == BW_ERR_DENIED);
    // Within the tolerance it verifies.
    secrets["webhook_secret"] = fake.options().webhook_secret;
    BOOST_TEST(deliver(good, fake.now() + 299).ok());
}

BOOST_AUTO_TEST_CASE(the_reference_test_vector_verifies) {
    // payment-providers.md §1.6: the signature is good; the body has no object to report.
    fakes::WebhookDelivery vector;
    vector.body = R"({"id":"evt_test_webhook","object":"event","type":"payment_intent.succeeded"})";
    vector.headers = {{"Stripe-Signature",
                       "t=1700000000,v1="
                       "130dc37d5a27b1b232a61e4f2ff00ed245f498112c11e8b747aff3d0fb754056"}};
    const auto r = deliver(vector, 1'700'000'000);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
    const auto stale = deliver(vector, 1'700'000'400);
    BOOST_REQUIRE(!stale.ok());
    BOOST_TEST(stale.error().status == BW_ERR_DENIED);
}

BOOST_AUTO_TEST_CASE(a_rolled_secret_verifies_with_either_signature) {
    fake.setWebhookSecrets({"whsec_new_secret", fake.options().webhook_secret});
    const auto card = saveCard("pm_card_visa");
    fake.takeWebhooks();
    BOOST_REQUIRE(
        stripe().charge(call(), savedMethodCharge(card.reference, card.provider_customer)).ok());
    const fakes::WebhookDelivery delivery = only("payment_intent.succeeded");
    BOOST_TEST(deliver(delivery).ok());
    secrets["webhook_secret"] = "whsec_new_secret";
    BOOST_TEST(deliver(delivery).ok());
}

BOOST_AUTO_TEST_CASE(duplicate_and_out_of_order_deliveries_report_the_current_state) {
    const auto card = saveCard("pm_card_visa");
    const plugins::ChargeRequest request = onSessionCharge("pm_card_threeDSecure2Required", card);
    const auto r = stripe().charge(call(), request);
    BOOST_REQUIRE(r.ok());
    const fakes::WebhookDelivery requires_action = only("payment_intent.requires_action");
    fake.completeAction(r->reference, fakes::Send::kQueue);
    const fakes::WebhookDelivery succeeded = only("payment_intent.succeeded");

    // Succeeded first, then the late requires_action, then succeeded again.
    std::vector<std::string> event_ids;
    for (const auto* d : {&succeeded, &requires_action, &succeeded}) {
        const auto result = deliver(*d);
        BOOST_REQUIRE_MESSAGE(result.ok(), problem(result));
        BOOST_REQUIRE(result->payment.has_value());
        BOOST_TEST((result->payment->status == PaymentStatus::kSucceeded));
        BOOST_TEST(result->payment_id == "pay_1");
        event_ids.push_back(result->event_id);
    }
    BOOST_TEST(event_ids[0] == event_ids[2]);  // the host applies an event id once
    BOOST_TEST(event_ids[0] != event_ids[1]);
    // A re-sent event (Stripe's retry, signed anew) reads the same.
    const auto resent = deliver(fake.eventDelivery(event_ids[1]));
    BOOST_REQUIRE(resent.ok());
    BOOST_TEST(resent->event_id == event_ids[1]);
}

BOOST_AUTO_TEST_CASE(events_the_host_does_not_use_are_ignored_with_their_id) {
    plugins::MethodRequest request;
    request.payer = testPayer();
    BOOST_REQUIRE(stripe().beginMethod(call(), request).ok());
    const auto r = deliver(only("customer.created"));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->event == WebhookEvent::kIgnored));
    BOOST_TEST(r->event_id.rfind("evt_", 0) == 0U);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
