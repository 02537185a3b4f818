#include "fakes/fake_now_payments.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

namespace billwright::fakes {
namespace {

using core::JsonValue;
__extension__ using Int128 = __int128;

constexpr int kScale = 8;  // every decimal is held as an integer scaled by 10^8
constexpr std::int64_t kOne = 100'000'000;

struct Coin {
    std::string_view ticker;
    std::string_view usd_rate;
    int precision;
    std::string_view min_usd;
    std::string_view network;
    std::string_view address_prefix;
};

constexpr Coin kCoins[] = {
    {"btc", "50000", 8, "5", "btc", "bc1qfakenowpayments"},
    {"eth", "2500", 8, "5", "eth", "0xFA4E00000000000000000000000000"},
    {"ltc", "100", 8, "1", "ltc", "ltc1qfakenowpayments"},
    {"trx", "0.1", 6, "1", "trx", "TFakeNowPayments0000000"},
    {"usdc", "1", 6, "1", "eth", "0xFA4E00000000000000000000000000"},
    {"usdterc20", "1", 6, "10", "eth", "0xFA4E00000000000000000000000000"},
    {"usdttrc20", "1", 6, "1", "trx", "TFakeNowPayments0000000"},
    {"usdtbsc", "1", 6, "1", "bsc", "0xFA4E00000000000000000000000000"},
};

const Coin* findCoin(const std::string& ticker) {
    for (const auto& coin : kCoins) {
        if (coin.ticker == ticker) return &coin;
    }
    return nullptr;
}

// USD per unit of a price currency.
std::optional<std::int64_t> fiatRate(const std::string& currency) {
    if (currency == "usd") return kOne;
    if (currency == "eur") return parseDecimal("1.1", kScale);
    return std::nullopt;
}

std::int64_t scaled(std::string_view decimal) { return parseDecimal(decimal, kScale).value(); }

std::int64_t roundUp(std::int64_t value, std::int64_t unit) {
    return (value + unit - 1) / unit * unit;
}

std::int64_t unitOf(const Coin& coin) {
    std::int64_t unit = 1;
    for (int i = coin.precision; i < kScale; ++i) unit *= 10;
    return unit;
}

// The price in the coin, rounded up to the coin's precision.
std::int64_t payAmount(std::int64_t price, std::int64_t fiat_rate, const Coin& coin) {
    const Int128 usd = static_cast<Int128>(price) * fiat_rate / kOne;
    const Int128 coin_rate = scaled(coin.usd_rate);
    const auto pay = static_cast<std::int64_t>((usd * kOne + coin_rate - 1) / coin_rate);
    return roundUp(pay, unitOf(coin));
}

// A coin amount in the price currency, to the cent.
std::int64_t fiatValue(std::int64_t coin_amount, const Coin& coin, std::int64_t fiat_rate) {
    const Int128 value = static_cast<Int128>(coin_amount) * scaled(coin.usd_rate) / fiat_rate;
    const Int128 cent = kOne / 100;
    return static_cast<std::int64_t>((value + cent / 2) / cent * cent);
}

JsonValue number(std::int64_t scaled_value) {
    return JsonValue::numberLiteral(formatDecimal(scaled_value, kScale));
}

void appendJsString(std::string& out, const std::string& s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0x0F];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

void appendCanonical(std::string& out, const JsonValue& v) {
    switch (v.type()) {
        case JsonValue::Type::kNull:
            out += "null";
            return;
        case JsonValue::Type::kBool:
            out += v.asBool() ? "true" : "false";
            return;
        case JsonValue::Type::kNumber:
            out += v.numberText();
            return;
        case JsonValue::Type::kString:
            appendJsString(out, v.asString());
            return;
        case JsonValue::Type::kArray: {
            out += '[';
            bool first = true;
            for (const auto& item : v.items()) {
                if (!first) out += ',';
                first = false;
                appendCanonical(out, item);
            }
            out += ']';
            return;
        }
        case JsonValue::Type::kObject: {
            std::vector<const std::pair<std::string, JsonValue>*> members;
            for (const auto& m : v.members()) members.push_back(&m);
            std::sort(members.begin(), members.end(),
                      [](const auto* a, const auto* b) { return a->first < b->first; });
            out += '{';
            bool first = true;
            for (const auto* m : members) {
                if (!first) out += ',';
                first = false;
                appendJsString(out, m->first);
                out += ':';
                appendCanonical(out, m->second);
            }
            out += '}';
            return;
        }
    }
}

constexpr std::string_view kStatuses[] = {"waiting", "confirming",     "confirmed",
                                          "sending", "partially_paid", "finished",
                                          "failed",  "refunded",       "expired"};

}  // namespace

struct FakeNowPayments::State {
    struct Payment {
        std::int64_t id = 0;
        std::string invoice_id;
        std::string status = "waiting";
        std::string pay_address;
        std::string price_amount;  // the lexeme as sent
        std::int64_t price = 0;
        std::string price_currency;
        std::int64_t pay_amount = 0;
        std::int64_t actually_paid = 0;
        std::string pay_currency;
        std::string order_id, order_description, ipn_callback_url, purchase_id;
        std::string sandbox_case;
        bool fixed_rate = false;
        bool fee_paid_by_user = false;
        std::int64_t created = 0;
        std::int64_t updated = 0;
        std::int64_t expires_at = 0;
    };
    struct Invoice {
        std::string id;
        std::string token_id;
        std::string price_amount;
        std::int64_t price = 0;
        std::string price_currency;
        std::string pay_currency;
        std::string order_id, order_description, ipn_callback_url;
        std::string success_url, cancel_url, partially_paid_url;
        bool fixed_rate = false;
        bool fee_paid_by_user = false;
        std::int64_t created = 0;
    };

    FakeNowPayments& fake;
    std::map<std::int64_t, Payment> payments;
    std::map<std::string, Invoice> invoices;
    std::map<std::string, std::int64_t> tokens;  // JWT -> expiry
    NowPaymentsCounts counts;
    int tokens_issued = 0;

    explicit State(FakeNowPayments& f) : fake(f) {}

    std::int64_t now() const { return fake.now(); }

    static FakeResponse error(int status, const std::string& code, const std::string& message) {
        return FakeResponse{status,
                            "application/json",
                            {},
                            core::toJson(JsonValue::object()
                                             .set("status", jsonBool(false))
                                             .set("statusCode", jsonInt(status))
                                             .set("code", jsonString(code))
                                             .set("message", jsonString(message)))};
    }

    static FakeResponse reply(int status, const JsonValue& body) {
        return FakeResponse{status, "application/json", {}, core::toJson(body)};
    }

    Payment& payment(const std::string& id) {
        const auto n = parseDecimal(id, 0);
        const auto it = n ? payments.find(*n) : payments.end();
        if (it == payments.end()) throw std::invalid_argument("FakeNowPayments: no payment " + id);
        return it->second;
    }

    const Coin& coinOf(const Payment& p) const { return *findCoin(p.pay_currency); }

    // The fields GET /v1/payment/{id} and the IPN share, in the docs' order.
    JsonValue render(const Payment& p, bool ipn) const {
        const Coin& coin = coinOf(p);
        JsonValue out = JsonValue::object().set("payment_id", jsonInt(p.id));
        if (ipn) out.set("parent_payment_id", JsonValue::null());
        out.set("invoice_id",
                p.invoice_id.empty() ? JsonValue::null() : JsonValue::numberLiteral(p.invoice_id))
            .set("payment_status", jsonString(p.status))
            .set("pay_address", jsonString(p.pay_address))
            .set("payin_extra_id", JsonValue::null())
            .set("price_amount", JsonValue::numberLiteral(p.price_amount))
            .set("price_currency", jsonString(p.price_currency))
            .set("pay_amount", number(p.pay_amount))
            .set("actually_paid", number(p.actually_paid));
        if (ipn) {
            out.set("actually_paid_at_fiat",
                    number(fiatValue(p.actually_paid, coin, *fiatRate(p.price_currency))));
        }
        out.set("pay_currency", jsonString(p.pay_currency))
            .set("order_id", jsonStringOrNull(p.order_id))
            .set("order_description", jsonStringOrNull(p.order_description))
            .set("purchase_id", jsonString(p.purchase_id))
            .set("created_at", jsonString(isoTimestamp(p.created)))
            .set("updated_at", jsonString(isoTimestamp(p.updated)))
            .set("outcome_amount", number(p.actually_paid))
            .set("outcome_currency", jsonString(p.pay_currency));
        if (ipn) {
            out.set("payment_extra_ids", JsonValue::null());
            out.set("fee", JsonValue::object()
                               .set("currency", jsonString(p.pay_currency))
                               .set("depositFee", jsonInt(0))
                               .set("withdrawalFee", jsonInt(0))
                               .set("serviceFee", jsonInt(0)));
        }
        return out;
    }

    JsonValue renderCreated(const Payment& p) const {
        const Coin& coin = coinOf(p);
        return JsonValue::object()
            .set("payment_id", jsonString(std::to_string(p.id)))
            .set("payment_status", jsonString(p.status))
            .set("pay_address", jsonString(p.pay_address))
            .set("payin_extra_id", JsonValue::null())
            .set("price_amount", JsonValue::numberLiteral(p.price_amount))
            .set("price_currency", jsonString(p.price_currency))
            .set("pay_amount", number(p.pay_amount))
            .set("amount_received", number(p.pay_amount))
            .set("pay_currency", jsonString(p.pay_currency))
            .set("order_id", jsonStringOrNull(p.order_id))
            .set("order_description", jsonStringOrNull(p.order_description))
            .set("ipn_callback_url", jsonStringOrNull(p.ipn_callback_url))
            .set("created_at", jsonString(isoTimestamp(p.created)))
            .set("updated_at", jsonString(isoTimestamp(p.updated)))
            .set("purchase_id", jsonString(p.purchase_id))
            .set("smart_contract", JsonValue::null())
            .set("network", jsonString(std::string(coin.network)))
            .set("network_precision", jsonInt(coin.precision))
            .set("time_limit", JsonValue::null())
            .set("burning_percent", JsonValue::null())
            .set("expiration_estimate_date", jsonString(isoTimestamp(p.expires_at)))
            .set("is_fixed_rate", jsonBool(p.fixed_rate))
            .set("is_fee_paid_by_user", jsonBool(p.fee_paid_by_user))
            .set("valid_until",
                 jsonString(isoTimestamp(p.fixed_rate ? p.created + 20 * 60 : p.expires_at)))
            .set("type", jsonString("crypto2crypto"))
            .set("invoice_id",
                 p.invoice_id.empty() ? JsonValue::null() : JsonValue::numberLiteral(p.invoice_id));
    }

    void changeStatus(Payment& p, const std::string& status) {
        if (std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
            throw std::invalid_argument("FakeNowPayments: no payment_status " + status);
        }
        p.status = status;
        p.updated = now();
        if (!p.ipn_callback_url.empty()) {
            fake.enqueueWebhook(p.ipn_callback_url, "application/json",
                                core::toJson(render(p, true)));
            ++counts.ipns;
        }
    }

    void requireStatus(const Payment& p, std::initializer_list<std::string_view> allowed) const {
        if (std::find(allowed.begin(), allowed.end(), p.status) == allowed.end()) {
            throw std::logic_error("FakeNowPayments: payment " + std::to_string(p.id) + " is " +
                                   p.status);
        }
    }

    void payFull(Payment& p) {
        requireStatus(p, {"waiting"});
        p.actually_paid = p.pay_amount;
        for (const auto* status : {"confirming", "confirmed", "sending", "finished"}) {
            changeStatus(p, status);
        }
    }

    void payPart(Payment& p, std::int64_t amount) {
        requireStatus(p, {"waiting"});
        if (amount <= 0 || amount >= p.pay_amount) {
            throw std::invalid_argument("FakeNowPayments: a partial payment is below pay_amount");
        }
        p.actually_paid = amount;
        changeStatus(p, "confirming");
        changeStatus(p, "partially_paid");
    }

    // ---- Requests ----------------------------------------------------------------------------

    static std::string stringField(const JsonValue& body, std::string_view name) {
        const JsonValue* v = body.find(name);
        return v != nullptr && v->isString() ? v->asString() : "";
    }

    static bool boolField(const JsonValue& body, std::string_view name) {
        const JsonValue* v = body.find(name);
        return v != nullptr && v->isBool() && v->asBool();
    }

    struct Price {
        std::string lexeme;
        std::int64_t scaled = 0;
        std::string currency;
        std::int64_t fiat_rate = 0;
    };

    std::variant<Price, FakeResponse> price(const JsonValue& body) const {
        const JsonValue* amount = body.find("price_amount");
        if (amount == nullptr) {
            return error(400, "INVALID_REQUEST_PARAMS", "\"price_amount\" is required");
        }
        const auto value =
            amount->isNumber() ? parseDecimal(amount->numberText(), kScale) : std::nullopt;
        if (!value || *value <= 0) {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "\"price_amount\" must be a positive number");
        }
        const std::string currency = lowerAscii(stringField(body, "price_currency"));
        if (currency.empty()) {
            return error(400, "INVALID_REQUEST_PARAMS", "\"price_currency\" is required");
        }
        const auto rate = fiatRate(currency);
        if (!rate) {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "Currency " + currency + " was not found (this fake prices in usd, eur)");
        }
        return Price{amount->numberText(), *value, currency, *rate};
    }

    std::variant<Payment*, FakeResponse> newPayment(const Price& p, const std::string& pay_currency,
                                                    const JsonValue& body) {
        const Coin* coin = findCoin(lowerAscii(pay_currency));
        if (pay_currency.empty()) {
            return error(400, "INVALID_REQUEST_PARAMS", "\"pay_currency\" is required");
        }
        if (coin == nullptr) {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "Currency " + pay_currency + " was not found");
        }
        const Int128 usd = static_cast<Int128>(p.scaled) * p.fiat_rate / kOne;
        if (usd < scaled(coin->min_usd)) {
            return error(400, "AMOUNT_MINIMAL_ERROR", "amountTo is too small");
        }
        Payment payment;
        payment.id = 5'000'000'000 + static_cast<std::int64_t>(payments.size()) + 1;
        payment.pay_currency = std::string(coin->ticker);
        payment.price_amount = p.lexeme;
        payment.price = p.scaled;
        payment.price_currency = p.currency;
        payment.pay_amount = payAmount(p.scaled, p.fiat_rate, *coin);
        char suffix[16];
        std::snprintf(suffix, sizeof suffix, "%010lld", static_cast<long long>(payment.id));
        payment.pay_address = std::string(coin->address_prefix) + suffix;
        payment.order_id = stringField(body, "order_id");
        payment.order_description = stringField(body, "order_description");
        payment.ipn_callback_url = stringField(body, "ipn_callback_url");
        payment.purchase_id = stringField(body, "purchase_id");
        if (payment.purchase_id.empty())
            payment.purchase_id = std::to_string(payment.id + 1'000'000'000);
        payment.sandbox_case = stringField(body, "case");
        payment.fixed_rate =
            boolField(body, "is_fixed_rate") || boolField(body, "is_fee_paid_by_user");
        payment.fee_paid_by_user = boolField(body, "is_fee_paid_by_user");
        payment.created = now();
        payment.updated = now();
        payment.expires_at = now() + (payment.fixed_rate ? 20 * 60 : 7 * 86400);
        ++counts.payments;
        return &(payments[payment.id] = std::move(payment));
    }

    FakeResponse createPayment(const JsonValue& body) {
        auto p = price(body);
        if (auto* e = std::get_if<FakeResponse>(&p)) return *e;
        auto made = newPayment(std::get<Price>(p), stringField(body, "pay_currency"), body);
        if (auto* e = std::get_if<FakeResponse>(&made)) return *e;
        return reply(201, renderCreated(*std::get<Payment*>(made)));
    }

    JsonValue renderInvoice(const Invoice& i) const {
        return JsonValue::object()
            .set("id", jsonString(i.id))
            .set("token_id", jsonString(i.token_id))
            .set("order_id", jsonStringOrNull(i.order_id))
            .set("order_description", jsonStringOrNull(i.order_description))
            .set("price_amount", jsonString(i.price_amount))
            .set("price_currency", jsonString(i.price_currency))
            .set("pay_currency", jsonStringOrNull(i.pay_currency))
            .set("ipn_callback_url", jsonStringOrNull(i.ipn_callback_url))
            .set("invoice_url", jsonString(fake.baseUrl() + "/payment/?iid=" + i.id))
            .set("success_url", jsonStringOrNull(i.success_url))
            .set("cancel_url", jsonStringOrNull(i.cancel_url))
            .set("partially_paid_url", jsonStringOrNull(i.partially_paid_url))
            .set("payout_currency", JsonValue::null())
            .set("created_at", jsonString(isoTimestamp(i.created)))
            .set("updated_at", jsonString(isoTimestamp(i.created)))
            .set("is_fixed_rate", jsonBool(i.fixed_rate))
            .set("is_fee_paid_by_user", jsonBool(i.fee_paid_by_user));
    }

    FakeResponse createInvoice(const JsonValue& body) {
        auto p = price(body);
        if (auto* e = std::get_if<FakeResponse>(&p)) return *e;
        const std::string pay_currency = stringField(body, "pay_currency");
        if (!pay_currency.empty() && findCoin(lowerAscii(pay_currency)) == nullptr) {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "Currency " + pay_currency + " was not found");
        }
        Invoice i;
        i.id = std::to_string(4'000'000'000 + static_cast<std::int64_t>(invoices.size()) + 1);
        i.token_id = "fakeToken" + std::to_string(invoices.size() + 1);
        i.price_amount = std::get<Price>(p).lexeme;
        i.price = std::get<Price>(p).scaled;
        i.price_currency = std::get<Price>(p).currency;
        i.pay_currency = lowerAscii(pay_currency);
        i.order_id = stringField(body, "order_id");
        i.order_description = stringField(body, "order_description");
        i.ipn_callback_url = stringField(body, "ipn_callback_url");
        i.success_url = stringField(body, "success_url");
        i.cancel_url = stringField(body, "cancel_url");
        i.partially_paid_url = stringField(body, "partially_paid_url");
        i.fixed_rate = boolField(body, "is_fixed_rate");
        i.fee_paid_by_user = boolField(body, "is_fee_paid_by_user");
        i.created = now();
        ++counts.invoices;
        const Invoice& stored = invoices[i.id] = std::move(i);
        return reply(201, renderInvoice(stored));
    }

    std::variant<Payment*, FakeResponse> payInvoice(const std::string& iid,
                                                    const std::string& pay_currency,
                                                    const JsonValue& body) {
        const auto it = invoices.find(iid);
        if (it == invoices.end()) return error(404, "NOT_FOUND", "Invoice not found");
        const Invoice& i = it->second;
        JsonValue fields = JsonValue::object()
                               .set("order_id", jsonString(i.order_id))
                               .set("order_description", jsonString(i.order_description))
                               .set("ipn_callback_url", jsonString(i.ipn_callback_url))
                               .set("purchase_id", jsonString(stringField(body, "purchase_id")))
                               .set("is_fixed_rate", jsonBool(i.fixed_rate))
                               .set("is_fee_paid_by_user", jsonBool(i.fee_paid_by_user));
        if (!stringField(body, "order_description").empty()) {
            fields.set("order_description", jsonString(stringField(body, "order_description")));
        }
        auto made = newPayment(
            Price{i.price_amount, i.price, i.price_currency, *fiatRate(i.price_currency)},
            pay_currency, fields);
        if (auto* p = std::get_if<Payment*>(&made)) (*p)->invoice_id = i.id;
        return made;
    }

    FakeResponse invoicePayment(const JsonValue& body) {
        const JsonValue* iid = body.find("iid");
        std::string id;
        if (iid != nullptr && iid->isString()) id = iid->asString();
        if (iid != nullptr && iid->isNumber()) id = iid->numberText();
        if (id.empty()) return error(400, "INVALID_REQUEST_PARAMS", "\"iid\" is required");
        auto made = payInvoice(id, stringField(body, "pay_currency"), body);
        if (auto* e = std::get_if<FakeResponse>(&made)) return *e;
        return reply(201, renderCreated(*std::get<Payment*>(made)));
    }

    FakeResponse getPayment(const std::string& id) {
        const auto n = parseDecimal(id, 0);
        const auto it = n ? payments.find(*n) : payments.end();
        if (it == payments.end()) return error(404, "NOT_FOUND", "Payment not found");
        return reply(200, render(it->second, false));
    }

    FakeResponse listPayments(const RecordedRequest& request) {
        const std::string auth = request.header("Authorization");
        if (auth.empty()) {
            return error(401, "AUTH_REQUIRED",
                         "Authorization header is empty (Bearer JWTtoken is required)");
        }
        const auto token = tokens.find(auth.starts_with("Bearer ") ? auth.substr(7) : "");
        if (token == tokens.end() || now() >= token->second) {
            return error(401, "INVALID_TOKEN", "Token is invalid or expired");
        }
        const auto query = parseForm(request.query);
        if (!query) return error(400, "INVALID_REQUEST_PARAMS", "malformed query string");
        std::map<std::string, std::string> q(query->begin(), query->end());
        const auto intParam = [&](const std::string& name, std::int64_t fallback) {
            const auto it = q.find(name);
            if (it == q.end()) return std::optional<std::int64_t>(fallback);
            return parseDecimal(it->second, 0);
        };
        const auto limit = intParam("limit", 10);
        const auto page = intParam("page", 0);
        if (!limit || !page || *limit < 1 || *limit > 500) {
            return error(400, "INVALID_REQUEST_PARAMS", "\"limit\" must be between 1 and 500");
        }
        std::optional<std::int64_t> from;
        std::optional<std::int64_t> to;
        if (q.contains("dateFrom")) {
            from = parseIsoTimestamp(q["dateFrom"]);
            if (!from) return error(400, "INVALID_REQUEST_PARAMS", "\"dateFrom\" must be a date");
        }
        if (q.contains("dateTo")) {
            to = parseIsoTimestamp(q["dateTo"]);
            if (!to) return error(400, "INVALID_REQUEST_PARAMS", "\"dateTo\" must be a date");
        }
        const std::string sort_by = q.contains("sortBy") ? q["sortBy"] : "created_at";
        const std::string order_by = q.contains("orderBy") ? q["orderBy"] : "asc";
        if (sort_by != "created_at" && sort_by != "updated_at" && sort_by != "payment_id") {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "\"sortBy\" must be one of created_at, updated_at, payment_id (fake)");
        }
        if (order_by != "asc" && order_by != "desc") {
            return error(400, "INVALID_REQUEST_PARAMS", "\"orderBy\" must be one of asc, desc");
        }
        std::vector<const Payment*> matching;
        for (const auto& [id, p] : payments) {
            if (from && p.created < *from) continue;
            if (to && p.created > *to) continue;
            if (q.contains("invoiceId") && p.invoice_id != q["invoiceId"]) continue;
            matching.push_back(&p);
        }
        const auto key = [&](const Payment* p) {
            return sort_by == "updated_at"   ? std::pair(p->updated, p->id)
                   : sort_by == "payment_id" ? std::pair(p->id, p->id)
                                             : std::pair(p->created, p->id);
        };
        std::stable_sort(matching.begin(), matching.end(), [&](const auto* a, const auto* b) {
            return order_by == "asc" ? key(a) < key(b) : key(b) < key(a);
        });
        JsonValue data = JsonValue::array();
        const auto total = static_cast<std::int64_t>(matching.size());
        for (std::int64_t i = *page * *limit; i < std::min(total, (*page + 1) * *limit); ++i) {
            data.push(render(*matching[static_cast<std::size_t>(i)], false));
        }
        return reply(200, JsonValue::object()
                              .set("data", std::move(data))
                              .set("limit", jsonInt(*limit))
                              .set("page", jsonInt(*page))
                              .set("pagesCount", jsonInt((total + *limit - 1) / *limit))
                              .set("total", jsonInt(total)));
    }

    FakeResponse updateEstimate(const std::string& id) {
        const auto n = parseDecimal(id, 0);
        const auto it = n ? payments.find(*n) : payments.end();
        if (it == payments.end()) return error(404, "NOT_FOUND", "Payment not found");
        Payment& p = it->second;
        if (p.status != "waiting") {
            return error(400, "INVALID_REQUEST_PARAMS", "Payment is not in waiting status");
        }
        p.expires_at = now() + (p.fixed_rate ? 20 * 60 : 7 * 86400);
        return reply(200,
                     JsonValue::object()
                         .set("id", jsonString(std::to_string(p.id)))
                         .set("token_id", jsonString("fakeEstimate" + std::to_string(p.id)))
                         .set("pay_amount", number(p.pay_amount))
                         .set("expiration_estimate_date", jsonString(isoTimestamp(p.expires_at))));
    }

    FakeResponse authenticate(const JsonValue& body) {
        if (stringField(body, "email") != fake.options().email ||
            stringField(body, "password") != fake.options().password) {
            return error(401, "INVALID_CREDENTIALS", "Invalid email or password");
        }
        const std::string token = "fake.np.jwt" + std::to_string(++tokens_issued);
        tokens[token] = now() + 5 * 60;
        return reply(200, JsonValue::object().set("token", jsonString(token)));
    }

    FakeResponse handle(const RecordedRequest& request) {
        std::string path = request.path;
        if (path.size() > 1 && path.back() == '/') path.pop_back();
        const bool get = request.method == "GET";
        const bool post = request.method == "POST";
        if (get && path == "/v1/status") {
            return reply(200, JsonValue::object().set("message", jsonString("OK")));
        }
        if (request.header("x-api-key") != fake.options().api_key) {
            return error(403, "INVALID_API_KEY", "Invalid api key");
        }
        std::optional<JsonValue> body = JsonValue::object();
        if (post) {
            body = parseJsonBody(request.body);
            if (!body || !body->isObject()) {
                return error(400, "INVALID_REQUEST_PARAMS", "Request body must be a JSON object");
            }
        }
        if (post && path == "/v1/auth") return authenticate(*body);
        if (get && path == "/v1/currencies") {
            JsonValue list = JsonValue::array();
            for (const auto& coin : kCoins) list.push(jsonString(std::string(coin.ticker)));
            return reply(200, JsonValue::object().set("currencies", std::move(list)));
        }
        if (get && (path == "/v1/min-amount" || path == "/v1/estimate")) {
            return quote(path, request.query);
        }
        if (post && path == "/v1/payment") return createPayment(*body);
        if (post && path == "/v1/invoice") return createInvoice(*body);
        if (post && path == "/v1/invoice-payment") return invoicePayment(*body);
        if (get && path == "/v1/payment") return listPayments(request);
        const std::string prefix = "/v1/payment/";
        if (path.starts_with(prefix)) {
            const std::string rest = path.substr(prefix.size());
            const std::string suffix = "/update-merchant-estimate";
            if (post && rest.ends_with(suffix)) {
                return updateEstimate(rest.substr(0, rest.size() - suffix.size()));
            }
            if (get && rest.find('/') == std::string::npos) return getPayment(rest);
        }
        return error(404, "NOT_FOUND", "Cannot " + request.method + " " + request.path);
    }

    FakeResponse quote(const std::string& path, const std::string& query_text) const {
        const auto query = parseForm(query_text);
        if (!query) return error(400, "INVALID_REQUEST_PARAMS", "malformed query string");
        std::map<std::string, std::string> q(query->begin(), query->end());
        const std::string from = lowerAscii(q["currency_from"]);
        const std::string to = lowerAscii(q["currency_to"]);
        if (path == "/v1/min-amount") {
            const Coin* coin = findCoin(from);
            if (coin == nullptr || !fiatRate(to.empty() ? "usd" : to)) {
                return error(400, "INVALID_REQUEST_PARAMS", "Currency pair is not supported");
            }
            const std::int64_t min = payAmount(scaled(coin->min_usd), kOne, *coin);
            return reply(200, JsonValue::object()
                                  .set("currency_from", jsonString(from))
                                  .set("currency_to", jsonString(to))
                                  .set("min_amount", number(min)));
        }
        const Coin* coin = findCoin(to);
        const auto rate = fiatRate(from);
        const auto amount = parseDecimal(q["amount"], kScale);
        if (coin == nullptr || !rate || !amount) {
            return error(400, "INVALID_REQUEST_PARAMS",
                         "amount, currency_from (fiat) and "
                         "currency_to (coin) are required");
        }
        return reply(200, JsonValue::object()
                              .set("currency_from", jsonString(from))
                              .set("amount_from", number(*amount))
                              .set("currency_to", jsonString(to))
                              .set("estimated_amount", number(payAmount(*amount, *rate, *coin))));
    }
};

FakeNowPayments::FakeNowPayments(FakeNowPaymentsOptions options)
    : FakeServer("FakeNowPayments"),
      options_(std::move(options)),
      state_(std::make_unique<State>(*this)) {
    start();
}

FakeNowPayments::~FakeNowPayments() { stop(); }

std::string FakeNowPayments::canonicalJson(std::string_view json) {
    const std::optional<core::JsonValue> parsed = parseJsonBody(json);
    if (!parsed) throw std::invalid_argument("FakeNowPayments: not JSON");
    std::string out;
    appendCanonical(out, *parsed);
    return out;
}

std::string FakeNowPayments::signature(std::string_view secret, std::string_view body) {
    return hmacSha512Hex(secret, canonicalJson(body));
}

std::vector<int> FakeNowPayments::payInFull(const std::string& payment_id, Send send) {
    auto lock = lockState();
    state_->payFull(state_->payment(payment_id));
    return flushWebhooks(lock, send);
}

std::vector<int> FakeNowPayments::payPartially(const std::string& payment_id,
                                               const std::string& amount, Send send) {
    auto lock = lockState();
    const auto value = parseDecimal(amount, kScale);
    if (!value) throw std::invalid_argument("FakeNowPayments: not a decimal: " + amount);
    state_->payPart(state_->payment(payment_id), *value);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeNowPayments::settle(const std::string& payment_id, Send send) {
    auto lock = lockState();
    State::Payment& p = state_->payment(payment_id);
    if (p.sandbox_case == "failed") {
        state_->requireStatus(p, {"waiting"});
        state_->changeStatus(p, "failed");
    } else if (p.sandbox_case == "partially_paid") {
        state_->payPart(p, roundUp(p.pay_amount / 2, unitOf(state_->coinOf(p))));
    } else {
        state_->payFull(p);
    }
    return flushWebhooks(lock, send);
}

std::vector<int> FakeNowPayments::expire(const std::string& payment_id, Send send) {
    auto lock = lockState();
    State::Payment& p = state_->payment(payment_id);
    state_->requireStatus(p, {"waiting"});
    state_->changeStatus(p, "expired");
    return flushWebhooks(lock, send);
}

std::vector<int> FakeNowPayments::setStatus(const std::string& payment_id,
                                            const std::string& status, Send send) {
    auto lock = lockState();
    state_->changeStatus(state_->payment(payment_id), status);
    return flushWebhooks(lock, send);
}

std::string FakeNowPayments::payInvoice(const std::string& invoice_id,
                                        const std::string& pay_currency) {
    auto lock = lockState();
    auto made = state_->payInvoice(invoice_id, pay_currency, core::JsonValue::object());
    if (auto* e = std::get_if<FakeResponse>(&made)) {
        throw std::invalid_argument("FakeNowPayments: cannot pay invoice " + invoice_id + ": " +
                                    e->body);
    }
    return std::to_string(std::get<State::Payment*>(made)->id);
}

WebhookDelivery FakeNowPayments::ipnDelivery(const std::string& payment_id) const {
    auto lock = lockState();
    const State::Payment& p = state_->payment(payment_id);
    return sign(QueuedWebhook{p.ipn_callback_url, "application/json",
                              core::toJson(state_->render(p, true))});
}

NowPaymentsCounts FakeNowPayments::counts() const {
    auto lock = lockState();
    return state_->counts;
}

FakeResponse FakeNowPayments::handle(const RecordedRequest& request) {
    return state_->handle(request);
}

FakeResponse FakeNowPayments::failure(int http_status) {
    if (http_status == 429) {
        return State::error(429, "TOO_MANY_REQUESTS", "Too many requests");
    }
    return State::error(http_status, "INTERNAL_ERROR", "Internal server error");
}

WebhookDelivery FakeNowPayments::sign(const QueuedWebhook& webhook) const {
    return WebhookDelivery{webhook.url,
                           {{"Content-Type", webhook.content_type},
                            {"x-nowpayments-sig", signature(options_.ipn_secret, webhook.body)}},
                           webhook.body};
}

}  // namespace billwright::fakes
