// Payment processor "payment_plaid_ach": US bank accounts linked through Plaid and debited by ACH
// through Stripe (reference payment-providers.md §2.2, §2.3, §2.6). Method type BANK_ACCOUNT;
// flags NEEDS_METHOD, OFF_SESSION, REFUNDS, WEBHOOKS. Stateless: the host stores the Stripe
// customer (cus_...), the bank account (ba_...), the PaymentIntent (pi_...) and refunds (re_...).
// See README.md for the configuration keys, parameters and failure codes.
//
// begin_method  a Plaid link_token (/link/token/create) for the payer's browser.
// setup_method  the token is Plaid Link's public_token and the call parameter "account_id" the
//               account the payer picked: the public token is exchanged, Plaid makes a Stripe
//               bank-account token (btok_...), Stripe turns it into a verified ba_... source of
//               the payer's customer, and a confirmed SetupIntent records the ACH debit mandate
//               (online with the parameters "ip_address" and "user_agent", offline without).
// charge        a confirmed us_bank_account PaymentIntent on the ba_ source with the host's
//               idempotency key; it is PENDING (processing) for days and settles or fails by
//               Stripe webhook (insufficient_funds, account_closed, no_account, ...).
// webhook       one endpoint for both providers: a Stripe-Signature delivery is verified with
//               the Stripe signing secret and read as in payment_stripe; a Plaid-Verification
//               delivery is verified as an ES256 JWT (key from /webhook_verification_key/get,
//               iat within 5 minutes, request_body_sha256 of the raw body) and ignored: Plaid's
//               Item events do not change a debit through Stripe.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/iso_time.h"
#include "common/provider_http.h"
#include "common/stripe_api.h"

namespace billwright::payment_plaid_ach {
namespace {

namespace sdk = billwright::sdk;
using codec::JsonValue;

constexpr common::StripeKeys kStripeKeys{"stripe_base_url",       "stripe_secret_key",
                                         "stripe_api_version",    "request_timeout_ms",
                                         "stripe_webhook_secret", "webhook_tolerance_seconds"};
constexpr std::string_view kPlaidLiveUrl = "https://production.plaid.com";
constexpr std::string_view kPlaidVersion = "2020-09-14";
// Plaid's rule for Plaid-Verification: a JWT issued more than five minutes ago is refused.
constexpr std::int64_t kPlaidMaxAgeSeconds = 300;

struct PlaidReply {
    int status = 0;
    JsonValue body;

    bool ok() const { return status >= 200 && status < 300; }
    std::string_view errorCode() const { return common::stringAt(body, {"error_code"}); }
};

// Plaid's API: JSON POSTs, credentials in PLAID-CLIENT-ID / PLAID-SECRET, Plaid-Version pinned.
class PlaidClient {
public:
    explicit PlaidClient(const sdk::Call& call)
        : call_(call),
          base_url_(common::configBaseUrl(call, "plaid_base_url", kPlaidLiveUrl)),
          client_id_(common::configText(call, "plaid_client_id")),
          secret_(common::requiredSecret(call, "plaid_secret")),
          timeout_ms_(static_cast<std::uint32_t>(
              common::configInteger(call, "request_timeout_ms", 20000, 100, 120000))) {
        if (client_id_.empty() || common::hasControl(client_id_)) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "configuration plaid_client_id is not configured");
        }
    }

    PlaidReply post(const std::string& path, const JsonValue& body) const {
        std::string headers = "Content-Type: application/json\r\n";
        headers += "PLAID-CLIENT-ID: " + client_id_ + "\r\n";
        headers += "PLAID-SECRET: " + secret_ + "\r\n";
        headers += "Plaid-Version: " + std::string(kPlaidVersion) + "\r\n";
        const sdk::HttpResponse response =
            common::send(call_, "POST", base_url_ + path, headers, codec::writeJson(body),
                         timeout_ms_, "Plaid " + path);
        PlaidReply reply;
        reply.status = response.status;
        auto parsed = codec::parseJson(response.body);
        if (parsed && parsed->isObject()) {
            reply.body = std::move(*parsed);
        } else if (reply.ok()) {
            throw sdk::Error(BW_ERR_UNAVAILABLE, "Plaid " + path + " answered without JSON");
        } else {
            reply.body = JsonValue::object();
        }
        return reply;
    }

private:
    const sdk::Call& call_;
    std::string base_url_;
    std::string client_id_;
    std::string secret_;
    std::uint32_t timeout_ms_;
};

// A failed Plaid answer: 4xx is bad input (`what` names it), 429 and 5xx the provider.
[[noreturn]] void plaidFailed(const PlaidReply& reply, const std::string& what) {
    const std::string_view type = common::stringAt(reply.body, {"error_type"});
    const std::string_view code = reply.errorCode();
    const std::string_view message = common::stringAt(reply.body, {"error_message"});
    const std::string detail = what + ": Plaid answered " + std::to_string(reply.status) + " " +
                               std::string(type) + "/" + std::string(code) +
                               (message.empty() ? "" : " (" + std::string(message) + ")");
    if (reply.status == 429 || reply.status >= 500 || type == "RATE_LIMIT_EXCEEDED" ||
        type == "API_ERROR" || type == "INSTITUTION_ERROR") {
        throw sdk::Error(BW_ERR_UNAVAILABLE, detail);
    }
    if (code == "INVALID_API_KEYS") {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         detail + ": check plaid_client_id and plaid_secret");
    }
    throw sdk::Error(BW_ERR_INVALID_ARGUMENT, detail);
}

std::string_view requiredField(const PlaidReply& reply, std::string_view field,
                               const std::string& what) {
    const std::string_view value = common::stringAt(reply.body, {field});
    if (value.empty()) {
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         what + ": Plaid answered without " + std::string(field));
    }
    return value;
}

// ---- Plaid-Verification (reference §2.6) ---------------------------------------------------

[[noreturn]] void denied(const std::string& why) {
    throw sdk::Error(BW_ERR_DENIED, "Plaid-Verification: " + why);
}

std::optional<JsonValue> decodedJson(std::string_view part) {
    const auto bytes = codec::base64UrlDecode(part);
    if (!bytes) return std::nullopt;
    auto value = codec::parseJson(*bytes);
    if (!value || !value->isObject()) return std::nullopt;
    return value;
}

// The P-256 point 0x04 || X || Y of the JWK Plaid publishes for `kid`, checked against `iat`.
std::string verificationKey(const PlaidClient& plaid, std::string_view kid, std::int64_t iat) {
    const PlaidReply reply =
        plaid.post("/webhook_verification_key/get",
                   JsonValue::object().set("key_id", JsonValue::string(std::string(kid))));
    if (!reply.ok()) {
        if (reply.status == 400 &&
            common::stringAt(reply.body, {"error_type"}) == "INVALID_INPUT") {
            denied("Plaid does not know the key " + std::string(kid));
        }
        plaidFailed(reply, "fetching the webhook verification key");
    }
    const JsonValue* key = reply.body.find("key");
    if (key == nullptr || !key->isObject()) denied("Plaid answered no key");
    if (key->getString("kty") != "EC" || key->getString("crv") != "P-256") {
        denied("the key is not a P-256 key");
    }
    if (const auto alg = key->getString("alg"); alg && *alg != "ES256")
        denied("the key is not ES256");
    if (const auto expired = key->getInt64("expired_at"); expired && iat > *expired) {
        denied("the key expired before the token was issued");
    }
    const auto x = codec::base64UrlDecode(key->getString("x").value_or(""));
    const auto y = codec::base64UrlDecode(key->getString("y").value_or(""));
    if (!x || !y || x->size() != 32 || y->size() != 32)
        denied("the key's coordinates are malformed");
    return std::string("\x04", 1) + *x + *y;
}

void verifyPlaid(const sdk::Call& call, std::string_view token, std::string_view body,
                 std::int64_t received_at) {
    const std::size_t first = token.find('.');
    const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
    if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
        denied("not a compact JWT");
    }
    const std::string_view signing_input = token.substr(0, second);
    const auto header = decodedJson(token.substr(0, first));
    const auto claims = decodedJson(token.substr(first + 1, second - first - 1));
    const auto signature = codec::base64UrlDecode(token.substr(second + 1));
    if (!header || !claims || !signature) denied("the JWT is malformed");
    if (header->getString("alg") != "ES256") denied("the JWT is not ES256");
    const std::string_view kid = header->getString("kid").value_or("");
    if (kid.empty() || common::hasControl(kid)) denied("the JWT has no key id");
    const auto iat = claims->getInt64("iat");
    const auto body_sha256 = claims->getString("request_body_sha256");
    if (!iat || !body_sha256) denied("the JWT lacks iat or request_body_sha256");
    if (signature->size() != 64) denied("the signature is not 64 bytes");

    const std::string digest = codec::hexEncode(call.hash(BW_HASH_SHA256, body));
    if (!codec::constantTimeEquals(digest, *body_sha256)) denied("the body does not match");
    if (*iat < received_at - kPlaidMaxAgeSeconds || *iat > received_at + kPlaidMaxAgeSeconds) {
        denied("the JWT was issued more than 5 minutes from the time received");
    }
    const std::string key = verificationKey(PlaidClient(call), kid, *iat);
    bool valid = false;
    try {
        valid = call.verify(BW_VERIFY_ES256, key, signing_input, *signature);
    } catch (const sdk::Error& e) {
        if (e.status() != BW_ERR_INVALID_ARGUMENT) throw;
        denied("the key or signature is malformed");
    }
    if (!valid) denied("the signature does not verify");
}

class PlaidAchProcessor final : public common::StripeIntentProcessor {
public:
    PlaidAchProcessor() : StripeIntentProcessor(kStripeKeys) {}

private:
    sdk::MethodResult beginMethod(sdk::Call& call, const sdk::MethodRequest& request) override {
        if (request.payer.id.empty()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payer.id is required");
        }
        const PlaidClient plaid(call);
        const std::string client_name = common::configText(call, "plaid_client_name", "Billwright");
        JsonValue body =
            JsonValue::object()
                .set("client_name", JsonValue::string(client_name))
                .set("language", JsonValue::string("en"))
                .set("country_codes", JsonValue::array().push(JsonValue::string("US")))
                .set("user",
                     JsonValue::object().set(
                         "client_user_id", JsonValue::string(std::string(request.payer.kind) + ":" +
                                                             std::string(request.payer.id))))
                .set("products", JsonValue::array().push(JsonValue::string("auth")));
        const std::string webhook = common::configText(call, "plaid_webhook_url");
        if (!webhook.empty()) body.set("webhook", JsonValue::string(webhook));
        const std::string what = "creating the Plaid link token";
        const PlaidReply reply = plaid.post("/link/token/create", body);
        if (!reply.ok()) plaidFailed(reply, what);
        sdk::MethodResult out;
        out.client_token = std::string(requiredField(reply, "link_token", what));
        out.client_token_expires_at =
            common::parseIsoTime(common::stringAt(reply.body, {"expiration"})).value_or(0);
        out.method_type = BW_METHOD_BANK_ACCOUNT;
        return out;
    }

    sdk::MethodResult setupMethod(sdk::Call& call, const sdk::MethodRequest& request) override {
        if (request.token.empty()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "token (Plaid's public_token) is required");
        }
        const auto account_param = call.param("account_id");
        const std::string account_id(account_param ? common::trim(*account_param)
                                                   : std::string_view{});
        if (account_id.empty()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "parameter account_id is required");
        }
        const PlaidClient plaid(call);
        const common::StripeClient client = stripe(call);
        // The customer first: the public token can be exchanged once only, so everything that
        // can fail without consuming it goes before.
        const std::string customer = common::ensureCustomer(client, request.payer);

        const std::string exchange_what = "token: exchanging the public token";
        const PlaidReply exchanged = plaid.post(
            "/item/public_token/exchange",
            JsonValue::object().set("public_token", JsonValue::string(std::string(request.token))));
        if (!exchanged.ok()) plaidFailed(exchanged, exchange_what);
        const std::string access_token(requiredField(exchanged, "access_token", exchange_what));
        const std::string item_id(common::stringAt(exchanged.body, {"item_id"}));

        const std::string token_what = "parameter account_id: making the Stripe bank token";
        const PlaidReply tokenized =
            plaid.post("/processor/stripe/bank_account_token/create",
                       JsonValue::object()
                           .set("access_token", JsonValue::string(access_token))
                           .set("account_id", JsonValue::string(account_id)));
        if (!tokenized.ok()) plaidFailed(tokenized, token_what);
        const std::string bank_token(
            requiredField(tokenized, "stripe_bank_account_token", token_what));

        codec::FormEncoder source_form;
        source_form.add("source", bank_token)
            .addNested({"metadata", "plaid_item_id"}, item_id)
            .addNested({"metadata", "plaid_account_id"}, account_id);
        const common::StripeReply source =
            client.post("/v1/customers/" + codec::percentEncode(customer) + "/sources", source_form,
                        common::digestKey(call, "bw-source-", customer + "\n" + bank_token));
        if (!source.ok()) common::throwStripeError(source, "adding the bank account at Stripe");
        const std::string bank_account(common::stringAt(source.body, {"id"}));
        if (bank_account.empty()) {
            throw sdk::Error(BW_ERR_UNAVAILABLE, "Stripe answered a bank account without id");
        }

        codec::FormEncoder mandate;
        mandate.add("customer", customer)
            .add("payment_method", bank_account)
            .add("payment_method_types[0]", "us_bank_account")
            .add("usage", "off_session")
            .add("confirm", true);
        const auto ip = call.param("ip_address");
        const auto agent = call.param("user_agent");
        if (ip && agent && !common::trim(*ip).empty() && !common::trim(*agent).empty()) {
            mandate.add("mandate_data[customer_acceptance][type]", "online")
                .add("mandate_data[customer_acceptance][online][ip_address]", common::trim(*ip))
                .add("mandate_data[customer_acceptance][online][user_agent]", common::trim(*agent));
        } else {
            mandate.add("mandate_data[customer_acceptance][type]", "offline");
        }
        mandate.addNested({"metadata", "payer_id"}, request.payer.id);
        const common::StripeReply setup =
            client.post("/v1/setup_intents", mandate,
                        common::digestKey(call, "bw-mandate-", customer + "\n" + bank_account));
        if (!setup.ok()) common::throwStripeError(setup, "recording the ACH mandate");

        sdk::MethodResult out;
        out.provider_customer = customer;
        out.reference = bank_account;
        out.method_type = BW_METHOD_BANK_ACCOUNT;
        const bool verified = common::stringAt(source.body, {"status"}) == "verified";
        const bool mandated = common::stringAt(setup.body, {"status"}) == "succeeded";
        out.status = verified && mandated ? BW_METHOD_ACTIVE : BW_METHOD_PENDING_VERIFICATION;
        const std::string_view bank = common::stringAt(source.body, {"bank_name"});
        const std::string_view last4 = common::stringAt(source.body, {"last4"});
        out.label = (bank.empty() ? std::string("Bank account") : std::string(bank)) +
                    (last4.empty() ? "" : " " + std::string(last4));
        return out;
    }

    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        const std::string_view method = request.method_reference;
        if (method.rfind("ba_", 0) != 0 && method.rfind("pm_", 0) != 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "method_reference must be a Stripe bank account (ba_...)");
        }
        if (request.payer.provider_customer.rfind("cus_", 0) != 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "payer.provider_customer must be the Stripe customer (cus_...)");
        }
        if (request.amount.currency != "USD" || request.amount.exponent != 2) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "ACH debits are in USD (exponent 2) only");
        }
        common::IntentOptions options;
        options.customer = request.payer.provider_customer;
        options.payment_method = method;
        options.method_type = "us_bank_account";
        options.send_return_url = false;
        return common::createIntent(stripe(call), request, options);
    }

    sdk::WebhookResult webhook(sdk::Call& call, const sdk::WebhookRequest& request) override {
        if (codec::headerValue(request.headers, "Stripe-Signature")) {
            return StripeIntentProcessor::webhook(call, request);
        }
        const auto jwt = codec::headerValue(request.headers, "Plaid-Verification");
        if (!jwt || jwt->empty()) {
            throw sdk::Error(BW_ERR_DENIED,
                             "the delivery has neither a Stripe-Signature nor a Plaid-Verification "
                             "header");
        }
        verifyPlaid(call, *jwt, request.body, request.received_at);
        const auto event = codec::parseJson(request.body);
        if (!event || !event->isObject()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the Plaid webhook is not a JSON object");
        }
        const std::string type(event->getString("webhook_type").value_or(""));
        const std::string code(event->getString("webhook_code").value_or(""));
        const std::string item(event->getString("item_id").value_or(""));
        if (type == "ITEM" && code == "ERROR") {
            call.warning("Plaid item " + item +
                         " needs the payer to link again; its Stripe bank account still debits");
        } else {
            call.info("Plaid webhook " + type + "/" + code + " for item " + item +
                      ": nothing for the host");
        }
        sdk::WebhookResult out;
        out.event = BW_EVENT_IGNORED;
        return out;
    }
};

constexpr bw_config_key kPlaidClientId = sdk::configKey(
    "plaid_client_id", BW_CONFIG_STRING, BW_CONFIG_REQUIRED, nullptr, "Plaid client_id");
constexpr bw_config_key kPlaidSecret =
    sdk::configKey("plaid_secret", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET, nullptr,
                   "Plaid secret of the environment plaid_base_url points at");
constexpr bw_config_key kPlaidBaseUrl =
    sdk::configKey("plaid_base_url", BW_CONFIG_URL, 0, "https://production.plaid.com",
                   "Plaid API base URL (https://sandbox.plaid.com for tests)");
constexpr bw_config_key kPlaidClientName =
    sdk::configKey("plaid_client_name", BW_CONFIG_STRING, 0, "Billwright",
                   "Name shown to the payer in Plaid Link (at most 30 characters)");
constexpr bw_config_key kPlaidWebhookUrl =
    sdk::configKey("plaid_webhook_url", BW_CONFIG_URL, 0, nullptr,
                   "Where Plaid sends Item webhooks (this plugin's webhook endpoint), or unset");
constexpr bw_config_key kStripeSecretKey =
    sdk::configKey("stripe_secret_key", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET,
                   nullptr, "Stripe secret key of the account that debits the bank accounts");
constexpr bw_config_key kStripeWebhookSecret =
    sdk::configKey("stripe_webhook_secret", BW_CONFIG_STRING, BW_CONFIG_SECRET, nullptr,
                   "Signing secret of the Stripe webhook endpoint (whsec_...)");
constexpr bw_config_key kStripeBaseUrl = sdk::configKey(
    "stripe_base_url", BW_CONFIG_URL, 0, "https://api.stripe.com", "Stripe API base URL");
constexpr bw_config_key kStripeApiVersion =
    sdk::configKey("stripe_api_version", BW_CONFIG_STRING, 0, "2026-06-24.dahlia",
                   "Stripe-Version sent with each call");
constexpr bw_config_key kTimeout = sdk::configKey(
    "request_timeout_ms", BW_CONFIG_INTEGER, 0, "20000",
    "Timeout of one call to Plaid or Stripe, 100 to 120000 ms (the host may cap it)");
constexpr bw_config_key kTolerance =
    sdk::configKey("webhook_tolerance_seconds", BW_CONFIG_INTEGER, 0, "300",
                   "How far a Stripe webhook's signed timestamp may be from its arrival, 1 to "
                   "3600 s (Plaid's is fixed at 300)");
constexpr const bw_config_key* kKeys[] = {&kPlaidClientId,
                                          &kPlaidSecret,
                                          &kPlaidBaseUrl,
                                          &kPlaidClientName,
                                          &kPlaidWebhookUrl,
                                          &kStripeSecretKey,
                                          &kStripeWebhookSecret,
                                          &kStripeBaseUrl,
                                          &kStripeApiVersion,
                                          &kTimeout,
                                          &kTolerance};

constexpr bw_payment_processor_api kProcessor =
    sdk::paymentProcessor<PlaidAchProcessor>(BW_METHOD_TYPE_BIT(BW_METHOD_BANK_ACCOUNT),
                                             BW_PROCESSOR_NEEDS_METHOD | BW_PROCESSOR_OFF_SESSION |
                                                 BW_PROCESSOR_REFUNDS | BW_PROCESSOR_WEBHOOKS);

}  // namespace
}  // namespace billwright::payment_plaid_ach

BILLWRIGHT_PLUGIN(billwright::sdk::describe("payment_plaid_ach", "1.0.0",
                                            "ACH debits from bank accounts linked with Plaid, "
                                            "moved by Stripe",
                                            BW_KIND_PAYMENT_PROCESSOR,
                                            billwright::payment_plaid_ach::kKeys,
                                            &billwright::payment_plaid_ach::kProcessor))
