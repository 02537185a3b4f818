// Payment processor "payment_nowpayments": crypto invoices (BTC, USDC, USDT, any coin the
// tenant allows) through NOWPayments (reference §3). Method type CRYPTO, flag WEBHOOKS; no
// refunds (NOWPayments has no refund API: give money back out of band, e.g. payment_manual).
//
// charge: looks for an earlier payment with order_id = the host's payment_id first (NOWPayments
// has no idempotency keys, so a retry after a timeout must not create a second one: see
// findByOrder), and only when there is none creates an invoice (POST /invoice: the fiat price
// as an exact decimal, the pay currency, order_id, the host's callback URL as ipn_callback_url)
// and its payment (POST /invoice-payment), so the payment carries the order_id from the start.
// The answer is REQUIRES_ACTION: action_url the hosted invoice page, reference the payment id,
// expires_at the payment's expiration estimate.
//
// Parameters: callback_url (required: the host's /v1/webhooks/{tenant}/{plugin} URL),
// pay_currency (optional: a NOWPayments ticker from the pay_currencies setting, else the
// pay_currency setting).
//
// webhook: x-nowpayments-sig must be hex HMAC-SHA512(ipn_secret, the body's JSON with keys
// sorted recursively); then the payment is read again (GET /payment/{id}) and its current state
// reported, so late and out-of-order IPNs never move a payment backwards. event_id is
// "<payment id>:<status>".
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <billwright/codec.hpp>
#include <billwright/plugin.hpp>

#include "common/crypto_amount.h"
#include "common/iso_time.h"
#include "common/provider_client.h"
#include "common/provider_http.h"

namespace billwright::payment_nowpayments {
namespace {

namespace sdk = billwright::sdk;
namespace codec = billwright::codec;
using codec::JsonValue;

constexpr char kDefaultApiBase[] = "https://api.nowpayments.io/v1";
constexpr char kDefaultCheckout[] = "https://nowpayments.io/payment/";
constexpr char kDefaultPayCurrency[] = "btc";
constexpr char kDefaultPayCurrencies[] = "btc,usdc,usdterc20,usdttrc20";
constexpr std::int64_t kDefaultTimeoutMs = 10000;
constexpr std::int64_t kDefaultLookupPages = 10;
constexpr std::int64_t kPageSize = 100;

common::ProviderClient client(const sdk::Call& call) {
    const std::string base = common::configBaseUrl(call, "api_base_url", kDefaultApiBase);
    const std::string key = common::requiredSecret(call, "api_key");
    const auto timeout = common::configInteger(call, "timeout_ms", kDefaultTimeoutMs, 100, 60000);
    return common::ProviderClient(call, "NOWPayments", base, "x-api-key: " + key + "\r\n",
                                  static_cast<std::uint32_t>(timeout));
}

// The coin the payer pays in: the pay_currency parameter, else the setting; one of the
// pay_currencies setting (comma-separated NOWPayments tickers).
std::string payCurrency(const sdk::Call& call) {
    const auto param = call.param("pay_currency");
    const bool from_param = param && !common::trim(*param).empty();
    const std::string chosen = common::lowerAscii(
        from_param ? std::string(common::trim(*param))
                   : common::configText(call, "pay_currency", kDefaultPayCurrency));
    const std::string allowed =
        common::lowerAscii(common::configText(call, "pay_currencies", kDefaultPayCurrencies));
    std::vector<std::string> list;
    std::string_view rest = allowed;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = common::trim(rest.substr(0, comma));
        if (!item.empty()) list.emplace_back(item);
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (std::find(list.begin(), list.end(), chosen) == list.end()) {
        std::string names;
        for (const auto& name : list) names += (names.empty() ? "" : ", ") + name;
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, std::string(from_param ? "parameter " : "") +
                                                      "pay_currency must be one of " + names);
    }
    return chosen;
}

// How far a payment got; the furthest of several payments with one order_id is the one to
// report (the payer may have opened a second one on the hosted page).
int progress(std::string_view status) {
    static constexpr std::string_view kOrder[] = {"expired",   "failed",         "refunded",
                                                  "waiting",   "partially_paid", "confirming",
                                                  "confirmed", "sending",        "finished"};
    for (std::size_t i = 0; i < std::size(kOrder); ++i) {
        if (kOrder[i] == status) return static_cast<int>(i);
    }
    return -1;
}

// The payment's state as a result. `asked` (charge, lookup) must match the payment's price;
// `action_url` is where the payer pays (the invoice page), "" when unknown.
sdk::PaymentResult toResult(const JsonValue& payment, const sdk::Money* asked,
                            std::string action_url, std::string_view checkout_url) {
    const auto reference = common::idText(payment, "payment_id");
    const auto status = payment.getString("payment_status");
    if (!reference || reference->empty() || !status)
        throw sdk::Error(BW_ERR_UNAVAILABLE,
                         "NOWPayments answered a payment without payment_id or payment_status");
    const std::int64_t price_minor = common::providerPrice(
        payment, "price_amount", "price_currency", asked, "NOWPayments payment " + *reference);

    sdk::PaymentResult r;
    r.reference = *reference;
    if (action_url.empty()) {
        if (const auto invoice = common::idText(payment, "invoice_id");
            invoice && !invoice->empty())
            action_url = std::string(checkout_url) + "?iid=" + codec::percentEncode(*invoice);
    }
    const auto expires = [&]() -> std::int64_t {
        const auto text = payment.getString("expiration_estimate_date");
        return text ? common::parseIsoTime(*text).value_or(0) : 0;
    };
    if (*status == "waiting") {
        // The payer still has to send the coins; without a page to send them to, only wait.
        r.status = action_url.empty() ? BW_PAYMENT_PENDING : BW_PAYMENT_REQUIRES_ACTION;
        r.action_url = action_url;
        r.expires_at = expires();
    } else if (*status == "confirming" || *status == "confirmed" || *status == "sending") {
        r.status = BW_PAYMENT_PENDING;
    } else if (*status == "finished") {
        r.status = BW_PAYMENT_SUCCEEDED;
        r.amount_received_minor = price_minor;
    } else if (*status == "partially_paid") {
        const auto paid = common::decimalAt(payment, "actually_paid");
        const auto due = common::decimalAt(payment, "pay_amount");
        const auto share =
            paid && due ? common::partialShare(price_minor, *paid, *due) : std::nullopt;
        if (!share)
            throw sdk::Error(BW_ERR_UNAVAILABLE, "NOWPayments payment " + *reference +
                                                     " is partially_paid without a share of its "
                                                     "price in actually_paid and pay_amount");
        r.status = BW_PAYMENT_PARTIAL;
        r.amount_received_minor = *share;
    } else if (*status == "expired") {
        r.status = BW_PAYMENT_CANCELED;
        r.failure_code = "expired";
        r.failure_message = "The payment window closed before the coins arrived";
    } else if (*status == "failed") {
        r.status = BW_PAYMENT_FAILED;
        r.failure_code = "provider_error";
        r.failure_message = "NOWPayments could not complete the payment";
    } else if (*status == "refunded") {
        r.status = BW_PAYMENT_FAILED;
        r.failure_code = "refunded";
        r.failure_message = "NOWPayments returned the coins to the payer";
    } else if (*status == "cancelled" || *status == "canceled") {
        r.status = BW_PAYMENT_CANCELED;
        r.failure_code = "canceled";
    } else {
        throw sdk::Error(BW_ERR_UNAVAILABLE, "NOWPayments payment " + *reference +
                                                 " has the unknown status " +
                                                 common::printable(*status));
    }
    return r;
}

// A JWT for the calls that need one (the payment list): POST /auth with the account login.
std::string authenticate(const sdk::Call& call, const common::ProviderClient& api) {
    const std::string email = common::configText(call, "account_email");
    if (email.empty())
        throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "configuration account_email is not configured");
    const std::string password = common::requiredSecret(call, "account_password");
    const auto reply = api.post("/auth", JsonValue::object()
                                             .set("email", JsonValue::string(email))
                                             .set("password", JsonValue::string(password)));
    const auto token = api.object(reply, "POST /auth").getString("token");
    if (!token || token->empty())
        throw sdk::Error(BW_ERR_UNAVAILABLE, "NOWPayments POST /auth answered no token");
    if (token->find_first_of("\r\n") != std::string_view::npos)
        throw sdk::Error(BW_ERR_UNAVAILABLE, "NOWPayments POST /auth answered a malformed token");
    return std::string(*token);
}

// The payment NOWPayments holds for `order_id`, or nullopt. The list endpoint cannot filter by
// order_id (reference §6), so the newest payments are read page by page (lookup_pages pages of
// 100 at most) and matched here.
std::optional<JsonValue> findByOrder(const sdk::Call& call, const common::ProviderClient& api,
                                     std::string_view order_id) {
    const std::int64_t pages =
        common::configInteger(call, "lookup_pages", kDefaultLookupPages, 1, 1000);
    const std::string bearer = "Authorization: Bearer " + authenticate(call, api) + "\r\n";
    std::optional<JsonValue> best;
    for (std::int64_t page = 0; page < pages; ++page) {
        const std::string path = "/payment/?limit=" + std::to_string(kPageSize) +
                                 "&page=" + std::to_string(page) +
                                 "&sortBy=created_at&orderBy=desc";
        const auto reply = api.get(path, bearer);
        const JsonValue& body = api.object(reply, "GET /payment/");
        const JsonValue* data = body.find("data");
        if (data == nullptr || !data->isArray())
            throw sdk::Error(BW_ERR_UNAVAILABLE, "NOWPayments GET /payment/ answered no data");
        for (const JsonValue& p : data->items()) {
            if (common::idText(p, "order_id") != order_id) continue;
            const auto status = p.getString("payment_status").value_or("");
            if (!best ||
                progress(status) > progress(best->getString("payment_status").value_or("")))
                best = p;
        }
        const auto count = body.getInt64("pagesCount");
        if (best || static_cast<std::int64_t>(data->items().size()) < kPageSize ||
            (count && page + 1 >= *count))
            break;
    }
    return best;
}

// A refused create (400): nothing was made, so it is a decline, not an unknown outcome.
std::optional<sdk::PaymentResult> declined(const common::ProviderClient& api,
                                           const common::ProviderReply& reply,
                                           std::string_view what) {
    if (reply.status != 400) {
        if (reply.status >= 200 && reply.status <= 299) return std::nullopt;
        api.fail(reply, what);
    }
    const auto code =
        reply.json && reply.json->isObject() ? reply.json->getString("code") : std::nullopt;
    return sdk::PaymentResult::failed(
        code == "AMOUNT_MINIMAL_ERROR" ? "amount_too_small" : "provider_error",
        reply.message.empty() ? "NOWPayments refused the payment" : reply.message);
}

class NowPayments final : public sdk::PaymentProcessor {
    sdk::PaymentResult charge(sdk::Call& call, const sdk::ChargeRequest& request) override {
        const std::string callback = common::urlParam(call, "callback_url");
        const std::string coin = payCurrency(call);
        common::checkIsoCurrency(request.amount);
        if (request.payment_id.empty())
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payment_id is required");
        const std::string checkout = common::configText(call, "checkout_url", kDefaultCheckout);
        const common::ProviderClient api = client(call);

        // A retry after an unknown outcome finds what the first try made.
        if (const auto existing = findByOrder(call, api, request.payment_id))
            return toResult(*existing, &request.amount, "", checkout);

        JsonValue invoice =
            JsonValue::object()
                .set("price_amount", JsonValue::number(codec::minorToDecimal(
                                         request.amount.amount_minor, request.amount.exponent)))
                .set("price_currency",
                     JsonValue::string(common::lowerAscii(request.amount.currency)))
                .set("pay_currency", JsonValue::string(coin))
                .set("order_id", JsonValue::string(std::string(request.payment_id)))
                .set("order_description",
                     JsonValue::string(!request.description.empty()
                                           ? std::string(request.description)
                                           : "Invoice " + std::string(request.invoice_id)))
                .set("ipn_callback_url", JsonValue::string(callback));
        if (common::isHttpUrl(request.return_url)) {
            invoice.set("success_url", JsonValue::string(std::string(request.return_url)));
            invoice.set("cancel_url", JsonValue::string(std::string(request.return_url)));
        }
        const auto made = api.post("/invoice", invoice);
        if (auto refused = declined(api, made, "POST /invoice")) return *refused;
        const JsonValue& created = api.object(made, "POST /invoice");
        const auto iid = common::idText(created, "id");
        const auto page = created.getString("invoice_url");
        if (!iid || iid->empty() || !page || !common::isHttpUrl(*page))
            throw sdk::Error(BW_ERR_UNAVAILABLE,
                             "NOWPayments POST /invoice answered no id or invoice_url");

        const auto paid =
            api.post("/invoice-payment", JsonValue::object()
                                             .set("iid", JsonValue::string(*iid))
                                             .set("pay_currency", JsonValue::string(coin)));
        if (auto refused = declined(api, paid, "POST /invoice-payment")) return *refused;
        return toResult(api.object(paid, "POST /invoice-payment"), &request.amount,
                        std::string(*page), checkout);
    }

    sdk::PaymentResult lookup(sdk::Call& call, const sdk::LookupRequest& request) override {
        const std::string checkout = common::configText(call, "checkout_url", kDefaultCheckout);
        const common::ProviderClient api = client(call);
        if (!request.reference.empty()) {
            const auto reply = api.get("/payment/" + codec::percentEncode(request.reference));
            const JsonValue& payment = api.object(reply, "GET /payment/{id}");
            const auto order = common::idText(payment, "order_id");
            if (!request.payment_id.empty() && order && *order != request.payment_id)
                throw sdk::Error(
                    BW_ERR_INVALID_ARGUMENT,
                    "reference " + std::string(request.reference) + " belongs to another order_id");
            return toResult(payment, &request.amount, "", checkout);
        }
        if (request.payment_id.empty())
            throw sdk::Error(BW_ERR_INVALID_ARGUMENT, "payment_id or reference is required");
        const auto found = findByOrder(call, api, request.payment_id);
        if (!found)
            throw sdk::Error(BW_ERR_NOT_FOUND, "NOWPayments has no payment with order_id " +
                                                   std::string(request.payment_id));
        return toResult(*found, &request.amount, "", checkout);
    }

    sdk::WebhookResult webhook(sdk::Call& call, const sdk::WebhookRequest& request) override {
        // Verify before anything else; nothing of an unverified body is read.
        const auto secret = common::optionalSecret(call, "ipn_secret");
        if (!secret)
            throw sdk::Error(BW_ERR_DENIED,
                             "ipn_secret is not configured: IPNs cannot be verified");
        const auto header = codec::headerValue(request.headers, "x-nowpayments-sig");
        if (!header || header->empty())
            throw sdk::Error(BW_ERR_DENIED, "missing x-nowpayments-sig");
        const auto signature = codec::hexDecode(*header);
        const auto body = codec::parseJson(request.body, nullptr);
        if (!signature || !body || !body->isObject())
            throw sdk::Error(BW_ERR_DENIED, "bad x-nowpayments-sig");
        const std::string expected =
            call.hmac(BW_HASH_SHA512, *secret, codec::writeJson(*body, codec::KeyOrder::kSorted));
        if (!codec::constantTimeEquals(expected, *signature))
            throw sdk::Error(BW_ERR_DENIED, "bad x-nowpayments-sig");

        sdk::WebhookResult out;
        const auto id = common::idText(*body, "payment_id");
        if (!id || id->empty()) return out;  // verified, but not about a payment
        // The IPN may be late or out of order: report the payment as NOWPayments has it now.
        const common::ProviderClient api = client(call);
        const auto reply = api.get("/payment/" + codec::percentEncode(*id));
        const JsonValue& payment = api.object(reply, "GET /payment/{id}");
        const std::string checkout = common::configText(call, "checkout_url", kDefaultCheckout);
        out.event = BW_EVENT_PAYMENT;
        out.payment = toResult(payment, nullptr, "", checkout);
        out.event_id = out.payment.reference + ":" +
                       std::string(payment.getString("payment_status").value_or(""));
        out.payment_id = common::idText(payment, "order_id")
                             .value_or(common::idText(*body, "order_id").value_or(""));
        if (const auto updated = payment.getString("updated_at"))
            out.occurred_at = common::parseIsoTime(*updated).value_or(0);
        return out;
    }
};

constexpr bw_config_key kApiBaseUrl =
    sdk::configKey("api_base_url", BW_CONFIG_URL, 0, kDefaultApiBase,
                   "NOWPayments API base URL (sandbox: https://api-sandbox.nowpayments.io/v1)");
constexpr bw_config_key kCheckoutUrl =
    sdk::configKey("checkout_url", BW_CONFIG_URL, 0, kDefaultCheckout,
                   "Hosted invoice page; the payer is sent to <checkout_url>?iid=<invoice id>");
constexpr bw_config_key kApiKey =
    sdk::configKey("api_key", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET, nullptr,
                   "NOWPayments API key (x-api-key)");
constexpr bw_config_key kIpnSecret =
    sdk::configKey("ipn_secret", BW_CONFIG_STRING, BW_CONFIG_SECRET, nullptr,
                   "IPN secret from the NOWPayments dashboard; webhooks are refused without it");
constexpr bw_config_key kAccountEmail = sdk::configKey(
    "account_email", BW_CONFIG_STRING, BW_CONFIG_REQUIRED, nullptr,
    "NOWPayments account login, for the payment list that finds a payment by order_id");
constexpr bw_config_key kAccountPassword =
    sdk::configKey("account_password", BW_CONFIG_STRING, BW_CONFIG_REQUIRED | BW_CONFIG_SECRET,
                   nullptr, "Password of account_email");
constexpr bw_config_key kPayCurrency =
    sdk::configKey("pay_currency", BW_CONFIG_STRING, 0, kDefaultPayCurrency,
                   "Coin the payer pays in unless the pay_currency parameter says otherwise");
constexpr bw_config_key kPayCurrencies =
    sdk::configKey("pay_currencies", BW_CONFIG_STRING, 0, kDefaultPayCurrencies,
                   "Comma-separated NOWPayments tickers a payer may choose (USDT is per network)");
constexpr bw_config_key kLookupPages =
    sdk::configKey("lookup_pages", BW_CONFIG_INTEGER, 0, "10",
                   "Pages of the 100 newest payments searched for an order_id (1 to 1000)");
constexpr bw_config_key kTimeoutMs =
    sdk::configKey("timeout_ms", BW_CONFIG_INTEGER, 0, "10000",
                   "Timeout of one NOWPayments request (100 to 60000)");
constexpr const bw_config_key* kKeys[] = {
    &kApiBaseUrl,      &kCheckoutUrl, &kApiKey,        &kIpnSecret,   &kAccountEmail,
    &kAccountPassword, &kPayCurrency, &kPayCurrencies, &kLookupPages, &kTimeoutMs};

constexpr bw_payment_processor_api kProcessor =
    sdk::paymentProcessor<NowPayments>(BW_METHOD_TYPE_BIT(BW_METHOD_CRYPTO), BW_PROCESSOR_WEBHOOKS);

}  // namespace
}  // namespace billwright::payment_nowpayments

BILLWRIGHT_PLUGIN(billwright::sdk::describe(
    "payment_nowpayments", "1.0.0", "Crypto invoices (BTC, USDC, USDT, ...) through NOWPayments",
    BW_KIND_PAYMENT_PROCESSOR, billwright::payment_nowpayments::kKeys,
    &billwright::payment_nowpayments::kProcessor))
