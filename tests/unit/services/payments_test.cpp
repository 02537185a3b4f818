// services::Payments with the real payment_stripe plugin against tests/fakes FakeStripe, on a
// ManualClock: card success, declines, 3-D Secure, a timeout retried with the same idempotency
// key, webhooks (bad signature, stale timestamp, duplicate, out of order), auto-pay on issue
// and on the due date, the retry schedule ending in overdue, default and held invoices, and the
// credit balance against its ledger. The fake's clock follows the ManualClock, so signatures
// are fresh when the test says so.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "fakes/fake_stripe.h"
#include "services/payments_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::InvoiceStatus;
using domain::PaymentStatus;

namespace {

struct StripeFixture : PaymentsFixture {
    fakes::FakeStripe stripe;

    StripeFixture() {
        keepInStep(stripe);
        stripe.setWebhookEndpoint("http://127.0.0.1:9/v1/webhooks/" + tenant + "/payment_stripe");
        configure(20000);
    }

    void configure(int timeout_ms) {
        configurePlugin("payment_stripe",
                        core::parseJson(R"({"secret_key":"sk_test_fake",)"
                                        R"("webhook_secret":"whsec_test_secret",)"
                                        R"("api_base_url":")" +
                                        stripe.baseUrl() + R"(","request_timeout_ms":)" +
                                        std::to_string(timeout_ms) + "}")
                            .value());
    }

    // A card on file (the first is the default).
    std::string card(const std::string& token) {
        auto m = payments->addMethod(actor, tenant, customer_id, "payment_stripe", token, true);
        BOOST_REQUIRE_MESSAGE(m.ok(), (m.ok() ? "" : m.error().detail));
        return m->id;
    }

    core::Result<services::WebhookOutcome> deliver(const fakes::WebhookDelivery& d) {
        return deliverTo("payment_stripe", d);
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(payments_stripe, StripeFixture)

BOOST_AUTO_TEST_CASE(a_card_payment_pays_the_invoice_once) {
    const auto method = card("pm_card_visa");
    const auto inv = issuedInvoice(12500);
    const auto p = pay(inv, method);
    BOOST_TEST((p.status == PaymentStatus::kSucceeded));
    BOOST_TEST(p.received_minor == 12500);
    BOOST_TEST(p.applied_minor == 12500);
    BOOST_TEST(p.reference.value_or("").rfind("pi_", 0) == 0u);
    // Stripe's fee for the card, read from the balance transaction: 2.9 % + 30.
    BOOST_TEST(p.fee_minor.value_or(-1) == 393);
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.amount_due_minor == 0);
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
    // The idempotency key Stripe saw is the payment's.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(posts[0].header("Idempotency-Key") == p.id);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(declines_and_insufficient_funds_fail_the_payment_and_leave_the_invoice_due) {
    const auto declined = card("pm_card_chargeCustomerFail");
    const auto inv = issuedInvoice(5000);
    const auto p = pay(inv, declined);
    BOOST_TEST((p.status == PaymentStatus::kFailed));
    BOOST_TEST(p.failure_code.value_or("") == "card_declined");
    BOOST_TEST(p.received_minor == 0);
    auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kIssued));
    BOOST_TEST(after.amount_due_minor == 5000);
    // A payment through the API is not retried by the scheduler.
    BOOST_TEST(!after.collect_at.has_value());

    const auto poor = card("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds");
    static_cast<void>(poor);
    auto insufficient = payments->addMethod(actor, tenant, customer_id, "payment_stripe",
                                            "pm_card_visa_chargeDeclinedInsufficientFunds", false);
    // Stripe's $0 check refuses the card when it is filed: nothing is stored.
    BOOST_TEST(!insufficient.ok());
    BOOST_TEST(payments->listMethods(tenant, customer_id).value().size() == 2u);
    BOOST_TEST(stripe.counts().succeeded_charges == 0);
}

BOOST_AUTO_TEST_CASE(three_d_secure_asks_the_payer_then_a_webhook_completes_the_payment) {
    const auto method = card("pm_card_authenticationRequiredSetupForOffSession");
    const auto inv = issuedInvoice(20000);
    const auto p = pay(inv, method, "https://portal.example.com/paid");
    BOOST_TEST((p.status == PaymentStatus::kRequiresAction));
    BOOST_TEST(!p.action_url.value_or("").empty());
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    stripe.takeWebhooks();  // the requires_action event: nothing new
    stripe.completeAction(*p.reference, fakes::Send::kQueue);
    const auto deliveries = stripe.takeWebhooks();
    BOOST_REQUIRE(!deliveries.empty());
    for (const auto& d : deliveries) {
        auto r = deliver(d);
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().detail));
    }
    const auto done = payments->get(tenant, p.id).value();
    BOOST_TEST((done.status == PaymentStatus::kSucceeded));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(a_timeout_is_asked_again_with_the_same_key_and_charges_once) {
    configure(300);
    const auto method = card("pm_card_visa");
    const auto inv = issuedInvoice(7700);
    // Stripe charges, but its answer comes after the plugin gave up.
    stripe.delayResponseNext(std::chrono::milliseconds{1500}, {"POST", "/v1/payment_intents"});
    const auto p = pay(inv, method);
    BOOST_TEST((p.status == PaymentStatus::kProcessing));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    // While it is unanswered, a second charge of the invoice is refused.
    services::PayRequest again;
    again.method_id = method;
    const auto second = payments->pay(actor, tenant, inv, again);
    BOOST_TEST(!second.ok());
    configure(20000);
    const auto refreshed = payments->refresh(actor, tenant, p.id);
    BOOST_REQUIRE_MESSAGE(refreshed.ok(), (refreshed.ok() ? "" : refreshed.error().detail));
    BOOST_TEST((refreshed->status == PaymentStatus::kSucceeded));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 2u);
    BOOST_TEST(posts[0].header("Idempotency-Key") == posts[1].header("Idempotency-Key"));
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
    BOOST_TEST(stripe.counts().idempotent_replays == 1);
}

BOOST_AUTO_TEST_CASE(webhooks_are_verified_first_applied_once_and_in_any_order) {
    const auto method = card("pm_card_authenticationRequiredSetupForOffSession");
    const auto inv = issuedInvoice(9900);
    const auto p = pay(inv, method, "https://portal.example.com/paid");
    stripe.takeWebhooks();
    stripe.completeAction(*p.reference, fakes::Send::kQueue);
    auto deliveries = stripe.takeWebhooks();
    BOOST_REQUIRE(!deliveries.empty());
    const auto& succeeded = deliveries.back();

    // A tampered body: refused before anything is read; nothing changes.
    auto tampered = succeeded;
    tampered.body.insert(tampered.body.find('{') + 1, " ");
    auto r = deliver(tampered);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == core::ErrorCode::kInvalidSignature));
    // No signature at all.
    auto unsigned_delivery = succeeded;
    unsigned_delivery.setHeader("Stripe-Signature", "");
    BOOST_TEST(!deliver(unsigned_delivery).ok());
    // A stale timestamp: signed an hour before the server receives it.
    stripe.advance(-3600);
    auto stale =
        stripe.eventDelivery(core::parseJson(succeeded.body).value().find("id")->asString());
    syncFakes();
    r = deliver(stale);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().code == core::ErrorCode::kInvalidSignature));
    BOOST_TEST((payments->get(tenant, p.id).value().status == PaymentStatus::kRequiresAction));
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));

    // The real delivery, then a duplicate, then the older requires_action event late.
    for (const auto& d : deliveries) BOOST_REQUIRE(deliver(d).ok());
    BOOST_TEST((payments->get(tenant, p.id).value().status == PaymentStatus::kSucceeded));
    auto duplicate = deliver(succeeded);
    BOOST_REQUIRE(duplicate.ok());
    BOOST_TEST(duplicate->duplicate);
    for (const auto& e : stripe.events()) {
        const auto type = e.find("type")->asString();
        if (type != "payment_intent.requires_action") continue;
        auto late = deliver(stripe.eventDelivery(e.find("id")->asString()));
        BOOST_REQUIRE(late.ok());
    }
    const auto final_payment = payments->get(tenant, p.id).value();
    BOOST_TEST((final_payment.status == PaymentStatus::kSucceeded));
    BOOST_TEST(final_payment.received_minor == 9900);
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.amount_paid_minor == 9900);
    checkLedger();
}

BOOST_AUTO_TEST_CASE(auto_pay_on_issue_charges_the_default_card_at_once) {
    card("pm_card_visa");
    enableAutoPay("on_issue");
    const auto inv = issuedInvoice(4200);
    BOOST_TEST(invoice(inv).collect_at.has_value());
    const auto outcome = payments->collectDue(*leases);
    BOOST_TEST(outcome.processed == 1);
    const auto after = invoice(inv);
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(!after.collect_at.has_value());
    const auto list = payments->list(tenant, {std::nullopt, inv, std::nullopt}, {10, {}}).value();
    BOOST_REQUIRE_EQUAL(list.items.size(), 1u);
    BOOST_TEST(list.items[0].trigger == "auto_pay");
    // Off-session: the customer was not there.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(posts[0].body.find("off_session=true") != std::string::npos);
}

// Auto-pay on two nodes: a dead node holds the lease on one of four due invoices; node A
// charges the other three, node B finds nothing free, and once the dead node's lease expires B
// charges the fourth. Each invoice is paid by one charge.
BOOST_AUTO_TEST_CASE(two_nodes_collect_each_invoice_once_and_take_over_a_dead_nodes) {
    card("pm_card_visa");
    enableAutoPay("on_issue");
    std::vector<std::string> due;
    for (int i = 0; i < 4; ++i) due.push_back(issuedInvoice(4200 + i));
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        const std::int64_t now = unixOf(clock.nowSeconds());
        uow.workLeases().offer("payment_collection", {services::JobSubject{tenant, due[2]}.text()});
        BOOST_TEST(uow.workLeases().claim("payment_collection", now, "D", now + 60, 4).size() ==
                   1u);
        return true;
    });
    services::Payments node_a(*store, clock, *host->service, host->log, host->metrics);
    services::WorkLeases leases_a(*store, clock, {"A", 60, 2});
    services::WorkLeases leases_b(*store, clock, {"B", 60, 2});
    BOOST_TEST(node_a.collectDue(leases_a).processed == 3);
    BOOST_TEST(payments->collectDue(leases_b).processed == 0);
    BOOST_TEST((invoice(due[2]).status == InvoiceStatus::kIssued));
    BOOST_TEST(stripe.counts().charges == 3);

    clock.advance(std::chrono::seconds{61});
    syncFakes();
    BOOST_TEST(payments->collectDue(leases_b).processed == 1);
    BOOST_TEST(node_a.collectDue(leases_a).processed == 0);
    for (const auto& inv : due) {
        BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
        BOOST_TEST(payments->list(tenant, {std::nullopt, inv, std::nullopt}, {10, {}})
                       .value()
                       .items.size() == 1u);
    }
    BOOST_TEST(stripe.counts().charges == 4);
}

BOOST_AUTO_TEST_CASE(auto_pay_on_the_due_date_waits_for_it) {
    card("pm_card_visa");
    enableAutoPay("on_due_date");
    const auto inv = issuedInvoice(4200);
    const auto due = *invoice(inv).due_date;
    payments->collectDue(*leases);
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kIssued));
    BOOST_TEST(stripe.counts().charges == 0);
    clock.set(std::chrono::sys_days{due} + std::chrono::hours{1});
    syncFakes();
    payments->collectDue(*leases);
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(failed_collections_retry_on_schedule_then_overdue_default_and_held) {
    card("pm_card_chargeCustomerFail");
    enableAutoPay("on_issue", {1, 3});
    const auto inv = issuedInvoice(3000);
    const auto first_failure = clock.nowSeconds();
    payments->collectDue(*leases);
    auto after = invoice(inv);
    BOOST_TEST(after.collection_failures == 1);
    BOOST_REQUIRE(after.collect_at.has_value());
    BOOST_TEST(unixOf(*after.collect_at) == unixOf(first_failure + std::chrono::days{1}));
    // Nothing is due before the retry.
    advanceDays(0);
    BOOST_TEST(payments->collectDue(*leases).processed == 0);
    advanceDays(1);
    payments->collectDue(*leases);
    after = invoice(inv);
    BOOST_TEST(after.collection_failures == 2);
    BOOST_TEST(unixOf(*after.collect_at) == unixOf(first_failure + std::chrono::days{3}));
    BOOST_TEST((after.status == InvoiceStatus::kIssued));
    BOOST_TEST(!customerNow().in_default);
    advanceDays(2);
    payments->collectDue(*leases);
    after = invoice(inv);
    BOOST_TEST(after.collection_failures == 3);
    BOOST_TEST(!after.collect_at.has_value());
    BOOST_TEST((after.status == InvoiceStatus::kOverdue));
    const auto c = customerNow();
    BOOST_TEST(c.in_default);
    BOOST_TEST(c.default_reason.value_or("").find("failed 3 times") != std::string::npos);
    // Three attempts, all with their own idempotency key.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 3u);
    BOOST_TEST(posts[0].header("Idempotency-Key") != posts[2].header("Idempotency-Key"));
    // The next invoice of a customer in default is held, not issued.
    const auto next = issuedInvoice(3000);
    const auto held = invoice(next);
    BOOST_TEST((held.status == InvoiceStatus::kHeld));
    BOOST_TEST(!held.collect_at.has_value());
}

BOOST_AUTO_TEST_CASE(a_refund_goes_back_through_stripe_and_keeps_the_ledger) {
    const auto method = card("pm_card_visa");
    const auto inv = issuedInvoice(10000);
    const auto p = pay(inv, method);
    auto refund = payments->refund(actor, tenant, p.id, 2500, "damaged unit", {});
    BOOST_REQUIRE_MESSAGE(refund.ok(), (refund.ok() ? "" : refund.error().detail));
    BOOST_TEST((refund->status == domain::RefundStatus::kSucceeded));
    BOOST_TEST(refund->reference.value_or("").rfind("re_", 0) == 0u);
    BOOST_TEST(payments->get(tenant, p.id).value().refunded_minor == 2500);
    BOOST_TEST(stripe.counts().refunds == 1);
    // The paid invoice stays paid.
    BOOST_TEST((invoice(inv).status == InvoiceStatus::kPaid));
    checkLedger();
}

// The tenant passes Stripe's fee on: the payer pays A = ceil((P + 30) / (1 - 2.9 %)), the
// surcharge becomes a processing_fee line, and the invoice is paid with it; every amount can be
// recomputed from the stored lines.
BOOST_AUTO_TEST_CASE(a_passed_on_processing_fee_becomes_an_invoice_line_the_payment_covers) {
    configurePlugin("payment_stripe",
                    core::parseJson(R"({"secret_key":"sk_test_fake",)"
                                    R"("webhook_secret":"whsec_test_secret","api_base_url":")" +
                                    stripe.baseUrl() +
                                    R"(","fee_mode":"pass_through","fee_percent":"2.9",)"
                                    R"("fee_fixed_minor":30})")
                        .value());
    const auto method = card("pm_card_visa");
    const auto inv = issuedInvoice(10000);
    const auto p = pay(inv, method);
    BOOST_TEST((p.status == PaymentStatus::kSucceeded));
    BOOST_TEST(p.amount_minor == 10330);
    BOOST_TEST(p.surcharge_minor == 330);
    BOOST_TEST(p.applied_minor == 10330);
    BOOST_TEST(p.credited_minor == 0);
    const auto after = stored(inv);  // checks the amounts against their inputs
    BOOST_TEST((after.status == InvoiceStatus::kPaid));
    BOOST_TEST(after.total_minor == 10330);
    BOOST_TEST(after.amount_paid_minor == 10330);
    BOOST_REQUIRE_EQUAL(after.lines.size(), 2u);
    BOOST_TEST((after.lines[1].kind == domain::LineKind::kProcessingFee));
    BOOST_TEST(after.lines[1].amount_minor == 330);
    BOOST_TEST(!after.lines[1].taxable);
    // Stripe was asked for the total, the surcharge recorded on the PaymentIntent.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 1u);
    BOOST_TEST(posts[0].body.find("amount=10330") != std::string::npos);
    // A bad fee setting is refused naming the key, and nothing is charged.
    configurePlugin(
        "payment_stripe",
        core::parseJson(R"({"secret_key":"sk_test_fake","api_base_url":")" + stripe.baseUrl() +
                        R"(","fee_mode":"pass_through","fee_percent":"100"})")
            .value());
    const auto second = issuedInvoice(5000);
    services::PayRequest r;
    r.method_id = method;
    const auto refused = payments->pay(actor, tenant, second, r);
    BOOST_REQUIRE(!refused.ok());
    BOOST_TEST(refused.error().fields.at(0).field == "payment_stripe.fee_percent");
    BOOST_TEST(stripe.requests("POST", "/v1/payment_intents").size() == 1u);
}

// The platform charging a tenant for its platform invoice (seed 004) through payment_stripe,
// configured for the platform (platform.plugins.payment_stripe.*): a decline gives the invoice
// the seed's `failed` status with the attempt recorded; the next card pays it.
BOOST_AUTO_TEST_CASE(a_platform_invoice_is_paid_by_card_with_the_tenant_as_payer) {
    BOOST_REQUIRE(host->service
                      ->setPlatformConfig(
                          {{"payment_stripe",
                            {{"secret_key", "sk_test_fake"}, {"api_base_url", stripe.baseUrl()}}}})
                      .ok());
    services::PlatformBilling platform{*store, clock, *host->service, core::TimeZone::utc()};
    domain::BillingConfig config;
    config.tenant_id = tenant;
    config.flat_rate_minor = 150000;
    config.currency = *domain::findCurrency("USD");
    config.billing_email = "billing@tenant.example";
    config.billing_day_of_month = 1;
    config.payment_due_days = 15;
    BOOST_REQUIRE(platform.putBillingConfig(actor, config).ok());
    const auto inv = platform.generateInvoice(actor, tenant, ymd(2026, 11, 1)).value().invoice;

    services::PlatformCharge declined{"payment_stripe", {}, "pm_card_chargeDeclined", ""};
    const auto failed = platform.chargeInvoice(actor, tenant, inv.id, declined);
    BOOST_REQUIRE_MESSAGE(failed.ok(), (failed.ok() ? "" : failed.error().detail));
    BOOST_TEST(failed->status == "failed");
    BOOST_TEST(failed->failure_code.value_or("") == "card_declined");
    BOOST_TEST((failed->invoice.status == domain::PlatformInvoiceStatus::kFailed));
    BOOST_TEST(failed->invoice.failed_attempts == 1);

    services::PlatformCharge visa{"payment_stripe", {}, "pm_card_visa", ""};
    const auto paid = platform.chargeInvoice(actor, tenant, inv.id, visa);
    BOOST_REQUIRE_MESSAGE(paid.ok(), (paid.ok() ? "" : paid.error().detail));
    BOOST_TEST((paid->invoice.status == domain::PlatformInvoiceStatus::kPaid));
    BOOST_TEST(paid->invoice.payment_method.value_or("") == "card");
    BOOST_TEST(paid->invoice.payment_reference.value_or("").rfind("payment_stripe:pi_", 0) == 0u);
    // The tenant was the payer, and each attempt had its own key.
    const auto posts = stripe.requests("POST", "/v1/payment_intents");
    BOOST_REQUIRE_EQUAL(posts.size(), 2u);
    BOOST_TEST(posts[0].header("Idempotency-Key") == inv.id + "-1");
    BOOST_TEST(posts[1].header("Idempotency-Key") == inv.id + "-2");
    BOOST_TEST(platform.listAttempts(tenant, inv.id).value().size() == 2u);
    // Paid is final.
    BOOST_TEST(!platform.chargeInvoice(actor, tenant, inv.id, visa).ok());
}

BOOST_AUTO_TEST_CASE(the_platform_configuration_names_what_is_wrong) {
    const auto unknown = host->service->setPlatformConfig({{"payment_nope", {{"x", "y"}}}});
    BOOST_REQUIRE(!unknown.ok());
    BOOST_TEST(unknown.error().fields.at(0).field == "platform.plugins.payment_nope");
    const auto bad_key =
        host->service->setPlatformConfig({{"payment_stripe", {{"colour", "red"}}}});
    BOOST_REQUIRE(!bad_key.ok());
    BOOST_TEST(bad_key.error().fields.at(0).field == "platform.plugins.payment_stripe.colour");
    // Without the platform's secret key, charging through Stripe is refused naming it.
    const auto* stripe_plugin = host->service->find("payment_stripe");
    BOOST_REQUIRE(stripe_plugin != nullptr);
    const auto settings = host->service->platformSettings(*stripe_plugin);
    BOOST_REQUIRE(!settings.ok());
    BOOST_TEST(settings.error().fields.at(0).field == "platform.plugins.payment_stripe.secret_key");
}

BOOST_AUTO_TEST_SUITE_END()
