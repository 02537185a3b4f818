// A payment processor written with the SDK's C++ wrapper, for the SDK's own tests: every kind of
// entry point the wrapper exports, with the codec helpers a real provider plugin uses.
//   begin_method  a client token from the host's random bytes
//   setup_method  POSTs a form to the provider and reads its JSON answer
//   charge        succeeds with "pi_<idempotency key>"; parameter mode=decline declines,
//                 mode=throw throws a std::runtime_error
//   webhook       header Provider-Signature: hex HMAC-SHA256(webhook_secret, body), else DENIED;
//                 {"type":"payment.succeeded","payment":{...}} is a payment event, other types
//                 are ignored
// No REFUNDS flag: refund is not exported.
#include <cstdint>
#include <stdexcept>
#include <string>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

namespace {

namespace sdk = billwright::sdk;
namespace codec = billwright::codec;

class Wrapped final : public sdk::PaymentProcessor {
    sdk::MethodResult beginMethod(sdk::Call& call, const sdk::MethodRequest&) override {
        sdk::MethodResult out;
        out.client_token = "ct_" + codec::hexEncode(call.randomBytes(8));
        out.client_token_expires_at = call.nowMs() / 1000 + 3600;
        return out;
    }

    sdk::MethodResult setupMethod(sdk::Call& call, const sdk::MethodRequest& request) override {
        codec::FormEncoder form;
        form.add("token", request.token)
            .addNested({"metadata", "payer"}, request.payer.id)
            .add("default", true);
        const sdk::HttpResponse response =
            call.http("POST", "https://api.provider.test/v1/methods",
                      "Content-Type: application/x-www-form-urlencoded\r\n", form.str());
        if (response.status != 200) {
            throw sdk::Error(BW_ERR_UNAVAILABLE,
                             "the provider answered " + std::to_string(response.status));
        }
        std::string why;
        const auto json = codec::parseJson(response.body, &why);
        if (!json) throw sdk::Error(BW_ERR_UNAVAILABLE, "unreadable answer: " + why);
        sdk::MethodResult out;
        out.reference = std::string(json->getString("id").value_or(""));
        out.provider_customer = std::string(json->getString("customer").value_or(""));
        out.method_type = BW_METHOD_CARD;
        out.status = json->getString("status") == "active" ? BW_METHOD_ACTIVE
                                                           : BW_METHOD_PENDING_VERIFICATION;
        out.label = std::string(json->getString("brand").value_or("card")) + " " +
                    std::string(json->getString("last4").value_or(""));
        return out;
    }

    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        const auto mode = call.param("mode");
        if (mode == "throw") throw std::runtime_error("boom");
        if (mode == "decline") return sdk::PaymentResult::failed("card_declined", "Declined");
        return sdk::PaymentResult::succeeded("pi_" + std::string(request.idempotency_key),
                                             request.amount.amount_minor);
    }

    sdk::WebhookResult webhook(sdk::Call& call, const sdk::WebhookRequest& request) override {
        const auto secret = call.secret("webhook_secret");
        if (!secret) throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "webhook_secret is not set");
        const auto signature = codec::headerValue(request.headers, "provider-signature");
        const std::string expected =
            codec::hexEncode(call.hmac(BW_HASH_SHA256, *secret, request.body));
        if (!signature || !codec::constantTimeEquals(*signature, expected)) {
            throw sdk::Error(BW_ERR_DENIED, "bad or missing Provider-Signature");
        }
        const auto json = codec::parseJson(request.body);
        if (!json) throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the body is not JSON");
        sdk::WebhookResult out;
        out.event_id = std::string(json->getString("id").value_or(""));
        const codec::JsonValue* payment = json->find("payment");
        if (json->getString("type") != "payment.succeeded" || payment == nullptr) return out;
        out.event = BW_EVENT_PAYMENT;
        out.payment.status = BW_PAYMENT_SUCCEEDED;
        out.payment.reference = std::string(payment->getString("id").value_or(""));
        out.payment.amount_received_minor = payment->getInt64("amount").value_or(0);
        if (const codec::JsonValue* metadata = payment->find("metadata")) {
            out.payment_id = std::string(metadata->getString("payment_id").value_or(""));
        }
        return out;
    }
};

constexpr bw_config_key kSecret = sdk::configKey(
    "webhook_secret", BW_CONFIG_STRING, BW_CONFIG_SECRET, nullptr, "Signs webhook deliveries");
constexpr const bw_config_key* kKeys[] = {&kSecret};
constexpr bw_payment_processor_api kProcessor = sdk::paymentProcessor<Wrapped>(
    BW_METHOD_TYPE_BIT(BW_METHOD_CARD),
    BW_PROCESSOR_NEEDS_METHOD | BW_PROCESSOR_OFF_SESSION | BW_PROCESSOR_WEBHOOKS);

}  // namespace

BILLWRIGHT_PLUGIN(sdk::describe("payment_wrapped", "0.1.0", "The SDK wrapper's test processor",
                                BW_KIND_PAYMENT_PROCESSOR, kKeys, &kProcessor))
