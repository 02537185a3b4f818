#include "common/stripe_api.h"

#include <algorithm>
#include <string>

#include "common/provider_http.h"

namespace billwright::common {
namespace {

using codec::JsonValue;

constexpr std::int64_t kMaxTimeoutMs = 120000;

bool isCodeShaped(std::string_view s) {
    if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::string_view errorMessage(const JsonValue& body) {
    return stringAt(body, {"error", "message"});
}

std::int64_t intOr(const JsonValue& object, std::string_view key, std::int64_t fallback) {
    return object.getInt64(key).value_or(fallback);
}

// Stripe's ids are short ASCII tokens ("pi_3Mtw...", "evt_1..."). Anything else in an id field
// reads as no id, so it never reaches the host as a reference (found by fuzzing: an event id with
// control characters made the webhook's result one the host must refuse).
std::string_view plausibleId(std::string_view id) {
    if (id.empty() || id.size() > 255) return {};
    for (const char c : id) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                        (c >= '0' && c <= '9') || c == '_' || c == '-';
        if (!ok) return {};
    }
    return id;
}

// The "id" of a Stripe object, or "" when it has none that is plausible.
std::string_view idAt(const JsonValue& object) { return plausibleId(stringAt(object, {"id"})); }

// An id field that may have been expanded into its object.
std::string_view idOf(const JsonValue* field) {
    if (field == nullptr) return {};
    if (field->isString()) return plausibleId(field->asString());
    if (field->isObject()) return idAt(*field);
    return {};
}

bool bankIntent(const JsonValue& intent) {
    const JsonValue* types = intent.find("payment_method_types");
    bool bank = false;
    bool card = false;
    if (types != nullptr && types->isArray()) {
        for (const JsonValue& t : types->items()) {
            if (!t.isString()) continue;
            bank = bank || t.asString() == "us_bank_account";
            card = card || t.asString() == "card";
        }
    }
    return bank && !card;
}

// The fee of a charge whose balance_transaction is expanded, when it is in the payment's currency
// and not more than what was received; -1 otherwise.
std::int64_t feeOf(const JsonValue& charge, const JsonValue& intent) {
    const JsonValue* transaction = charge.find("balance_transaction");
    if (transaction == nullptr || !transaction->isObject()) return -1;
    const auto fee = transaction->getInt64("fee");
    const auto currency = transaction->getString("currency");
    const auto amount = intent.getInt64("amount_received");
    if (!fee || !currency || !amount || *currency != stringAt(intent, {"currency"})) return -1;
    if (*fee < 0 || *fee > *amount) return -1;
    return *fee;
}

// Where the payer authenticates: a redirect URL (a return_url was given) or the page Stripe.js
// would open; "" when Stripe gave neither as an http(s) URL.
std::string actionUrlOf(const JsonValue& intent) {
    const std::string_view redirect = stringAt(intent, {"next_action", "redirect_to_url", "url"});
    if (isHttpUrl(redirect)) return std::string(redirect);
    const std::string_view sdk_page =
        stringAt(intent, {"next_action", "use_stripe_sdk", "stripe_js"});
    if (isHttpUrl(sdk_page)) return std::string(sdk_page);
    return {};
}

sdk::PaymentResult failedOf(const JsonValue& error, bool bank, std::string reference) {
    const std::string_view message = stringAt(error, {"message"});
    return sdk::PaymentResult::failed(failureCodeOf(error, bank),
                                      message.empty() ? "The payment failed." : printable(message),
                                      std::move(reference));
}

std::string encodeQueryKey(std::string_view key) { return codec::percentEncode(key); }

sdk::RefundResult refundOf(const JsonValue& refund) {
    sdk::RefundResult out;
    const std::string_view status = stringAt(refund, {"status"});
    out.reference = std::string(idAt(refund));
    if (status == "succeeded") {
        out.status = BW_REFUND_SUCCEEDED;
    } else if (status == "pending" || status == "requires_action") {
        out.status = BW_REFUND_PENDING;
    } else if (status == "failed" || status == "canceled") {
        out.status = BW_REFUND_FAILED;
        const std::string_view reason = stringAt(refund, {"failure_reason"});
        out.failure_code = isCodeShaped(reason)   ? std::string(reason)
                           : status == "canceled" ? "canceled"
                                                  : "provider_error";
    } else {
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         "Stripe reported the refund status '" + std::string(status) + "'");
    }
    if (out.reference.empty() && out.status != BW_REFUND_FAILED) {
        throw sdk::Error(BW_ERR_UNAVAILABLE, "Stripe answered a refund without an id");
    }
    return out;
}

std::int32_t methodStatusOfSetup(const JsonValue& setup_intent, std::string& failure_code) {
    const std::string_view status = stringAt(setup_intent, {"status"});
    if (status == "succeeded") return BW_METHOD_ACTIVE;
    if (status == "requires_payment_method" || status == "canceled") {
        const JsonValue* error = setup_intent.find("last_setup_error");
        failure_code = error != nullptr && error->isObject() ? failureCodeOf(*error, false)
                                                             : std::string("invalid_method");
        return BW_METHOD_FAILED;
    }
    return BW_METHOD_PENDING_VERIFICATION;
}

sdk::WebhookResult paymentEvent(const StripeClient& client, sdk::WebhookResult out,
                                std::string_view intent_id) {
    if (intent_id.rfind("pi_", 0) != 0) return out;  // not one of ours to report
    const StripeReply reply = client.get("/v1/payment_intents/" + codec::percentEncode(intent_id));
    if (!reply.ok()) throwStripeError(reply, "reading the PaymentIntent " + std::string(intent_id));
    out.event = BW_EVENT_PAYMENT;
    out.payment = readIntent(client, reply.body);
    out.payment_id = std::string(stringAt(reply.body, {"metadata", "payment_id"}));
    return out;
}

sdk::WebhookResult refundEvent(const StripeClient& client, sdk::WebhookResult out,
                               std::string_view refund_id) {
    if (refund_id.rfind("re_", 0) != 0) return out;
    const StripeReply reply =
        client.get("/v1/refunds/" + codec::percentEncode(refund_id), {"payment_intent"});
    if (!reply.ok()) throwStripeError(reply, "reading the refund " + std::string(refund_id));
    const sdk::RefundResult refund = refundOf(reply.body);
    out.event = BW_EVENT_REFUND;
    out.refund_reference = std::string(refund_id);
    out.refund_status = refund.status;
    out.payment_id =
        std::string(stringAt(reply.body, {"payment_intent", "metadata", "payment_id"}));
    return out;
}

sdk::WebhookResult setupEvent(const StripeClient& client, sdk::WebhookResult out,
                              std::string_view setup_id) {
    if (setup_id.rfind("seti_", 0) != 0) return out;
    const StripeReply reply = client.get("/v1/setup_intents/" + codec::percentEncode(setup_id));
    if (!reply.ok()) throwStripeError(reply, "reading the SetupIntent " + std::string(setup_id));
    const std::string_view method = idOf(reply.body.find("payment_method"));
    if (method.empty()) return out;
    out.event = BW_EVENT_METHOD;
    out.method_reference = std::string(method);
    out.method_status = methodStatusOfSetup(reply.body, out.method_failure_code);
    return out;
}

}  // namespace

StripeSettings stripeSettings(const sdk::Call& call, const StripeKeys& keys) {
    StripeSettings s;
    s.base_url = configBaseUrl(call, keys.base_url, kStripeLiveUrl);
    s.secret_key = requiredSecret(call, keys.secret_key);
    s.api_version = configText(call, keys.api_version, kStripeApiVersion);
    if (s.api_version.empty() || hasControl(s.api_version)) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         std::string("configuration ") + keys.api_version + " is not a version");
    }
    s.timeout_ms =
        static_cast<std::uint32_t>(configInteger(call, keys.timeout_ms, 20000, 100, kMaxTimeoutMs));
    return s;
}

StripeClient::StripeClient(const sdk::Call& call, StripeSettings settings)
    : call_(call), settings_(std::move(settings)) {}

StripeReply StripeClient::post(const std::string& path, const codec::FormEncoder& form,
                               std::string_view idempotency_key) const {
    if (idempotency_key.empty() || idempotency_key.size() > 255 || hasControl(idempotency_key)) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "idempotency_key must be 1 to 255 characters without control characters");
    }
    std::string headers = "Content-Type: application/x-www-form-urlencoded\r\n";
    headers += "Idempotency-Key: " + std::string(idempotency_key) + "\r\n";
    return exchange("POST", path, std::move(headers), form.str());
}

StripeReply StripeClient::get(const std::string& path,
                              std::initializer_list<std::string_view> expand) const {
    std::string target = path;
    char separator = '?';
    std::size_t index = 0;
    for (const std::string_view field : expand) {
        target += separator;
        target += encodeQueryKey("expand[" + std::to_string(index++) + "]");
        target += '=';
        target += codec::percentEncode(field);
        separator = '&';
    }
    return exchange("GET", target, {}, {});
}

StripeReply StripeClient::exchange(const char* method, const std::string& path, std::string headers,
                                   std::string_view body) const {
    headers += "Authorization: Bearer " + settings_.secret_key + "\r\n";
    headers += "Stripe-Version: " + settings_.api_version + "\r\n";
    headers += "Accept: application/json\r\n";
    const std::string what = "Stripe " + std::string(method) + " " + path.substr(0, path.find('?'));
    const sdk::HttpResponse response =
        send(call_, method, settings_.base_url + path, headers, body, settings_.timeout_ms, what);
    StripeReply reply;
    reply.status = response.status;
    std::string error;
    auto parsed = codec::parseJson(response.body, &error);
    if (parsed && parsed->isObject()) {
        reply.body = std::move(*parsed);
    } else if (reply.ok()) {
        throw sdk::Error(BW_ERR_UNAVAILABLE, what + " answered " + std::to_string(reply.status) +
                                                 " without a JSON object: the outcome is unknown");
    } else {
        reply.body = JsonValue::object();
    }
    return reply;
}

void throwStripeError(const StripeReply& reply, std::string_view what) {
    const std::string message(errorMessage(reply.body));
    const std::string_view type = stringAt(reply.body, {"error", "type"});
    const std::string_view code = stringAt(reply.body, {"error", "code"});
    std::string detail = std::string(what);
    detail += ": Stripe answered " + std::to_string(reply.status);
    if (!code.empty()) detail += " " + std::string(code);
    if (!message.empty()) detail += " (" + message + ")";
    switch (reply.status) {
        case 400:
            if (type == "idempotency_error") {
                throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                                 detail + ": the idempotency key was used for another request");
            }
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, detail);
        case 401:
        case 403:
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, detail + ": check the configured secret key");
        case 404:
            throw sdk::Error(BW_ERR_NOT_FOUND, detail);
        case 402:
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, detail);
        default:
            throw sdk::Error(BW_ERR_UNAVAILABLE, detail + ": retry with the same idempotency key");
    }
}

std::string stripeCurrency(const sdk::Money& money) {
    const std::string_view code = money.currency;
    if (code.size() != 3 ||
        !std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "currency must be an upper-case ISO 4217 code");
    }
    static constexpr std::string_view kZeroDecimal[] = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF",
                                                        "KRW", "MGA", "PYG", "RWF", "UGX", "VND",
                                                        "VUV", "XAF", "XOF", "XPF"};
    static constexpr std::string_view kThreeDecimal[] = {"BHD", "JOD", "KWD", "OMR", "TND"};
    std::int32_t exponent = 2;
    if (std::find(std::begin(kZeroDecimal), std::end(kZeroDecimal), code) !=
        std::end(kZeroDecimal)) {
        exponent = 0;
    }
    if (std::find(std::begin(kThreeDecimal), std::end(kThreeDecimal), code) !=
        std::end(kThreeDecimal)) {
        exponent = 3;
    }
    if (money.exponent != exponent) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "currency " + std::string(code) + " has " + std::to_string(exponent) +
                             " decimals at Stripe, not " + std::to_string(money.exponent));
    }
    if (exponent == 3 && money.amount_minor % 10 != 0) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "a " + std::string(code) + " amount must be a multiple of 10 at Stripe");
    }
    return lowerAscii(code);
}

std::string failureCodeOf(const JsonValue& error, bool bank) {
    const std::string_view code = stringAt(error, {"code"});
    const std::string_view decline = stringAt(error, {"decline_code"});
    const auto mapped = [](std::string_view c) -> std::string_view {
        if (c == "insufficient_funds") return "insufficient_funds";
        if (c == "authentication_required" || c == "payment_intent_authentication_failure" ||
            c == "setup_intent_authentication_failure") {
            return "authentication_required";
        }
        if (c == "expired_card") return "expired_card";
        if (c == "incorrect_cvc" || c == "invalid_cvc") return "incorrect_cvc";
        if (c == "processing_error") return "processing_error";
        if (c == "fraudulent" || c == "merchant_blacklist") return "fraudulent";
        if (c == "account_closed") return "account_closed";
        if (c == "no_account") return "no_account";
        if (c == "incorrect_number" || c == "invalid_number" || c == "invalid_expiry_month" ||
            c == "invalid_expiry_year" || c == "payment_method_unactivated") {
            return "invalid_method";
        }
        if (c == "rate_limit") return "rate_limited";
        return {};
    };
    // A card_declined's decline_code says more (insufficient_funds, fraudulent, ...); lost and
    // stolen cards stay a plain card_declined, as Stripe advises telling the payer.
    if (const std::string_view m = mapped(decline); !m.empty()) return std::string(m);
    if (const std::string_view m = mapped(code); !m.empty()) return std::string(m);
    if (code == "card_declined") return "card_declined";
    return bank ? "processing_error" : "card_declined";
}

sdk::PaymentResult paymentOfIntent(const JsonValue& intent) {
    const std::string id(idAt(intent));
    const std::string_view status = stringAt(intent, {"status"});
    if (id.empty() || status.empty()) {
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         "Stripe answered a PaymentIntent without id or status");
    }
    const bool bank = bankIntent(intent);
    sdk::PaymentResult out;
    out.reference = id;
    if (status == "succeeded") {
        // A success is money received: without a positive amount_received the answer is not one
        // Stripe gives, and reporting it would claim a payment of nothing (found by fuzzing).
        const std::int64_t received = intOr(intent, "amount_received", 0);
        if (received <= 0) {
            throw sdk::Error(BW_ERR_UNAVAILABLE,
                             "Stripe answered a succeeded PaymentIntent without a positive "
                             "amount_received");
        }
        const JsonValue* charge = intent.find("latest_charge");
        const std::int64_t fee =
            charge != nullptr && charge->isObject() ? feeOf(*charge, intent) : -1;
        return sdk::PaymentResult::succeeded(id, received, fee);
    }
    if (status == "processing" || status == "requires_confirmation" ||
        status == "requires_capture") {
        out.status = BW_PAYMENT_PENDING;
        return out;
    }
    if (status == "requires_action") {
        out.action_url = actionUrlOf(intent);
        // Without a page to send the payer to, the payment is open until Stripe says more.
        out.status = out.action_url.empty() ? BW_PAYMENT_PENDING : BW_PAYMENT_REQUIRES_ACTION;
        return out;
    }
    if (status == "requires_payment_method") {
        const JsonValue* error = intent.find("last_payment_error");
        if (error != nullptr && error->isObject()) return failedOf(*error, bank, id);
        return sdk::PaymentResult::failed("provider_error", "The payment has no payment method.",
                                          id);
    }
    if (status == "canceled") {
        out.status = BW_PAYMENT_CANCELED;
        const std::string_view reason = stringAt(intent, {"cancellation_reason"});
        out.failure_message = reason.empty() ? "" : "Canceled: " + std::string(reason);
        return out;
    }
    throw sdk::Error(BW_ERR_UNAVAILABLE,
                     "Stripe reported the PaymentIntent status '" + std::string(status) + "'");
}

sdk::PaymentResult readIntent(const StripeClient& client, const JsonValue& intent) {
    sdk::PaymentResult out = paymentOfIntent(intent);
    const std::string_view charge = idOf(intent.find("latest_charge"));
    if (out.status != BW_PAYMENT_SUCCEEDED || out.fee_minor != -1 || charge.empty()) return out;
    // The money moved: failing to read the fee must not turn that into an error.
    try {
        const StripeReply reply =
            client.get("/v1/charges/" + codec::percentEncode(charge), {"balance_transaction"});
        if (reply.ok()) out.fee_minor = feeOf(reply.body, intent);
    } catch (const sdk::Error& e) {
        client.call().warning("the fee of " + out.reference + " is unknown: " + e.what());
    }
    return out;
}

sdk::PaymentResult createIntent(const StripeClient& client, const sdk::ChargeRequest& request,
                                const IntentOptions& options) {
    if (request.amount.amount_minor <= 0) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the amount must be more than zero");
    }
    if (options.payment_method.empty()) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "method_reference is required");
    }
    const std::string currency = stripeCurrency(request.amount);
    codec::FormEncoder form;
    form.add("amount", request.amount.amount_minor).add("currency", currency);
    if (!options.customer.empty()) form.add("customer", options.customer);
    form.add("payment_method", options.payment_method)
        .add("payment_method_types[0]", options.method_type)
        .add("confirm", true);
    if (request.off_session) {
        form.add("off_session", true);
    } else if (options.send_return_url && !request.return_url.empty()) {
        form.add("return_url", request.return_url);
    }
    if (!request.description.empty()) form.add("description", request.description);
    form.addNested({"metadata", "payment_id"}, request.payment_id);
    if (!request.invoice_id.empty()) form.addNested({"metadata", "invoice_id"}, request.invoice_id);
    for (const auto& [key, value] : options.metadata) form.addNested({"metadata", key}, value);

    const StripeReply reply = client.post("/v1/payment_intents", form, request.idempotency_key);
    if (reply.ok()) return readIntent(client, reply.body);
    const JsonValue* error = reply.body.find("error");
    if (reply.status == 402 && error != nullptr && error->isObject()) {
        const JsonValue* intent = error->find("payment_intent");
        if (intent != nullptr && intent->isObject() && intent->find("status") != nullptr) {
            sdk::PaymentResult declined = paymentOfIntent(*intent);
            if (declined.status == BW_PAYMENT_FAILED) return declined;
        }
        return failedOf(*error, options.method_type == "us_bank_account",
                        std::string(idOf(error->find("payment_intent"))));
    }
    // A method or customer that no longer exists at Stripe: the charge cannot happen with it.
    if (reply.status == 400 && error != nullptr &&
        stringAt(*error, {"code"}) == "resource_missing") {
        const std::string_view param = stringAt(*error, {"param"});
        if (param == "payment_method" || param == "customer") {
            return sdk::PaymentResult::failed("invalid_method",
                                              printable(errorMessage(reply.body)));
        }
    }
    throwStripeError(reply, "creating the PaymentIntent");
}

sdk::PaymentResult lookupIntent(const StripeClient& client, const sdk::LookupRequest& request) {
    if (request.reference.rfind("pi_", 0) != 0) {
        // Stripe payments are found by their PaymentIntent; without one, charge again with the
        // same idempotency key (Stripe replays the first answer).
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "reference must be a PaymentIntent id (pi_...)");
    }
    const std::string currency = stripeCurrency(request.amount);
    const StripeReply reply =
        client.get("/v1/payment_intents/" + codec::percentEncode(request.reference));
    if (!reply.ok()) throwStripeError(reply, "reading the PaymentIntent");
    const auto amount = reply.body.getInt64("amount");
    if (!amount || *amount != request.amount.amount_minor ||
        stringAt(reply.body, {"currency"}) != currency) {
        throw sdk::Error(
            BW_ERR_INVALID_ARGUMENT,
            "the PaymentIntent " + std::string(request.reference) + " is not for the amount asked");
    }
    return readIntent(client, reply.body);
}

sdk::RefundResult createRefund(const StripeClient& client, const sdk::RefundRequest& request) {
    if (request.payment_reference.rfind("pi_", 0) != 0) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                         "payment_reference must be a PaymentIntent id (pi_...)");
    }
    if (request.amount.amount_minor <= 0) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the amount must be more than zero");
    }
    (void)stripeCurrency(request.amount);
    codec::FormEncoder form;
    form.add("payment_intent", request.payment_reference)
        .add("amount", request.amount.amount_minor);
    if (request.reason == "duplicate" || request.reason == "fraudulent" ||
        request.reason == "requested_by_customer") {
        form.add("reason", request.reason);
    }
    if (!request.refund_id.empty()) form.addNested({"metadata", "refund_id"}, request.refund_id);
    const StripeReply reply = client.post("/v1/refunds", form, request.idempotency_key);
    if (!reply.ok()) throwStripeError(reply, "creating the refund");
    return refundOf(reply.body);
}

std::string ensureCustomer(const StripeClient& client, const sdk::Payer& payer) {
    if (!payer.provider_customer.empty()) {
        if (payer.provider_customer.rfind("cus_", 0) != 0) {
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT,
                             "payer.provider_customer is not a Stripe customer (cus_...)");
        }
        return std::string(payer.provider_customer);
    }
    if (payer.id.empty()) throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payer.id is required");
    codec::FormEncoder form;
    if (!payer.name.empty()) form.add("name", payer.name);
    if (!payer.email.empty()) form.add("email", payer.email);
    form.addNested({"metadata", "payer_kind"}, payer.kind)
        .addNested({"metadata", "payer_id"}, payer.id);
    // The same payer within Stripe's 24 hours gets the same customer, even when the host did not
    // see the first answer.
    const std::string key = digestKey(client.call(), "bw-customer-", form.str());
    const StripeReply reply = client.post("/v1/customers", form, key);
    if (!reply.ok()) throwStripeError(reply, "creating the customer");
    const std::string_view id = idAt(reply.body);
    if (id.empty()) throw sdk::Error(BW_ERR_UNAVAILABLE, "Stripe answered a customer without id");
    return std::string(id);
}

void verifyStripeSignature(const sdk::Call& call, std::string_view headers, std::string_view body,
                           std::string_view secret, std::int64_t received_at,
                           std::int64_t tolerance) {
    const auto header = codec::headerValue(headers, "Stripe-Signature");
    if (!header || header->empty()) {
        throw sdk::Error(BW_ERR_DENIED, "the delivery has no Stripe-Signature header");
    }
    std::string_view timestamp;
    std::vector<std::string_view> signatures;
    std::string_view rest = *header;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        const std::size_t eq = item.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view name = item.substr(0, eq);
        const std::string_view value = item.substr(eq + 1);
        if (name == "t" && timestamp.empty()) timestamp = value;
        if (name == "v1") signatures.push_back(value);
    }
    const auto t = sdk::Call::parseInteger(timestamp);
    if (!t || timestamp[0] == '-' || signatures.empty()) {
        throw sdk::Error(BW_ERR_DENIED, "the Stripe-Signature header is malformed");
    }
    std::string signed_payload(timestamp);
    signed_payload += '.';
    signed_payload.append(body);
    const std::string expected =
        codec::hexEncode(call.hmac(BW_HASH_SHA256, secret, signed_payload));
    bool match = false;
    for (const std::string_view candidate : signatures) {
        // Every candidate is compared, so the time taken does not say which one matched.
        match = codec::constantTimeEquals(expected, candidate) || match;
    }
    if (!match) throw sdk::Error(BW_ERR_DENIED, "the Stripe-Signature does not match the body");
    if (*t < received_at - tolerance || *t > received_at + tolerance) {
        throw sdk::Error(BW_ERR_DENIED, "the Stripe-Signature timestamp is more than " +
                                            std::to_string(tolerance) +
                                            " seconds from the time received");
    }
}

StripeClient StripeIntentProcessor::stripe(const sdk::Call& call) const {
    return StripeClient(call, stripeSettings(call, keys_));
}

sdk::PaymentResult StripeIntentProcessor::lookup(sdk::Call& call,
                                                 const sdk::LookupRequest& request) {
    return lookupIntent(stripe(call), request);
}

sdk::RefundResult StripeIntentProcessor::refund(sdk::Call& call,
                                                const sdk::RefundRequest& request) {
    return createRefund(stripe(call), request);
}

sdk::WebhookResult StripeIntentProcessor::webhook(sdk::Call& call,
                                                  const sdk::WebhookRequest& request) {
    const auto secret = optionalSecret(call, keys_.webhook_secret);
    if (!secret) {
        throw sdk::Error(BW_ERR_DENIED, std::string(keys_.webhook_secret) +
                                            " is not configured: the delivery cannot be verified");
    }
    const std::int64_t tolerance =
        configInteger(call, keys_.webhook_tolerance_seconds, 300, 1, 3600);
    verifyStripeSignature(call, request.headers, request.body, *secret, request.received_at,
                          tolerance);
    return stripeEvent(stripe(call), request.body);
}

sdk::WebhookResult stripeEvent(const StripeClient& client, std::string_view body) {
    std::string error;
    const auto event = codec::parseJson(body, &error);
    if (!event || !event->isObject()) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the Stripe event is not a JSON object");
    }
    const std::string_view id = idAt(*event);
    const std::string_view type = stringAt(*event, {"type"});
    const JsonValue* object = at(*event, {"data", "object"});
    if (id.empty() || type.empty() || object == nullptr || !object->isObject()) {
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "the Stripe event has no id, type or object");
    }
    sdk::WebhookResult out;
    out.event = BW_EVENT_IGNORED;
    out.event_id = std::string(id);
    out.occurred_at = std::max<std::int64_t>(0, intOr(*event, "created", 0));
    const std::string_view object_id = idAt(*object);

    if (type == "payment_intent.succeeded" || type == "payment_intent.payment_failed" ||
        type == "payment_intent.processing" || type == "payment_intent.requires_action" ||
        type == "payment_intent.canceled") {
        return paymentEvent(client, std::move(out), object_id);
    }
    if (type == "charge.refunded") {
        // The payment as it stands (still collected); the refund itself arrives as refund.*.
        return paymentEvent(client, std::move(out), idOf(object->find("payment_intent")));
    }
    if (type == "refund.created" || type == "refund.updated" || type == "refund.failed" ||
        type == "charge.refund.updated") {
        return refundEvent(client, std::move(out), object_id);
    }
    if (type == "setup_intent.succeeded" || type == "setup_intent.setup_failed") {
        return setupEvent(client, std::move(out), object_id);
    }
    if (type == "payment_method.detached" && !object_id.empty()) {
        out.event = BW_EVENT_METHOD;
        out.method_reference = std::string(object_id);
        out.method_status = BW_METHOD_FAILED;
        out.method_failure_code = "invalid_method";
    }
    return out;
}

}  // namespace billwright::common
