// Payment processor "payment_opennode": Bitcoin over Lightning and on-chain through OpenNode
// charges (reference §4). Every charge carries both a BOLT11 invoice and an on-chain address;
// the payer picks on OpenNode's hosted checkout. Method type CRYPTO, flag WEBHOOKS; no refunds
// (OpenNode only returns underpayments, to an address the payer gives it: record any refund out
// of band, e.g. with payment_manual).
//
// charge: looks for an earlier charge with order_id = the host's payment_id first (OpenNode has
// no idempotency keys, so a retry after a timeout must not create a second one), and only when
// there is none creates one (POST /v1/charges: the fiat amount as an exact decimal with its
// currency, order_id, the host's callback URL). The answer is REQUIRES_ACTION: action_url the
// hosted checkout, reference the charge id, expires_at the charge's expiry.
//
// Parameters: callback_url (required: the host's /v1/webhooks/{tenant}/{plugin} URL).
//
// webhook: hashed_order must be hex HMAC-SHA256(api_key, id). It authenticates the charge id
// only, never the status or amounts, so the charge is read again (GET /v1/charge/{id}) and ITS
// state reported; event_id is "<charge id>:<status>".
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/crypto_amount.h"
#include "common/provider_client.h"
#include "common/provider_http.h"

namespace billwright::payment_opennode {
namespace {

namespace sdk = billwright::sdk;
namespace codec = billwright::codec;
using codec::JsonValue;

constexpr char kDefaultApiBase[] = "https://api.opennode.com";
constexpr char kDefaultCheckout[] = "https://checkout.opennode.com/";
constexpr std::int64_t kDefaultTimeoutMs = 10000;

common::ProviderClient client(const sdk::Call& call) {
    const std::string base = common::configBaseUrl(call, "api_base_url", kDefaultApiBase);
    const std::string key = common::requiredSecret(call, "api_key");
    const auto timeout = common::configInteger(call, "timeout_ms", kDefaultTimeoutMs, 100, 60000);
    return common::ProviderClient(call, "OpenNode", base, "Authorization: " + key + "\r\n",
                                  static_cast<std::uint32_t>(timeout));
}

// {"data": ...} of a 2xx answer.
const JsonValue& data(const common::ProviderClient& api, const common::ProviderReply& reply,
                      std::string_view what) {
    const JsonValue* payload = api.object(reply, what).find("data");
    if (payload == nullptr)
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         "OpenNode " + std::string(what) + " answered no data member");
    return *payload;
}

int progress(std::string_view status) {
    static constexpr std::string_view kOrder[] = {"expired",   "refunded",   "unpaid",
                                                  "underpaid", "processing", "paid"};
    for (std::size_t i = 0; i < std::size(kOrder); ++i) {
        if (kOrder[i] == status) return static_cast<int>(i);
    }
    return -1;
}

// The satoshis an underpaid charge received: amount - missing_amt, else the sum of its
// transactions.
std::optional<common::CryptoDecimal> receivedSats(const JsonValue& charge,
                                                  const common::CryptoDecimal& amount) {
    if (const auto missing = common::decimalAt(charge, "missing_amt")) {
        if (missing->scale != 0 || amount.scale != 0 || missing->digits > amount.digits)
            return std::nullopt;
        return common::CryptoDecimal{amount.digits - missing->digits, 0};
    }
    const JsonValue* transactions = charge.find("transactions");
    if (transactions == nullptr || !transactions->isArray()) return std::nullopt;
    common::CryptoDecimal sum;
    for (const JsonValue& t : transactions->items()) {
        const auto sats = common::decimalAt(t, "amount");
        if (!sats || sats->scale != 0) return std::nullopt;
        sum.digits += sats->digits;
        // Each amount is below 10^36 < 2^120, so the sum cannot overflow before this stops it.
        if (sum.digits > (common::Int128{1} << 120)) return std::nullopt;
    }
    return sum;
}

// The charge's state as a result; `asked` (charge, lookup) must match what the charge is for.
sdk::PaymentResult toResult(const JsonValue& charge, const sdk::Money* asked,
                            std::string_view checkout_url) {
    const auto id = charge.getString("id");
    const auto status = charge.getString("status");
    if (!id || id->empty() || !status)
        throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode answered a charge without id or status");
    const std::string reference(*id);
    const std::int64_t price_minor = common::providerPrice(charge, "source_fiat_value", "currency",
                                                           asked, "OpenNode charge " + reference);

    sdk::PaymentResult r;
    r.reference = reference;
    if (*status == "unpaid") {
        r.status = BW_PAYMENT_REQUIRES_ACTION;
        const auto hosted = charge.getString("hosted_checkout_url");
        r.action_url = hosted && common::isHttpUrl(*hosted)
                           ? std::string(*hosted)
                           : std::string(checkout_url) + codec::percentEncode(reference);
        if (const auto expires = charge.getInt64("expires_at"); expires && *expires > 0) {
            r.expires_at = *expires;
        } else if (const JsonValue* ln = charge.find("lightning_invoice"); ln != nullptr) {
            r.expires_at = std::max<std::int64_t>(0, ln->getInt64("expires_at").value_or(0));
        }
    } else if (*status == "processing") {
        r.status = BW_PAYMENT_PENDING;
    } else if (*status == "paid") {
        r.status = BW_PAYMENT_SUCCEEDED;
        r.amount_received_minor = price_minor;
    } else if (*status == "underpaid") {
        const auto amount = common::decimalAt(charge, "amount");
        const auto received = amount ? receivedSats(charge, *amount) : std::nullopt;
        const auto share =
            received ? common::partialShare(price_minor, *received, *amount) : std::nullopt;
        if (!share)
            throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode charge " + reference +
                                                     " is underpaid without a share of its price "
                                                     "in amount and missing_amt");
        r.status = BW_PAYMENT_PARTIAL;
        r.amount_received_minor = *share;
    } else if (*status == "expired") {
        r.status = BW_PAYMENT_CANCELED;
        r.failure_code = "expired";
        r.failure_message = "The charge expired before it was paid";
    } else if (*status == "refunded") {
        r.status = BW_PAYMENT_FAILED;
        r.failure_code = "refunded";
        r.failure_message = "OpenNode returned the underpayment to the payer";
    } else {
        throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode charge " + reference +
                                                 " has the unknown status " +
                                                 common::printable(*status));
    }
    return r;
}

// The charge OpenNode holds for `order_id`, or nullopt; the furthest one when there are several.
std::optional<JsonValue> findByOrder(const common::ProviderClient& api, std::string_view order_id) {
    const auto reply = api.get("/v1/charges");
    const JsonValue& list = data(api, reply, "GET /v1/charges");
    if (!list.isArray())
        throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode GET /v1/charges answered no list");
    std::optional<JsonValue> best;
    for (const JsonValue& c : list.items()) {
        if (common::idText(c, "order_id") != order_id) continue;
        if (!best || progress(c.getString("status").value_or("")) >
                         progress(best->getString("status").value_or("")))
            best = c;
    }
    return best;
}

JsonValue fetch(const common::ProviderClient& api, std::string_view id) {
    const auto reply = api.get("/v1/charge/" + codec::percentEncode(id));
    const JsonValue& charge = data(api, reply, "GET /v1/charge/{id}");
    if (!charge.isObject())
        throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode GET /v1/charge/{id} answered no charge");
    return charge;
}

// The webhook's fields: form-encoded as OpenNode sends them, or a JSON object of strings.
std::optional<std::vector<std::pair<std::string, std::string>>> webhookFields(
    const sdk::WebhookRequest& request) {
    const auto type = codec::headerValue(request.headers, "content-type");
    const bool json = (type && type->find("json") != std::string_view::npos) ||
                      (!request.body.empty() && request.body.front() == '{');
    if (!json) return codec::parseForm(request.body);
    const auto body = codec::parseJson(request.body, nullptr);
    if (!body || !body->isObject()) return std::nullopt;
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [key, value] : body->members()) {
        if (value.isString()) out.emplace_back(key, value.asString());
        if (value.isNumber()) out.emplace_back(key, value.numberLexeme());
    }
    return out;
}

std::optional<std::string> field(const std::vector<std::pair<std::string, std::string>>& fields,
                                 std::string_view key) {
    for (const auto& [k, v] : fields) {
        if (k == key) return v;
    }
    return std::nullopt;
}

class OpenNode final : public sdk::PaymentProcessor {
    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        const std::string callback = common::urlParam(call, "callback_url");
        common::checkIsoCurrency(request.amount);
        if (request.payment_id.empty())
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payment_id is required");
        // Minutes the charge stays payable; 0: OpenNode's default (the key is not set).
        const std::int64_t ttl = call.config("ttl_minutes")
                                     ? common::configInteger(call, "ttl_minutes", 0, 10, 1440)
                                     : 0;
        const std::string checkout = common::configText(call, "checkout_url", kDefaultCheckout);
        const common::ProviderClient api = client(call);

        // A retry after an unknown outcome finds what the first try made.
        if (const auto existing = findByOrder(api, request.payment_id))
            return toResult(*existing, &request.amount, checkout);

        JsonValue body =
            JsonValue::object()
                .set("amount", JsonValue::number(codec::minorToDecimal(request.amount.amount_minor,
                                                                       request.amount.exponent)))
                .set("currency", JsonValue::string(std::string(request.amount.currency)))
                .set("order_id", JsonValue::string(std::string(request.payment_id)))
                .set("description",
                     JsonValue::string(!request.description.empty()
                                           ? std::string(request.description)
                                           : "Invoice " + std::string(request.invoice_id)))
                .set("callback_url", JsonValue::string(callback));
        if (common::isHttpUrl(request.return_url))
            body.set("success_url", JsonValue::string(std::string(request.return_url)));
        if (!request.payer.email.empty())
            body.set("customer_email", JsonValue::string(std::string(request.payer.email)));
        if (ttl > 0) body.set("ttl", JsonValue::integer(ttl));
        const auto made = api.post("/v1/charges", body);
        if (made.status == 400) {
            // Refused: nothing was created, so this is a decline, not an unknown outcome.
            return sdk::PaymentResult::failed("provider_error", made.message.empty()
                                                                    ? "OpenNode refused the charge"
                                                                    : made.message);
        }
        return toResult(data(api, made, "POST /v1/charges"), &request.amount, checkout);
    }

    sdk::PaymentResult lookup(sdk::Call& call, const sdk::LookupRequest& request) override {
        const std::string checkout = common::configText(call, "checkout_url", kDefaultCheckout);
        const common::ProviderClient api = client(call);
        if (!request.reference.empty()) {
            const JsonValue charge = fetch(api, request.reference);
            const auto order = common::idText(charge, "order_id");
            if (!request.payment_id.empty() && order && *order != request.payment_id)
                throw sdk::Error(
                    BW_ERR_INVALID_ARGUMENT,
                    "reference " + std::string(request.reference) + " belongs to another order_id");
            return toResult(charge, &request.amount, checkout);
        }
        if (request.payment_id.empty())
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payment_id or reference is required");
        const auto found = findByOrder(api, request.payment_id);
        if (!found)
            throw sdk::Error(BW_ERR_NOT_FOUND, "OpenNode has no charge with order_id " +
                                                   std::string(request.payment_id));
        return toResult(*found, &request.amount, checkout);
    }

    sdk::WebhookResult webhook(sdk::Call& call, const sdk::WebhookRequest& request) override {
        // Verify before anything else; nothing but the charge id is read from the body.
        const auto key = common::optionalSecret(call, "api_key");
        if (!key)
            throw sdk::Error(BW_ERR_DENIED,
                             "api_key is not configured: webhooks cannot be verified");
        const auto fields = webhookFields(request);
        const auto id = fields ? field(*fields, "id") : std::nullopt;
        const auto hashed = fields ? field(*fields, "hashed_order") : std::nullopt;
        if (!hashed || hashed->empty()) throw sdk::Error(BW_ERR_DENIED, "missing hashed_order");
        const auto signature = codec::hexDecode(*hashed);
        if (!id || id->empty() || !signature ||
            !codec::constantTimeEquals(call.hmac(BW_HASH_SHA256, *key, *id), *signature))
            throw sdk::Error(BW_ERR_DENIED, "bad hashed_order");

        // Only the id is authenticated: report the charge as OpenNode has it now.
        const common::ProviderClient api = client(call);
        const JsonValue charge = fetch(api, *id);
        if (charge.getString("id") != *id)
            throw sdk::Error(BW_ERR_UNAVAILABLE, "OpenNode answered another charge for " + *id);
        sdk::WebhookResult out;
        out.event = BW_EVENT_PAYMENT;
        out.payment =
            toResult(charge, nullptr, common::configText(call, "checkout_url", kDefaultCheckout));
        out.event_id = *id + ":" + std::string(charge.getString("status").value_or(""));
        out.payment_id = common::idText(charge, "order_id").value_or("");
        return out;
    }
};

constexpr bw_config_key kApiBaseUrl =
    sdk::configKey("api_base_url", BW_CONFIG_URL, 0, kDefaultApiBase,
                   "OpenNode API root, without /v1 (testnet: https://dev-api.opennode.com)");
constexpr bw_config_key kCheckoutUrl = sdk::configKey(
    "checkout_url", BW_CONFIG_URL, 0, kDefaultCheckout,
    "Hosted checkout, <checkout_url><charge id>, when a charge has no hosted_checkout_url");
constexpr bw_config_key kApiKey =
    sdk::configKey("api_key", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET, nullptr,
                   "OpenNode API key with the Invoice and Read permissions");
constexpr bw_config_key kTtlMinutes =
    sdk::configKey("ttl_minutes", BW_CONFIG_INTEGER, 0, nullptr,
                   "Minutes a charge stays payable (10 to 1440); OpenNode's default when unset");
constexpr bw_config_key kTimeoutMs = sdk::configKey(
    "timeout_ms", BW_CONFIG_INTEGER, 0, "10000", "Timeout of one OpenNode request (100 to 60000)");
constexpr const bw_config_key* kKeys[] = {&kApiBaseUrl, &kCheckoutUrl, &kApiKey, &kTtlMinutes,
                                          &kTimeoutMs};

constexpr bw_payment_processor_api kProcessor =
    sdk::paymentProcessor<OpenNode>(BW_METHOD_TYPE_BIT(BW_METHOD_CRYPTO), BW_PROCESSOR_WEBHOOKS);

}  // namespace
}  // namespace billwright::payment_opennode

BILLWRIGHT_PLUGIN(billwright::sdk::describe(
    "payment_opennode", "1.0.0", "Bitcoin over Lightning and on-chain through OpenNode charges",
    BW_KIND_PAYMENT_PROCESSOR, billwright::payment_opennode::kKeys,
    &billwright::payment_opennode::kProcessor))
