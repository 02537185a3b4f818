// payment_nowpayments through the host's PaymentProcessor against FakeNowPayments (reference §3):
// exact amounts, the invoice a charge makes and the payment it finds again after a timeout,
// the status mapping, and IPNs verified over the key-sorted JSON before anything is read.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>

#include "fakes/fake_now_payments.h"
#include "plugins/payment_runner.h"
#include "plugins/provider_fixture.h"

namespace billwright::plugin_tests {
namespace {

using plugins::PaymentStatus;
using plugins::WebhookEvent;

constexpr char kPlugin[] = "payment_nowpayments";
// One request's timeout: ample for the fakes on 127.0.0.1 under the sanitizers.
constexpr char kTimeoutMs[] = "2000";
// The reference's IPN test vector (§3.5).
constexpr char kVectorBody[] =
    R"({"payment_id":5077125051,"payment_status":"finished","pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","price_amount":170,"price_currency":"usd","pay_amount":155.38559757,"actually_paid":155.38559757,"pay_currency":"mana","order_id":"2","order_description":"Apple Macbook Pro 2019 x 1","purchase_id":"6084744717","created_at":"2021-04-12T14:22:54.942Z","updated_at":"2021-04-12T14:23:06.244Z","outcome_amount":1131.7812095,"outcome_currency":"trx","fee":{"currency":"mana","depositFee":0.1,"withdrawalFee":0,"serviceFee":0}})";
constexpr char kVectorSignature[] =
    "0685a3275d9f249186f7f325bb7d3c8dcdbf86c95c58a6bbfccea4641e50ad0c9faa80a77c1d42d8b3e89e749d17"
    "ceb4066f74599bfaec16adad020beaad5df7";
constexpr char kLegacySignature[] =
    "0435f1a906426fa4e1318094f062ebb47d79542a64df64755f61a571a0d1f9ba84092b7cc4cd7895296c6a797962"
    "b649e6dfb8c3b237dcf0d1acb311cbc047ef";

struct NowPaymentsFixture : HostedPageFixture {
    NowPaymentsFixture() : HostedPageFixture(kPlugin) {
        config["api_base_url"] = fake.baseUrl() + "/v1";
        config["checkout_url"] = fake.baseUrl() + "/payment/";
        config["account_email"] = "merchant@example.com";
        config["timeout_ms"] = kTimeoutMs;
        secrets["api_key"] = "fake_np_api_key";
        secrets["ipn_secret"] = "test_ipn_secret";
        secrets["account_password"] = "fake_np_password";
    }

    fakes::FakeNowPayments fake;
    const plugins::PaymentProcessor& np = processor_under_test;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_nowpayments, NowPaymentsFixture)

BOOST_AUTO_TEST_CASE(it_loads_as_a_crypto_processor_with_webhooks_and_declared_keys) {
    checkDeclares({"crypto"}, {"webhooks"}, {"api_key", "ipn_secret", "account_password"});
}

BOOST_AUTO_TEST_CASE(a_charge_makes_one_invoice_payment_for_the_exact_amount_and_asks_the_payer) {
    const auto r = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(r->reference == "5000000001");
    BOOST_TEST(r->amount_received_minor == 0);
    BOOST_TEST(r->action_url == fake.baseUrl() + "/payment/?iid=4000000001");
    BOOST_TEST(r->expires_at == fakes::FakeServer::kDefaultNow + 7 * 86400);

    const auto invoices = fake.requests("POST", "/v1/invoice");
    BOOST_REQUIRE(invoices.size() == 1u);
    const std::string& body = invoices[0].body;
    BOOST_TEST(body.find(R"("price_amount":1234.56,)") != std::string::npos, body);
    BOOST_TEST(body.find(R"("price_currency":"usd")") != std::string::npos, body);
    BOOST_TEST(body.find(R"("pay_currency":"btc")") != std::string::npos, body);
    BOOST_TEST(body.find(R"("order_id":"pay_1")") != std::string::npos, body);
    BOOST_TEST(
        body.find(R"("ipn_callback_url":")" + kCallbackUrl + kPlugin + "\"") != std::string::npos,
        body);
    BOOST_TEST(invoices[0].header("x-api-key") == "fake_np_api_key");
    BOOST_TEST(fake.counts().invoices == 1);
    BOOST_TEST(fake.counts().payments == 1);
}

BOOST_AUTO_TEST_CASE(a_paid_payment_succeeds_for_the_whole_amount_by_reference_or_order_id) {
    const std::string ref = charged();
    fake.payInFull(ref, fakes::Send::kQueue);
    for (const auto& reference : {ref, std::string()}) {
        const auto r = np.lookup(ctx({}), lookupOf("pay_1", reference, 123'456));
        BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
        BOOST_TEST((r->status == PaymentStatus::kSucceeded));
        BOOST_TEST(r->reference == ref);
        BOOST_TEST(r->amount_received_minor == 123'456);
    }
}

BOOST_AUTO_TEST_CASE(a_valid_ipn_reports_the_payment_under_the_hosts_payment_id) {
    const std::string ref = charged();
    fake.setStatus(ref, "confirming", fakes::Send::kQueue);
    const auto ipns = fake.takeWebhooks();
    BOOST_REQUIRE(ipns.size() == 1u);
    const auto w = deliver(ipns[0]);
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->event == WebhookEvent::kPayment));
    BOOST_TEST(w->event_id == ref + ":confirming");
    BOOST_TEST(w->payment_id == "pay_1");
    BOOST_TEST(w->occurred_at == fakes::FakeServer::kDefaultNow);
    BOOST_REQUIRE(w->payment.has_value());
    BOOST_TEST((w->payment->status == PaymentStatus::kPending));
    BOOST_TEST(w->payment->reference == ref);
    BOOST_TEST(w->payment->amount_received_minor == 0);
}

BOOST_AUTO_TEST_CASE(a_finished_ipn_succeeds_and_a_duplicate_says_the_same) {
    const std::string ref = charged();
    fake.payInFull(ref, fakes::Send::kQueue);
    const auto ipns = fake.takeWebhooks();
    BOOST_REQUIRE(ipns.size() == 4u);  // confirming, confirmed, sending, finished
    const auto first = deliver(ipns.back());
    const auto again = deliver(ipns.back());
    for (const auto* w : {&first, &again}) {
        BOOST_REQUIRE_MESSAGE(w->ok(), problem(*w));
        BOOST_TEST((w->value().payment->status == PaymentStatus::kSucceeded));
        BOOST_TEST(w->value().payment->amount_received_minor == 123'456);
        BOOST_TEST(w->value().event_id == ref + ":finished");
    }
}

BOOST_AUTO_TEST_CASE(ipns_out_of_order_report_the_payments_current_state) {
    const std::string ref = charged();
    fake.payInFull(ref, fakes::Send::kQueue);
    const auto ipns = fake.takeWebhooks();
    BOOST_REQUIRE(ipns.size() == 4u);
    // finished arrives first, then the late confirming: the payment never moves backwards.
    const auto finished = deliver(ipns[3]);
    const auto late = deliver(ipns[0]);
    BOOST_REQUIRE_MESSAGE(finished.ok(), problem(finished));
    BOOST_REQUIRE_MESSAGE(late.ok(), problem(late));
    BOOST_TEST(ipns[0].body.find(R"("payment_status":"confirming")") != std::string::npos);
    BOOST_TEST((late->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(late->event_id == finished->event_id);
    BOOST_TEST(fake.requests("GET", "/v1/payment/" + ref).size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_partial_payment_reports_what_arrived_in_the_invoice_currency_exactly) {
    const std::string ref = charged(123'456);  // 1234.56 USD = 0.0246912 BTC
    fake.payPartially(ref, "0.0123456", fakes::Send::kQueue);
    const auto ipns = fake.takeWebhooks();
    BOOST_REQUIRE(ipns.size() == 2u);
    const auto w = deliver(ipns.back());
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kPartial));
    BOOST_TEST(w->payment->amount_received_minor == 61'728);
    BOOST_TEST(w->event_id == ref + ":partially_paid");
    const auto r = np.lookup(ctx({}), lookupOf("pay_1", ref, 123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kPartial));
    BOOST_TEST(r->amount_received_minor == 61'728);
}

BOOST_AUTO_TEST_CASE(a_partial_share_is_rounded_down_to_the_minor_unit) {
    const std::string ref = charged(123'456);
    // 0.0100001 / 0.0246912 of 1234.56 is 500.005 USD: 500.00 arrived, not 500.01.
    fake.payPartially(ref, "0.0100001", fakes::Send::kQueue);
    const auto r = np.lookup(ctx({}), lookupOf("pay_1", ref, 123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kPartial));
    BOOST_TEST(r->amount_received_minor == 50'000);
}

BOOST_AUTO_TEST_CASE(an_expired_payment_is_canceled_as_expired) {
    const std::string ref = charged();
    fake.expire(ref, fakes::Send::kQueue);
    const auto w = deliver(fake.takeWebhooks().at(0));
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kCanceled));
    BOOST_TEST(w->payment->failure_code == "expired");
    BOOST_TEST(w->payment->amount_received_minor == 0);
    const auto r = np.lookup(ctx({}), lookupOf("pay_1", "", 123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kCanceled));
    BOOST_TEST(r->failure_code == "expired");
}

BOOST_AUTO_TEST_CASE(failed_and_refunded_payments_fail_with_their_codes) {
    const std::string ref = charged();
    for (const auto& [status, code] :
         {std::pair<std::string, std::string>{"failed", "provider_error"},
          {"refunded", "refunded"}}) {
        fake.setStatus(ref, status, fakes::Send::kQueue);
        const auto r = np.lookup(ctx({}), lookupOf("pay_1", ref, 123'456));
        BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
        BOOST_TEST((r->status == PaymentStatus::kFailed));
        BOOST_TEST(r->failure_code == code);
    }
}

BOOST_AUTO_TEST_CASE(a_lost_answer_to_the_payment_create_is_found_by_order_id_on_retry) {
    fake.dropResponseNext({"POST", "/v1/invoice-payment"});
    const auto lost = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE(!lost.ok());
    BOOST_TEST((lost.error().status == BW_ERR_NETWORK || lost.error().status == BW_ERR_TIMEOUT),
               problem(lost));
    BOOST_TEST(fake.counts().payments == 1);

    const auto retry = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST((retry->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(retry->reference == "5000000001");
    BOOST_TEST(retry->action_url == fake.baseUrl() + "/payment/?iid=4000000001");
    BOOST_TEST(fake.counts().payments == 1);
    BOOST_TEST(fake.counts().invoices == 1);
    BOOST_TEST(fake.requests("POST", "/v1/invoice-payment").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_slow_answer_times_out_and_the_retry_finds_the_payment) {
    config["timeout_ms"] = "300";
    fake.delayResponseNext(std::chrono::milliseconds(1500), {"POST", "/v1/invoice-payment"});
    const auto slow = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE(!slow.ok());
    BOOST_TEST((slow.error().status == BW_ERR_TIMEOUT), problem(slow));

    config["timeout_ms"] = kTimeoutMs;
    const auto retry = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST(retry->reference == "5000000001");
    BOOST_TEST(fake.counts().payments == 1);
}

BOOST_AUTO_TEST_CASE(a_lost_invoice_create_leaves_an_unpaid_invoice_but_one_payment) {
    // The payer never saw the first invoice and it has no payment: nothing can be paid twice.
    fake.dropResponseNext({"POST", "/v1/invoice"});
    const auto lost = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE(!lost.ok());
    const auto retry = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST(fake.counts().invoices == 2);
    BOOST_TEST(fake.counts().payments == 1);
    BOOST_TEST(retry->action_url == fake.baseUrl() + "/payment/?iid=4000000002");
}

BOOST_AUTO_TEST_CASE(a_retry_of_a_paid_charge_reports_the_payment_and_creates_nothing) {
    const std::string ref = charged();
    fake.payInFull(ref, fakes::Send::kQueue);
    const auto retry = np.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST((retry->status == PaymentStatus::kSucceeded));
    BOOST_TEST(fake.counts().invoices == 1);
}

BOOST_AUTO_TEST_CASE(a_payment_for_another_amount_under_the_same_order_id_is_an_error) {
    charged(123'456);
    const auto other = np.charge(ctx(), usdCharge(99'900));
    BOOST_REQUIRE(!other.ok());
    BOOST_TEST((other.error().status == BW_ERR_INTERNAL), problem(other));
    BOOST_TEST(fake.counts().payments == 1);
}

BOOST_AUTO_TEST_CASE(the_pay_currency_parameter_picks_an_allowed_coin) {
    const auto r =
        np.charge(ctx({{"callback_url", kCallbackUrl + kPlugin}, {"pay_currency", "USDTTRC20"}}),
                  usdCharge(2'500));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    const auto invoices = fake.requests("POST", "/v1/invoice");
    BOOST_REQUIRE(invoices.size() == 1u);
    BOOST_TEST(invoices[0].body.find(R"("pay_currency":"usdttrc20")") != std::string::npos);
    BOOST_TEST(invoices[0].body.find(R"("price_amount":25.00,)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_before_anything_is_sent) {
    plugins::ChargeRequest three_decimals = usdCharge(1'000);
    three_decimals.amount.exponent = 3;
    const struct {
        Params params;
        plugins::ChargeRequest request;
        std::string message;
    } cases[] = {
        {{}, usdCharge(1'000), "missing parameter callback_url"},
        {{{"callback_url", "ftp://billing.example/hook"}}, usdCharge(1'000), "callback_url"},
        {{{"callback_url", kCallbackUrl}, {"pay_currency", "doge"}},
         usdCharge(1'000),
         "pay_currency"},
        {{{"callback_url", kCallbackUrl}}, three_decimals, "currency USD has 2 decimals"},
    };
    for (const auto& c : cases) {
        const auto r = np.charge(ctx(c.params), c.request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().status == BW_ERR_INVALID_ARGUMENT), problem(r));
        BOOST_TEST(r.error().message.find(c.message) != std::string::npos, r.error().message);
    }
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_price_below_the_coins_minimum_is_a_decline) {
    const auto r = np.charge(ctx(), usdCharge(100));  // 1.00 USD; BTC needs 5
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kFailed));
    BOOST_TEST(r->failure_code == "amount_too_small");
    BOOST_TEST(fake.counts().payments == 0);
}

BOOST_AUTO_TEST_CASE(a_refused_api_key_is_a_configuration_error) {
    secrets["api_key"] = "wrong";
    const auto r = np.lookup(ctx({}), lookupOf("pay_1", "5000000001", 100));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().status == BW_ERR_INVALID_ARGUMENT), problem(r));
    BOOST_TEST(r.error().message.find("wrong") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_payment_is_not_found) {
    const auto by_order = np.lookup(ctx({}), lookupOf("pay_404", "", 100));
    BOOST_REQUIRE(!by_order.ok());
    BOOST_TEST((by_order.error().status == BW_ERR_NOT_FOUND), problem(by_order));
    const auto by_reference = np.lookup(ctx({}), lookupOf("pay_404", "5999999999", 100));
    BOOST_REQUIRE(!by_reference.ok());
    BOOST_TEST((by_reference.error().status == BW_ERR_NOT_FOUND), problem(by_reference));
}

BOOST_AUTO_TEST_CASE(an_ipn_with_a_bad_signature_is_denied_before_anything_is_read) {
    const std::string ref = charged();
    fake.payInFull(ref, fakes::Send::kQueue);
    const fakes::WebhookDelivery good = fake.takeWebhooks().back();
    fake.clearRequests();

    fakes::WebhookDelivery tampered = good;
    tampered.body.replace(tampered.body.find("finished"), 8, "refunded");
    fakes::WebhookDelivery wrong_sig = good;
    wrong_sig.setHeader("x-nowpayments-sig", std::string(128, 'a'));
    fakes::WebhookDelivery not_hex = good;
    not_hex.setHeader("x-nowpayments-sig", "zz");
    fakes::WebhookDelivery unsigned_body = good;
    unsigned_body.headers = {{"Content-Type", "application/json"}};
    checkDenied({{"tampered body", tampered},
                 {"another signature", wrong_sig},
                 {"signature not hex", not_hex},
                 {"no signature", unsigned_body}});
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_CASE(without_an_ipn_secret_every_ipn_is_denied) {
    secrets.erase("ipn_secret");
    plugins::WebhookRequest w;
    w.headers = std::string("x-nowpayments-sig: ") + kVectorSignature + "\r\n";
    w.body = kVectorBody;
    const auto r = np.webhook(ctx({}), w);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().status == BW_ERR_DENIED), problem(r));
}

BOOST_AUTO_TEST_CASE(the_reference_signature_vector_verifies_and_the_legacy_one_does_not) {
    plugins::WebhookRequest w;
    w.headers = std::string("Content-Type: application/json\r\nX-NOWPayments-Sig: ") +
                kVectorSignature + "\r\n";
    w.body = kVectorBody;
    // Verified: the plugin goes on to read payment 5077125051, which the fake does not have.
    const auto verified = np.webhook(ctx({}), w);
    BOOST_REQUIRE(!verified.ok());
    BOOST_TEST((verified.error().status == BW_ERR_NOT_FOUND), problem(verified));
    BOOST_TEST(fake.requests("GET", "/v1/payment/5077125051").size() == 1u);

    fake.clearRequests();
    w.headers = std::string("x-nowpayments-sig: ") + kLegacySignature + "\r\n";
    const auto legacy = np.webhook(ctx({}), w);
    BOOST_REQUIRE(!legacy.ok());
    BOOST_TEST((legacy.error().status == BW_ERR_DENIED), problem(legacy));
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
