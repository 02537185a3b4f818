#include "fakes/fake_open_node.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

namespace billwright::fakes {
namespace {

using core::JsonValue;

constexpr int kScale = 8;
constexpr std::int64_t kSatsPerBtc = 100'000'000;
constexpr std::int64_t kLightningLimit = 500'000'000;  // no Lightning invoice above 5 BTC

// Fiat per BTC.
std::optional<std::int64_t> btcPrice(const std::string& currency) {
    if (currency == "USD") return 50'000;
    if (currency == "EUR") return 46'000;
    return std::nullopt;
}

std::string uuid(int n) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "0000f4ce-0000-4000-8000-%012d", n);
    return buffer;
}

// sats -> fiat to the cent, as a decimal string.
std::string fiatOf(std::int64_t sats, std::int64_t price) {
    const std::int64_t cents = (sats * price + kSatsPerBtc / 200) / (kSatsPerBtc / 100);
    return formatDecimal(cents, 2);
}

}  // namespace

struct FakeOpenNode::State {
    struct Transaction {
        std::string address;
        std::string tx;
        std::int64_t created_at = 0;
        std::int64_t settled_at = 0;
        std::string status;  // "pending" or "confirmed"
        std::int64_t amount = 0;
    };
    struct Charge {
        std::string id;
        int number = 0;
        std::string description;
        std::int64_t amount = 0;  // sats
        std::string status = "unpaid";
        std::string currency;  // fiat of the request, "" when the amount was in sats
        std::string source_fiat_value;
        std::string order_id, callback_url, success_url, notif_email, customer_email, customer_name;
        bool auto_settle = false;
        std::int64_t ttl = 1440;  // minutes
        std::int64_t created = 0;
        std::string address;
        std::string payment_method;  // "lightning" or "chain" once paid
        std::int64_t received = 0;
        JsonValue metadata;
        std::vector<Transaction> transactions;
    };

    FakeOpenNode& fake;
    std::map<std::string, Charge> charges;
    std::vector<std::string> order;  // ids, oldest first
    OpenNodeWebhookEncoding encoding = OpenNodeWebhookEncoding::kForm;
    OpenNodeCounts counts;

    explicit State(FakeOpenNode& f) : fake(f) {}

    std::int64_t now() const { return fake.now(); }

    static FakeResponse error(int status, const std::string& message) {
        return FakeResponse{status,
                            "application/json",
                            {},
                            core::toJson(JsonValue::object()
                                             .set("success", jsonBool(false))
                                             .set("message", jsonString(message)))};
    }

    static FakeResponse data(int status, JsonValue payload) {
        return FakeResponse{status,
                            "application/json",
                            {},
                            core::toJson(JsonValue::object().set("data", std::move(payload)))};
    }

    Charge& charge(const std::string& id) {
        const auto it = charges.find(id);
        if (it == charges.end()) throw std::invalid_argument("FakeOpenNode: no charge " + id);
        return it->second;
    }

    std::int64_t price(const Charge& c) const {
        return *btcPrice(c.currency.empty() ? "USD" : c.currency);
    }

    std::string payreq(const Charge& c) const {
        return "lnbc" + std::to_string(c.amount * 10) + "n1pfakeopennode" +
               std::to_string(c.number);
    }

    JsonValue render(const Charge& c) const {
        const std::string fiat_currency = c.currency.empty() ? "USD" : c.currency;
        JsonValue transactions = JsonValue::array();
        for (const auto& t : c.transactions) {
            transactions.push(JsonValue::object()
                                  .set("address", jsonString(t.address))
                                  .set("created_at", jsonInt(t.created_at))
                                  .set("settled_at", t.settled_at == 0 ? JsonValue::null()
                                                                       : jsonInt(t.settled_at))
                                  .set("tx", jsonString(t.tx))
                                  .set("status", jsonString(t.status))
                                  .set("amount", jsonInt(t.amount)));
        }
        JsonValue out =
            JsonValue::object()
                .set("id", jsonString(c.id))
                .set("name", JsonValue::null())
                .set("description", jsonString(c.description))
                .set("desc_hash", jsonBool(false))
                .set("created_at", jsonInt(c.created))
                .set("status", jsonString(c.status))
                .set("amount", jsonInt(c.amount))
                .set("callback_url", jsonStringOrNull(c.callback_url))
                .set("success_url", jsonStringOrNull(c.success_url))
                .set("hosted_checkout_url", jsonString(fake.baseUrl() + "/checkout/" + c.id))
                .set("order_id", jsonStringOrNull(c.order_id))
                .set("currency", jsonString(fiat_currency))
                .set("source_fiat_value", JsonValue::numberLiteral(c.source_fiat_value))
                .set("fiat_value", JsonValue::numberLiteral(fiatOf(c.amount, price(c))))
                .set("auto_settle", jsonBool(c.auto_settle))
                .set("notif_email", jsonStringOrNull(c.notif_email))
                .set("address", jsonString(c.address))
                .set("metadata", c.metadata)
                .set("chain_invoice", JsonValue::object()
                                          .set("address", jsonString(c.address))
                                          .set("settled_at", JsonValue::null())
                                          .set("tx", JsonValue::null()))
                .set("uri", jsonString("bitcoin:" + c.address + "?amount=" +
                                       formatDecimal(c.amount, kScale) + "&lightning=" + payreq(c)))
                .set("ttl", jsonInt(c.ttl))
                .set("expires_at", jsonInt(c.created + c.ttl * 60));
        if (c.amount <= kLightningLimit) {
            out.set("lightning_invoice", JsonValue::object()
                                             .set("expires_at", jsonInt(c.created + c.ttl * 60))
                                             .set("payreq", jsonString(payreq(c))));
        }
        if (c.status == "underpaid") out.set("missing_amt", jsonInt(c.amount - c.received));
        if (c.received > c.amount) out.set("overpaid_by", jsonInt(c.received - c.amount));
        out.set("transactions", std::move(transactions));
        return out;
    }

    QueuedWebhook buildWebhook(const Charge& c) const {
        std::vector<std::pair<std::string, std::string>> fields = {
            {"id", c.id},
            {"callback_url", c.callback_url},
            {"success_url", c.success_url},
            {"status", c.status},
            {"order_id", c.order_id},
            {"description", c.description},
            {"price", std::to_string(c.amount)},
            {"fee", std::to_string(c.status == "paid" ? (c.amount + 50) / 100 : 0)},
            {"auto_settle", c.auto_settle ? "1" : "0"},
            {"fiat_value", fiatOf(c.amount, price(c))}};
        if (!c.payment_method.empty()) fields.emplace_back("payment_method", c.payment_method);
        if (!c.transactions.empty()) fields.emplace_back("address", c.address);
        if (c.status == "underpaid") {
            fields.emplace_back("missing_amt", std::to_string(c.amount - c.received));
        }
        if (c.received > c.amount) {
            fields.emplace_back("overpaid_by", std::to_string(c.received - c.amount));
        }
        fields.emplace_back("hashed_order", hashedOrder(fake.options().api_key, c.id));
        if (encoding == OpenNodeWebhookEncoding::kForm) {
            return QueuedWebhook{c.callback_url, "application/x-www-form-urlencoded",
                                 encodeForm(fields)};
        }
        JsonValue body = JsonValue::object();
        for (auto& [key, value] : fields) body.set(key, jsonString(value));
        return QueuedWebhook{c.callback_url, "application/json", core::toJson(body)};
    }

    void queueWebhook(const Charge& c) {
        if (c.callback_url.empty()) return;
        QueuedWebhook webhook = buildWebhook(c);
        fake.enqueueWebhook(std::move(webhook.url), std::move(webhook.content_type),
                            std::move(webhook.body));
        ++counts.webhooks;
    }

    void changeStatus(Charge& c, const std::string& status) {
        static const std::string_view kStatuses[] = {"unpaid",    "processing", "paid",
                                                     "underpaid", "expired",    "refunded"};
        if (std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
            throw std::invalid_argument("FakeOpenNode: no charge status " + status);
        }
        c.status = status;
        queueWebhook(c);
    }

    void requireStatus(const Charge& c, std::string_view status) const {
        if (c.status != status) {
            throw std::logic_error("FakeOpenNode: charge " + c.id + " is " + c.status + ", not " +
                                   std::string(status));
        }
    }

    void confirm(Charge& c) {
        requireStatus(c, "processing");
        c.transactions.back().status = "confirmed";
        c.transactions.back().settled_at = now();
        c.received = 0;
        for (const auto& t : c.transactions) c.received += t.amount;
        changeStatus(c, c.received >= c.amount ? "paid" : "underpaid");
    }

    // ---- Requests ----------------------------------------------------------------------------

    static std::string stringField(const JsonValue& body, std::string_view name) {
        const JsonValue* v = body.find(name);
        return v != nullptr && v->isString() ? v->asString() : "";
    }

    FakeResponse createCharge(const JsonValue& body) {
        const JsonValue* amount = body.find("amount");
        if (amount == nullptr || amount->isNull()) return error(400, "amount is required");
        std::string lexeme;
        if (amount->isNumber()) lexeme = amount->numberText();
        if (amount->isString()) lexeme = amount->asString();
        const std::string currency = stringField(body, "currency");
        Charge c;
        if (currency.empty()) {
            const auto sats = parseDecimal(lexeme, 0);
            if (!sats || *sats <= 0) return error(400, "amount must be a positive number of sats");
            c.amount = *sats;
        } else {
            const auto price = btcPrice(currency);
            if (!price) return error(400, "Invalid currency: " + currency);
            const auto fiat = parseDecimal(lexeme, kScale);
            if (!fiat || *fiat <= 0) return error(400, "amount must be a positive number");
            c.amount = (*fiat + *price / 2) / *price;
            c.currency = currency;
            c.source_fiat_value = formatDecimal(*fiat, kScale);
        }
        if (const JsonValue* ttl = body.find("ttl"); ttl != nullptr && !ttl->isNull()) {
            const auto minutes =
                ttl->isNumber() ? parseDecimal(ttl->numberText(), 0) : std::nullopt;
            if (!minutes || *minutes < 10 || *minutes > 1440) {
                return error(400, "ttl must be between 10 and 1440 minutes");
            }
            c.ttl = *minutes;
        }
        c.number = counts.charges + 1;
        c.id = uuid(c.number);
        c.description = stringField(body, "description");
        c.order_id = stringField(body, "order_id");
        c.callback_url = stringField(body, "callback_url");
        c.success_url = stringField(body, "success_url");
        c.notif_email = stringField(body, "notif_email");
        c.customer_email = stringField(body, "customer_email");
        c.customer_name = stringField(body, "customer_name");
        if (const JsonValue* v = body.find("auto_settle"); v != nullptr && v->isBool()) {
            c.auto_settle = v->asBool();
        }
        const JsonValue* metadata = body.find("metadata");
        c.metadata = metadata != nullptr && metadata->isObject() ? *metadata : JsonValue::object();
        c.created = now();
        char address[64];
        std::snprintf(address, sizeof address, "tb1qfakeopennode%024d", c.number);
        c.address = address;
        if (c.source_fiat_value.empty()) c.source_fiat_value = fiatOf(c.amount, price(c));
        ++counts.charges;
        order.push_back(c.id);
        const Charge& stored = charges[c.id] = std::move(c);
        return data(201, render(stored));
    }

    FakeResponse handle(const RecordedRequest& request) {
        if (request.header("Authorization") != fake.options().api_key) {
            return error(401, "Unauthorized: invalid or missing API key");
        }
        const bool get = request.method == "GET";
        if (request.method == "POST" && request.path == "/v1/charges") {
            const std::optional<JsonValue> body = parseJsonBody(request.body);
            if (!body || !body->isObject()) return error(400, "Request body must be JSON");
            return createCharge(*body);
        }
        if (get && request.path == "/v1/charges") {
            JsonValue list = JsonValue::array();
            for (const auto& id : order) list.push(render(charges.at(id)));
            return data(200, std::move(list));
        }
        for (const std::string prefix : {"/v1/charge/", "/v2/charge/"}) {
            if (get && request.path.starts_with(prefix)) {
                const auto it = charges.find(request.path.substr(prefix.size()));
                if (it == charges.end()) return error(404, "Charge not found");
                return data(200, render(it->second));
            }
        }
        return error(404, "Not found: " + request.method + " " + request.path);
    }
};

FakeOpenNode::FakeOpenNode(FakeOpenNodeOptions options)
    : FakeServer("FakeOpenNode"),
      options_(std::move(options)),
      state_(std::make_unique<State>(*this)) {
    start();
}

FakeOpenNode::~FakeOpenNode() { stop(); }

std::string FakeOpenNode::hashedOrder(std::string_view api_key, std::string_view charge_id) {
    return hmacSha256Hex(api_key, charge_id);
}

void FakeOpenNode::setWebhookEncoding(OpenNodeWebhookEncoding encoding) {
    auto lock = lockState();
    state_->encoding = encoding;
}

std::vector<int> FakeOpenNode::payLightning(const std::string& charge_id, Send send) {
    auto lock = lockState();
    State::Charge& c = state_->charge(charge_id);
    state_->requireStatus(c, "unpaid");
    if (c.amount > kLightningLimit) {
        throw std::logic_error("FakeOpenNode: charge " + charge_id + " has no Lightning invoice");
    }
    c.received = c.amount;
    c.payment_method = "lightning";
    state_->changeStatus(c, "paid");
    return flushWebhooks(lock, send);
}

std::vector<int> FakeOpenNode::payOnChain(const std::string& charge_id, std::int64_t sats,
                                          bool confirm, Send send) {
    auto lock = lockState();
    State::Charge& c = state_->charge(charge_id);
    if (c.status != "unpaid" && c.status != "underpaid") {
        throw std::logic_error("FakeOpenNode: charge " + charge_id + " is " + c.status);
    }
    State::Transaction t;
    t.address = c.address;
    t.tx = sha256Hex(c.id + ":" + std::to_string(c.transactions.size()));
    t.created_at = now();
    t.status = "pending";
    t.amount = sats == 0 ? c.amount - c.received : sats;
    c.transactions.push_back(std::move(t));
    c.payment_method = "chain";
    state_->changeStatus(c, "processing");
    if (confirm) state_->confirm(c);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeOpenNode::confirmOnChain(const std::string& charge_id, Send send) {
    auto lock = lockState();
    state_->confirm(state_->charge(charge_id));
    return flushWebhooks(lock, send);
}

std::vector<int> FakeOpenNode::expire(const std::string& charge_id, Send send) {
    auto lock = lockState();
    State::Charge& c = state_->charge(charge_id);
    state_->requireStatus(c, "unpaid");
    state_->changeStatus(c, "expired");
    return flushWebhooks(lock, send);
}

std::vector<int> FakeOpenNode::setStatus(const std::string& charge_id, const std::string& status,
                                         Send send) {
    auto lock = lockState();
    state_->changeStatus(state_->charge(charge_id), status);
    return flushWebhooks(lock, send);
}

WebhookDelivery FakeOpenNode::webhookDelivery(const std::string& charge_id) const {
    auto lock = lockState();
    State::Charge& c = state_->charge(charge_id);
    if (c.callback_url.empty()) {
        throw std::logic_error("FakeOpenNode: charge " + charge_id + " has no callback_url");
    }
    return sign(state_->buildWebhook(c));
}

OpenNodeCounts FakeOpenNode::counts() const {
    auto lock = lockState();
    return state_->counts;
}

FakeResponse FakeOpenNode::handle(const RecordedRequest& request) {
    return state_->handle(request);
}

FakeResponse FakeOpenNode::failure(int http_status) {
    return State::error(http_status,
                        http_status == 429 ? "Too many requests" : "Internal server error");
}

WebhookDelivery FakeOpenNode::sign(const QueuedWebhook& webhook) const {
    // The signature (hashed_order) is part of the body already.
    return WebhookDelivery{webhook.url, {{"Content-Type", webhook.content_type}}, webhook.body};
}

}  // namespace billwright::fakes
