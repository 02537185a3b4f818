#define BOOST_TEST_MODULE fakes
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/json.h"
#include "fakes/fake_now_payments.h"
#include "fakes/fake_open_node.h"
#include "fakes/fake_plaid.h"
#include "fakes/fake_server.h"
#include "fakes/fake_stripe.h"

namespace billwright::fakes {
namespace {

using core::JsonValue;

JsonValue parse(const std::string& text) {
    auto parsed = parseJsonBody(text);
    BOOST_REQUIRE_MESSAGE(parsed.has_value(), "not JSON: " << text);
    return *parsed;
}

// A member path such as {"error", "payment_intent", "status"}; fails the test when missing.
const JsonValue& at(const JsonValue& v, std::initializer_list<std::string_view> path) {
    const JsonValue* cur = &v;
    for (const auto name : path) {
        cur = cur->find(name);
        BOOST_REQUIRE_MESSAGE(cur != nullptr, "missing member " << name);
    }
    return *cur;
}

std::string str(const JsonValue& v, std::initializer_list<std::string_view> path) {
    const JsonValue& field = at(v, path);
    BOOST_REQUIRE(field.isString());
    return field.asString();
}

std::int64_t num(const JsonValue& v, std::initializer_list<std::string_view> path) {
    const auto n = at(v, path).asInt64();
    BOOST_REQUIRE(n.has_value());
    return *n;
}

HttpReply stripeCall(const FakeStripe& stripe, const std::string& method, const std::string& path,
                     const std::string& body = "", Headers headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + stripe.options().secret_key);
    if (method == "POST") headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    return httpCall(method, stripe.baseUrl() + path, headers, body);
}

HttpReply plaidCall(const FakePlaid& plaid, const std::string& path, JsonValue body) {
    body.set("client_id", jsonString(plaid.options().client_id));
    body.set("secret", jsonString(plaid.options().secret));
    return httpCall("POST", plaid.baseUrl() + path, {{"Content-Type", "application/json"}},
                    core::toJson(body));
}

// ---- An ES256 verifier of our own, so the fake's signer is checked against OpenSSL directly ----

bool es256Verify(const JsonValue& jwk, std::string_view signing_input, std::string_view raw_sig) {
    const auto x = base64UrlDecode(str(jwk, {"x"}));
    const auto y = base64UrlDecode(str(jwk, {"y"}));
    if (!x || !y || x->size() != 32 || y->size() != 32 || raw_sig.size() != 64) return false;
    const std::string point = std::string(1, '\x04') + *x + *y;
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(OSSL_PARAM_BLD_new(),
                                                                            OSSL_PARAM_BLD_free);
    OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                     point.size());
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(builder.get()), OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* raw_key = nullptr;
    if (EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &raw_key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return false;
    }
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw_key, EVP_PKEY_free);
    // JWS r || s -> DER, which EVP verifies.
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw_sig.data());
    ECDSA_SIG_set0(sig.get(), BN_bin2bn(bytes, 32, nullptr), BN_bin2bn(bytes + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_length = i2d_ECDSA_SIG(sig.get(), &der);
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const bool ok =
        der_length > 0 &&
        EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) == 1 &&
        EVP_DigestVerify(md.get(), der, static_cast<std::size_t>(der_length),
                         reinterpret_cast<const unsigned char*>(signing_input.data()),
                         signing_input.size()) == 1;
    OPENSSL_free(der);
    return ok;
}

struct Jwt {
    JsonValue header;
    JsonValue payload;
    bool signature_ok = false;
};

Jwt verifyJwt(const std::string& jwt, const JsonValue& jwk) {
    const std::size_t first = jwt.find('.');
    const std::size_t second = jwt.find('.', first + 1);
    BOOST_REQUIRE(first != std::string::npos && second != std::string::npos);
    Jwt out;
    out.header = parse(base64UrlDecode(jwt.substr(0, first)).value_or(""));
    out.payload = parse(base64UrlDecode(jwt.substr(first + 1, second - first - 1)).value_or(""));
    const auto sig = base64UrlDecode(jwt.substr(second + 1));
    out.signature_ok = sig && es256Verify(jwk, jwt.substr(0, second), *sig);
    return out;
}

// Reference §2.6.
const std::string kPlaidJwk =
    R"({"alg":"ES256","created_at":1700000000,"crv":"P-256","expired_at":null,)"
    R"("kid":"6c5516e1-92dc-479e-a8ff-5a51992e0001","kty":"EC","use":"sig",)"
    R"("x":"aLilZol4EGQG3hs2xvr_BgmDmlYEqJ7uyQMSCc7InfQ","y":"BP69pA72pONz1jsJ4fIchtAOYBYMCDrm9CnXO8HVSZM"})";
const std::string kPlaidBody =
    "{\n  \"environment\": \"sandbox\",\n  \"error\": null,\n  \"item_id\": "
    "\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\",\n  \"webhook_code\": \"DEFAULT_UPDATE\",\n  "
    "\"webhook_type\": \"AUTH\"\n}";
const std::string kPlaidJwt =
    "eyJhbGciOiJFUzI1NiIsImtpZCI6IjZjNTUxNmUxLTkyZGMtNDc5ZS1hOGZmLTVhNTE5OTJlMDAwMSIsInR5cCI6Ik"
    "pXVCJ9.eyJpYXQiOjE3MDAwMDAwMDAsInJlcXVlc3RfYm9keV9zaGEyNTYiOiJkOTY3MWY1NDQxZTNjNTdlZjliOD"
    "M0ZDJmYjBlMzk5Yzk4NDJiN2MzYzgzMTMyMTgwNTRmYmI5YmE1MDAxNzQwIn0.LBoC_gfgoCm6Ehe3JEPDT_XWmtFH"
    "f2RQCymPCXa226kLHRoH2GEV6u8nZnE4SDO8DysZIUiCwqCeICm3Oj-FbA";

// ---- Golden vectors ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(stripe_signature_header_matches_the_reference_vector) {
    const std::string body =
        R"({"id":"evt_test_webhook","object":"event","type":"payment_intent.succeeded"})";
    BOOST_TEST(FakeStripe::signatureHeader({"whsec_test_secret"}, 1700000000, body) ==
               "t=1700000000,v1=130dc37d5a27b1b232a61e4f2ff00ed245f498112c11e8b747aff3d0fb754056");
}

BOOST_AUTO_TEST_CASE(plaid_reference_jwt_verifies_with_the_reference_jwk) {
    const Jwt jwt = verifyJwt(kPlaidJwt, parse(kPlaidJwk));
    BOOST_TEST(jwt.signature_ok);
    BOOST_TEST(str(jwt.header, {"alg"}) == "ES256");
    BOOST_TEST(num(jwt.payload, {"iat"}) == 1700000000);
    BOOST_TEST(str(jwt.payload, {"request_body_sha256"}) == sha256Hex(kPlaidBody));
    BOOST_TEST(sha256Hex(kPlaidBody) ==
               "d9671f5441e3c57ef9b834d2fb0e399c9842b7c3c8313218054fbb9ba5001740");
    // A changed body no longer matches the signed hash, a changed signature no longer verifies.
    std::string tampered = kPlaidJwt;
    tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
    BOOST_TEST(!verifyJwt(tampered, parse(kPlaidJwk)).signature_ok);
}

BOOST_AUTO_TEST_CASE(plaid_publishes_the_reference_jwk_for_the_reference_key) {
    FakePlaid plaid;
    const HttpReply reply =
        plaidCall(plaid, "/webhook_verification_key/get",
                  JsonValue::object().set("key_id", jsonString("6c5516e1-92dc-479e-"
                                                               "a8ff-5a51992e0001")));
    BOOST_REQUIRE_EQUAL(reply.status, 200);
    BOOST_TEST((at(parse(reply.body), {"key"}) == parse(kPlaidJwk)));
    BOOST_TEST(!str(parse(reply.body), {"request_id"}).empty());
}

BOOST_AUTO_TEST_CASE(plaid_webhook_body_format_reproduces_the_reference_bytes) {
    BOOST_TEST(prettyJson(parse(kPlaidBody), true) == kPlaidBody);
}

BOOST_AUTO_TEST_CASE(nowpayments_signature_matches_the_reference_vector) {
    const std::string body =
        R"({"payment_id":5077125051,"payment_status":"finished","pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","price_amount":170,"price_currency":"usd","pay_amount":155.38559757,"actually_paid":155.38559757,"pay_currency":"mana","order_id":"2","order_description":"Apple Macbook Pro 2019 x 1","purchase_id":"6084744717","created_at":"2021-04-12T14:22:54.942Z","updated_at":"2021-04-12T14:23:06.244Z","outcome_amount":1131.7812095,"outcome_currency":"trx","fee":{"currency":"mana","depositFee":0.1,"withdrawalFee":0,"serviceFee":0}})";
    BOOST_TEST(
        FakeNowPayments::canonicalJson(body) ==
        R"({"actually_paid":155.38559757,"created_at":"2021-04-12T14:22:54.942Z","fee":{"currency":"mana","depositFee":0.1,"serviceFee":0,"withdrawalFee":0},"order_description":"Apple Macbook Pro 2019 x 1","order_id":"2","outcome_amount":1131.7812095,"outcome_currency":"trx","pay_address":"0xd1cDE08A07cD25adEbEd35c3867a59228C09B606","pay_amount":155.38559757,"pay_currency":"mana","payment_id":5077125051,"payment_status":"finished","price_amount":170,"price_currency":"usd","purchase_id":"6084744717","updated_at":"2021-04-12T14:23:06.244Z"})");
    const std::string sig = FakeNowPayments::signature("test_ipn_secret", body);
    BOOST_TEST(sig ==
               "0685a3275d9f249186f7f325bb7d3c8dcdbf86c95c58a6bbfccea4641e50ad0c9faa80a77c1d42d8b3e"
               "89e749d17ceb4066f74599bfaec16adad020beaad5df7");
    BOOST_TEST(sig !=
               "0435f1a906426fa4e1318094f062ebb47d79542a64df64755f61a571a0d1f9ba84092b7cc4cd789529"
               "6c6a797962b649e6dfb8c3b237dcf0d1acb311cbc047ef");
}

BOOST_AUTO_TEST_CASE(opennode_hashed_order_matches_the_reference_vector) {
    BOOST_TEST(FakeOpenNode::hashedOrder("test_api_key", "ba57e419-a6c9-41b2-a54c-b870d073d899") ==
               "cd4a30156a0d3f51f2e15b725fe77816dd158c8b66dbbdf9dc932d41c5df0242");
}

// ---- Stripe wire behaviour -----------------------------------------------------------------

const std::string kCharge =
    "amount=2000&currency=usd&payment_method=pm_card_visa&payment_method_types[0]=card"
    "&confirm=true&description=Invoice+inv_42&metadata[invoice_id]=inv_42";

BOOST_AUTO_TEST_CASE(stripe_replays_an_idempotent_request_and_charges_once) {
    FakeStripe stripe;
    const HttpReply first = stripeCall(stripe, "POST", "/v1/payment_intents", kCharge,
                                       {{"Idempotency-Key", "inv_42-1"}});
    const HttpReply second = stripeCall(stripe, "POST", "/v1/payment_intents", kCharge,
                                        {{"Idempotency-Key", "inv_42-1"}});
    BOOST_REQUIRE_EQUAL(first.status, 200);
    BOOST_TEST(second.status == 200);
    BOOST_TEST(second.body == first.body);
    BOOST_TEST(findHeader(second.headers, "Request-Id") == findHeader(first.headers, "Request-Id"));
    BOOST_TEST(findHeader(second.headers, "Idempotent-Replayed") == "true");
    const JsonValue pi = parse(first.body);
    BOOST_TEST(str(pi, {"status"}) == "succeeded");
    BOOST_TEST(str(pi, {"metadata", "invoice_id"}) == "inv_42");
    BOOST_TEST(stripe.counts().payment_intents == 1);
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(stripe_refuses_a_reused_key_with_other_parameters) {
    FakeStripe stripe;
    BOOST_REQUIRE_EQUAL(
        stripeCall(stripe, "POST", "/v1/payment_intents", kCharge, {{"Idempotency-Key", "k1"}})
            .status,
        200);
    const HttpReply reply =
        stripeCall(stripe, "POST", "/v1/payment_intents",
                   "amount=2500&currency=usd&payment_method=pm_card_visa&confirm=true",
                   {{"Idempotency-Key", "k1"}});
    BOOST_TEST(reply.status == 400);
    BOOST_TEST(str(parse(reply.body), {"error", "type"}) == "idempotency_error");
    BOOST_TEST(stripe.counts().payment_intents == 1);
}

BOOST_AUTO_TEST_CASE(stripe_decline_is_a_402_with_the_payment_intent_embedded_and_is_replayed) {
    FakeStripe stripe;
    const std::string body =
        "amount=2000&currency=usd&payment_method=pm_card_visa_chargeDeclinedInsufficientFunds"
        "&confirm=true&off_session=true";
    const HttpReply reply =
        stripeCall(stripe, "POST", "/v1/payment_intents", body, {{"Idempotency-Key", "d1"}});
    BOOST_REQUIRE_EQUAL(reply.status, 402);
    BOOST_TEST(findHeader(reply.headers, "Request-Id").starts_with("req_"));
    const JsonValue error = at(parse(reply.body), {"error"});
    BOOST_TEST(str(error, {"type"}) == "card_error");
    BOOST_TEST(str(error, {"code"}) == "card_declined");
    BOOST_TEST(str(error, {"decline_code"}) == "insufficient_funds");
    BOOST_TEST(str(error, {"charge"}).starts_with("ch_"));
    BOOST_TEST(str(error, {"payment_intent", "status"}) == "requires_payment_method");
    BOOST_TEST(str(error, {"payment_intent", "latest_charge"}) == str(error, {"charge"}));
    BOOST_TEST(str(error, {"payment_intent", "last_payment_error", "decline_code"}) ==
               "insufficient_funds");
    const HttpReply replay =
        stripeCall(stripe, "POST", "/v1/payment_intents", body, {{"Idempotency-Key", "d1"}});
    BOOST_TEST(replay.status == 402);
    BOOST_TEST(replay.body == reply.body);
    BOOST_TEST(stripe.counts().charges == 1);
    BOOST_TEST(stripe.counts().succeeded_charges == 0);
}

BOOST_AUTO_TEST_CASE(stripe_accepts_basic_auth_and_refuses_a_wrong_key) {
    FakeStripe stripe;
    const std::string basic = "Basic " + [] {
        // base64("sk_test_fake:")
        return std::string("c2tfdGVzdF9mYWtlOg==");
    }();
    const HttpReply ok = httpCall("POST", stripe.baseUrl() + "/v1/customers",
                                  {{"Authorization", basic}}, "email=a%40example.com");
    BOOST_TEST(ok.status == 200);
    BOOST_TEST(str(parse(ok.body), {"email"}) == "a@example.com");
    const HttpReply bad = httpCall("POST", stripe.baseUrl() + "/v1/customers",
                                   {{"Authorization", "Bearer sk_test_wrong_key"}}, "");
    BOOST_TEST(bad.status == 401);
    BOOST_TEST(str(parse(bad.body), {"error", "type"}) == "invalid_request_error");
    BOOST_TEST(stripe.counts().customers == 1);
}

BOOST_AUTO_TEST_CASE(stripe_reads_indexed_and_bracket_arrays_literal_or_percent_encoded) {
    FakeStripe stripe;
    const HttpReply created = stripeCall(
        stripe, "POST", "/v1/payment_intents",
        "amount=10000&currency=usd&payment_method=pm_card_visa&payment_method_types%5B0%5D=card"
        "&confirm=true&expand[]=latest_charge");
    BOOST_REQUIRE_EQUAL(created.status, 200);
    const JsonValue pi = parse(created.body);
    BOOST_TEST(str(pi, {"latest_charge", "object"}) == "charge");
    const HttpReply fetched = stripeCall(stripe, "GET",
                                         "/v1/payment_intents/" + str(pi, {"id"}) +
                                             "?expand%5B%5D=latest_charge.balance_transaction");
    BOOST_REQUIRE_EQUAL(fetched.status, 200);
    // 2.9 % of 100.00 + 0.30
    const JsonValue txn = at(parse(fetched.body), {"latest_charge", "balance_transaction"});
    BOOST_TEST(num(txn, {"fee"}) == 320);
    BOOST_TEST(num(txn, {"net"}) == 9680);
    const HttpReply unknown = stripeCall(stripe, "POST", "/v1/customers", "emial=a%40example.com");
    BOOST_TEST(unknown.status == 400);
    BOOST_TEST(str(parse(unknown.body), {"error", "code"}) == "parameter_unknown");
}

BOOST_AUTO_TEST_CASE(stripe_off_session_3ds_card_is_declined_and_on_session_needs_action) {
    FakeStripe stripe;
    const HttpReply off = stripeCall(
        stripe, "POST", "/v1/payment_intents",
        "amount=2000&currency=usd&payment_method=pm_card_authenticationRequired&confirm=true"
        "&off_session=true");
    BOOST_TEST(off.status == 402);
    BOOST_TEST(str(parse(off.body), {"error", "code"}) == "authentication_required");
    const HttpReply on = stripeCall(
        stripe, "POST", "/v1/payment_intents",
        "amount=2000&currency=usd&payment_method=pm_card_authenticationRequired&confirm=true"
        "&return_url=https%3A%2F%2Fbilling.local%2Fback");
    BOOST_REQUIRE_EQUAL(on.status, 200);
    const JsonValue pi = parse(on.body);
    BOOST_TEST(str(pi, {"status"}) == "requires_action");
    BOOST_TEST(str(pi, {"next_action", "type"}) == "redirect_to_url");
    stripe.completeAction(str(pi, {"id"}));
    BOOST_TEST(str(*stripe.object(str(pi, {"id"})), {"status"}) == "succeeded");
}

BOOST_AUTO_TEST_CASE(stripe_retry_after_a_dropped_response_yields_one_charge) {
    FakeStripe stripe;
    stripe.dropResponseNext({"POST", "/v1/payment_intents"});
    const HttpReply lost = stripeCall(stripe, "POST", "/v1/payment_intents", kCharge,
                                      {{"Idempotency-Key", "pay_1-attempt-1"}});
    BOOST_TEST(lost.status == 0);                        // the connection closed without an answer
    BOOST_TEST(stripe.counts().succeeded_charges == 1);  // but the provider did charge
    const HttpReply retry = stripeCall(stripe, "POST", "/v1/payment_intents", kCharge,
                                       {{"Idempotency-Key", "pay_1-attempt-1"}});
    BOOST_TEST(retry.status == 200);
    BOOST_TEST(str(parse(retry.body), {"status"}) == "succeeded");
    BOOST_TEST(stripe.counts().payment_intents == 1);
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(stripe_retry_after_a_client_timeout_replays_the_charge_made_meanwhile) {
    FakeStripe stripe;
    stripe.delayResponseNext(std::chrono::seconds(30));
    const Headers headers = {{"Authorization", "Bearer sk_test_fake"},
                             {"Idempotency-Key", "pay_2-attempt-1"}};
    const HttpReply timed_out = httpCall("POST", stripe.baseUrl() + "/v1/payment_intents", headers,
                                         kCharge, std::chrono::milliseconds(200));
    BOOST_TEST(timed_out.status == 0);
    const HttpReply retry =
        httpCall("POST", stripe.baseUrl() + "/v1/payment_intents", headers, kCharge);
    BOOST_TEST(retry.status == 200);
    BOOST_TEST(findHeader(retry.headers, "Idempotent-Replayed") == "true");
    BOOST_TEST(stripe.counts().payment_intents == 1);
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}  // the fake's destructor wakes the delayed response, which is then dropped

BOOST_AUTO_TEST_CASE(stripe_injected_failure_is_answered_without_processing) {
    FakeStripe stripe;
    stripe.failNext(1, 500, {{"Stripe-Should-Retry", "true"}}, {"POST", "/v1/payment_intents"});
    const HttpReply customer = stripeCall(stripe, "POST", "/v1/customers", "name=Ann");
    BOOST_TEST(customer.status == 200);  // out of the fault's scope
    const HttpReply failed =
        stripeCall(stripe, "POST", "/v1/payment_intents", kCharge, {{"Idempotency-Key", "f1"}});
    BOOST_TEST(failed.status == 500);
    BOOST_TEST(findHeader(failed.headers, "Stripe-Should-Retry") == "true");
    BOOST_TEST(str(parse(failed.body), {"error", "type"}) == "api_error");
    BOOST_TEST(stripe.counts().payment_intents == 0);
    const HttpReply retry =
        stripeCall(stripe, "POST", "/v1/payment_intents", kCharge, {{"Idempotency-Key", "f1"}});
    BOOST_TEST(retry.status == 200);
    BOOST_TEST(stripe.requests("POST", "/v1/payment_intents").size() == 2u);
}

BOOST_AUTO_TEST_CASE(stripe_webhooks_are_signed_over_the_raw_body_with_the_fake_clock) {
    FakeStripe stripe;
    RecordingEndpoint endpoint;
    stripe.setWebhookEndpoint(endpoint.url(), {"payment_intent.succeeded"});
    BOOST_REQUIRE_EQUAL(stripeCall(stripe, "POST", "/v1/payment_intents", kCharge).status, 200);
    stripe.setNow(1'700'000'123);
    const std::vector<WebhookDelivery> pending = stripe.pendingWebhooks();
    BOOST_REQUIRE_EQUAL(pending.size(), 1u);
    BOOST_TEST(pending[0].header("Stripe-Signature") ==
               FakeStripe::signatureHeader({"whsec_test_secret"}, 1'700'000'123, pending[0].body));
    BOOST_TEST(stripe.deliverWebhooks() == std::vector<int>{200});
    const auto received = endpoint.requests();
    BOOST_REQUIRE_EQUAL(received.size(), 1u);
    BOOST_TEST(received[0].body == pending[0].body);
    BOOST_TEST(str(parse(received[0].body), {"type"}) == "payment_intent.succeeded");
    BOOST_TEST(stripe.pendingWebhooks().empty());
}

// ---- ACH through Plaid ---------------------------------------------------------------------

std::string linkedBankSource(FakeStripe& stripe, FakePlaid& plaid, const std::string& kind,
                             std::string& customer) {
    const PlaidLinkResult link = plaid.link();
    const HttpReply exchanged =
        plaidCall(plaid, "/item/public_token/exchange",
                  JsonValue::object().set("public_token", jsonString(link.public_token)));
    BOOST_REQUIRE_EQUAL(exchanged.status, 200);
    const HttpReply again =
        plaidCall(plaid, "/item/public_token/exchange",
                  JsonValue::object().set("public_token", jsonString(link.public_token)));
    BOOST_TEST(again.status == 400);
    BOOST_TEST(str(parse(again.body), {"error_code"}) == "INVALID_PUBLIC_TOKEN");
    const HttpReply btok =
        plaidCall(plaid, "/processor/stripe/bank_account_token/create",
                  JsonValue::object()
                      .set("access_token", jsonString(str(parse(exchanged.body), {"access_token"})))
                      .set("account_id", jsonString(link.account_ids.at(kind))));
    BOOST_REQUIRE_EQUAL(btok.status, 200);
    const HttpReply created =
        stripeCall(stripe, "POST", "/v1/customers",
                   "source=" + str(parse(btok.body), {"stripe_bank_account_token"}));
    BOOST_REQUIRE_EQUAL(created.status, 200);
    customer = str(parse(created.body), {"id"});
    return str(parse(created.body), {"default_source"});
}

std::string debit(FakeStripe& stripe, const std::string& customer, const std::string& source) {
    const HttpReply reply =
        stripeCall(stripe, "POST", "/v1/payment_intents",
                   "amount=5000&currency=usd&customer=" + customer + "&payment_method=" + source +
                       "&payment_method_types[0]=us_bank_account&confirm=true"
                       "&mandate_data[customer_acceptance][type]=online"
                       "&mandate_data[customer_acceptance][online][ip_address]=203.0.113.7"
                       "&mandate_data[customer_acceptance][online][user_agent]=Mozilla%2F5.0");
    BOOST_REQUIRE_EQUAL(reply.status, 200);
    BOOST_TEST(str(parse(reply.body), {"status"}) == "processing");
    return str(parse(reply.body), {"id"});
}

BOOST_AUTO_TEST_CASE(ach_debit_from_a_plaid_account_settles_as_the_account_says) {
    FakeStripe stripe;
    FakePlaid plaid({}, &stripe);
    RecordingEndpoint endpoint;
    stripe.setWebhookEndpoint(endpoint.url(),
                              {"payment_intent.succeeded", "payment_intent.payment_failed"});

    std::string good_customer;
    const std::string good = linkedBankSource(stripe, plaid, "checking", good_customer);
    BOOST_TEST(good.starts_with("ba_"));
    const std::string paid = debit(stripe, good_customer, good);
    BOOST_TEST(stripe.counts().succeeded_charges == 0);
    BOOST_TEST(stripe.settleAch(paid) == std::vector<int>{200});
    BOOST_TEST(str(*stripe.object(paid), {"status"}) == "succeeded");

    std::string poor_customer;
    const std::string poor = linkedBankSource(stripe, plaid, "insufficient_funds", poor_customer);
    const std::string failed = debit(stripe, poor_customer, poor);
    BOOST_TEST(stripe.settleAch(failed) == std::vector<int>{200});
    const JsonValue pi = *stripe.object(failed);
    BOOST_TEST(str(pi, {"status"}) == "requires_payment_method");
    BOOST_TEST(str(pi, {"last_payment_error", "code"}) == "insufficient_funds");

    const auto received = endpoint.requests();
    BOOST_REQUIRE_EQUAL(received.size(), 2u);
    BOOST_TEST(str(parse(received[0].body), {"type"}) == "payment_intent.succeeded");
    BOOST_TEST(str(parse(received[1].body), {"type"}) == "payment_intent.payment_failed");
    BOOST_TEST(stripe.counts().succeeded_charges == 1);
}

BOOST_AUTO_TEST_CASE(plaid_webhook_carries_a_jwt_that_verifies_with_the_published_key) {
    FakePlaid plaid;
    RecordingEndpoint endpoint;
    plaid.setNow(1'700'000'500);
    const PlaidLinkResult link = plaid.link("", endpoint.url());
    BOOST_TEST(plaid.breakItemLogin(link.item_id) == std::vector<int>{200});
    const auto received = endpoint.requests();
    BOOST_REQUIRE_EQUAL(received.size(), 1u);
    const Jwt jwt = verifyJwt(received[0].header("Plaid-Verification"), parse(kPlaidJwk));
    BOOST_TEST(jwt.signature_ok);
    BOOST_TEST(num(jwt.payload, {"iat"}) == 1'700'000'500);
    BOOST_TEST(str(jwt.payload, {"request_body_sha256"}) == sha256Hex(received[0].body));
    const JsonValue body = parse(received[0].body);
    BOOST_TEST(str(body, {"webhook_code"}) == "ERROR");
    BOOST_TEST(str(body, {"error", "error_code"}) == "ITEM_LOGIN_REQUIRED");
}

// ---- Crypto providers ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(nowpayments_payment_sends_signed_ipns_for_each_status) {
    FakeNowPayments np;
    RecordingEndpoint endpoint;
    const HttpReply created = httpCall(
        "POST", np.baseUrl() + "/v1/payment",
        {{"x-api-key", np.options().api_key}, {"Content-Type", "application/json"}},
        R"({"price_amount":100,"price_currency":"usd","pay_currency":"btc","order_id":"inv_42",)"
        R"("ipn_callback_url":")" +
            endpoint.url() + R"("})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const JsonValue payment = parse(created.body);
    BOOST_TEST(str(payment, {"payment_status"}) == "waiting");
    BOOST_TEST(at(payment, {"pay_amount"}).numberText() == "0.002");
    const std::string id = str(payment, {"payment_id"});
    BOOST_TEST(np.payInFull(id) == (std::vector<int>{200, 200, 200, 200}));
    const auto received = endpoint.requests();
    BOOST_REQUIRE_EQUAL(received.size(), 4u);
    for (const auto& r : received) {
        BOOST_TEST(r.header("x-nowpayments-sig") ==
                   FakeNowPayments::signature("test_ipn_secret", r.body));
    }
    BOOST_TEST(str(parse(received[3].body), {"payment_status"}) == "finished");
    const HttpReply bad_key =
        httpCall("GET", np.baseUrl() + "/v1/payment/" + id, {{"x-api-key", "wrong"}});
    BOOST_TEST(bad_key.status == 403);
    BOOST_TEST(at(parse(bad_key.body), {"status"}).asBool() == false);
}

BOOST_AUTO_TEST_CASE(opennode_underpaid_charge_sends_a_form_webhook_with_hashed_order) {
    FakeOpenNode on;
    RecordingEndpoint endpoint;
    const HttpReply created =
        httpCall("POST", on.baseUrl() + "/v1/charges",
                 {{"Authorization", on.options().api_key}, {"Content-Type", "application/json"}},
                 R"({"amount":10.5,"currency":"USD","order_id":"inv_42","callback_url":")" +
                     endpoint.url() + R"("})");
    BOOST_REQUIRE_EQUAL(created.status, 201);
    const JsonValue charge = at(parse(created.body), {"data"});
    BOOST_TEST(num(charge, {"amount"}) == 21000);  // 10.50 USD at 50000 USD/BTC
    const std::string id = str(charge, {"id"});
    BOOST_TEST(on.payOnChain(id, 20000) == (std::vector<int>{200, 200}));
    const auto received = endpoint.requests();
    BOOST_REQUIRE_EQUAL(received.size(), 2u);
    BOOST_TEST(received[1].header("Content-Type") == "application/x-www-form-urlencoded");
    const auto fields = parseForm(received[1].body);
    BOOST_REQUIRE(fields.has_value());
    std::map<std::string, std::string> form(fields->begin(), fields->end());
    BOOST_TEST(form["status"] == "underpaid");
    BOOST_TEST(form["missing_amt"] == "1000");
    BOOST_TEST(form["hashed_order"] == hmacSha256Hex("test_api_key", id));
    const HttpReply fetched =
        httpCall("GET", on.baseUrl() + "/v1/charge/" + id, {{"Authorization", "test_api_key"}});
    BOOST_TEST(str(parse(fetched.body), {"data", "status"}) == "underpaid");
    const HttpReply no_key = httpCall("GET", on.baseUrl() + "/v1/charge/" + id);
    BOOST_TEST(no_key.status == 401);
}

}  // namespace
}  // namespace billwright::fakes
