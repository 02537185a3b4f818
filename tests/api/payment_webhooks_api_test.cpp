// Card payments end to end over HTTP: a real billwrightd with payment_stripe configured against
// tests/fakes FakeStripe, which delivers its signed webhooks to the server's
// POST /v1/webhooks/{tenant_id}/payment_stripe. Proves the raw body and headers reach the plugin
// byte for byte, that a bad signature is 400 with nothing changed, and that a redelivery is
// answered as a duplicate.

#include <boost/test/unit_test.hpp>

#include <chrono>

#include "api/invoicing_fixture.h"
#include "fakes/fake_stripe.h"

namespace billwright::testing {
namespace {

using core::JsonValue;
using invoicing::createdId;

const std::string kMasterKey = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::int64_t wallNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// Delivers a (possibly tampered) webhook as the provider would.
fakes::HttpReply post(const fakes::WebhookDelivery& d) {
    return fakes::httpCall("POST", d.url, d.headers, d.body);
}

struct StripeShop {
    fakes::FakeStripe stripe;
    ServerProcess server{
        {"plugins.http_allowlist=payment_stripe=127.0.0.1", "secrets.master_key=" + kMasterKey}};
    invoicing::Shop shop;
    std::string customer;

    StripeShop() {
        stripe.setNow(wallNow());  // the server checks signatures against its wall clock
        shop = invoicing::newShop(server, "Card Co");
        stripe.setWebhookEndpoint("http://127.0.0.1:" + std::to_string(server.port()) +
                                  "/v1/webhooks/" + shop.tenant + "/payment_stripe");
        const auto api = shop.admin();
        const auto config = api.put("/v1/plugins/payment_stripe/config",
                                    R"({"secret_key":"sk_test_fake",)"
                                    R"("webhook_secret":"whsec_test_secret","api_base_url":")" +
                                        stripe.baseUrl() + "\"}");
        BOOST_REQUIRE_MESSAGE(config.status == 200, config.body);
        customer = invoicing::billableCustomer(api);
    }

    JsonValue payment(const std::string& id) {
        const auto r = shop.admin().get("/v1/payments/" + id);
        BOOST_REQUIRE_EQUAL(r.status, 200);
        return r.json();
    }
};

BOOST_AUTO_TEST_SUITE(payment_webhooks_api)

BOOST_AUTO_TEST_CASE(three_d_secure_is_completed_by_the_providers_signed_webhook) {
    StripeShop s;
    const auto api = s.shop.admin();
    const std::string methods = "/v1/customers/" + s.customer + "/payment-methods";
    const auto session = api.post(methods + "/session", R"({"plugin_id":"payment_stripe"})");
    BOOST_REQUIRE_MESSAGE(session.status == 201, session.body);
    BOOST_TEST(str(session.json(), "client_token").rfind("seti_", 0) == 0u);
    const auto method = createdId(api.post(
        methods,
        R"({"plugin_id":"payment_stripe","token":"pm_card_authenticationRequiredSetupForOffSession"})"));
    const auto invoice = createdId(invoicing::issue(api, s.customer));

    const auto paid = api.post("/v1/invoices/" + invoice + "/payments",
                               R"({"payment_method_id":")" + method +
                                   R"(","return_url":"https://portal.example.com/done"})");
    BOOST_REQUIRE_MESSAGE(paid.status == 201, paid.body);
    BOOST_TEST(str(paid.json(), "status") == "requires_action");
    BOOST_TEST(!str(paid.json(), "action_url").empty());
    const std::string payment_id = str(paid.json(), "id");
    s.stripe.takeWebhooks();

    // The payer passes 3-D Secure; Stripe's events are queued, then one is tampered with.
    s.stripe.completeAction(str(paid.json(), "reference"), fakes::Send::kQueue);
    auto deliveries = s.stripe.takeWebhooks();
    BOOST_REQUIRE(!deliveries.empty());
    auto tampered = deliveries.back();
    tampered.body.replace(tampered.body.find("\"id\""), 4, "\"Id\"");
    const auto refused = post(tampered);
    BOOST_TEST(refused.status == 400);
    BOOST_TEST(s.payment(payment_id).find("status")->asString() == "requires_action");
    BOOST_TEST(str(api.get("/v1/invoices/" + invoice).json(), "status") == "issued");

    for (const auto& d : deliveries) BOOST_TEST(post(d).status == 200);
    const auto done = s.payment(payment_id);
    BOOST_TEST(str(done, "status") == "succeeded");
    BOOST_TEST(str(done, "amount_received") == "111.60");
    BOOST_TEST(str(api.get("/v1/invoices/" + invoice).json(), "status") == "paid");

    // A redelivery: answered, nothing applied twice.
    const auto again = post(deliveries.back());
    BOOST_REQUIRE_EQUAL(again.status, 200);
    const auto receipt = core::parseJson(again.body).value();
    BOOST_TEST(receipt.find("duplicate")->asBool());
    BOOST_TEST(str(api.get("/v1/invoices/" + invoice).json(), "amount_paid") == "111.60");
    BOOST_TEST(s.stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(a_stale_or_unsigned_delivery_changes_nothing) {
    StripeShop s;
    const auto api = s.shop.admin();
    const auto method =
        createdId(api.post("/v1/customers/" + s.customer + "/payment-methods",
                           R"({"plugin_id":"payment_stripe","token":"pm_card_visa"})"));
    const auto invoice = createdId(invoicing::issue(api, s.customer));
    const auto paid = api.post("/v1/invoices/" + invoice + "/payments",
                               R"({"payment_method_id":")" + method + "\"}");
    BOOST_REQUIRE_MESSAGE(paid.status == 201, paid.body);
    BOOST_TEST(str(paid.json(), "status") == "succeeded");
    const auto events = s.stripe.takeWebhooks();
    BOOST_REQUIRE(!events.empty());
    // Signed an hour ago.
    s.stripe.advance(-3600);
    const auto event_id = core::parseJson(events.back().body).value().find("id")->asString();
    const auto stale = post(s.stripe.eventDelivery(event_id));
    BOOST_TEST(stale.status == 400);
    BOOST_TEST(core::parseJson(stale.body).value().find("code")->asString() == "invalid_signature");
    auto unsigned_delivery = events.back();
    unsigned_delivery.setHeader("Stripe-Signature", "");
    BOOST_TEST(post(unsigned_delivery).status == 400);
    // Another tenant's URL does not verify with this tenant's secret either way.
    const auto other = invoicing::newShop(s.server, "Other Co");
    auto misdirected = events.back();
    misdirected.url = "http://127.0.0.1:" + std::to_string(s.server.port()) + "/v1/webhooks/" +
                      other.tenant + "/payment_stripe";
    BOOST_TEST(post(misdirected).status == 400);
    BOOST_TEST(str(api.get("/v1/invoices/" + invoice).json(), "amount_paid") == "111.60");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::testing
