// Payment processor "payment_stripe": cards through Stripe (reference payment-providers.md §1).
// Method type CARD; flags NEEDS_METHOD, OFF_SESSION, REFUNDS, WEBHOOKS. Stateless: the host
// stores the customer (cus_...), the card (pm_...), the PaymentIntent (pi_...) and refunds (re_...)
// this plugin returns. See README.md for the configuration keys, parameters and failure codes.
//
// begin_method  a SetupIntent for the payer's customer (created when the payer has none); its
//               client_secret is the client token Stripe.js confirms the card with.
// setup_method  the token is the PaymentMethod (pm_...) or the SetupIntent (seti_...) the browser
//               got. A card already attached to the payer's customer is active; a new one is set up
//               for off-session use with a confirmed SetupIntent (Stripe's $0 check; a refused card
//               is BW_ERR_INVALID_ARGUMENT; one that needs 3-D Secure first is pending
//               verification until setup_intent.succeeded).
// charge        a confirmed PaymentIntent with the host's idempotency key as Idempotency-Key, so a
//               retry after a timeout is replayed by Stripe and never charges twice. Off-session
//               charges send off_session=true (3-D Secure then fails authentication_required);
//               on-session ones send return_url and may answer REQUIRES_ACTION with action_url.
//               The host's payment_id and invoice_id go into the metadata; fee_minor is the
//               balance transaction's fee.
// webhook       verifies Stripe-Signature on the raw body first, then reports the object's state
//               as read from Stripe again.
#include <cstdint>
#include <string>
#include <string_view>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/provider_http.h"
#include "common/stripe_api.h"

namespace billwright::payment_stripe {
namespace {

namespace sdk = billwright::sdk;
using codec::JsonValue;

constexpr common::StripeKeys kStripeKeys{"api_base_url",   "secret_key",
                                         "api_version",    "request_timeout_ms",
                                         "webhook_secret", "webhook_tolerance_seconds"};

// The tenant's processing-fee setting. The host computes the surcharge from it (see README.md);
// the plugin checks the values and records the surcharge with the payment.
struct FeeSettings {
    std::string mode;  // "pass_through" or "absorb"
    std::string percent;
    std::int64_t fixed_minor = 0;
};

FeeSettings feeSettings(const sdk::Call& call) {
    FeeSettings fee;
    fee.mode = common::configText(call, "fee_mode", "absorb");
    if (fee.mode != "pass_through" && fee.mode != "absorb") {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "configuration fee_mode must be pass_through or absorb");
    }
    fee.percent = common::configText(call, "fee_percent", "2.9");
    const auto scaled = codec::decimalToMinor(fee.percent, 4);
    if (!scaled || *scaled < 0 || *scaled >= 100 * 10000) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "configuration fee_percent must be a decimal from 0 to less than 100 with "
                         "at most 4 decimals");
    }
    fee.fixed_minor = common::configInteger(call, "fee_fixed_minor", 30, 0, 99'999'999);
    return fee;
}

std::string labelOf(const JsonValue& method) {
    const std::string_view brand = common::stringAt(method, {"card", "brand"});
    const std::string_view last4 = common::stringAt(method, {"card", "last4"});
    if (brand.empty() || last4.empty()) return "card";
    return std::string(brand) + " " + std::string(last4);
}

sdk::MethodResult cardResult(std::string customer, const JsonValue& method, std::int32_t status) {
    sdk::MethodResult out;
    out.provider_customer = std::move(customer);
    out.reference = std::string(common::stringAt(method, {"id"}));
    out.method_type = BW_METHOD_CARD;
    out.status = status;
    out.label = labelOf(method);
    if (out.reference.empty()) {
        throw sdk::Error(BW_ERR_UNAVAILABLE, "Stripe answered a PaymentMethod without id");
    }
    return out;
}

std::string_view customerOf(const JsonValue& object) {
    const JsonValue* customer = object.find("customer");
    if (customer == nullptr) return {};
    if (customer->isString()) return customer->asString();
    if (customer->isObject()) return customer->getString("id").value_or(std::string_view{});
    return {};
}

[[noreturn]] void refused(const common::StripeReply& reply) {
    const std::string_view message = common::stringAt(reply.body, {"error", "message"});
    const JsonValue* error = reply.body.find("error");
    const std::string code =
        error != nullptr ? common::failureCodeOf(*error, false) : std::string("card_declined");
    throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                     "token: the card was refused (" + code + "): " + std::string(message));
}

// A SetupIntent's state as a method: succeeded is active, one waiting for the payer pending.
std::int32_t setupStatus(const JsonValue& setup_intent) {
    const std::string_view status = common::stringAt(setup_intent, {"status"});
    if (status == "succeeded") return BW_METHOD_ACTIVE;
    if (status == "requires_action" || status == "processing" ||
        status == "requires_confirmation") {
        return BW_METHOD_PENDING_VERIFICATION;
    }
    const std::string_view message =
        common::stringAt(setup_intent, {"last_setup_error", "message"});
    throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                     "token: the SetupIntent is " + std::string(status) +
                         (message.empty() ? "" : ": " + std::string(message)));
}

class StripeProcessor final : public common::StripeIntentProcessor {
public:
    StripeProcessor() : StripeIntentProcessor(kStripeKeys) {}

private:
    sdk::MethodResult beginMethod(sdk::Call& call, const sdk::MethodRequest& request) override {
        const common::StripeClient client = stripe(call);
        const std::string customer = common::ensureCustomer(client, request.payer);
        codec::FormEncoder form;
        form.add("customer", customer)
            .add("payment_method_types[0]", "card")
            .add("usage", "off_session")
            .addNested({"metadata", "payer_id"}, request.payer.id);
        // Each widget session is its own SetupIntent.
        const std::string key = "bw-seti-" + codec::hexEncode(call.randomBytes(16));
        const common::StripeReply reply = client.post("/v1/setup_intents", form, key);
        if (!reply.ok()) common::throwStripeError(reply, "creating the SetupIntent");
        sdk::MethodResult out;
        out.provider_customer = customer;
        out.client_token = std::string(common::stringAt(reply.body, {"client_secret"}));
        if (out.client_token.empty()) {
            throw sdk::Error(BW_ERR_UNAVAILABLE, "Stripe answered a SetupIntent without secret");
        }
        return out;
    }

    sdk::MethodResult setupMethod(sdk::Call& call, const sdk::MethodRequest& request) override {
        const std::string_view token = request.token;
        const bool setup_intent = token.rfind("seti_", 0) == 0;
        if (!setup_intent && token.rfind("pm_", 0) != 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "token must be a PaymentMethod (pm_...) or a SetupIntent (seti_...)");
        }
        const common::StripeClient client = stripe(call);
        std::string customer = common::ensureCustomer(client, request.payer);
        if (setup_intent) {
            const common::StripeReply reply =
                client.get("/v1/setup_intents/" + codec::percentEncode(token), {"payment_method"});
            if (!reply.ok()) common::throwStripeError(reply, "token: reading the SetupIntent");
            if (customerOf(reply.body) != customer) {
                throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                                 "token: the SetupIntent is not for this payer's customer");
            }
            const JsonValue* method = reply.body.find("payment_method");
            if (method == nullptr || !method->isObject()) {
                throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "token: the SetupIntent has no card");
            }
            return cardResult(std::move(customer), *method, setupStatus(reply.body));
        }

        const common::StripeReply found =
            client.get("/v1/payment_methods/" + codec::percentEncode(token));
        if (!found.ok()) common::throwStripeError(found, "token: reading the PaymentMethod");
        if (common::stringAt(found.body, {"type"}) != "card") {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "token: the PaymentMethod is not a card");
        }
        const std::string_view owner = customerOf(found.body);
        if (owner == customer) return cardResult(std::move(customer), found.body, BW_METHOD_ACTIVE);
        if (!owner.empty()) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "token: the PaymentMethod belongs to another customer");
        }
        const std::string method_id(common::stringAt(found.body, {"id"}));
        codec::FormEncoder form;
        form.add("customer", customer)
            .add("payment_method", method_id)
            .add("payment_method_types[0]", "card")
            .add("usage", "off_session")
            .add("confirm", true)
            .addNested({"metadata", "payer_id"}, request.payer.id);
        const std::string key = common::digestKey(call, "bw-setup-", customer + "\n" + method_id);
        const common::StripeReply reply = client.post("/v1/setup_intents", form, key);
        if (reply.status == 402) refused(reply);
        if (!reply.ok()) common::throwStripeError(reply, "token: setting the card up");
        return cardResult(std::move(customer), found.body, setupStatus(reply.body));
    }

    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        const FeeSettings fee = feeSettings(call);
        if (request.method_reference.rfind("pm_", 0) != 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "method_reference must be a Stripe PaymentMethod (pm_...)");
        }
        if (request.surcharge_minor < 0 || request.surcharge_minor >= request.amount.amount_minor) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "surcharge_minor must be in [0, amount)");
        }
        if (request.surcharge_minor > 0 && fee.mode == "absorb") {
            call.warning("a surcharge was passed on although fee_mode is absorb");
        }
        common::IntentOptions options;
        options.customer = request.payer.provider_customer;
        options.payment_method = request.method_reference;
        options.method_type = "card";
        options.metadata = {{"fee_mode", fee.mode}};
        if (request.surcharge_minor > 0) {
            options.metadata.emplace_back("surcharge_minor",
                                          std::to_string(request.surcharge_minor));
        }
        return common::createIntent(stripe(call), request, options);
    }
};

constexpr bw_config_key kSecretKey =
    sdk::configKey("secret_key", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET, nullptr,
                   "Stripe secret key (sk_live_..., sk_test_... or a restricted rk_... key)");
constexpr bw_config_key kWebhookSecret =
    sdk::configKey("webhook_secret", BW_CONFIG_STRING, BW_CONFIG_SECRET, nullptr,
                   "Signing secret of the Stripe webhook endpoint (whsec_...)");
constexpr bw_config_key kBaseUrl = sdk::configKey("api_base_url", BW_CONFIG_URL, 0,
                                                  "https://api.stripe.com", "Stripe API base URL");
constexpr bw_config_key kApiVersion = sdk::configKey(
    "api_version", BW_CONFIG_STRING, 0, "2026-06-24.dahlia", "Stripe-Version sent with each call");
constexpr bw_config_key kTimeout =
    sdk::configKey("request_timeout_ms", BW_CONFIG_INTEGER, 0, "20000",
                   "Timeout of one call to Stripe, 100 to 120000 ms (the host may cap it)");
constexpr bw_config_key kTolerance =
    sdk::configKey("webhook_tolerance_seconds", BW_CONFIG_INTEGER, 0, "300",
                   "How far a webhook's signed timestamp may be from its arrival, 1 to 3600 s");
constexpr bw_config_key kFeeMode =
    sdk::configKey("fee_mode", BW_CONFIG_STRING, 0, "absorb",
                   "Card processing fee: pass_through (a fee line the payer pays) or absorb");
constexpr bw_config_key kFeePercent =
    sdk::configKey("fee_percent", BW_CONFIG_DECIMAL, 0, "2.9",
                   "Percentage part of the processing fee, e.g. 2.9 (at most 4 decimals)");
constexpr bw_config_key kFeeFixed =
    sdk::configKey("fee_fixed_minor", BW_CONFIG_INTEGER, 0, "30",
                   "Fixed part of the processing fee in minor units, e.g. 30");
constexpr const bw_config_key* kKeys[] = {&kSecretKey,  &kWebhookSecret, &kBaseUrl,
                                          &kApiVersion, &kTimeout,       &kTolerance,
                                          &kFeeMode,    &kFeePercent,    &kFeeFixed};

constexpr bw_payment_processor_api kProcessor = sdk::paymentProcessor<StripeProcessor>(
    BW_METHOD_TYPE_BIT(BW_METHOD_CARD), BW_PROCESSOR_NEEDS_METHOD | BW_PROCESSOR_OFF_SESSION |
                                            BW_PROCESSOR_REFUNDS | BW_PROCESSOR_WEBHOOKS);

}  // namespace
}  // namespace billwright::payment_stripe

BILLWRIGHT_PLUGIN(billwright::sdk::describe("payment_stripe", "1.0.0",
                                            "Card payments through Stripe: saved cards, "
                                            "off-session charges, refunds, webhooks",
                                            BW_KIND_PAYMENT_PROCESSOR,
                                            billwright::payment_stripe::kKeys,
                                            &billwright::payment_stripe::kProcessor))
