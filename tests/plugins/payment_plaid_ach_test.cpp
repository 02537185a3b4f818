// payment_plaid_ach against FakePlaid and FakeStripe through the host's PaymentProcessor and
// real outbound HTTP: linking an account with Plaid Link, debits that stay pending until Stripe
// settles or fails them by webhook, a retried debit that moves money once, refunds, and both
// providers' webhook verification (Stripe-Signature, Plaid-Verification).
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include <billwright/plugin.h>
#include <billwright/codec.hpp>

#include "fakes/fake_plaid.h"
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

constexpr char kEndpoint[] = "https://billing.example/v1/webhooks/ten_test/payment_plaid_ach";

struct LinkedAccount {
    plugins::MethodResult method;
    std::string item_id;
};

struct AchFixture : ProviderFixture {
    AchFixture() : ProviderFixture("payment_plaid_ach"), plaid({}, &stripe) {
        stripe.setNow(kNowSeconds);
        plaid.setNow(kNowSeconds);
        stripe.setWebhookEndpoint(kEndpoint);
        config["plaid_base_url"] = plaid.baseUrl();
        config["plaid_client_id"] = plaid.options().client_id;
        config["plaid_webhook_url"] = kEndpoint;
        config["stripe_base_url"] = stripe.baseUrl();
        secrets["plaid_secret"] = plaid.options().secret;
        secrets["stripe_secret_key"] = stripe.options().secret_key;
        secrets["stripe_webhook_secret"] = stripe.options().webhook_secret;
    }

    const plugins::PaymentProcessor& ach() const { return processor_under_test; }

    // The payer goes through Plaid Link with a new link token; what Link hands the browser.
    fakes::PlaidLinkResult throughPlaidLink(const std::string& customer = "") {
        plugins::MethodRequest begin;
        begin.payer = testPayer(customer);
        const auto token = ach().beginMethod(call(), begin);
        BOOST_TEST_REQUIRE(token.ok(), problem(token));
        return plaid.link(token->client_token);
    }

    // setup_method's request for Link's public token.
    static plugins::MethodRequest setupOf(const fakes::PlaidLinkResult& linked,
                                          const std::string& customer = "") {
        plugins::MethodRequest setup;
        setup.payer = testPayer(customer);
        setup.token = linked.public_token;
        return setup;
    }

    // The payer links the account of `kind` (FakePlaid::kAccountKinds) with Plaid Link.
    LinkedAccount link(const std::string& kind, const std::string& customer = "") {
        const fakes::PlaidLinkResult linked = throughPlaidLink(customer);
        const auto method = ach().setupMethod(call({{"account_id", linked.account_ids.at(kind)},
                                                    {"ip_address", "203.0.113.7"},
                                                    {"user_agent", "Mozilla/5.0"}}),
                                              setupOf(linked, customer));
        BOOST_TEST_REQUIRE(method.ok(), problem(method));
        return {method.value(), linked.item_id};
    }

    plugins::ChargeRequest debitOf(const plugins::MethodResult& method,
                                   std::int64_t amount = 10'000,
                                   const std::string& key = "idem_1") const {
        return savedMethodCharge(method.reference, method.provider_customer, amount, key);
    }

    // Received when FakeStripe's clock says, unless told otherwise.
    plugins::ProcessorResult<plugins::WebhookResult> deliver(
        const fakes::WebhookDelivery& delivery, std::optional<std::int64_t> received_at = {}) {
        return ProviderFixture::deliver(delivery, received_at.value_or(stripe.now()));
    }

    // The one queued Stripe delivery of `type` (the queue is emptied).
    fakes::WebhookDelivery only(const std::string& type) {
        return onlyOfType(stripe.takeWebhooks(), type);
    }

    // A Plaid webhook for the item, signed by FakePlaid (not sent).
    fakes::WebhookDelivery plaidHook(const std::string& item_id) {
        plaid.fireWebhook(item_id, "AUTH", "DEFAULT_UPDATE", core::JsonValue::object(),
                          fakes::Send::kQueue);
        auto queued = plaid.takeWebhooks();
        BOOST_TEST_REQUIRE(queued.size() == 1U);
        return queued.front();
    }

    fakes::FakeStripe stripe;
    fakes::FakePlaid plaid;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payment_plaid_ach, AchFixture)

BOOST_AUTO_TEST_CASE(it_declares_bank_accounts_with_methods_off_session_refunds_and_webhooks) {
    checkDeclares({"bank_account"}, {"needs_method", "off_session", "refunds", "webhooks"},
                  {"plaid_secret", "stripe_secret_key", "stripe_webhook_secret"});
    for (const auto& key : ach().plugin().info.config_keys) {
        if (key.name.find("base_url") != std::string::npos) {
            BOOST_TEST((key.type == plugins::ConfigType::kUrl));
            BOOST_TEST(key.default_value.value_or("").rfind("https://", 0) == 0U);
        }
    }
}

BOOST_AUTO_TEST_CASE(begin_method_answers_a_plaid_link_token_and_its_expiry) {
    plugins::MethodRequest request;
    request.payer = testPayer();
    const auto begun = ach().beginMethod(call(), request);
    BOOST_REQUIRE_MESSAGE(begun.ok(), problem(begun));
    BOOST_TEST(begun->client_token.rfind("link-sandbox-", 0) == 0U, begun->client_token);
    BOOST_TEST(begun->client_token_expires_at == kNowSeconds + 4 * 3600);
    const auto sent = plaid.requests("POST", "/link/token/create");
    BOOST_REQUIRE(sent.size() == 1U);
    BOOST_TEST(sent[0].header("PLAID-CLIENT-ID") == "fake_plaid_client_id");
    BOOST_TEST(sent[0].header("Plaid-Version") == "2020-09-14");
    const auto body = codec::parseJson(sent[0].body);
    BOOST_REQUIRE(body.has_value());
    BOOST_TEST(body->getString("webhook").value_or("") == kEndpoint);
    BOOST_TEST(body->find("user")->getString("client_user_id").value_or("") == "customer:cus_1");
    BOOST_TEST(sent[0].body.find("fake_plaid_secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(setup_links_the_account_as_a_verified_stripe_source_with_a_mandate) {
    const LinkedAccount linked = link("checking");
    const plugins::MethodResult& m = linked.method;
    BOOST_TEST(m.reference == "ba_fake_1");
    BOOST_TEST(m.provider_customer == "cus_fake_1");
    BOOST_TEST((m.method_type == std::optional<MethodType>(MethodType::kBankAccount)));
    BOOST_TEST((m.status == std::optional<MethodStatus>(MethodStatus::kActive)));
    BOOST_TEST(m.label == "PLAID FAKE BANK 6789");
    BOOST_TEST(plaid.counts().exchanges == 1);
    BOOST_TEST(plaid.counts().processor_tokens == 1);
    const auto mandate = stripe.requests("POST", "/v1/setup_intents");
    BOOST_REQUIRE(mandate.size() == 1U);
    const auto form = codec::parseForm(mandate[0].body);
    BOOST_REQUIRE(form.has_value());
    std::map<std::string, std::string> fields(form->begin(), form->end());
    BOOST_TEST(fields["payment_method"] == "ba_fake_1");
    BOOST_TEST(fields["mandate_data[customer_acceptance][type]"] == "online");
    BOOST_TEST(fields["mandate_data[customer_acceptance][online][ip_address]"] == "203.0.113.7");
    BOOST_TEST(!mandate[0].header("Idempotency-Key").empty());
    for (const auto& r : stripe.requests()) {
        if (r.method == "POST") BOOST_TEST(!r.header("Idempotency-Key").empty(), r.path);
    }
}

BOOST_AUTO_TEST_CASE(setup_without_an_account_id_or_token_sends_nothing) {
    const fakes::PlaidLinkResult linked = throughPlaidLink();
    plugins::MethodRequest setup = setupOf(linked);
    const auto no_account = ach().setupMethod(call(), setup);
    BOOST_REQUIRE(!no_account.ok());
    BOOST_TEST(no_account.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(no_account.error().message.find("account_id") != std::string::npos);
    setup.token = "";
    const auto no_token =
        ach().setupMethod(call({{"account_id", linked.account_ids.at("checking")}}), setup);
    BOOST_REQUIRE(!no_token.ok());
    BOOST_TEST(no_token.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(plaid.counts().exchanges == 0);
    BOOST_TEST(stripe.requests().empty());
}

BOOST_AUTO_TEST_CASE(a_public_token_links_once_and_a_bad_account_is_refused) {
    const fakes::PlaidLinkResult linked = throughPlaidLink();
    plugins::MethodRequest setup = setupOf(linked);
    const auto bad_account = ach().setupMethod(call({{"account_id", "acc-999-checking"}}), setup);
    BOOST_REQUIRE(!bad_account.ok());
    BOOST_TEST(bad_account.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(bad_account.error().message.find("INVALID_ACCOUNT_ID") != std::string::npos);
    const auto again =
        ach().setupMethod(call({{"account_id", linked.account_ids.at("checking")}}), setup);
    BOOST_REQUIRE(!again.ok());
    BOOST_TEST(again.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(again.error().message.find("INVALID_PUBLIC_TOKEN") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_debit_is_pending_until_stripe_settles_it_by_webhook) {
    const LinkedAccount linked = link("checking");
    const auto debit = ach().charge(call(), debitOf(linked.method));
    BOOST_REQUIRE_MESSAGE(debit.ok(), problem(debit));
    BOOST_TEST((debit->status == PaymentStatus::kPending));
    BOOST_TEST(debit->reference == "pi_fake_1");
    BOOST_TEST(debit->amount_received_minor == 0);
    const auto sent = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE(sent.size() == 1U);
    BOOST_TEST(sent[0].header("Idempotency-Key") == "idem_1");
    BOOST_TEST(sent[0].body.find("payment_method_types[0]=us_bank_account") != std::string::npos);

    plugins::LookupRequest lookup;
    lookup.payer = testPayer(linked.method.provider_customer);
    lookup.payment_id = "pay_1";
    lookup.reference = debit->reference;
    lookup.amount = {10'000, "USD", 2};
    const auto still = ach().lookup(call(), lookup);
    BOOST_REQUIRE(still.ok());
    BOOST_TEST((still->status == PaymentStatus::kPending));

    stripe.takeWebhooks();
    stripe.advance(3 * 86400);
    stripe.settleAch(debit->reference, fakes::Send::kQueue);
    const auto settled = deliver(only("payment_intent.succeeded"));
    BOOST_REQUIRE_MESSAGE(settled.ok(), problem(settled));
    BOOST_TEST((settled->event == WebhookEvent::kPayment));
    BOOST_TEST(settled->payment_id == "pay_1");
    BOOST_REQUIRE(settled->payment.has_value());
    BOOST_TEST((settled->payment->status == PaymentStatus::kSucceeded));
    BOOST_TEST(settled->payment->amount_received_minor == 10'000);
    BOOST_TEST((settled->payment->fee_minor == std::optional<std::int64_t>(80)));  // 0.8 %
    const auto after = ach().lookup(call(), lookup);
    BOOST_REQUIRE(after.ok());
    BOOST_TEST((after->status == PaymentStatus::kSucceeded));
}

BOOST_AUTO_TEST_CASE(a_debit_that_bounces_fails_by_webhook_with_the_return_reason) {
    int n = 0;
    for (const std::string kind : {"insufficient_funds", "account_closed", "no_account"}) {
        BOOST_TEST_CONTEXT(kind) {
            const LinkedAccount linked = link(kind);
            const auto debit =
                ach().charge(call(), debitOf(linked.method, 10'000, "idem_" + std::to_string(++n)));
            BOOST_REQUIRE_MESSAGE(debit.ok(), problem(debit));
            BOOST_TEST((debit->status == PaymentStatus::kPending));
            stripe.takeWebhooks();
            stripe.settleAch(debit->reference, fakes::Send::kQueue);
            const auto failed = deliver(only("payment_intent.payment_failed"));
            BOOST_REQUIRE_MESSAGE(failed.ok(), problem(failed));
            BOOST_REQUIRE(failed->payment.has_value());
            BOOST_TEST((failed->payment->status == PaymentStatus::kFailed));
            BOOST_TEST(failed->payment->failure_code == kind);
            BOOST_TEST(failed->payment->reference == debit->reference);
            BOOST_TEST(failed->payment->amount_received_minor == 0);
            // The same event again (a duplicate delivery) still reports the failure.
            const auto late = deliver(stripe.eventDelivery(failed->event_id));
            BOOST_REQUIRE(late.ok());
            BOOST_TEST((late->payment->status == PaymentStatus::kFailed));
        }
    }
}

BOOST_AUTO_TEST_CASE(out_of_order_events_report_the_current_state) {
    const LinkedAccount linked = link("checking");
    stripe.takeWebhooks();
    const auto debit = ach().charge(call(), debitOf(linked.method));
    BOOST_REQUIRE(debit.ok());
    const fakes::WebhookDelivery processing = only("payment_intent.processing");
    stripe.settleAch(debit->reference, fakes::Send::kQueue);
    const fakes::WebhookDelivery succeeded = only("payment_intent.succeeded");
    for (const auto* d : {&succeeded, &processing}) {
        const auto r = deliver(*d);
        BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
        BOOST_TEST((r->payment->status == PaymentStatus::kSucceeded));
    }
}

BOOST_AUTO_TEST_CASE(a_timed_out_debit_retried_with_its_key_debits_once) {
    config["request_timeout_ms"] = "300";
    const LinkedAccount linked = link("checking");
    stripe.delayResponseNext(std::chrono::milliseconds(2000), {"POST", "/v1/payment_intents"});
    const auto lost = ach().charge(call(), debitOf(linked.method));
    BOOST_REQUIRE(!lost.ok());
    BOOST_TEST(lost.error().status == BW_ERR_TIMEOUT);
    const auto retried = ach().charge(call(), debitOf(linked.method));
    BOOST_REQUIRE_MESSAGE(retried.ok(), problem(retried));
    BOOST_TEST((retried->status == PaymentStatus::kPending));
    BOOST_TEST(stripe.counts().payment_intents == 1);
    BOOST_TEST(stripe.counts().charges == 1);
    BOOST_TEST(stripe.counts().idempotent_replays == 1);
}

BOOST_AUTO_TEST_CASE(a_debit_needs_the_customer_and_dollars) {
    const LinkedAccount linked = link("checking");
    plugins::ChargeRequest no_customer = debitOf(linked.method);
    no_customer.payer.provider_customer = "";
    plugins::ChargeRequest euros = debitOf(linked.method);
    euros.amount.currency = "EUR";
    const auto before = stripe.requests().size();
    for (const auto& request : {no_customer, euros}) {
        const auto r = ach().charge(call(), request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().status == BW_ERR_INVALID_ARGUMENT);
    }
    BOOST_TEST(stripe.requests().size() == before);
}

BOOST_AUTO_TEST_CASE(refunds_of_a_settled_debit_are_pending_then_settle_by_webhook) {
    const LinkedAccount linked = link("checking");
    const auto debit = ach().charge(call(), debitOf(linked.method));
    BOOST_REQUIRE(debit.ok());
    stripe.settleAch(debit->reference, fakes::Send::kQueue);
    plugins::RefundRequest refund;
    refund.payer = testPayer(linked.method.provider_customer);
    refund.refund_id = "rfd_1";
    refund.idempotency_key = "idem_r1";
    refund.payment_reference = debit->reference;
    refund.amount = {2'500, "USD", 2};
    refund.reason = "requested_by_customer";
    const auto r = ach().refund(call(), refund);
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->status == RefundStatus::kPending));
    stripe.takeWebhooks();
    stripe.settleRefund(r->reference, "", fakes::Send::kQueue);
    const auto settled = deliver(only("refund.updated"));
    BOOST_REQUIRE_MESSAGE(settled.ok(), problem(settled));
    BOOST_TEST((settled->event == WebhookEvent::kRefund));
    BOOST_TEST(settled->refund_reference == r->reference);
    BOOST_TEST((settled->refund_status == std::optional<RefundStatus>(RefundStatus::kSucceeded)));

    // The rest of it, then nothing more.
    refund.refund_id = "rfd_2";
    refund.idempotency_key = "idem_r2";
    refund.amount = {7'500, "USD", 2};
    const auto rest = ach().refund(call(), refund);
    BOOST_REQUIRE_MESSAGE(rest.ok(), problem(rest));
    BOOST_TEST((rest->status == RefundStatus::kPending));
    BOOST_TEST(rest->reference != r->reference);
    refund.idempotency_key = "idem_r3";
    refund.amount = {1, "USD", 2};
    const auto more = ach().refund(call(), refund);
    BOOST_REQUIRE(!more.ok());
    BOOST_TEST(more.error().status == BW_ERR_INVALID_ARGUMENT);
    BOOST_TEST(stripe.counts().refunds == 2);
}

BOOST_AUTO_TEST_CASE(a_stripe_delivery_that_does_not_verify_is_denied) {
    const LinkedAccount linked = link("checking");
    stripe.takeWebhooks();
    BOOST_REQUIRE(ach().charge(call(), debitOf(linked.method)).ok());
    fakes::WebhookDelivery delivery = only("payment_intent.processing");
    BOOST_TEST(deliver(delivery).ok());
    const auto stale = deliver(delivery, stripe.now() + 301);
    BOOST_REQUIRE(!stale.ok());
    BOOST_TEST(stale.error().status == BW_ERR_DENIED);
    delivery.body += " ";
    const auto tampered = deliver(delivery);
    BOOST_REQUIRE(!tampered.ok());
    BOOST_TEST(tampered.error().status == BW_ERR_DENIED);
    delivery.headers.clear();
    const auto bare = deliver(delivery);
    BOOST_REQUIRE(!bare.ok());
    BOOST_TEST(bare.error().status == BW_ERR_DENIED);
}

BOOST_AUTO_TEST_CASE(a_plaid_webhook_with_a_valid_jwt_is_verified_and_ignored) {
    const LinkedAccount linked = link("checking");
    const fakes::WebhookDelivery delivery = plaidHook(linked.item_id);
    BOOST_TEST(!delivery.header("Plaid-Verification").empty());
    const auto r = deliver(delivery, plaid.now());
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    BOOST_TEST((r->event == WebhookEvent::kIgnored));
    const auto keys = plaid.requests("POST", "/webhook_verification_key/get");
    BOOST_REQUIRE(keys.size() == 1U);
    BOOST_TEST(keys[0].body.find("6c5516e1-92dc-479e-a8ff-5a51992e0001") != std::string::npos);
    // Within five minutes either way it still verifies.
    BOOST_TEST(deliver(delivery, plaid.now() + 299).ok());
}

BOOST_AUTO_TEST_CASE(plaid_webhooks_that_do_not_verify_are_denied) {
    const LinkedAccount linked = link("checking");
    const fakes::WebhookDelivery good = plaidHook(linked.item_id);

    fakes::WebhookDelivery tampered = good;
    tampered.body.replace(tampered.body.find("DEFAULT_UPDATE"), 14, "DEFAULT_UPDATF");
    fakes::WebhookDelivery other_body = good;  // a genuine JWT, issued for another body
    other_body.setHeader("Plaid-Verification", plaid.verificationJwt("{}"));
    fakes::WebhookDelivery bad_signature = good;
    std::string jwt = good.header("Plaid-Verification");
    jwt[jwt.size() - 3] = jwt[jwt.size() - 3] == 'A' ? 'B' : 'A';
    bad_signature.setHeader("Plaid-Verification", jwt);
    fakes::WebhookDelivery unsigned_delivery = good;
    unsigned_delivery.headers = {{"Content-Type", "application/json"}};
    fakes::WebhookDelivery not_a_jwt = good;
    not_a_jwt.setHeader("Plaid-Verification", "not.a-jwt");

    checkDenied({
        {"tampered body", tampered, plaid.now()},
        {"JWT of another body", other_body, plaid.now()},
        {"bad signature", bad_signature, plaid.now()},
        {"missing header", unsigned_delivery, plaid.now()},
        {"not a JWT", not_a_jwt, plaid.now()},
        {"stale iat", good, plaid.now() + 301},
    });
}

BOOST_AUTO_TEST_CASE(a_rotated_plaid_key_is_fetched_by_its_key_id) {
    const LinkedAccount linked = link("checking");
    plaid.rotateWebhookKey("kid-rotated-2",
                           "4a3b2c1d0e0f101112131415161718191a1b1c1d1e1f20212223242526272829");
    const fakes::WebhookDelivery delivery = plaidHook(linked.item_id);
    const auto r = deliver(delivery, plaid.now());
    BOOST_REQUIRE_MESSAGE(r.ok(), problem(r));
    const auto keys = plaid.requests("POST", "/webhook_verification_key/get");
    BOOST_REQUIRE(keys.size() == 1U);
    BOOST_TEST(keys[0].body.find("kid-rotated-2") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace billwright::plugin_tests
