// services::Payments through the real payment_plaid_ach, payment_nowpayments and
// payment_opennode plugins against tests/fakes FakePlaid + FakeStripe, FakeNowPayments and
// FakeOpenNode, on a ManualClock: ACH debits that stay pending until Stripe settles or returns
// them by webhook (auto-pay's retry after a return), crypto invoices paid on the provider's
// hosted page and reported by signed webhooks (in full, partially, refused signatures,
// duplicates), and a crypto create that times out: the payment is written as processing
// before the provider is asked, and refresh() finds the provider's payment instead of making a
// second one.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fakes/fake_now_payments.h"
#include "fakes/fake_open_node.h"
#include "fakes/fake_plaid.h"
#include "fakes/fake_stripe.h"
#include "services/payments_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using core::JsonValue;
using domain::InvoiceStatus;
using domain::PaymentStatus;

namespace {

constexpr char kAch[] = "payment_plaid_ach";
constexpr char kNowPayments[] = "payment_nowpayments";
constexpr char kOpenNode[] = "payment_opennode";
// One provider request's timeout: ample for the fakes on 127.0.0.1 under the sanitizers.
constexpr std::int64_t kTimeoutMs = 10000;
// FakeOpenNode's first charge id.
constexpr char kFirstCharge[] = "0000f4ce-0000-4000-8000-000000000001";

// Everything a delivery or a refused call could change: the payment, its invoice's money and
// schedule, and the customer's credit.
struct Observed {
    std::string payment;
    InvoiceStatus invoice_status = InvoiceStatus::kDraft;
    std::int64_t amount_paid = 0;
    std::int64_t amount_due = 0;
    std::optional<core::SysSeconds> collect_at;
    int collection_failures = 0;
    std::int64_t credit = 0;

    bool operator==(const Observed&) const = default;
};

struct ProviderPaymentsFixture : PaymentsFixture {
    std::string webhookUrl(const std::string& plugin_id) const {
        return "https://billing.example/v1/webhooks/" + tenant + "/" + plugin_id;
    }

    Observed observe(const std::string& payment_id, const std::string& invoice_id) {
        const auto inv = invoice(invoice_id);
        return {core::toJson(services::toJson(payment(payment_id))),
                inv.status,
                inv.amount_paid_minor,
                inv.amount_due_minor,
                inv.collect_at,
                inv.collection_failures,
                customerNow().credit_balance_minor};
    }

    std::vector<domain::Payment> paymentsOf(const std::string& invoice_id) {
        return payments->list(tenant, {std::nullopt, invoice_id, std::nullopt}, {100, {}})
            .value()
            .items;
    }

    // A payment through a processor that keeps no methods (crypto): the payer is sent to the
    // provider's page; the provider's webhooks come to the tenant's URL.
    services::PayRequest hostedPage(const std::string& plugin_id) {
        services::PayRequest r;
        r.plugin_id = plugin_id;
        r.params["callback_url"] = webhookUrl(plugin_id);
        r.return_url = "https://portal.example.com/paid";
        return r;
    }
};

// ---- ACH ------------------------------------------------------------------------------------

struct AchFixture : ProviderPaymentsFixture {
    fakes::FakeStripe stripe;
    fakes::FakePlaid plaid{{}, &stripe};

    AchFixture() {
        keepInStep(stripe);
        keepInStep(plaid);
        stripe.setWebhookEndpoint(webhookUrl(kAch));
        configurePlugin(
            kAch,
            JsonValue::object()
                .set("plaid_base_url", JsonValue::string(plaid.baseUrl()))
                .set("plaid_client_id", JsonValue::string(plaid.options().client_id))
                .set("plaid_secret", JsonValue::string(plaid.options().secret))
                .set("plaid_webhook_url", JsonValue::string(webhookUrl(kAch)))
                .set("stripe_base_url", JsonValue::string(stripe.baseUrl()))
                .set("stripe_secret_key", JsonValue::string(stripe.options().secret_key))
                .set("stripe_webhook_secret", JsonValue::string(stripe.options().webhook_secret))
                .set("request_timeout_ms", JsonValue::number(kTimeoutMs)));
    }

    // The payer goes through Plaid Link with the server's link token.
    fakes::PlaidLinkResult throughPlaidLink() {
        const auto session = payments->beginMethod(actor, tenant, customer_id, kAch);
        BOOST_REQUIRE_MESSAGE(session.ok(), (session.ok() ? "" : describe(session.error())));
        return plaid.link(session->client_token);
    }

    // The account of `kind` (FakePlaid::kAccountKinds) linked in Plaid Link and filed through
    // Payments::addMethod with the account the payer picked and the mandate's online details.
    std::string linkedAccount(const std::string& kind) {
        const auto linked = throughPlaidLink();
        const auto m =
            payments->addMethod(actor, tenant, customer_id, kAch, linked.public_token, true,
                                {{"account_id", linked.account_ids.at(kind)},
                                 {"ip_address", "203.0.113.7"},
                                 {"user_agent", "Mozilla/5.0"}});
        BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : describe(m.error())));
        BOOST_REQUIRE((m->status == domain::MethodStatus::kActive));
        return m->id;
    }

    // Delivers every queued Stripe event to the tenant's ACH endpoint; each must be accepted.
    void deliverStripeEvents() {
        for (const auto& d : stripe.takeWebhooks()) {
            auto r = deliverTo(kAch, d);
            BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
        }
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(payments_providers)

BOOST_FIXTURE_TEST_SUITE(ach, AchFixture)

// payment_plaid_ach needs the account picked in Link (`account_id`) and, for the mandate, the
// payer's ip_address and user_agent: addMethod passes them as call parameters.
BOOST_AUTO_TEST_CASE(a_bank_account_picked_in_plaid_link_is_filed_through_add_method) {
    const auto linked = throughPlaidLink();
    BOOST_TEST(linked.public_token.rfind("public-", 0) == 0u);
    // Without the account: refused, naming the parameter; nothing filed.
    const auto refused =
        payments->addMethod(actor, tenant, customer_id, kAch, linked.public_token, true);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().fields.at(0).field == "params.account_id");
    BOOST_TEST(payments->listMethods(tenant, customer_id).value().empty());
    const auto m = payments->addMethod(actor, tenant, customer_id, kAch, linked.public_token, true,
                                       {{"account_id", linked.account_ids.at("checking")},
                                        {"ip_address", "203.0.113.7"},
                                        {"user_agent", "Mozilla/5.0"}});
    BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : describe(m.error())));
    BOOST_TEST((m->status == domain::MethodStatus::kActive));
    BOOST_TEST(m->type == "bank_account");
    BOOST_TEST(m->is_default);
    BOOST_TEST(m->reference.rfind("ba_", 0) == 0u);
    BOOST_TEST(m->provider_customer.value_or("").rfind("cus_", 0) == 0u);
    BOOST_TEST(plaid.counts().exchanges == 1);
}

BOOST_AUTO_TEST_CASE(a_debit_is_pending_until_stripe_settles_it_then_the_invoice_is_paid) {
    const auto method = linkedAccount("checking");
    const auto inv = issuedInvoice(10000);
    const auto p = pay(inv, method);
    BOOST_TEST((p.status == PaymentStatus::kPending));
    BOOST_TEST(p.reference.value_or("").rfind("pi_", 0) == 0u);
    BOOST_TEST(p.received_minor == 0);
    auto before = invoice(inv);
    BOOST_TEST((before.status == InvoiceStatus::kIssued));
    BOOST_TEST(before.amount_due_minor == 10000);
    BOOST_TEST(before.amount_paid_minor == 0);
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(posts[0].header("Idempotency-Key") == p.id);
    BOOST_TEST(posts[0].body.find("off_session=true") == std::string::npos);
    // The processing event changes nothing; while it is pending a second debit is refused.
    deliverStripeEvents();
    BOOST_TEST((payment(p.id).status == PaymentStatus::kPending));
    services::PayRequest again;
    again.method_id = method;
    const auto second = payments->pay(actor, tenant, inv, again);
    BOOST_REQUIRE(!second.ok());
    BOOST_TEST((second.error().code == core::ErrorCode::kConflict));

    advanceDays(3);
    stripe.settleAch(*p.reference, fakes::Send::kQueue);
    deliverStripeEvents();
    const auto done = payment(p.id);
    BOOST_TEST((done.status == PaymentStatus::kSucceeded));
    BOOST_TEST(done.received_minor == 10000);
    BOOST_TEST(done.applied_minor == 10000);
    BOOST_TEST(done.fee_minor.value_or(-1) == 80);  // ACH: 0.8 %
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.amount_paid_minor == 10000);
    BOOST_TEST(after.amount_due_minor == 0);
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
    BOOST_TEST(stripe.counts().payment_intents == 1);
    BOOST_TEST(customerNow().credit_balance_minor == 0);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(a_debit_returned_for_insufficient_funds_fails_and_the_invoice_owes_it_all) {
    const auto method = linkedAccount("insufficient_funds");
    const auto inv = issuedInvoice(10000);
    const auto p = pay(inv, method);
    BOOST_TEST((p.status == PaymentStatus::kPending));
    deliverStripeEvents();
    advanceDays(2);
    stripe.settleAch(*p.reference, fakes::Send::kQueue);
    deliverStripeEvents();
    const auto failed = payment(p.id);
    BOOST_TEST((failed.status == PaymentStatus::kFailed));
    BOOST_TEST(failed.failure_code.value_or("") == "insufficient_funds");
    BOOST_TEST(failed.received_minor == 0);
    BOOST_TEST(failed.applied_minor == 0);
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kIssued));
    BOOST_TEST(after.amount_paid_minor == 0);
    BOOST_TEST(after.amount_due_minor == 10000);
    // Paid through the API: no retry is scheduled.
    BOOST_TEST(!after.collect_at.has_value());
    BOOST_TEST(after.collection_failures == 0);
    BOOST_TEST(stripe.counts().succeeded_charges == 0);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(an_auto_pay_debit_returned_for_insufficient_funds_schedules_the_retry) {
    linkedAccount("insufficient_funds");
    enableAutoPay("on_issue", {1, 3});
    const auto inv = issuedInvoice(10000);
    BOOST_TEST(invoice(inv).collect_at.has_value());
    BOOST_TEST(payments->collectDue(*leases).processed == 1);
    auto list = paymentsOf(inv);
    BOOST_REQUIRE_EQUAL(list.size(), 1u);
    const auto p = list[0];
    BOOST_TEST((p.status == PaymentStatus::kPending));
    BOOST_TEST(p.trigger == "auto_pay");
    // Off-session, under the mandate recorded when the account was linked.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(posts[0].body.find("off_session=true") != std::string::npos);
    // While the debit settles nothing is scheduled.
    BOOST_TEST(!invoice(inv).collect_at.has_value());
    BOOST_TEST(payments->collectDue(*leases).processed == 0);

    deliverStripeEvents();
    advanceDays(2);
    const auto returned_at = clock.nowSeconds();
    stripe.settleAch(*p.reference, fakes::Send::kQueue);
    deliverStripeEvents();
    const auto failed = payment(p.id);
    BOOST_TEST((failed.status == PaymentStatus::kFailed));
    BOOST_TEST(failed.failure_code.value_or("") == "insufficient_funds");
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kIssued));
    BOOST_TEST(after.amount_due_minor == 10000);
    BOOST_TEST(after.collection_failures == 1);
    BOOST_REQUIRE(after.collect_at.has_value());
    BOOST_TEST(unixOf(*after.collect_at) == unixOf(returned_at + std::chrono::days{1}));

    // The retry debits again, with its own key.
    advanceDays(1);
    BOOST_TEST(payments->collectDue(*leases).processed == 1);
    list = paymentsOf(inv);
    BOOST_REQUIRE_EQUAL(list.size(), 2u);
    const auto retry_posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(retry_posts.size(), 2u);
    BOOST_TEST(retry_posts[0].header("Idempotency-Key") !=
               retry_posts[1].header("Idempotency-Key"));
    checkLedger();
}

BOOST_AUTO_TEST_SUITE_END()

// ---- NOWPayments ----------------------------------------------------------------------------

namespace {

struct NowPaymentsFixture : ProviderPaymentsFixture {
    fakes::FakeNowPayments np;

    NowPaymentsFixture() {
        keepInStep(np);
        configure(kTimeoutMs);
    }

    void configure(std::int64_t timeout_ms) {
        configurePlugin(kNowPayments,
                        JsonValue::object()
                            .set("api_base_url", JsonValue::string(np.baseUrl() + "/v1"))
                            .set("checkout_url", JsonValue::string(np.baseUrl() + "/payment/"))
                            .set("api_key", JsonValue::string(np.options().api_key))
                            .set("ipn_secret", JsonValue::string(np.options().ipn_secret))
                            .set("account_email", JsonValue::string(np.options().email))
                            .set("account_password", JsonValue::string(np.options().password))
                            .set("timeout_ms", JsonValue::number(timeout_ms)));
    }

    // The IPNs queued at the fake, each of which must be accepted; how many were duplicates.
    int deliverIpns() {
        int duplicates = 0;
        for (const auto& d : np.takeWebhooks()) {
            auto r = deliverTo(kNowPayments, d);
            BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
            if (r->duplicate) ++duplicates;
        }
        return duplicates;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(nowpayments, NowPaymentsFixture)

BOOST_AUTO_TEST_CASE(a_crypto_invoice_paid_in_full_on_the_hosted_page_pays_the_invoice) {
    const auto inv = issuedInvoice(123456);
    const auto p = pay(inv, hostedPage(kNowPayments));
    BOOST_TEST((p.status == PaymentStatus::kRequiresAction));
    BOOST_TEST(p.plugin_id == kNowPayments);
    BOOST_TEST(!p.method_id.has_value());
    BOOST_TEST(p.reference.value_or("") == "5000000001");
    BOOST_TEST(p.action_url.value_or("") == np.baseUrl() + "/payment/?iid=4000000001");
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    const auto created = np.requests("POST", "/v1/invoice");
    BOOST_REQUIRE_EQUAL(created.size(), 1u);
    BOOST_TEST(created[0].body.find(R"("order_id":")" + p.id + "\"") != std::string::npos);
    BOOST_TEST(created[0].body.find(R"("price_amount":1234.56,)") != std::string::npos);
    BOOST_TEST(created[0].body.find(webhookUrl(kNowPayments)) != std::string::npos);

    advanceDays(0);
    np.payInFull(*p.reference, fakes::Send::kQueue);
    // confirming, confirmed, sending, finished: the plugin reports the payment as NOWPayments
    // has it now (finished), so the first applies and the others are the same event again.
    BOOST_TEST(deliverIpns() == 3);
    const auto done = payment(p.id);
    BOOST_TEST((done.status == PaymentStatus::kSucceeded));
    BOOST_TEST(done.received_minor == 123456);
    BOOST_TEST(done.applied_minor == 123456);
    BOOST_TEST(!done.action_url.has_value());
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.amount_paid_minor == 123456);
    BOOST_TEST(after.amount_due_minor == 0);
    BOOST_TEST(np.counts().invoices == 1);
    BOOST_TEST(np.counts().payments == 1);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(a_partial_payment_is_applied_and_the_invoice_owes_the_rest) {
    const auto inv = issuedInvoice(123456);  // 1234.56 USD = 0.0246912 BTC
    const auto p = pay(inv, hostedPage(kNowPayments));
    BOOST_REQUIRE((p.status == PaymentStatus::kRequiresAction));
    // The payer sends half, and the payment window closes (NOWPayments: partially_paid).
    np.payPartially(*p.reference, "0.0123456", fakes::Send::kQueue);
    advanceDays(8);
    deliverIpns();
    const auto partial = payment(p.id);
    BOOST_TEST((partial.status == PaymentStatus::kPartial));
    BOOST_TEST(partial.received_minor == 61728);
    BOOST_TEST(partial.applied_minor == 61728);
    BOOST_TEST(partial.credited_minor == 0);
    auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kIssued));
    BOOST_TEST(after.amount_paid_minor == 61728);
    BOOST_TEST(after.amount_due_minor == 123456 - 61728);
    checkLedger();

    // The rest is a new payment for what is still owed.
    const auto rest = pay(inv, hostedPage(kNowPayments));
    BOOST_TEST((rest.status == PaymentStatus::kRequiresAction));
    BOOST_TEST(rest.amount_minor == 61728);
    const auto created = np.requests("POST", "/v1/invoice");
    BOOST_REQUIRE_EQUAL(created.size(), 2u);
    BOOST_TEST(created[1].body.find(R"("price_amount":617.28,)") != std::string::npos);
    BOOST_TEST((payment(p.id).status == PaymentStatus::kPartial));
}

BOOST_AUTO_TEST_CASE(an_ipn_with_a_bad_signature_is_refused_and_changes_nothing) {
    const auto inv = issuedInvoice(50000);
    const auto p = pay(inv, hostedPage(kNowPayments));
    np.payInFull(*p.reference, fakes::Send::kQueue);
    const auto finished = np.takeWebhooks().back();
    np.clearRequests();
    const auto before = observe(p.id, inv);

    auto forged = finished;
    forged.setHeader("x-nowpayments-sig", std::string(128, 'a'));
    auto r = deliverTo(kNowPayments, forged);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == core::ErrorCode::kInvalidSignature));
    auto unsigned_ipn = finished;
    unsigned_ipn.setHeader("x-nowpayments-sig", "");
    r = deliverTo(kNowPayments, unsigned_ipn);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == core::ErrorCode::kInvalidSignature));
    BOOST_TEST((observe(p.id, inv) == before));
    // Refused before anything was read from NOWPayments.
    BOOST_TEST(np.requests().empty());

    // The genuine one is applied.
    BOOST_REQUIRE(deliverTo(kNowPayments, finished).ok());
    BOOST_TEST((payment(p.id).status == PaymentStatus::kSucceeded));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
}

BOOST_AUTO_TEST_CASE(the_same_ipn_delivered_twice_is_applied_once) {
    const auto inv = issuedInvoice(50000);
    const auto p = pay(inv, hostedPage(kNowPayments));
    np.payInFull(*p.reference, fakes::Send::kQueue);
    const auto finished = np.takeWebhooks().back();
    const auto first = deliverTo(kNowPayments, finished);
    BOOST_REQUIRE_MESSAGE(first.ok(), (first.ok() ? "" : describe(first.error())));
    BOOST_TEST(!first->duplicate);
    BOOST_TEST(first->event_id == *p.reference + ":finished");
    const auto applied = observe(p.id, inv);
    advanceDays(1);
    const auto second = deliverTo(kNowPayments, np.ipnDelivery(*p.reference));
    BOOST_REQUIRE_MESSAGE(second.ok(), (second.ok() ? "" : describe(second.error())));
    BOOST_TEST(second->duplicate);
    BOOST_TEST(second->event_id == first->event_id);
    BOOST_TEST((observe(p.id, inv) == applied));
    BOOST_TEST(invoice(inv).amount_paid_minor == 50000);
    checkLedger();
}

// The create's answer comes after the plugin gave up (NOWPayments made the payment): the
// payment was written as processing before NOWPayments was asked, and refresh() finds the
// payment by its order id (NOWPayments has no idempotency keys) instead of making another.
// After a timeout the payment is `processing`; refresh() repeats the charge with the call
// parameters kept with the payment (callback_url here), and the provider answers with the one
// payment it made for that order: no second one, and the payer's money is credited.
BOOST_AUTO_TEST_CASE(a_timed_out_payment_create_is_processing_and_refresh_finds_the_one_payment) {
    configure(300);
    const auto inv = issuedInvoice(123456);
    np.delayResponseNext(std::chrono::milliseconds{1500}, {"POST", "/v1/invoice-payment"});
    const auto p = pay(inv, hostedPage(kNowPayments));
    BOOST_TEST((p.status == PaymentStatus::kProcessing));
    BOOST_TEST(np.counts().payments == 1);
    const auto stored = paymentsOf(inv);
    BOOST_REQUIRE_EQUAL(stored.size(), 1u);
    BOOST_TEST((stored[0].status == PaymentStatus::kProcessing));
    const auto created = np.requests("POST", "/v1/invoice");
    BOOST_REQUIRE_EQUAL(created.size(), 1u);
    BOOST_TEST(created[0].body.find(R"("order_id":")" + p.id + "\"") != std::string::npos);

    configure(kTimeoutMs);
    const auto refreshed = payments->refresh(actor, tenant, p.id);
    BOOST_REQUIRE_MESSAGE(refreshed.ok(), (refreshed.ok() ? "" : describe(refreshed.error())));
    BOOST_TEST((refreshed->status == PaymentStatus::kRequiresAction));
    BOOST_TEST(refreshed->reference.value_or("") == "5000000001");
    BOOST_TEST(np.counts().payments == 1);
    BOOST_TEST(np.counts().invoices == 1);
    BOOST_TEST(np.requests("POST", "/v1/invoice-payment").size() == 1u);

    // And the payer pays it.
    np.payInFull("5000000001", fakes::Send::kQueue);
    deliverIpns();
    BOOST_TEST((payment(p.id).status == PaymentStatus::kSucceeded));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    BOOST_TEST(paymentsOf(inv).size() == 1u);
    checkLedger();
}

BOOST_AUTO_TEST_SUITE_END()

// ---- OpenNode -------------------------------------------------------------------------------

namespace {

struct OpenNodeFixture : ProviderPaymentsFixture {
    fakes::FakeOpenNode on;

    OpenNodeFixture() {
        keepInStep(on);
        configure(kTimeoutMs);
    }

    void configure(std::int64_t timeout_ms) {
        configurePlugin(kOpenNode, JsonValue::object()
                                       .set("api_base_url", JsonValue::string(on.baseUrl()))
                                       .set("api_key", JsonValue::string(on.options().api_key))
                                       .set("timeout_ms", JsonValue::number(timeout_ms)));
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(opennode, OpenNodeFixture)

BOOST_AUTO_TEST_CASE(a_lightning_payment_reported_by_webhook_pays_the_invoice) {
    const auto inv = issuedInvoice(123456);
    const auto p = pay(inv, hostedPage(kOpenNode));
    BOOST_TEST((p.status == PaymentStatus::kRequiresAction));
    const std::string charge = p.reference.value_or("");
    BOOST_REQUIRE(!charge.empty());
    BOOST_TEST(p.action_url.value_or("") == on.baseUrl() + "/checkout/" + charge);
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    const auto created = on.requests("POST", "/v1/charges");
    BOOST_REQUIRE_EQUAL(created.size(), 1u);
    BOOST_TEST(created[0].body.find(R"("order_id":")" + p.id + "\"") != std::string::npos);
    BOOST_TEST(created[0].body.find(R"("amount":1234.56,)") != std::string::npos);

    on.payLightning(charge, fakes::Send::kQueue);
    const auto hooks = on.takeWebhooks();
    BOOST_REQUIRE_EQUAL(hooks.size(), 1u);
    const auto r = deliverTo(kOpenNode, hooks[0]);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : describe(r.error())));
    BOOST_TEST(!r->duplicate);
    BOOST_TEST(r->event_id == charge + ":paid");
    const auto done = payment(p.id);
    BOOST_TEST((done.status == PaymentStatus::kSucceeded));
    BOOST_TEST(done.received_minor == 123456);
    BOOST_TEST(done.applied_minor == 123456);
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.amount_paid_minor == 123456);
    BOOST_TEST(after.amount_due_minor == 0);
    // Again: the same event, nothing changes.
    const auto applied = observe(p.id, inv);
    const auto again = deliverTo(kOpenNode, hooks[0]);
    BOOST_REQUIRE(again.ok());
    BOOST_TEST(again->duplicate);
    BOOST_TEST((observe(p.id, inv) == applied));
    BOOST_TEST(on.counts().charges == 1);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(a_webhook_with_a_wrong_hashed_order_is_refused_and_changes_nothing) {
    const auto inv = issuedInvoice(50000);
    const auto p = pay(inv, hostedPage(kOpenNode));
    const std::string charge = p.reference.value_or("");
    on.payLightning(charge, fakes::Send::kQueue);
    const auto good = on.takeWebhooks().at(0);
    on.clearRequests();
    const auto before = observe(p.id, inv);

    const std::string hashed = fakes::FakeOpenNode::hashedOrder(on.options().api_key, charge);
    BOOST_REQUIRE(good.body.find(hashed) != std::string::npos);
    auto wrong = good;
    wrong.body.replace(wrong.body.find(hashed), hashed.size(), std::string(64, 'a'));
    auto other_key = good;
    other_key.body.replace(other_key.body.find(hashed), hashed.size(),
                           fakes::FakeOpenNode::hashedOrder("another_key", charge));
    for (const auto* d : {&wrong, &other_key}) {
        const auto r = deliverTo(kOpenNode, *d);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().code == core::ErrorCode::kInvalidSignature));
    }
    BOOST_TEST((observe(p.id, inv) == before));
    BOOST_TEST((payment(p.id).status == PaymentStatus::kRequiresAction));
    // Refused before the charge was read from OpenNode.
    BOOST_TEST(on.requests().empty());

    BOOST_REQUIRE(deliverTo(kOpenNode, good).ok());
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
}

// The create's answer comes after the plugin gave up (OpenNode made the charge): the payment
// was written as processing before OpenNode was asked, under the id OpenNode got as order_id,
// and refresh() asks again and finds that charge instead of making a second one.
// After a timeout the payment is `processing`; refresh() repeats the charge with the call
// parameters kept with the payment (callback_url here), and the provider answers with the one
// payment it made for that order: no second one, and the payer's money is credited.
BOOST_AUTO_TEST_CASE(a_timed_out_charge_is_processing_and_refresh_finds_the_one_charge) {
    configure(300);
    const auto inv = issuedInvoice(123456);
    on.delayResponseNext(std::chrono::milliseconds{1500}, {"POST", "/v1/charges"});
    const auto p = pay(inv, hostedPage(kOpenNode));
    BOOST_TEST((p.status == PaymentStatus::kProcessing));
    BOOST_TEST(!p.reference.has_value());
    BOOST_TEST(on.counts().charges == 1);
    const auto created = on.requests("POST", "/v1/charges");
    BOOST_REQUIRE_EQUAL(created.size(), 1u);
    BOOST_TEST(created[0].body.find(R"("order_id":")" + p.id + "\"") != std::string::npos);
    const auto stored = paymentsOf(inv);
    BOOST_REQUIRE_EQUAL(stored.size(), 1u);
    BOOST_TEST(stored[0].id == p.id);
    BOOST_TEST((stored[0].status == PaymentStatus::kProcessing));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    // While its outcome is unknown, a second charge of the invoice is refused.
    const auto second = payments->pay(actor, tenant, inv, hostedPage(kOpenNode));
    BOOST_REQUIRE(!second.ok());
    BOOST_TEST((second.error().code == core::ErrorCode::kConflict));

    configure(kTimeoutMs);
    const auto refreshed = payments->refresh(actor, tenant, p.id);
    BOOST_REQUIRE_MESSAGE(refreshed.ok(), (refreshed.ok() ? "" : describe(refreshed.error())));
    BOOST_TEST((refreshed->status == PaymentStatus::kRequiresAction));
    // The charge the timed-out create made.
    BOOST_TEST(refreshed->reference.value_or("") == kFirstCharge);
    BOOST_TEST(refreshed->action_url.value_or("") == on.baseUrl() + "/checkout/" + kFirstCharge);
    BOOST_TEST(on.counts().charges == 1);
    BOOST_TEST(on.requests("POST", "/v1/charges").size() == 1u);

    // And the payer pays it.
    on.payLightning(kFirstCharge, fakes::Send::kQueue);
    for (const auto& d : on.takeWebhooks()) BOOST_REQUIRE(deliverTo(kOpenNode, d).ok());
    BOOST_TEST((payment(p.id).status == PaymentStatus::kSucceeded));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    BOOST_TEST(paymentsOf(inv).size() == 1u);
    checkLedger();
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE_END()
