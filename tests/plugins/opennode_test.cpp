// payment_opennode through the host's PaymentProcessor against FakeOpenNode (reference §4):
// exact fiat amounts, the charge found again after a timeout, the status mapping, and webhooks
// whose hashed_order is checked first and whose charge is then read again: what is reported is
// the fetched state, never the webhook body's.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>

#include "fakes/fake_open_node.h"
#include "plugins/payment_runner.h"
#include "plugins/provider_fixture.h"

namespace billwright::plugin_tests {
namespace {

using plugins::PaymentStatus;
using plugins::WebhookEvent;

constexpr char kPlugin[] = "payment_opennode";
// One request's timeout: ample for the fakes on 127.0.0.1 under the sanitizers.
constexpr char kTimeoutMs[] = "2000";
constexpr char kFirstCharge[] = "0000f4ce-0000-4000-8000-000000000001";
constexpr std::int64_t kSats = 2'469'120;  // 1234.56 USD at 50000 USD per BTC

struct OpenNodeFixture : HostedPageFixture {
    OpenNodeFixture() : HostedPageFixture(kPlugin) {
        config["api_base_url"] = fake.baseUrl();
        config["timeout_ms"] = kTimeoutMs;
        secrets["api_key"] = "test_api_key";
    }

    fakes::FakeOpenNode fake;
    const plugins::PaymentProcessor& on = processor_under_test;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_opennode, OpenNodeFixture)

BOOST_AUTO_TEST_CASE(it_loads_as_a_crypto_processor_with_webhooks_and_a_secret_api_key) {
    checkDeclares({"crypto"}, {"webhooks"}, {"api_key"});
}

BOOST_AUTO_TEST_CASE(a_charge_creates_one_fiat_charge_for_the_exact_amount_and_asks_the_payer) {
    const auto r = on.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(r->reference == kFirstCharge);
    BOOST_TEST(r->amount_received_minor == 0);
    BOOST_TEST(r->action_url == fake.baseUrl() + "/checkout/" + kFirstCharge);
    BOOST_TEST(r->expires_at == fakes::FakeServer::kDefaultNow + 1440 * 60);

    const auto creates = fake.requests("POST", "/v1/charges");
    BOOST_REQUIRE(creates.size() == 1u);
    const std::string& body = creates[0].body;
    BOOST_TEST(body.find(R"("amount":1234.56,)") != std::string::npos, body);
    BOOST_TEST(body.find(R"("currency":"USD")") != std::string::npos, body);
    BOOST_TEST(body.find(R"("order_id":"pay_1")") != std::string::npos, body);
    BOOST_TEST(
        body.find(R"("callback_url":")" + kCallbackUrl + kPlugin + "\"") != std::string::npos,
        body);
    BOOST_TEST(creates[0].header("Authorization") == "test_api_key");
    BOOST_TEST(fake.counts().charges == 1);
}

BOOST_AUTO_TEST_CASE(the_configured_ttl_goes_with_the_charge) {
    config["ttl_minutes"] = "30";
    const auto r = on.charge(ctx(), usdCharge(5'000));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST(r->expires_at == fakes::FakeServer::kDefaultNow + 30 * 60);
    config["ttl_minutes"] = "5";
    const auto bad = on.charge(ctx(), usdCharge(5'000));
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST((bad.error().status == BW_ERR_INVALID_ARGUMENT), problem(bad));
}

BOOST_AUTO_TEST_CASE(a_lightning_payment_succeeds_through_the_verified_webhook) {
    const std::string id = charged();
    fake.payLightning(id, fakes::Send::kQueue);
    const auto hooks = fake.takeWebhooks();
    BOOST_REQUIRE(hooks.size() == 1u);
    const auto w = deliver(hooks[0]);
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->event == WebhookEvent::kPayment));
    BOOST_TEST(w->event_id == id + ":paid");
    BOOST_TEST(w->payment_id == "pay_1");
    BOOST_REQUIRE(w->payment.has_value());
    BOOST_TEST((w->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(w->payment->reference == id);
    BOOST_TEST(w->payment->amount_received_minor == 123'456);
    BOOST_TEST(fake.requests("GET", "/v1/charge/" + id).size() == 1u);

    for (const auto& reference : {id, std::string()}) {
        const auto r = on.lookup(ctx({}), lookupOf("pay_1", reference, 123'456));
        BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
        BOOST_TEST((r->status == PaymentStatus::kSucceeded));
        BOOST_TEST(r->amount_received_minor == 123'456);
    }
}

BOOST_AUTO_TEST_CASE(an_on_chain_payment_is_pending_while_it_confirms) {
    const std::string id = charged();
    fake.payOnChain(id, 0, false, fakes::Send::kQueue);
    const auto w = deliver(fake.takeWebhooks().at(0));
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kPending));
    BOOST_TEST(w->event_id == id + ":processing");
    fake.confirmOnChain(id, fakes::Send::kQueue);
    const auto done = deliver(fake.takeWebhooks().at(0));
    BOOST_REQUIRE_MESSAGE(done.ok(), problem(done));
    BOOST_TEST((done->payment->status == PaymentStatus::kSucceeded));
}

BOOST_AUTO_TEST_CASE(an_underpaid_charge_is_partial_with_what_arrived_in_fiat_exactly) {
    const std::string id = charged(123'456);
    fake.payOnChain(id, kSats / 2, true, fakes::Send::kQueue);
    const auto hooks = fake.takeWebhooks();
    BOOST_REQUIRE(hooks.size() == 2u);  // processing, underpaid
    // Even the processing one: the charge as OpenNode has it now is underpaid.
    for (const auto& hook : hooks) {
        const auto w = deliver(hook);
        BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
        BOOST_TEST((w->payment->status == PaymentStatus::kPartial));
        BOOST_TEST(w->payment->amount_received_minor == 61'728);
        BOOST_TEST(w->event_id == id + ":underpaid");
    }
    // 1000001 of 2469120 sats is 500.00040... USD: rounded down.
    const std::string other = on.charge(ctx(), usdCharge(123'456, "pay_2"))->reference;
    fake.payOnChain(other, 1'000'001, true, fakes::Send::kQueue);
    const auto r = on.lookup(ctx({}), lookupOf("pay_2", other, 123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kPartial));
    BOOST_TEST(r->amount_received_minor == 50'000);
}

BOOST_AUTO_TEST_CASE(an_expired_charge_is_canceled_as_expired) {
    const std::string id = charged();
    fake.expire(id, fakes::Send::kQueue);
    const auto w = deliver(fake.takeWebhooks().at(0));
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kCanceled));
    BOOST_TEST(w->payment->failure_code == "expired");
    BOOST_TEST(w->payment->amount_received_minor == 0);
    BOOST_TEST(w->event_id == id + ":expired");
}

BOOST_AUTO_TEST_CASE(a_refunded_underpayment_fails_as_refunded) {
    const std::string id = charged();
    fake.payOnChain(id, kSats / 2, true, fakes::Send::kQueue);
    fake.setStatus(id, "refunded", fakes::Send::kQueue);
    const auto r = on.lookup(ctx({}), lookupOf("pay_1", id, 123'456));
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == PaymentStatus::kFailed));
    BOOST_TEST(r->failure_code == "refunded");
}

BOOST_AUTO_TEST_CASE(a_replayed_paid_webhook_for_a_charge_now_expired_reports_the_fetched_state) {
    const std::string id = charged();
    fake.setStatus(id, "paid", fakes::Send::kQueue);
    const fakes::WebhookDelivery paid = fake.takeWebhooks().at(0);
    BOOST_TEST(paid.body.find("status=paid") != std::string::npos);
    fake.setStatus(id, "expired", fakes::Send::kQueue);
    const auto w = deliver(paid);
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kCanceled));
    BOOST_TEST(w->payment->failure_code == "expired");
    BOOST_TEST(w->event_id == id + ":expired");
}

BOOST_AUTO_TEST_CASE(a_duplicate_webhook_gives_the_same_event) {
    const std::string id = charged();
    fake.payLightning(id, fakes::Send::kQueue);
    const fakes::WebhookDelivery hook = fake.takeWebhooks().at(0);
    const auto first = deliver(hook);
    const auto again = deliver(hook);
    BOOST_REQUIRE(first.ok());
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(first->event_id == again->event_id);
    BOOST_TEST((again->payment->status == PaymentStatus::kSucceeded));
}

BOOST_AUTO_TEST_CASE(a_forged_status_with_a_valid_hashed_order_changes_nothing) {
    const std::string id = charged();
    fake.expire(id, fakes::Send::kQueue);
    fakes::WebhookDelivery forged = fake.takeWebhooks().at(0);
    forged.body.replace(forged.body.find("status=expired"), 14, "status=paid");
    const auto w = deliver(forged);
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kCanceled));
}

BOOST_AUTO_TEST_CASE(json_webhooks_are_verified_the_same_way) {
    fake.setWebhookEncoding(fakes::OpenNodeWebhookEncoding::kJson);
    const std::string id = charged();
    fake.payLightning(id, fakes::Send::kQueue);
    const fakes::WebhookDelivery hook = fake.takeWebhooks().at(0);
    const auto w = deliver(hook);
    BOOST_REQUIRE_MESSAGE(w.ok(), problem(w));
    BOOST_TEST((w->payment->status == PaymentStatus::kSucceeded));
    fakes::WebhookDelivery bad = hook;
    bad.body.replace(bad.body.find("\"hashed_order\":\"") + 16, 4, "0000");
    const auto denied = deliver(bad);
    BOOST_REQUIRE(!denied.ok());
    BOOST_TEST((denied.error().status == BW_ERR_DENIED), problem(denied));
}

BOOST_AUTO_TEST_CASE(a_bad_or_missing_hashed_order_is_denied_before_anything_is_read) {
    const std::string id = charged();
    fake.payLightning(id, fakes::Send::kQueue);
    const fakes::WebhookDelivery good = fake.takeWebhooks().at(0);
    fake.clearRequests();

    const std::string hashed = fakes::FakeOpenNode::hashedOrder("test_api_key", id);
    fakes::WebhookDelivery wrong = good;
    wrong.body.replace(wrong.body.find(hashed), 64, std::string(64, 'a'));
    fakes::WebhookDelivery missing = good;
    missing.body.erase(missing.body.find("&hashed_order="));
    fakes::WebhookDelivery other_id = good;  // the hash of another charge
    other_id.body.replace(other_id.body.find(hashed), 64,
                          fakes::FakeOpenNode::hashedOrder("test_api_key", "another"));
    fakes::WebhookDelivery other_key = good;  // signed with another API key
    other_key.body.replace(other_key.body.find(hashed), 64,
                           fakes::FakeOpenNode::hashedOrder("other_key", id));
    checkDenied({{"wrong hash", wrong},
                 {"no hash", missing},
                 {"the hash of another charge", other_id},
                 {"signed with another key", other_key}});
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_CASE(the_reference_hashed_order_vector_verifies) {
    plugins::WebhookRequest w;
    w.headers = "Content-Type: application/x-www-form-urlencoded\r\n";
    w.body =
        "id=ba57e419-a6c9-41b2-a54c-b870d073d899&callback_url=https%3A%2F%2Fbilling.local%2Fhooks%"
        "2Fopennode&success_url=&status=paid&order_id=inv_42&description=Invoice+inv_42&price="
        "250413&fee=0&auto_settle=0&hashed_order="
        "cd4a30156a0d3f51f2e15b725fe77816dd158c8b66dbbdf9dc932d41c5df0242";
    // Verified: the plugin goes on to read the charge, which the fake does not have.
    const auto verified = on.webhook(ctx({}), w);
    BOOST_REQUIRE(!verified.ok());
    BOOST_TEST((verified.error().status == BW_ERR_NOT_FOUND), problem(verified));
    BOOST_TEST(fake.requests("GET", "/v1/charge/ba57e419-a6c9-41b2-a54c-b870d073d899").size() ==
               1u);
}

BOOST_AUTO_TEST_CASE(a_lost_answer_to_the_create_is_found_by_order_id_on_retry) {
    fake.dropResponseNext({"POST", "/v1/charges"});
    const auto lost = on.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE(!lost.ok());
    BOOST_TEST((lost.error().status == BW_ERR_NETWORK || lost.error().status == BW_ERR_TIMEOUT),
               problem(lost));
    BOOST_TEST(fake.counts().charges == 1);

    const auto retry = on.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST((retry->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(retry->reference == kFirstCharge);
    BOOST_TEST(retry->action_url == fake.baseUrl() + "/checkout/" + kFirstCharge);
    BOOST_TEST(fake.counts().charges == 1);
    BOOST_TEST(fake.requests("POST", "/v1/charges").size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_slow_create_times_out_and_the_retry_finds_the_charge) {
    config["timeout_ms"] = "300";
    fake.delayResponseNext(std::chrono::milliseconds(1500), {"POST", "/v1/charges"});
    const auto slow = on.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE(!slow.ok());
    BOOST_TEST((slow.error().status == BW_ERR_TIMEOUT), problem(slow));

    config["timeout_ms"] = kTimeoutMs;
    const auto retry = on.charge(ctx(), usdCharge(123'456));
    BOOST_REQUIRE_MESSAGE(retry.ok(), problem(retry));
    BOOST_TEST(retry->reference == kFirstCharge);
    BOOST_TEST(fake.counts().charges == 1);
}

BOOST_AUTO_TEST_CASE(a_charge_for_another_order_is_not_taken_for_this_one) {
    charged();
    const auto second = on.charge(ctx(), usdCharge(123'456, "pay_2"));
    BOOST_REQUIRE_MESSAGE(second.ok(), problem(second));
    BOOST_TEST(second->reference != kFirstCharge);
    BOOST_TEST(fake.counts().charges == 2);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused_before_anything_is_sent) {
    plugins::ChargeRequest yen = usdCharge(5'000);
    yen.amount = {5'000, "JPY", 2};
    const auto no_callback = on.charge(ctx({}), usdCharge(1'000));
    const auto bad_currency = on.charge(ctx(), yen);
    for (const auto* r : {&no_callback, &bad_currency}) {
        BOOST_REQUIRE(!r->ok());
        BOOST_TEST((r->error().status == BW_ERR_INVALID_ARGUMENT), problem(*r));
    }
    secrets.clear();
    const auto no_key = on.charge(ctx(), usdCharge(1'000));
    BOOST_REQUIRE(!no_key.ok());
    BOOST_TEST((no_key.error().status == BW_ERR_INVALID_ARGUMENT), problem(no_key));
    BOOST_TEST(no_key.error().message.find("api_key") != std::string::npos);
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_provider_outage_is_an_unknown_outcome) {
    fake.failNext(1, 500, {}, {"POST", "/v1/charges"});
    const auto r = on.charge(ctx(), usdCharge(1'000));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().status == BW_ERR_UNAVAILABLE), problem(r));
}

BOOST_AUTO_TEST_CASE(a_host_off_the_allowlist_is_never_called) {
    env.http_allowlist[kPlugin] = {"api.opennode.com"};
    const auto r = on.charge(ctx(), usdCharge(1'000));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().status == BW_ERR_DENIED), problem(r));
    BOOST_TEST(fake.requests().empty());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
