#include "fakes/fake_stripe.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace billwright::fakes {
namespace {

using core::JsonValue;
using Params = std::map<std::string, std::string>;

// ---- Magic test values (reference §1.5) ------------------------------------------------------

// When a card asks the customer for 3-D Secure.
enum class Auth {
    kNone,
    kAlways,         // every payment, off-session ones fail with authentication_required
    kUnlessSetUp,    // on-session always; off-session only until a SetupIntent succeeded
    kOnSessionOnly,  // set up already: off-session payments succeed
};

struct TestCard {
    std::string_view token;
    std::string_view brand;
    std::string_view last4;
    std::string_view funding;
    // A charge (after any authentication) declines with these; "" code: it succeeds.
    std::string_view code;
    std::string_view decline_code;
    std::string_view message;
    bool declines_on_attach;  // attaching / setting it up declines too
    Auth auth;
    bool disputed;  // a successful charge is disputed at once (charge.dispute.created)
};

constexpr std::string_view kDeclined = "Your card was declined.";
constexpr std::string_view kAuthMessage =
    "Your card was declined. This transaction requires authentication.";

constexpr TestCard kCards[] = {
    {"pm_card_visa", "visa", "4242", "credit", "", "", "", false, Auth::kNone, false},
    {"pm_card_mastercard", "mastercard", "4444", "credit", "", "", "", false, Auth::kNone, false},
    {"pm_card_amex", "amex", "0005", "credit", "", "", "", false, Auth::kNone, false},
    {"pm_card_visa_debit", "visa", "5556", "debit", "", "", "", false, Auth::kNone, false},
    {"pm_card_visa_chargeDeclined", "visa", "0002", "credit", "card_declined", "generic_decline",
     kDeclined, true, Auth::kNone, false},
    {"pm_card_chargeDeclined", "visa", "0002", "credit", "card_declined", "generic_decline",
     kDeclined, true, Auth::kNone, false},
    {"pm_card_visa_chargeDeclinedInsufficientFunds", "visa", "9995", "credit", "card_declined",
     "insufficient_funds", "Your card has insufficient funds.", true, Auth::kNone, false},
    {"pm_card_visa_chargeDeclinedLostCard", "visa", "9987", "credit", "card_declined", "lost_card",
     kDeclined, true, Auth::kNone, false},
    {"pm_card_visa_chargeDeclinedStolenCard", "visa", "9979", "credit", "card_declined",
     "stolen_card", kDeclined, true, Auth::kNone, false},
    {"pm_card_chargeDeclinedExpiredCard", "visa", "0069", "credit", "expired_card", "expired_card",
     "Your card has expired.", true, Auth::kNone, false},
    {"pm_card_chargeDeclinedIncorrectCvc", "visa", "0127", "credit", "incorrect_cvc",
     "incorrect_cvc", "Your card's security code is incorrect.", true, Auth::kNone, false},
    {"pm_card_chargeDeclinedProcessingError", "visa", "0119", "credit", "processing_error",
     "processing_error", "An error occurred while processing your card. Try again in a little bit.",
     true, Auth::kNone, false},
    {"pm_card_visa_chargeDeclinedVelocityLimitExceeded", "visa", "6975", "credit", "card_declined",
     "card_velocity_exceeded", kDeclined, true, Auth::kNone, false},
    {"pm_card_chargeCustomerFail", "visa", "0341", "credit", "card_declined", "generic_decline",
     kDeclined, false, Auth::kNone, false},
    {"pm_card_radarBlock", "visa", "0019", "credit", "card_declined", "fraudulent", kDeclined,
     false, Auth::kNone, false},
    {"pm_card_riskLevelHighest", "visa", "4954", "credit", "card_declined", "fraudulent", kDeclined,
     false, Auth::kNone, false},
    {"pm_card_authenticationRequiredOnSetup", "visa", "3155", "credit", "", "", "", false,
     Auth::kUnlessSetUp, false},
    {"pm_card_authenticationRequired", "visa", "3184", "credit", "", "", "", false, Auth::kAlways,
     false},
    {"pm_card_authenticationRequiredSetupForOffSession", "visa", "0446", "credit", "", "", "",
     false, Auth::kOnSessionOnly, false},
    {"pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", "visa", "3178", "credit",
     "card_declined", "insufficient_funds", "Your card has insufficient funds.", false,
     Auth::kAlways, false},
    {"pm_card_threeDSecure2Required", "visa", "3220", "credit", "", "", "", false, Auth::kAlways,
     false},
    {"pm_card_refundFail", "visa", "5126", "credit", "", "", "", false, Auth::kNone, false},
    {"pm_card_createDispute", "visa", "0259", "credit", "", "", "", false, Auth::kNone, true},
};

const TestCard* findCard(std::string_view token) {
    for (const auto& card : kCards) {
        if (card.token == token) return &card;
    }
    return nullptr;
}

constexpr std::string_view kUsBankAccountSuccess = "pm_usBankAccount_success";

const char* failureCode(AchOutcome outcome) {
    switch (outcome) {
        case AchOutcome::kInsufficientFunds:
            return "insufficient_funds";
        case AchOutcome::kAccountClosed:
            return "account_closed";
        case AchOutcome::kNoAccount:
            return "no_account";
        default:
            return "";
    }
}

const char* failureMessage(AchOutcome outcome) {
    switch (outcome) {
        case AchOutcome::kInsufficientFunds:
            return "The customer's account has insufficient funds to cover this payment.";
        case AchOutcome::kAccountClosed:
            return "The customer's bank account has been closed.";
        case AchOutcome::kNoAccount:
            return "The customer's bank account could not be located.";
        default:
            return "";
    }
}

// Minimum charge per currency in minor units ($0.50 or the equivalent, reference §1.2).
std::int64_t minimumAmount(const std::string& currency) {
    static const std::map<std::string, std::int64_t> kMinimums = {
        {"usd", 50},  {"eur", 50},   {"gbp", 30}, {"cad", 50},  {"aud", 50},
        {"chf", 50},  {"jpy", 50},   {"nzd", 50}, {"sek", 300}, {"nok", 300},
        {"dkk", 250}, {"mxn", 1000}, {"sgd", 50}, {"hkd", 400}, {"krw", 100}};
    const auto it = kMinimums.find(currency);
    return it == kMinimums.end() ? 50 : it->second;
}

bool zeroDecimal(const std::string& currency) {
    static const std::set<std::string> kZero = {"bif", "clp", "djf", "gnf", "jpy", "kmf",
                                                "krw", "mga", "pyg", "rwf", "ugx", "vnd",
                                                "vuv", "xaf", "xof", "xpf"};
    return kZero.contains(currency);
}

bool knownCurrency(const std::string& currency) {
    static const std::set<std::string> kKnown = {
        "usd", "eur", "gbp", "cad", "aud", "chf", "jpy", "nzd", "sek", "nok", "dkk", "mxn",
        "sgd", "hkd", "krw", "bif", "clp", "djf", "gnf", "kmf", "mga", "pyg", "rwf", "ugx",
        "vnd", "vuv", "xaf", "xof", "xpf", "bhd", "jod", "kwd", "omr", "tnd", "pln", "czk",
        "brl", "inr", "zar", "ils", "huf", "ron", "thb", "myr", "php", "idr", "try", "aed"};
    return kKnown.contains(currency);
}

// "$12.34 usd" style, as Stripe words amounts in messages.
std::string money(std::int64_t amount, const std::string& currency) {
    if (zeroDecimal(currency)) return std::to_string(amount) + " " + currency;
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "$%lld.%02lld", static_cast<long long>(amount / 100),
                  static_cast<long long>(amount % 100));
    return buffer;
}

// ---- Bracket form decoding -----------------------------------------------------------------

// Canonical keys: "metadata[invoice_id]", arrays indexed "expand[0]" whether they came indexed
// or as "expand[]"; literal and %5B brackets are the same once percent-decoded.
std::optional<Params> decodeParams(std::string_view text, std::string& error) {
    const auto pairs = parseForm(text);
    if (!pairs) {
        error = "Invalid percent-encoding in the request body or query string.";
        return std::nullopt;
    }
    Params params;
    std::map<std::string, int> next_index;
    for (const auto& [raw_key, value] : *pairs) {
        const std::size_t open = raw_key.find('[');
        std::string key = raw_key.substr(0, open);
        if (key.empty()) {
            error = "Invalid parameter name: " + raw_key;
            return std::nullopt;
        }
        std::size_t at = open;
        while (at != std::string::npos && at < raw_key.size()) {
            if (raw_key[at] != '[') {
                error = "Invalid parameter name: " + raw_key;
                return std::nullopt;
            }
            const std::size_t close = raw_key.find(']', at);
            if (close == std::string::npos) {
                error = "Invalid parameter name: " + raw_key;
                return std::nullopt;
            }
            std::string segment = raw_key.substr(at + 1, close - at - 1);
            if (segment.find('[') != std::string::npos) {
                error = "Invalid parameter name: " + raw_key;
                return std::nullopt;
            }
            if (segment.empty()) segment = std::to_string(next_index[key]++);
            key += "[" + segment + "]";
            at = close + 1;
        }
        params[key] = value;
    }
    return params;
}

std::string topLevel(const std::string& key) { return key.substr(0, key.find('[')); }

// The values of "name[<sub>]" keys whose <sub> has no further nesting, in key order.
std::vector<std::pair<std::string, std::string>> members(const Params& params,
                                                         const std::string& name) {
    std::vector<std::pair<std::string, std::string>> out;
    const std::string prefix = name + "[";
    for (auto it = params.lower_bound(prefix); it != params.end(); ++it) {
        if (!it->first.starts_with(prefix)) break;
        const std::string rest = it->first.substr(prefix.size());
        const std::size_t close = rest.find(']');
        if (close == std::string::npos || close + 1 != rest.size()) continue;
        out.emplace_back(rest.substr(0, close), it->second);
    }
    return out;
}

// "name[0]", "name[1]", ... in index order.
std::vector<std::string> list(const Params& params, const std::string& name) {
    std::map<int, std::string> by_index;
    for (const auto& [sub, value] : members(params, name)) {
        if (sub.empty() ||
            !std::all_of(sub.begin(), sub.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            continue;
        }
        by_index[std::stoi(sub)] = value;
    }
    std::vector<std::string> out;
    for (auto& [index, value] : by_index) out.push_back(std::move(value));
    return out;
}

bool hasPrefix(const Params& params, const std::string& name) {
    const auto it = params.lower_bound(name + "[");
    return params.contains(name) || (it != params.end() && it->first.starts_with(name + "["));
}

// ---- Replies ---------------------------------------------------------------------------------

struct Reply {
    int status = 200;
    JsonValue body;
    bool executed = false;  // the endpoint ran: an Idempotency-Key stores the result
};

std::string docUrl(std::string code) {
    std::replace(code.begin(), code.end(), '_', '-');
    return "https://stripe.com/docs/error-codes/" + code;
}

// Stripe writes error members in alphabetical order.
JsonValue sortedMembers(const JsonValue& object) {
    auto members = object.members();
    std::sort(members.begin(), members.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    JsonValue out = JsonValue::object();
    for (auto& [key, value] : members) out.set(key, std::move(value));
    return out;
}

struct ApiError {
    int status = 400;
    std::string type = "invalid_request_error";
    std::string code;
    std::string message;
    std::string param;
};

}  // namespace

// ---- State -----------------------------------------------------------------------------------

struct FakeStripe::State {
    struct PaymentMethod {
        std::string id;
        bool bank_account_source = false;  // a legacy ba_ source rather than a pm_
        std::string type;                  // "card" or "us_bank_account"
        const TestCard* card = nullptr;
        BankAccountDetails bank;
        std::string customer;
        std::int64_t created = 0;
        bool set_up_off_session = false;
        std::string mandate;
        std::string billing_name;
        std::string billing_email;
        Params metadata;
    };
    struct Customer {
        std::string id;
        std::string email, name, description, phone;
        Params metadata;
        std::string default_payment_method;
        std::string default_source;
        std::int64_t created = 0;
    };
    struct BalanceTransaction {
        std::string id;
        std::int64_t amount = 0;
        std::int64_t fee = 0;
        std::string currency;
        std::string source;
        std::string type;  // "charge" or "refund"
        std::int64_t created = 0;
        std::string description;
    };
    struct Charge {
        std::string id;
        std::int64_t amount = 0;
        std::int64_t amount_refunded = 0;
        std::string currency;
        std::string customer;
        std::string payment_intent;
        std::string payment_method;
        std::string status;  // "succeeded", "pending", "failed"
        std::string failure_code, failure_message, decline_code;
        std::string balance_transaction;
        std::string description;
        Params metadata;
        std::int64_t created = 0;
        bool disputed = false;
    };
    struct PaymentIntent {
        std::string id;
        std::int64_t amount = 0;
        std::string currency;
        std::string customer;
        std::string payment_method;
        std::string status;
        std::vector<std::string> payment_method_types;
        bool automatic_payment_methods = false;
        std::string latest_charge;
        JsonValue last_payment_error;
        JsonValue next_action;
        std::string description;
        Params metadata;
        std::int64_t created = 0;
        std::int64_t canceled_at = 0;
        std::string cancellation_reason;
        std::string receipt_email;
        std::string return_url;
        bool off_session = false;
        std::string setup_future_usage;
        std::int64_t amount_received = 0;
        std::string mandate;
        std::string statement_descriptor_suffix;
        bool error_on_requires_action = false;
    };
    struct SetupIntent {
        std::string id;
        std::string customer;
        std::string payment_method;
        std::string status;
        std::string usage = "off_session";
        std::vector<std::string> payment_method_types;
        JsonValue next_action;
        JsonValue last_setup_error;
        std::string return_url;
        std::string description;
        Params metadata;
        std::int64_t created = 0;
    };
    struct Refund {
        std::string id;
        std::int64_t amount = 0;
        std::string charge;
        std::string payment_intent;
        std::string currency;
        std::string status;
        std::string reason;
        std::string failure_reason;
        std::string balance_transaction;
        Params metadata;
        std::int64_t created = 0;
    };
    struct Event {
        std::string id;
        std::string type;
        std::int64_t created = 0;
        JsonValue object;
        std::string request_id;
        std::string idempotency_key;
    };
    struct Stored {
        std::string endpoint;  // "POST /v1/payment_intents"
        Params params;
        FakeResponse response;
        std::int64_t created = 0;
    };
    struct BankToken {
        BankAccountDetails account;
        bool used = false;
    };

    FakeStripe& fake;
    std::vector<std::string> webhook_secrets;
    std::string webhook_url;
    std::vector<std::string> enabled_events;

    std::map<std::string, int> counters;  // id prefix -> last number
    std::map<std::string, Customer> customers;
    std::map<std::string, PaymentMethod> methods;
    std::map<std::string, BankToken> bank_tokens;
    std::map<std::string, Charge> charges;
    std::map<std::string, BalanceTransaction> transactions;
    std::map<std::string, PaymentIntent> intents;
    std::map<std::string, SetupIntent> setup_intents;
    std::map<std::string, Refund> refunds;
    std::vector<Event> events;
    std::map<std::string, JsonValue> disputes;
    std::map<std::string, Stored> idempotency;
    std::set<std::string> in_flight;
    StripeCounts counts;

    // The request being handled (events record it).
    std::string request_id;
    std::string idempotency_key;

    explicit State(FakeStripe& f) : fake(f) {}

    std::int64_t now() const { return fake.now(); }

    std::string nextId(const std::string& prefix) {
        return prefix + "_fake_" + std::to_string(++counters[prefix]);
    }

    // ---- Errors ------------------------------------------------------------------------------

    JsonValue errorBody(const ApiError& e) const {
        JsonValue error = JsonValue::object();
        if (!e.code.empty()) {
            error.set("code", jsonString(e.code));
            error.set("doc_url", jsonString(docUrl(e.code)));
        }
        error.set("message", jsonString(e.message));
        if (!e.param.empty()) error.set("param", jsonString(e.param));
        if (!request_id.empty()) {
            error.set("request_log_url",
                      jsonString("https://dashboard.stripe.com/test/logs/" + request_id));
        }
        error.set("type", jsonString(e.type));
        return JsonValue::object().set("error", std::move(error));
    }

    Reply fail(ApiError e) const { return Reply{e.status, errorBody(e), false}; }

    Reply missing(const std::string& param) const {
        return fail({400, "invalid_request_error", "parameter_missing",
                     "Missing required param: " + param + ".", param});
    }

    Reply noSuch(const std::string& what, const std::string& id, const std::string& param,
                 int status = 400) const {
        return fail({status, "invalid_request_error", "resource_missing",
                     "No such " + what + ": '" + id + "'", param});
    }

    // ---- Events ------------------------------------------------------------------------------

    void emit(const std::string& type, JsonValue object) {
        Event event;
        event.id = nextId("evt");
        event.type = type;
        event.created = now();
        event.object = std::move(object);
        event.request_id = request_id;
        event.idempotency_key = idempotency_key;
        ++counts.events;
        const bool wanted =
            !webhook_url.empty() &&
            std::any_of(enabled_events.begin(), enabled_events.end(),
                        [&](const std::string& e) { return e == "*" || e == type; });
        if (wanted) {
            fake.enqueueWebhook(webhook_url, "application/json; charset=utf-8",
                                prettyJson(renderEvent(event)));
        }
        events.push_back(std::move(event));
    }

    JsonValue renderEvent(const Event& event) const {
        JsonValue request = JsonValue::object();
        request.set("id", jsonStringOrNull(event.request_id));
        request.set("idempotency_key", jsonStringOrNull(event.idempotency_key));
        return JsonValue::object()
            .set("id", jsonString(event.id))
            .set("object", jsonString("event"))
            .set("api_version", jsonString(fake.options().api_version))
            .set("created", jsonInt(event.created))
            .set("data", JsonValue::object().set("object", event.object))
            .set("livemode", jsonBool(false))
            .set("pending_webhooks", jsonInt(1))
            .set("request", std::move(request))
            .set("type", jsonString(event.type));
    }

    // ---- Rendering ---------------------------------------------------------------------------

    static JsonValue renderMetadata(const Params& metadata) {
        JsonValue out = JsonValue::object();
        for (const auto& [key, value] : metadata) out.set(key, jsonString(value));
        return out;
    }

    static JsonValue strings(const std::vector<std::string>& values) {
        JsonValue out = JsonValue::array();
        for (const auto& v : values) out.push(jsonString(v));
        return out;
    }

    static std::string fingerprint(const std::string& seed) {
        return sha256Hex(seed).substr(0, 16);
    }

    JsonValue renderBankAccount(const PaymentMethod& pm) const {
        return JsonValue::object()
            .set("id", jsonString(pm.id))
            .set("object", jsonString("bank_account"))
            .set("account_holder_name", jsonStringOrNull(pm.bank.account_holder_name))
            .set("account_holder_type", jsonString(pm.bank.account_holder_type))
            .set("account_type", jsonString(pm.bank.account_type))
            .set("bank_name", jsonString(pm.bank.bank_name))
            .set("country", jsonString("US"))
            .set("currency", jsonString("usd"))
            .set("customer", jsonStringOrNull(pm.customer))
            .set("fingerprint", jsonString(fingerprint(pm.bank.account_number)))
            .set("last4", jsonString(last4(pm.bank.account_number)))
            .set("metadata", renderMetadata(pm.metadata))
            .set("routing_number", jsonString(pm.bank.routing_number))
            .set("status", jsonString("verified"));
    }

    static std::string last4(const std::string& number) {
        return number.size() <= 4 ? number : number.substr(number.size() - 4);
    }

    JsonValue renderCardDetails(const TestCard& card) const {
        return JsonValue::object()
            .set("brand", jsonString(std::string(card.brand)))
            .set("checks", JsonValue::object()
                               .set("address_line1_check", JsonValue::null())
                               .set("address_postal_code_check", JsonValue::null())
                               .set("cvc_check", jsonString("pass")))
            .set("country", jsonString("US"))
            .set("exp_month", jsonInt(12))
            .set("exp_year", jsonInt(2034))
            .set("fingerprint", jsonString(fingerprint(std::string(card.token))))
            .set("funding", jsonString(std::string(card.funding)))
            .set("last4", jsonString(std::string(card.last4)))
            .set("networks", JsonValue::object()
                                 .set("available", strings({std::string(card.brand)}))
                                 .set("preferred", JsonValue::null()))
            .set("three_d_secure_usage", JsonValue::object().set("supported", jsonBool(true)))
            .set("wallet", JsonValue::null());
    }

    JsonValue renderUsBankAccount(const BankAccountDetails& bank) const {
        return JsonValue::object()
            .set("account_holder_type", jsonString(bank.account_holder_type))
            .set("account_type", jsonString(bank.account_type))
            .set("bank_name", jsonString(bank.bank_name))
            .set("financial_connections_account", JsonValue::null())
            .set("fingerprint", jsonString(fingerprint(bank.account_number)))
            .set("last4", jsonString(last4(bank.account_number)))
            .set("networks", JsonValue::object()
                                 .set("preferred", jsonString("ach"))
                                 .set("supported", strings({"ach"})))
            .set("routing_number", jsonString(bank.routing_number));
    }

    JsonValue renderPaymentMethod(const PaymentMethod& pm) const {
        if (pm.bank_account_source) return renderBankAccount(pm);
        JsonValue out =
            JsonValue::object()
                .set("id", jsonString(pm.id))
                .set("object", jsonString("payment_method"))
                .set("billing_details", JsonValue::object()
                                            .set("address", JsonValue::null())
                                            .set("email", jsonStringOrNull(pm.billing_email))
                                            .set("name", jsonStringOrNull(pm.billing_name))
                                            .set("phone", JsonValue::null()));
        if (pm.type == "card") out.set("card", renderCardDetails(*pm.card));
        out.set("created", jsonInt(pm.created))
            .set("customer", jsonStringOrNull(pm.customer))
            .set("livemode", jsonBool(false))
            .set("metadata", renderMetadata(pm.metadata))
            .set("type", jsonString(pm.type));
        if (pm.type == "us_bank_account") out.set("us_bank_account", renderUsBankAccount(pm.bank));
        return out;
    }

    JsonValue renderCustomer(const Customer& c) const {
        return JsonValue::object()
            .set("id", jsonString(c.id))
            .set("object", jsonString("customer"))
            .set("address", JsonValue::null())
            .set("balance", jsonInt(0))
            .set("created", jsonInt(c.created))
            .set("currency", JsonValue::null())
            .set("default_source", jsonStringOrNull(c.default_source))
            .set("delinquent", jsonBool(false))
            .set("description", jsonStringOrNull(c.description))
            .set("email", jsonStringOrNull(c.email))
            .set("invoice_prefix", jsonString("FAKE" + c.id.substr(c.id.rfind('_') + 1)))
            .set("invoice_settings",
                 JsonValue::object()
                     .set("custom_fields", JsonValue::null())
                     .set("default_payment_method", jsonStringOrNull(c.default_payment_method))
                     .set("footer", JsonValue::null())
                     .set("rendering_options", JsonValue::null()))
            .set("livemode", jsonBool(false))
            .set("metadata", renderMetadata(c.metadata))
            .set("name", jsonStringOrNull(c.name))
            .set("phone", jsonStringOrNull(c.phone))
            .set("preferred_locales", JsonValue::array())
            .set("shipping", JsonValue::null())
            .set("tax_exempt", jsonString("none"))
            .set("test_clock", JsonValue::null());
    }

    JsonValue renderTransaction(const BalanceTransaction& t) const {
        JsonValue fee_details = JsonValue::array();
        if (t.fee != 0) {
            fee_details.push(JsonValue::object()
                                 .set("amount", jsonInt(t.fee))
                                 .set("application", JsonValue::null())
                                 .set("currency", jsonString(t.currency))
                                 .set("description", jsonString("Stripe processing fees"))
                                 .set("type", jsonString("stripe_fee")));
        }
        return JsonValue::object()
            .set("id", jsonString(t.id))
            .set("object", jsonString("balance_transaction"))
            .set("amount", jsonInt(t.amount))
            .set("available_on", jsonInt(t.created + 2 * 86400))
            .set("created", jsonInt(t.created))
            .set("currency", jsonString(t.currency))
            .set("description", jsonStringOrNull(t.description))
            .set("exchange_rate", JsonValue::null())
            .set("fee", jsonInt(t.fee))
            .set("fee_details", std::move(fee_details))
            .set("net", jsonInt(t.amount - t.fee))
            .set("reporting_category", jsonString(t.type))
            .set("source", jsonString(t.source))
            .set("status", jsonString(now() >= t.created + 2 * 86400 ? "available" : "pending"))
            .set("type", jsonString(t.type));
    }

    JsonValue renderCharge(const Charge& c) const {
        const PaymentMethod* pm = findMethod(c.payment_method);
        JsonValue outcome = JsonValue::null();
        if (c.status != "pending") {
            const bool ok = c.status == "succeeded";
            outcome = JsonValue::object()
                          .set("network_status",
                               jsonString(ok ? "approved_by_network" : "declined_by_network"))
                          .set("reason", jsonStringOrNull(c.decline_code))
                          .set("risk_level", jsonString("normal"))
                          .set("seller_message", jsonString(ok ? "Payment complete."
                                                               : "The bank did not return any "
                                                                 "further details with this "
                                                                 "decline."))
                          .set("type", jsonString(ok ? "authorized" : "issuer_declined"));
        }
        JsonValue details = JsonValue::object();
        if (pm != nullptr && pm->type == "card") {
            details.set("card", renderCardDetails(*pm->card)).set("type", jsonString("card"));
        } else if (pm != nullptr) {
            details.set("type", jsonString("us_bank_account"))
                .set("us_bank_account", renderUsBankAccount(pm->bank));
        }
        return JsonValue::object()
            .set("id", jsonString(c.id))
            .set("object", jsonString("charge"))
            .set("amount", jsonInt(c.amount))
            .set("amount_captured", jsonInt(c.status == "failed" ? 0 : c.amount))
            .set("amount_refunded", jsonInt(c.amount_refunded))
            .set("balance_transaction", jsonStringOrNull(c.balance_transaction))
            .set("captured", jsonBool(c.status != "failed"))
            .set("created", jsonInt(c.created))
            .set("currency", jsonString(c.currency))
            .set("customer", jsonStringOrNull(c.customer))
            .set("description", jsonStringOrNull(c.description))
            .set("disputed", jsonBool(c.disputed))
            .set("failure_code", jsonStringOrNull(c.failure_code))
            .set("failure_message", jsonStringOrNull(c.failure_message))
            .set("livemode", jsonBool(false))
            .set("metadata", renderMetadata(c.metadata))
            .set("outcome", std::move(outcome))
            .set("paid", jsonBool(c.status == "succeeded"))
            .set("payment_intent", jsonStringOrNull(c.payment_intent))
            .set("payment_method", jsonStringOrNull(c.payment_method))
            .set("payment_method_details", std::move(details))
            .set("refunded", jsonBool(c.amount_refunded == c.amount && c.amount > 0))
            .set("status", jsonString(c.status));
    }

    JsonValue renderPaymentIntent(const PaymentIntent& pi) const {
        JsonValue automatic = JsonValue::null();
        if (pi.automatic_payment_methods) {
            automatic = JsonValue::object()
                            .set("allow_redirects", jsonString("always"))
                            .set("enabled", jsonBool(true));
        }
        return JsonValue::object()
            .set("id", jsonString(pi.id))
            .set("object", jsonString("payment_intent"))
            .set("amount", jsonInt(pi.amount))
            .set("amount_capturable", jsonInt(0))
            .set("amount_received", jsonInt(pi.amount_received))
            .set("automatic_payment_methods", std::move(automatic))
            .set("canceled_at", pi.canceled_at == 0 ? JsonValue::null() : jsonInt(pi.canceled_at))
            .set("cancellation_reason", jsonStringOrNull(pi.cancellation_reason))
            .set("capture_method", jsonString("automatic"))
            .set("client_secret", jsonString(pi.id + "_secret_fake"))
            .set("confirmation_method", jsonString("automatic"))
            .set("created", jsonInt(pi.created))
            .set("currency", jsonString(pi.currency))
            .set("customer", jsonStringOrNull(pi.customer))
            .set("description", jsonStringOrNull(pi.description))
            .set("last_payment_error", pi.last_payment_error)
            .set("latest_charge", jsonStringOrNull(pi.latest_charge))
            .set("livemode", jsonBool(false))
            .set("mandate", jsonStringOrNull(pi.mandate))
            .set("metadata", renderMetadata(pi.metadata))
            .set("next_action", pi.next_action)
            .set("payment_method", jsonStringOrNull(pi.payment_method))
            .set("payment_method_types", strings(pi.payment_method_types))
            .set("receipt_email", jsonStringOrNull(pi.receipt_email))
            .set("setup_future_usage", jsonStringOrNull(pi.setup_future_usage))
            .set("statement_descriptor_suffix", jsonStringOrNull(pi.statement_descriptor_suffix))
            .set("status", jsonString(pi.status));
    }

    JsonValue renderSetupIntent(const SetupIntent& si) const {
        return JsonValue::object()
            .set("id", jsonString(si.id))
            .set("object", jsonString("setup_intent"))
            .set("cancellation_reason", JsonValue::null())
            .set("client_secret", jsonString(si.id + "_secret_fake"))
            .set("created", jsonInt(si.created))
            .set("customer", jsonStringOrNull(si.customer))
            .set("description", jsonStringOrNull(si.description))
            .set("last_setup_error", si.last_setup_error)
            .set("livemode", jsonBool(false))
            .set("metadata", renderMetadata(si.metadata))
            .set("next_action", si.next_action)
            .set("payment_method", jsonStringOrNull(si.payment_method))
            .set("payment_method_types", strings(si.payment_method_types))
            .set("status", jsonString(si.status))
            .set("usage", jsonString(si.usage));
    }

    JsonValue renderRefund(const Refund& r) const {
        const Charge& charge = charges.at(r.charge);
        const PaymentMethod* pm = findMethod(charge.payment_method);
        JsonValue destination = JsonValue::object();
        if (pm != nullptr && pm->type == "card") {
            destination
                .set("card", JsonValue::object()
                                 .set("reference_status", jsonString("pending"))
                                 .set("reference_type", jsonString("acquirer_reference_number"))
                                 .set("type", jsonString("refund")))
                .set("type", jsonString("card"));
        } else {
            destination.set("type", jsonString("us_bank_transfer"))
                .set("us_bank_transfer", JsonValue::object()
                                             .set("reference", JsonValue::null())
                                             .set("reference_status", jsonString("pending")));
        }
        JsonValue out = JsonValue::object()
                            .set("id", jsonString(r.id))
                            .set("object", jsonString("refund"))
                            .set("amount", jsonInt(r.amount))
                            .set("balance_transaction", jsonStringOrNull(r.balance_transaction))
                            .set("charge", jsonString(r.charge))
                            .set("created", jsonInt(r.created))
                            .set("currency", jsonString(r.currency))
                            .set("destination_details", std::move(destination));
        if (!r.failure_reason.empty()) out.set("failure_reason", jsonString(r.failure_reason));
        return out.set("metadata", renderMetadata(r.metadata))
            .set("payment_intent", jsonStringOrNull(r.payment_intent))
            .set("reason", jsonStringOrNull(r.reason))
            .set("receipt_number", JsonValue::null())
            .set("source_transfer_reversal", JsonValue::null())
            .set("status", jsonString(r.status))
            .set("transfer_reversal", JsonValue::null());
    }

    const PaymentMethod* findMethod(const std::string& id) const {
        const auto it = methods.find(id);
        return it == methods.end() ? nullptr : &it->second;
    }

    std::optional<JsonValue> render(const std::string& id) const {
        if (const auto it = customers.find(id); it != customers.end()) {
            return renderCustomer(it->second);
        }
        if (const auto* pm = findMethod(id)) return renderPaymentMethod(*pm);
        if (const auto it = charges.find(id); it != charges.end()) return renderCharge(it->second);
        if (const auto it = transactions.find(id); it != transactions.end()) {
            return renderTransaction(it->second);
        }
        if (const auto it = intents.find(id); it != intents.end()) {
            return renderPaymentIntent(it->second);
        }
        if (const auto it = setup_intents.find(id); it != setup_intents.end()) {
            return renderSetupIntent(it->second);
        }
        if (const auto it = refunds.find(id); it != refunds.end()) return renderRefund(it->second);
        if (const auto it = disputes.find(id); it != disputes.end()) return it->second;
        for (const auto& event : events) {
            if (event.id == id) return renderEvent(event);
        }
        return std::nullopt;
    }

    // expand[]=a.b.c: each step replaces an id string by the object it names.
    bool expandPath(JsonValue& object, const std::vector<std::string>& path, std::size_t at) const {
        const JsonValue* field = object.find(path[at]);
        if (field == nullptr) return false;
        JsonValue value = *field;
        if (value.isString()) {
            std::optional<JsonValue> rendered = render(value.asString());
            if (!rendered) return false;
            value = std::move(*rendered);
        } else if (!value.isObject()) {
            return false;
        }
        if (at + 1 < path.size() && !expandPath(value, path, at + 1)) return false;
        object.set(path[at], std::move(value));
        return true;
    }

    std::optional<Reply> expand(JsonValue& object, const Params& params) const {
        for (const auto& field : list(params, "expand")) {
            std::vector<std::string> path;
            std::size_t start = 0;
            while (true) {
                const std::size_t dot = field.find('.', start);
                path.push_back(field.substr(start, dot - start));
                if (dot == std::string::npos) break;
                start = dot + 1;
            }
            if (!expandPath(object, path, 0)) {
                return fail({400, "invalid_request_error", "",
                             "This property cannot be expanded (" + field + ").", ""});
            }
        }
        return std::nullopt;
    }

    Reply ok(JsonValue object, const Params& params, bool executed = true) const {
        if (auto error = expand(object, params)) return *error;
        return Reply{200, std::move(object), executed};
    }

    // ---- Parameter checks --------------------------------------------------------------------

    std::optional<Reply> allowOnly(const Params& params,
                                   std::initializer_list<std::string_view> allowed) const {
        for (const auto& [key, value] : params) {
            const std::string name = topLevel(key);
            if (name == "expand") continue;
            if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
                return fail({400, "invalid_request_error", "parameter_unknown",
                             "Received unknown parameter: " + key, key});
            }
        }
        return std::nullopt;
    }

    std::optional<Reply> boolean(const Params& params, const std::string& name, bool& out) const {
        const auto it = params.find(name);
        if (it == params.end()) return std::nullopt;
        if (it->second == "true") {
            out = true;
        } else if (it->second == "false") {
            out = false;
        } else {
            return fail({400, "invalid_request_error", "parameter_invalid_boolean",
                         "Invalid boolean: " + it->second, name});
        }
        return std::nullopt;
    }

    std::optional<Reply> integer(const Params& params, const std::string& name,
                                 std::int64_t& out) const {
        const std::string& text = params.at(name);
        const auto value = parseDecimal(text, 0);
        if (!value) {
            return fail({400, "invalid_request_error", "parameter_invalid_integer",
                         "Invalid integer: " + text, name});
        }
        out = *value;
        return std::nullopt;
    }

    std::optional<Reply> oneOf(const Params& params, const std::string& name,
                               std::initializer_list<std::string_view> values) const {
        const auto it = params.find(name);
        if (it == params.end()) return std::nullopt;
        if (std::find(values.begin(), values.end(), it->second) != values.end()) {
            return std::nullopt;
        }
        std::string expected;
        for (const auto v : values) {
            if (!expected.empty()) expected += ", ";
            expected += std::string(v);
        }
        return fail({400, "invalid_request_error", "",
                     "Invalid " + name + ": must be one of " + expected, name});
    }

    static void mergeMetadata(Params& metadata, const Params& params) {
        for (const auto& [key, value] : members(params, "metadata")) {
            if (value.empty()) {
                metadata.erase(key);
            } else {
                metadata[key] = value;
            }
        }
    }

    static std::string param(const Params& params, const std::string& name) {
        const auto it = params.find(name);
        return it == params.end() ? "" : it->second;
    }

    // ---- Payment methods ---------------------------------------------------------------------

    PaymentMethod& newCardMethod(const TestCard& card) {
        PaymentMethod pm;
        pm.id = nextId("pm");
        pm.type = "card";
        pm.card = &card;
        pm.created = now();
        ++counts.payment_methods;
        return methods[pm.id] = std::move(pm);
    }

    PaymentMethod& newBankMethod(const BankAccountDetails& bank, bool source) {
        PaymentMethod pm;
        pm.id = nextId(source ? "ba" : "pm");
        pm.bank_account_source = source;
        pm.type = "us_bank_account";
        pm.bank = bank;
        pm.billing_name = bank.account_holder_name;
        pm.created = now();
        ++counts.payment_methods;
        return methods[pm.id] = std::move(pm);
    }

    // A magic token makes a new PaymentMethod (as Stripe's shared test tokens do); an id finds
    // an existing one. nullptr when neither.
    PaymentMethod* resolveMethod(const std::string& id) {
        if (const TestCard* card = findCard(id)) return &newCardMethod(*card);
        if (id == kUsBankAccountSuccess) {
            BankAccountDetails bank;
            return &newBankMethod(bank, false);
        }
        const auto it = methods.find(id);
        return it == methods.end() ? nullptr : &it->second;
    }

    JsonValue cardError(const std::string& code, const std::string& decline_code,
                        const std::string& message, const std::string& charge,
                        const PaymentMethod* pm) const {
        JsonValue error = JsonValue::object();
        if (!charge.empty()) error.set("charge", jsonString(charge));
        error.set("code", jsonString(code));
        if (!decline_code.empty()) error.set("decline_code", jsonString(decline_code));
        error.set("doc_url", jsonString(docUrl(code)));
        error.set("message", jsonString(message));
        if (pm != nullptr) error.set("payment_method", renderPaymentMethod(*pm));
        error.set("type", jsonString("card_error"));
        return error;
    }

    // Attaching runs the card's $0 check: the plain decline cards fail it (0341 exists to pass
    // it and fail later).
    std::optional<Reply> verifyOnAttach(const PaymentMethod& pm) const {
        if (pm.type != "card" || !pm.card->declines_on_attach) return std::nullopt;
        JsonValue error = cardError(std::string(pm.card->code), std::string(pm.card->decline_code),
                                    std::string(pm.card->message), "", nullptr);
        if (!request_id.empty()) {
            error.set("request_log_url",
                      jsonString("https://dashboard.stripe.com/test/logs/" + request_id));
        }
        return Reply{402, JsonValue::object().set("error", sortedMembers(error)), true};
    }

    std::optional<Reply> attach(PaymentMethod& pm, const std::string& customer) {
        if (!pm.customer.empty() && pm.customer != customer) {
            return fail({400, "invalid_request_error", "",
                         "The payment method you provided has already been attached to a "
                         "customer.",
                         "payment_method"});
        }
        if (auto declined = verifyOnAttach(pm)) return declined;
        if (pm.customer.empty()) {
            pm.customer = customer;
            emit("payment_method.attached", renderPaymentMethod(pm));
        }
        return std::nullopt;
    }

    // ---- Customers ---------------------------------------------------------------------------

    // source=btok_...: a verified ba_ source on the customer.
    std::optional<Reply> addSource(Customer& customer, const std::string& token,
                                   std::string& source_id) {
        const auto it = bank_tokens.find(token);
        if (it == bank_tokens.end()) return noSuch("token", token, "source");
        if (it->second.used) {
            return fail({400, "invalid_request_error", "token_already_used",
                         "You cannot use a Stripe token more than once: " + token + ".", "source"});
        }
        it->second.used = true;
        PaymentMethod& ba = newBankMethod(it->second.account, true);
        ba.customer = customer.id;
        if (customer.default_source.empty()) customer.default_source = ba.id;
        source_id = ba.id;
        return std::nullopt;
    }

    std::optional<Reply> applyCustomerParams(Customer& c, const Params& params) {
        const std::pair<const char*, std::string*> fields[] = {{"email", &c.email},
                                                               {"name", &c.name},
                                                               {"description", &c.description},
                                                               {"phone", &c.phone}};
        for (const auto& [field, target] : fields) {
            if (params.contains(field)) *target = params.at(field);
        }
        mergeMetadata(c.metadata, params);
        if (params.contains("payment_method")) {
            PaymentMethod* pm = resolveMethod(params.at("payment_method"));
            if (pm == nullptr) {
                return noSuch("PaymentMethod", params.at("payment_method"), "payment_method");
            }
            if (auto error = attach(*pm, c.id)) return error;
        }
        if (params.contains("source")) {
            std::string ignored;
            if (auto error = addSource(c, params.at("source"), ignored)) return error;
        }
        if (params.contains("default_source")) {
            const std::string& id = params.at("default_source");
            const PaymentMethod* pm = findMethod(id);
            if (pm == nullptr || pm->customer != c.id) {
                return noSuch("source", id, "default_source");
            }
            c.default_source = id;
        }
        const std::string key = "invoice_settings[default_payment_method]";
        if (params.contains(key)) {
            const std::string& id = params.at(key);
            const PaymentMethod* pm = findMethod(id);
            if (!id.empty() && (pm == nullptr || pm->customer != c.id)) {
                return fail({400, "invalid_request_error", "resource_missing",
                             "The customer does not have a payment method with the ID " + id +
                                 ". The payment method must be attached to the customer.",
                             key});
            }
            c.default_payment_method = id;
        }
        return std::nullopt;
    }

    Reply createCustomer(const Params& params) {
        if (auto e = allowOnly(params, {"email", "name", "description", "phone", "metadata",
                                        "payment_method", "invoice_settings", "source", "address",
                                        "preferred_locales", "shipping"})) {
            return *e;
        }
        Customer c;
        c.id = nextId("cus");
        c.created = now();
        customers[c.id] = c;
        if (auto error = applyCustomerParams(customers[c.id], params)) {
            // Nothing stays: Stripe validates before it creates.
            for (auto it = methods.begin(); it != methods.end(); ++it) {
                if (it->second.customer == c.id) it->second.customer.clear();
            }
            customers.erase(c.id);
            return *error;
        }
        ++counts.customers;
        const Customer& stored = customers[c.id];
        emit("customer.created", renderCustomer(stored));
        return ok(renderCustomer(stored), params);
    }

    Reply updateCustomer(const std::string& id, const Params& params) {
        const auto it = customers.find(id);
        if (it == customers.end()) return noSuch("customer", id, "id", 404);
        if (auto e =
                allowOnly(params, {"email", "name", "description", "phone", "metadata",
                                   "payment_method", "invoice_settings", "source", "default_source",
                                   "address", "preferred_locales", "shipping"})) {
            return *e;
        }
        Customer copy = it->second;
        if (auto error = applyCustomerParams(copy, params)) return *error;
        it->second = copy;
        emit("customer.updated", renderCustomer(copy));
        return ok(renderCustomer(copy), params);
    }

    Reply createSource(const std::string& id, const Params& params) {
        const auto it = customers.find(id);
        if (it == customers.end()) return noSuch("customer", id, "id", 404);
        if (auto e = allowOnly(params, {"source", "metadata"})) return *e;
        if (!params.contains("source")) return missing("source");
        std::string source_id;
        if (auto error = addSource(it->second, params.at("source"), source_id)) return *error;
        mergeMetadata(methods[source_id].metadata, params);
        return ok(renderBankAccount(methods[source_id]), params);
    }

    // ---- PaymentMethods ----------------------------------------------------------------------

    Reply createPaymentMethod(const Params& params) {
        if (auto e = allowOnly(
                params, {"type", "us_bank_account", "billing_details", "metadata", "card"})) {
            return *e;
        }
        const std::string type = param(params, "type");
        if (type.empty()) return missing("type");
        if (type == "card") {
            return fail({400, "invalid_request_error", "",
                         "Sending credit card numbers directly to the Stripe API is generally "
                         "unsafe. Use a test PaymentMethod such as pm_card_visa instead (this "
                         "fake has no raw card data).",
                         "card"});
        }
        if (type != "us_bank_account") {
            return fail({400, "invalid_request_error", "",
                         "Invalid type: this fake supports us_bank_account", "type"});
        }
        for (const auto* field : {"us_bank_account[routing_number]",
                                  "us_bank_account[account_number]", "billing_details[name]"}) {
            if (!params.contains(field)) return missing(field);
        }
        BankAccountDetails bank;
        bank.routing_number = params.at("us_bank_account[routing_number]");
        bank.account_number = params.at("us_bank_account[account_number]");
        bank.account_holder_name = params.at("billing_details[name]");
        if (params.contains("us_bank_account[account_holder_type]")) {
            bank.account_holder_type = params.at("us_bank_account[account_holder_type]");
        }
        if (params.contains("us_bank_account[account_type]")) {
            bank.account_type = params.at("us_bank_account[account_type]");
        }
        if (bank.routing_number.size() != 9) {
            return fail({400, "invalid_request_error", "", "Routing number must have 9 digits",
                         "us_bank_account[routing_number]"});
        }
        PaymentMethod& pm = newBankMethod(bank, false);
        pm.billing_email = param(params, "billing_details[email]");
        mergeMetadata(pm.metadata, params);
        return ok(renderPaymentMethod(pm), params);
    }

    Reply getPaymentMethod(const std::string& id, const Params& params) {
        PaymentMethod* pm = resolveMethod(id);
        if (pm == nullptr) return noSuch("PaymentMethod", id, "id", 404);
        return ok(renderPaymentMethod(*pm), params);
    }

    Reply attachPaymentMethod(const std::string& id, const Params& params) {
        if (auto e = allowOnly(params, {"customer"})) return *e;
        if (!params.contains("customer")) return missing("customer");
        const std::string& customer = params.at("customer");
        if (!customers.contains(customer)) return noSuch("customer", customer, "customer");
        if (findCard(id) == nullptr && id != kUsBankAccountSuccess && !methods.contains(id)) {
            return noSuch("PaymentMethod", id, "payment_method", 404);
        }
        PaymentMethod* pm = resolveMethod(id);
        if (auto error = attach(*pm, customer)) return *error;
        return ok(renderPaymentMethod(*pm), params);
    }

    Reply detachPaymentMethod(const std::string& id, const Params& params) {
        const auto it = methods.find(id);
        if (it == methods.end()) return noSuch("PaymentMethod", id, "payment_method", 404);
        if (it->second.customer.empty()) {
            return fail({400, "invalid_request_error", "",
                         "The payment method you provided is not attached to a customer so "
                         "detachment is impossible.",
                         ""});
        }
        it->second.customer.clear();
        emit("payment_method.detached", renderPaymentMethod(it->second));
        return ok(renderPaymentMethod(it->second), params);
    }

    // ---- Charging ----------------------------------------------------------------------------

    // Card: 2.9 % + 30 (rounded half up). ACH: 0.8 % capped at $5.00.
    static std::int64_t fee(const PaymentMethod& pm, std::int64_t amount) {
        if (pm.type == "card") return (amount * 29 + 500) / 1000 + 30;
        return std::min<std::int64_t>((amount * 8 + 500) / 1000, 500);
    }

    Charge& newCharge(const PaymentIntent& pi, const PaymentMethod& pm, const std::string& status) {
        Charge c;
        c.id = nextId("ch");
        c.amount = pi.amount;
        c.currency = pi.currency;
        c.customer = pi.customer;
        c.payment_intent = pi.id;
        c.payment_method = pm.id;
        c.status = status;
        c.description = pi.description;
        c.metadata = pi.metadata;
        c.created = now();
        ++counts.charges;
        return charges[c.id] = std::move(c);
    }

    void collect(Charge& charge, const PaymentMethod& pm) {
        BalanceTransaction t;
        t.id = nextId("txn");
        t.amount = charge.amount;
        t.fee = fee(pm, charge.amount);
        t.currency = charge.currency;
        t.source = charge.id;
        t.type = "charge";
        t.created = now();
        t.description = charge.description;
        charge.balance_transaction = t.id;
        transactions[t.id] = std::move(t);
        charge.status = "succeeded";
        ++counts.succeeded_charges;
    }

    JsonValue lastPaymentError(const std::string& type, const std::string& code,
                               const std::string& decline_code, const std::string& message,
                               const std::string& charge, const PaymentMethod* pm) const {
        JsonValue error = cardError(code, decline_code, message, charge, pm);
        error.set("type", jsonString(type));
        return error;
    }

    // A failed attempt: a failed charge, the intent back in requires_payment_method, a 402
    // whose error embeds the intent.
    Reply declineAttempt(PaymentIntent& pi, PaymentMethod& pm, const std::string& code,
                         const std::string& decline_code, const std::string& message) {
        Charge& charge = newCharge(pi, pm, "failed");
        charge.failure_code = code;
        charge.failure_message = message;
        charge.decline_code = decline_code;
        pi.latest_charge = charge.id;
        pi.status = "requires_payment_method";
        pi.next_action = JsonValue::null();
        pi.last_payment_error =
            lastPaymentError("card_error", code, decline_code, message, charge.id, &pm);
        emit("charge.failed", renderCharge(charge));
        emit("payment_intent.payment_failed", renderPaymentIntent(pi));
        JsonValue error = pi.last_payment_error;
        error.set("payment_intent", renderPaymentIntent(pi));
        if (!request_id.empty()) {
            error.set("request_log_url",
                      jsonString("https://dashboard.stripe.com/test/logs/" + request_id));
        }
        return Reply{402, JsonValue::object().set("error", sortedMembers(error)), true};
    }

    // Charges the card (authentication, if any, is done). nullopt: it succeeded.
    std::optional<Reply> chargeCard(PaymentIntent& pi, PaymentMethod& pm) {
        const TestCard& card = *pm.card;
        if (!card.code.empty()) {
            return declineAttempt(pi, pm, std::string(card.code), std::string(card.decline_code),
                                  std::string(card.message));
        }
        Charge& charge = newCharge(pi, pm, "pending");
        collect(charge, pm);
        pi.latest_charge = charge.id;
        pi.status = "succeeded";
        pi.amount_received = pi.amount;
        pi.next_action = JsonValue::null();
        pi.last_payment_error = JsonValue::null();
        if (pi.setup_future_usage == "off_session") pm.set_up_off_session = true;
        if (!pi.setup_future_usage.empty() && !pi.customer.empty() && pm.customer.empty()) {
            pm.customer = pi.customer;  // saved for later, as setup_future_usage asks
            emit("payment_method.attached", renderPaymentMethod(pm));
        }
        emit("charge.succeeded", renderCharge(charge));
        emit("payment_intent.succeeded", renderPaymentIntent(pi));
        if (card.disputed) {
            charge.disputed = true;
            const std::string dispute_id = nextId("dp");
            disputes[dispute_id] = JsonValue::object()
                                       .set("id", jsonString(dispute_id))
                                       .set("object", jsonString("dispute"))
                                       .set("amount", jsonInt(charge.amount))
                                       .set("charge", jsonString(charge.id))
                                       .set("created", jsonInt(now()))
                                       .set("currency", jsonString(charge.currency))
                                       .set("livemode", jsonBool(false))
                                       .set("payment_intent", jsonString(pi.id))
                                       .set("reason", jsonString("fraudulent"))
                                       .set("status", jsonString("needs_response"));
            emit("charge.dispute.created", disputes[dispute_id]);
        }
        return std::nullopt;
    }

    bool needsAuthentication(const PaymentMethod& pm, bool off_session) const {
        switch (pm.card->auth) {
            case Auth::kNone:
                return false;
            case Auth::kAlways:
                return true;
            case Auth::kUnlessSetUp:
                return !off_session || !pm.set_up_off_session;
            case Auth::kOnSessionOnly:
                return !off_session;
        }
        return false;
    }

    JsonValue nextAction(const std::string& intent_id, const std::string& return_url) const {
        if (return_url.empty()) {
            return JsonValue::object()
                .set("type", jsonString("use_stripe_sdk"))
                .set("use_stripe_sdk",
                     JsonValue::object()
                         .set("source", jsonString("src_fake_" + intent_id))
                         .set("stripe_js", jsonString(fake.baseUrl() + "/3ds/" + intent_id))
                         .set("type", jsonString("three_d_secure_redirect")));
        }
        return JsonValue::object()
            .set("redirect_to_url",
                 JsonValue::object()
                     .set("return_url", jsonString(return_url))
                     .set("url", jsonString(fake.baseUrl() + "/3ds/" + intent_id)))
            .set("type", jsonString("redirect_to_url"));
    }

    // ACH debits need a mandate: mandate_data on the first confirm creates one for the method.
    std::optional<Reply> checkMandate(PaymentMethod& pm, const Params& params) {
        if (hasPrefix(params, "mandate_data")) {
            const std::string type = param(params, "mandate_data[customer_acceptance][type]");
            if (type.empty()) return missing("mandate_data[customer_acceptance][type]");
            if (auto e = oneOf(params, "mandate_data[customer_acceptance][type]",
                               {"online", "offline"})) {
                return e;
            }
            if (type == "online") {
                for (const auto* field :
                     {"mandate_data[customer_acceptance][online][ip_address]",
                      "mandate_data[customer_acceptance][online][user_agent]"}) {
                    if (!params.contains(field)) return missing(field);
                }
            }
            if (pm.mandate.empty()) pm.mandate = nextId("mandate");
        }
        if (pm.mandate.empty()) {
            return fail({400, "invalid_request_error", "",
                         "This PaymentIntent requires a mandate, but no existing mandate was "
                         "found. Collect mandate acceptance from the customer and try again, "
                         "providing acceptance data in the mandate_data parameter.",
                         "mandate_data"});
        }
        return std::nullopt;
    }

    // Confirms `pi` with its payment method. The 200 reply renders the intent.
    Reply confirm(PaymentIntent& pi, const Params& params) {
        if (pi.payment_method.empty()) {
            return fail({400, "invalid_request_error", "payment_intent_unexpected_state",
                         "You cannot confirm this PaymentIntent because it's missing a payment "
                         "method. To confirm the PaymentIntent with " +
                             pi.customer +
                             ", specify a payment method attached to this customer along with "
                             "the customer ID.",
                         "payment_method"});
        }
        PaymentMethod& pm = methods.at(pi.payment_method);
        if (pm.type == "us_bank_account") {
            if (auto e = checkMandate(pm, params)) return *e;
            pi.mandate = pm.mandate;
            Charge& charge = newCharge(pi, pm, "pending");
            pi.latest_charge = charge.id;
            pi.status = "processing";
            pi.last_payment_error = JsonValue::null();
            emit("charge.pending", renderCharge(charge));
            emit("payment_intent.processing", renderPaymentIntent(pi));
            return ok(renderPaymentIntent(pi), params);
        }
        if (needsAuthentication(pm, pi.off_session)) {
            if (pi.off_session || pi.error_on_requires_action) {
                return declineAttempt(pi, pm, "authentication_required", "authentication_required",
                                      std::string(kAuthMessage));
            }
            pi.status = "requires_action";
            pi.next_action = nextAction(pi.id, pi.return_url);
            emit("payment_intent.requires_action", renderPaymentIntent(pi));
            return ok(renderPaymentIntent(pi), params);
        }
        if (auto declined = chargeCard(pi, pm)) return *declined;
        return ok(renderPaymentIntent(pi), params);
    }

    // The parameters a create and a confirm share. Leaves `pi` untouched on error.
    std::optional<Reply> applyConfirmParams(PaymentIntent& pi, const Params& params,
                                            bool confirming) {
        PaymentIntent copy = pi;
        if (params.contains("off_session")) {
            const std::string& v = params.at("off_session");
            if (v != "true" && v != "false" && v != "one_off" && v != "recurring") {
                return fail({400, "invalid_request_error", "",
                             "Invalid off_session: must be one of true, false, one_off, "
                             "recurring",
                             "off_session"});
            }
            if (!confirming && v != "false") {
                return fail({400, "invalid_request_error", "",
                             "off_session can only be used when confirm=true.", "off_session"});
            }
            copy.off_session = v != "false";
        }
        if (auto e = boolean(params, "error_on_requires_action", copy.error_on_requires_action)) {
            return e;
        }
        if (params.contains("return_url")) copy.return_url = params.at("return_url");
        if (params.contains("receipt_email")) copy.receipt_email = params.at("receipt_email");
        if (auto e = oneOf(params, "setup_future_usage", {"on_session", "off_session"})) return e;
        if (params.contains("setup_future_usage")) {
            copy.setup_future_usage = params.at("setup_future_usage");
        }
        if (params.contains("payment_method")) {
            const std::string& id = params.at("payment_method");
            if (findCard(id) == nullptr && id != kUsBankAccountSuccess && !methods.contains(id)) {
                return noSuch("PaymentMethod", id, "payment_method");
            }
            const PaymentMethod* existing = findMethod(id);
            if (existing != nullptr && !existing->customer.empty() &&
                existing->customer != copy.customer) {
                if (copy.customer.empty()) {
                    return fail({400, "invalid_request_error", "",
                                 "The provided PaymentMethod was previously attached to a "
                                 "Customer or was detached from a Customer. To use this "
                                 "PaymentMethod, you must provide the Customer ID in the "
                                 "request.",
                                 "payment_method"});
                }
                return fail({400, "invalid_request_error", "",
                             "The provided PaymentMethod belongs to a different Customer.",
                             "payment_method"});
            }
            const std::string type =
                existing != nullptr ? existing->type
                                    : (id == kUsBankAccountSuccess ? "us_bank_account" : "card");
            if (!copy.automatic_payment_methods &&
                std::find(copy.payment_method_types.begin(), copy.payment_method_types.end(),
                          type) == copy.payment_method_types.end()) {
                return fail({400, "invalid_request_error", "",
                             "The PaymentMethod provided (" + type +
                                 ") is not allowed for this PaymentIntent. Please attach a "
                                 "PaymentMethod of one of the following types: " +
                                 [&] {
                                     std::string all;
                                     for (const auto& t : copy.payment_method_types) {
                                         if (!all.empty()) all += ", ";
                                         all += t;
                                     }
                                     return all;
                                 }() +
                                 ".",
                             "payment_method"});
            }
            if (type == "us_bank_account" && copy.currency != "usd") {
                return fail({400, "invalid_request_error", "",
                             "us_bank_account payments must be in usd.", "currency"});
            }
            copy.payment_method = resolveMethod(id)->id;
        }
        pi = std::move(copy);
        return std::nullopt;
    }

    Reply createPaymentIntent(const Params& params) {
        if (auto e = allowOnly(params, {"amount",
                                        "currency",
                                        "customer",
                                        "payment_method",
                                        "confirm",
                                        "off_session",
                                        "payment_method_types",
                                        "automatic_payment_methods",
                                        "description",
                                        "metadata",
                                        "receipt_email",
                                        "return_url",
                                        "error_on_requires_action",
                                        "mandate_data",
                                        "capture_method",
                                        "setup_future_usage",
                                        "statement_descriptor_suffix",
                                        "statement_descriptor",
                                        "payment_method_options",
                                        "confirmation_method"})) {
            return *e;
        }
        if (!params.contains("amount")) return missing("amount");
        std::int64_t amount = 0;
        if (auto e = integer(params, "amount", amount)) return *e;
        if (!params.contains("currency")) return missing("currency");
        const std::string currency = lowerAscii(params.at("currency"));
        if (!knownCurrency(currency)) {
            return fail({400, "invalid_request_error", "",
                         "Invalid currency: " + params.at("currency") +
                             ". Stripe currently supports these currencies: usd, eur, gbp, ...",
                         "currency"});
        }
        if (amount < minimumAmount(currency)) {
            return fail({400, "invalid_request_error", "amount_too_small",
                         "Amount must be at least " + money(minimumAmount(currency), currency) +
                             " " + currency,
                         "amount"});
        }
        if (amount > 99'999'999) {
            return fail({400, "invalid_request_error", "amount_too_large",
                         "Amount must be no more than " + money(99'999'999, currency), "amount"});
        }
        if (auto e = oneOf(params, "capture_method", {"automatic", "automatic_async"})) return *e;
        if (auto e = oneOf(params, "confirmation_method", {"automatic"})) return *e;
        bool confirming = false;
        if (auto e = boolean(params, "confirm", confirming)) return *e;
        PaymentIntent pi;
        pi.amount = amount;
        pi.currency = currency;
        pi.customer = param(params, "customer");
        if (!pi.customer.empty() && !customers.contains(pi.customer)) {
            return noSuch("customer", pi.customer, "customer");
        }
        pi.payment_method_types = list(params, "payment_method_types");
        bool automatic = false;
        if (auto e = boolean(params, "automatic_payment_methods[enabled]", automatic)) return *e;
        if (pi.payment_method_types.empty()) {
            pi.automatic_payment_methods = true;
            pi.payment_method_types = {"card", "us_bank_account"};
        }
        for (const auto& type : pi.payment_method_types) {
            if (type != "card" && type != "us_bank_account") {
                return fail({400, "invalid_request_error", "",
                             "The payment method type \"" + type +
                                 "\" is invalid or not supported by this fake.",
                             "payment_method_types"});
            }
        }
        pi.description = param(params, "description");
        pi.statement_descriptor_suffix = param(params, "statement_descriptor_suffix");
        mergeMetadata(pi.metadata, params);
        if (auto e = applyConfirmParams(pi, params, confirming)) return *e;
        if (!confirming && hasPrefix(params, "mandate_data")) {
            return fail({400, "invalid_request_error", "",
                         "mandate_data can only be used with confirm=true.", "mandate_data"});
        }
        pi.id = nextId("pi");
        pi.created = now();
        pi.status = pi.payment_method.empty() ? "requires_payment_method" : "requires_confirmation";
        pi.last_payment_error = JsonValue::null();
        pi.next_action = JsonValue::null();
        ++counts.payment_intents;
        PaymentIntent& stored = intents[pi.id] = std::move(pi);
        emit("payment_intent.created", renderPaymentIntent(stored));
        if (!confirming) return ok(renderPaymentIntent(stored), params);
        return confirm(stored, params);
    }

    Reply confirmPaymentIntent(const std::string& id, const Params& params) {
        const auto it = intents.find(id);
        if (it == intents.end()) return noSuch("payment_intent", id, "intent", 404);
        if (auto e = allowOnly(params, {"payment_method", "off_session", "return_url",
                                        "mandate_data", "error_on_requires_action", "receipt_email",
                                        "setup_future_usage", "payment_method_options"})) {
            return *e;
        }
        PaymentIntent& pi = it->second;
        if (pi.status != "requires_payment_method" && pi.status != "requires_confirmation" &&
            pi.status != "requires_action") {
            return unexpectedState(pi, "confirm");
        }
        if (auto e = applyConfirmParams(pi, params, true)) return *e;
        return confirm(pi, params);
    }

    Reply unexpectedState(const PaymentIntent& pi, const std::string& action) const {
        JsonValue body =
            errorBody({400, "invalid_request_error", "payment_intent_unexpected_state",
                       "You cannot " + action + " this PaymentIntent because it has a status of " +
                           pi.status + ".",
                       ""});
        JsonValue error = *body.find("error");
        error.set("payment_intent", renderPaymentIntent(pi));
        return Reply{400, JsonValue::object().set("error", sortedMembers(error)), false};
    }

    Reply getPaymentIntent(const std::string& id, const Params& params) const {
        const auto it = intents.find(id);
        if (it == intents.end()) return noSuch("payment_intent", id, "intent", 404);
        return ok(renderPaymentIntent(it->second), params, false);
    }

    Reply cancelPaymentIntent(const std::string& id, const Params& params) {
        const auto it = intents.find(id);
        if (it == intents.end()) return noSuch("payment_intent", id, "intent", 404);
        if (auto e = allowOnly(params, {"cancellation_reason"})) return *e;
        if (auto e = oneOf(params, "cancellation_reason",
                           {"duplicate", "fraudulent", "requested_by_customer", "abandoned"})) {
            return *e;
        }
        PaymentIntent& pi = it->second;
        if (pi.status != "requires_payment_method" && pi.status != "requires_capture" &&
            pi.status != "requires_confirmation" && pi.status != "requires_action") {
            JsonValue body = errorBody(
                {400, "invalid_request_error", "payment_intent_unexpected_state",
                 "You cannot cancel this PaymentIntent because it has a status of " + pi.status +
                     ". Only a PaymentIntent with one of the following statuses may be "
                     "canceled: requires_payment_method, requires_capture, "
                     "requires_confirmation, requires_action, processing.",
                 ""});
            JsonValue error = *body.find("error");
            error.set("payment_intent", renderPaymentIntent(pi));
            return Reply{400, JsonValue::object().set("error", sortedMembers(error)), false};
        }
        pi.status = "canceled";
        pi.canceled_at = now();
        pi.cancellation_reason = param(params, "cancellation_reason");
        pi.next_action = JsonValue::null();
        emit("payment_intent.canceled", renderPaymentIntent(pi));
        return ok(renderPaymentIntent(pi), params);
    }

    // ---- SetupIntents ------------------------------------------------------------------------

    Reply confirmSetup(SetupIntent& si, const Params& params) {
        if (si.payment_method.empty()) return missing("payment_method");
        PaymentMethod& pm = methods.at(si.payment_method);
        if (auto declined = verifyOnAttach(pm)) {
            si.status = "requires_payment_method";
            JsonValue error = *declined->body.find("error");
            si.last_setup_error = error;
            error.set("setup_intent", renderSetupIntent(si));
            emit("setup_intent.setup_failed", renderSetupIntent(si));
            return Reply{402, JsonValue::object().set("error", sortedMembers(error)), true};
        }
        if (pm.type == "us_bank_account") {
            if (auto e = checkMandate(pm, params)) return *e;
        }
        const bool needs_action = pm.type == "card" && (pm.card->auth == Auth::kAlways ||
                                                        pm.card->auth == Auth::kUnlessSetUp);
        if (needs_action) {
            si.status = "requires_action";
            si.next_action = nextAction(si.id, si.return_url);
            emit("setup_intent.requires_action", renderSetupIntent(si));
            return ok(renderSetupIntent(si), params);
        }
        return succeedSetup(si, params);
    }

    Reply succeedSetup(SetupIntent& si, const Params& params) {
        PaymentMethod& pm = methods.at(si.payment_method);
        if (!si.customer.empty() && pm.customer.empty()) {
            pm.customer = si.customer;
            emit("payment_method.attached", renderPaymentMethod(pm));
        }
        if (si.usage == "off_session") pm.set_up_off_session = true;
        si.status = "succeeded";
        si.next_action = JsonValue::null();
        si.last_setup_error = JsonValue::null();
        emit("setup_intent.succeeded", renderSetupIntent(si));
        return ok(renderSetupIntent(si), params);
    }

    std::optional<Reply> applySetupParams(SetupIntent& si, const Params& params) {
        if (params.contains("payment_method")) {
            const std::string& id = params.at("payment_method");
            if (findCard(id) == nullptr && id != kUsBankAccountSuccess && !methods.contains(id)) {
                return noSuch("PaymentMethod", id, "payment_method");
            }
            const PaymentMethod* existing = findMethod(id);
            if (existing != nullptr && !existing->customer.empty() &&
                existing->customer != si.customer) {
                return fail({400, "invalid_request_error", "",
                             "The provided PaymentMethod belongs to a different Customer.",
                             "payment_method"});
            }
            si.payment_method = resolveMethod(id)->id;
        }
        if (params.contains("return_url")) si.return_url = params.at("return_url");
        return std::nullopt;
    }

    Reply createSetupIntent(const Params& params) {
        if (auto e = allowOnly(
                params, {"customer", "payment_method", "payment_method_types", "usage", "confirm",
                         "description", "metadata", "return_url", "mandate_data",
                         "automatic_payment_methods", "payment_method_options"})) {
            return *e;
        }
        if (auto e = oneOf(params, "usage", {"on_session", "off_session"})) return *e;
        bool confirming = false;
        if (auto e = boolean(params, "confirm", confirming)) return *e;
        SetupIntent si;
        si.customer = param(params, "customer");
        if (!si.customer.empty() && !customers.contains(si.customer)) {
            return noSuch("customer", si.customer, "customer");
        }
        if (params.contains("usage")) si.usage = params.at("usage");
        si.payment_method_types = list(params, "payment_method_types");
        if (si.payment_method_types.empty()) si.payment_method_types = {"card"};
        si.description = param(params, "description");
        mergeMetadata(si.metadata, params);
        if (auto e = applySetupParams(si, params)) return *e;
        si.id = nextId("seti");
        si.created = now();
        si.status = si.payment_method.empty() ? "requires_payment_method" : "requires_confirmation";
        si.next_action = JsonValue::null();
        si.last_setup_error = JsonValue::null();
        ++counts.setup_intents;
        SetupIntent& stored = setup_intents[si.id] = std::move(si);
        emit("setup_intent.created", renderSetupIntent(stored));
        if (!confirming) return ok(renderSetupIntent(stored), params);
        return confirmSetup(stored, params);
    }

    Reply confirmSetupIntent(const std::string& id, const Params& params) {
        const auto it = setup_intents.find(id);
        if (it == setup_intents.end()) return noSuch("setup_intent", id, "intent", 404);
        if (auto e = allowOnly(params, {"payment_method", "return_url", "mandate_data",
                                        "payment_method_options"})) {
            return *e;
        }
        SetupIntent& si = it->second;
        if (si.status != "requires_payment_method" && si.status != "requires_confirmation" &&
            si.status != "requires_action") {
            return fail({400, "invalid_request_error", "setup_intent_unexpected_state",
                         "You cannot confirm this SetupIntent because it has a status of " +
                             si.status + ".",
                         ""});
        }
        if (auto e = applySetupParams(si, params)) return *e;
        return confirmSetup(si, params);
    }

    // ---- Refunds -----------------------------------------------------------------------------

    Reply createRefund(const Params& params) {
        if (auto e = allowOnly(params, {"payment_intent", "charge", "amount", "reason", "metadata",
                                        "refund_application_fee", "reverse_transfer"})) {
            return *e;
        }
        std::string charge_id = param(params, "charge");
        const std::string pi_id = param(params, "payment_intent");
        if (charge_id.empty() && pi_id.empty()) {
            return fail({400, "invalid_request_error", "parameter_missing",
                         "One of the following params should be provided for this request: "
                         "payment_intent or charge.",
                         ""});
        }
        if (!pi_id.empty()) {
            const auto it = intents.find(pi_id);
            if (it == intents.end()) return noSuch("payment_intent", pi_id, "payment_intent");
            if (it->second.status != "succeeded") {
                return fail({400, "invalid_request_error", "",
                             "This PaymentIntent does not have a successful charge to refund.",
                             "payment_intent"});
            }
            charge_id = it->second.latest_charge;
        }
        const auto cit = charges.find(charge_id);
        if (cit == charges.end()) return noSuch("charge", charge_id, "charge");
        Charge& charge = cit->second;
        if (charge.status != "succeeded") {
            return fail({400, "invalid_request_error", "",
                         "Charge " + charge.id + " has not succeeded and cannot be refunded.",
                         "charge"});
        }
        if (auto e =
                oneOf(params, "reason", {"duplicate", "fraudulent", "requested_by_customer"})) {
            return *e;
        }
        const std::int64_t left = charge.amount - charge.amount_refunded;
        std::int64_t amount = left;
        if (params.contains("amount")) {
            if (auto e = integer(params, "amount", amount)) return *e;
            if (amount <= 0) {
                return fail({400, "invalid_request_error", "parameter_invalid_integer",
                             "Invalid positive integer", "amount"});
            }
        }
        if (left == 0) {
            return fail({400, "invalid_request_error", "charge_already_refunded",
                         "Charge " + charge.id + " has already been refunded.", ""});
        }
        if (amount > left) {
            return fail({400, "invalid_request_error", "amount_too_large",
                         "Refund amount (" + money(amount, charge.currency) +
                             ") is greater than unrefunded amount on charge (" +
                             money(left, charge.currency) + ")",
                         "amount"});
        }
        const PaymentMethod& pm = methods.at(charge.payment_method);
        Refund r;
        r.id = nextId("re");
        r.amount = amount;
        r.charge = charge.id;
        r.payment_intent = charge.payment_intent;
        r.currency = charge.currency;
        r.reason = param(params, "reason");
        r.status = pm.type == "card" ? "succeeded" : "pending";
        r.created = now();
        mergeMetadata(r.metadata, params);
        BalanceTransaction t;
        t.id = nextId("txn");
        t.amount = -amount;
        t.currency = charge.currency;
        t.source = r.id;
        t.type = "refund";
        t.created = now();
        t.description = "REFUND FOR CHARGE";
        r.balance_transaction = t.id;
        transactions[t.id] = std::move(t);
        charge.amount_refunded += amount;
        ++counts.refunds;
        Refund& stored = refunds[r.id] = std::move(r);
        emit("refund.created", renderRefund(stored));
        emit("charge.refunded", renderCharge(charge));
        return ok(renderRefund(stored), params);
    }

    // ---- Routing -----------------------------------------------------------------------------

    Reply route(const std::string& method, const std::vector<std::string>& parts,
                const Params& params) {
        const auto is = [&](std::initializer_list<std::string_view> pattern) {
            if (pattern.size() != parts.size()) return false;
            std::size_t i = 0;
            for (const auto p : pattern) {
                if (p != "*" && p != parts[i]) return false;
                ++i;
            }
            return true;
        };
        const bool post = method == "POST";
        const bool get = method == "GET";
        if (post && is({"v1", "customers"})) return createCustomer(params);
        if (get && is({"v1", "customers", "*"})) {
            const auto it = customers.find(parts[2]);
            if (it == customers.end()) return noSuch("customer", parts[2], "id", 404);
            return ok(renderCustomer(it->second), params, false);
        }
        if (post && is({"v1", "customers", "*"})) return updateCustomer(parts[2], params);
        if (post && is({"v1", "customers", "*", "sources"})) return createSource(parts[2], params);
        if (post && is({"v1", "payment_methods"})) return createPaymentMethod(params);
        if (get && is({"v1", "payment_methods", "*"})) return getPaymentMethod(parts[2], params);
        if (post && is({"v1", "payment_methods", "*", "attach"})) {
            return attachPaymentMethod(parts[2], params);
        }
        if (post && is({"v1", "payment_methods", "*", "detach"})) {
            return detachPaymentMethod(parts[2], params);
        }
        if (post && is({"v1", "setup_intents"})) return createSetupIntent(params);
        if (get && is({"v1", "setup_intents", "*"})) {
            const auto it = setup_intents.find(parts[2]);
            if (it == setup_intents.end()) return noSuch("setup_intent", parts[2], "intent", 404);
            return ok(renderSetupIntent(it->second), params, false);
        }
        if (post && is({"v1", "setup_intents", "*", "confirm"})) {
            return confirmSetupIntent(parts[2], params);
        }
        if (post && is({"v1", "payment_intents"})) return createPaymentIntent(params);
        if (get && is({"v1", "payment_intents", "*"})) return getPaymentIntent(parts[2], params);
        if (post && is({"v1", "payment_intents", "*", "confirm"})) {
            return confirmPaymentIntent(parts[2], params);
        }
        if (post && is({"v1", "payment_intents", "*", "cancel"})) {
            return cancelPaymentIntent(parts[2], params);
        }
        if (post && is({"v1", "refunds"})) return createRefund(params);
        if (get && (is({"v1", "charges", "*"}) || is({"v1", "balance_transactions", "*"}) ||
                    is({"v1", "refunds", "*"}) || is({"v1", "events", "*"}))) {
            const std::string& id = parts[2];
            const std::string& kind = parts[1];
            const bool right_kind = (kind == "charges" && id.starts_with("ch_")) ||
                                    (kind == "balance_transactions" && id.starts_with("txn_")) ||
                                    (kind == "refunds" && id.starts_with("re_")) ||
                                    (kind == "events" && id.starts_with("evt_"));
            std::optional<JsonValue> object = right_kind ? render(id) : std::nullopt;
            if (!object) {
                const std::string singular = kind.substr(0, kind.size() - 1);
                return noSuch(singular, id, "id", 404);
            }
            return ok(std::move(*object), params, false);
        }
        return fail({404, "invalid_request_error", "",
                     "Unrecognized request URL (" + method + ": /" +
                         [&] {
                             std::string path;
                             for (const auto& p : parts) path += (path.empty() ? "" : "/") + p;
                             return path;
                         }() +
                         "). Please see https://stripe.com/docs or we can help at "
                         "https://support.stripe.com/.",
                     ""});
    }

    bool authorized(const RecordedRequest& request) const {
        const std::string header = request.header("Authorization");
        const std::string& key = fake.options().secret_key;
        if (header == "Bearer " + key) return true;
        if (header.starts_with("Basic ")) {
            const std::string decoded = base64Decode(header.substr(6));
            const std::size_t colon = decoded.find(':');
            return decoded.substr(0, colon) == key;
        }
        return false;
    }

    static bool validVersion(const std::string& v) {
        if (v.size() < 10) return false;
        for (std::size_t i = 0; i < 10; ++i) {
            const bool dash = i == 4 || i == 7;
            if (dash ? v[i] != '-' : (v[i] < '0' || v[i] > '9')) return false;
        }
        return v.size() == 10 || (v[10] == '.' && v.size() > 11);
    }

    FakeResponse toResponse(const Reply& reply, const std::string& version) const {
        FakeResponse out;
        out.status = reply.status;
        out.body = prettyJson(reply.body);
        out.headers = {{"Request-Id", request_id}, {"Stripe-Version", version}};
        return out;
    }

    FakeResponse handle(const RecordedRequest& request) {
        request_id = fake.nextRequestId();
        idempotency_key.clear();
        const std::string version = request.header("Stripe-Version").empty()
                                        ? fake.options().api_version
                                        : request.header("Stripe-Version");
        if (!authorized(request)) {
            const std::string header = request.header("Authorization");
            ApiError e{401, "invalid_request_error", "",
                       header.empty()
                           ? "You did not provide an API key. You need to provide your API key "
                             "in the Authorization header, using Bearer auth (e.g. "
                             "'Authorization: Bearer YOUR_SECRET_KEY')."
                           : "Invalid API Key provided: " + maskedKey(header),
                       ""};
            return toResponse(fail(e), version);
        }
        if (!validVersion(version)) {
            return toResponse(fail({400, "invalid_request_error", "",
                                    "Invalid Stripe API version: " + version, ""}),
                              version);
        }
        const bool post = request.method == "POST";
        if (post && lowerAscii(request.header("Content-Type")).starts_with("application/json")) {
            return toResponse(
                fail({400, "invalid_request_error", "",
                      "Invalid request: v1 API bodies must be application/x-www-form-urlencoded "
                      "(this fake does not read JSON).",
                      ""}),
                version);
        }
        std::string parse_error;
        auto params = decodeParams(post ? request.body : request.query, parse_error);
        if (!params) {
            return toResponse(fail({400, "invalid_request_error", "", parse_error, ""}), version);
        }
        std::vector<std::string> parts;
        {
            std::size_t start = 1;
            while (start <= request.path.size()) {
                std::size_t slash = request.path.find('/', start);
                if (slash == std::string::npos) slash = request.path.size();
                if (slash > start) parts.push_back(request.path.substr(start, slash - start));
                start = slash + 1;
            }
        }
        const std::string key = post ? request.header("Idempotency-Key") : "";
        const std::string endpoint = request.method + " " + request.path;
        if (!key.empty()) {
            if (key.size() > 255) {
                return toResponse(
                    fail({400, "invalid_request_error", "",
                          "Idempotency-Key must be at most 255 characters long.", ""}),
                    version);
            }
            idempotency_key = key;
            const auto it = idempotency.find(key);
            if (it != idempotency.end() && now() - it->second.created >= 86400) {
                idempotency.erase(it);
            } else if (it != idempotency.end()) {
                if (it->second.endpoint != endpoint || it->second.params != *params) {
                    const std::string what = it->second.endpoint != endpoint
                                                 ? "for the same endpoint"
                                                 : "with the same parameters";
                    return toResponse(fail({400, "idempotency_error", "",
                                            "Keys for idempotent requests can only be used " +
                                                what + " they were first used " +
                                                (it->second.endpoint != endpoint ? "for" : "with") +
                                                ". Try using a key other than '" + key +
                                                "' if you meant to execute a different request.",
                                            ""}),
                                      version);
                }
                ++counts.idempotent_replays;
                FakeResponse replay = it->second.response;
                replay.headers.emplace_back("Idempotent-Replayed", "true");
                return replay;
            }
        }
        const Reply reply = route(request.method, parts, *params);
        FakeResponse response = toResponse(reply, version);
        if (!key.empty() && reply.executed) {
            idempotency[key] = Stored{endpoint, *params, response, now()};
        }
        return response;
    }

    static std::string maskedKey(const std::string& header) {
        std::string key = header;
        if (key.starts_with("Bearer ")) key = key.substr(7);
        if (key.starts_with("Basic ")) {
            key = base64Decode(key.substr(6));
            key = key.substr(0, key.find(':'));
        }
        if (key.size() <= 8) return "****";
        return key.substr(0, 8) + "****" + key.substr(key.size() - 4);
    }

    // ---- Controls ----------------------------------------------------------------------------

    PaymentIntent& intent(const std::string& id) {
        const auto it = intents.find(id);
        if (it == intents.end()) throw std::invalid_argument("FakeStripe: no PaymentIntent " + id);
        return it->second;
    }

    void settle(PaymentIntent& pi, AchOutcome outcome) {
        if (pi.status != "processing") {
            throw std::logic_error("FakeStripe: " + pi.id + " is " + pi.status +
                                   ", not processing");
        }
        if (outcome == AchOutcome::kStaysProcessing) return;
        Charge& charge = charges.at(pi.latest_charge);
        PaymentMethod& pm = methods.at(pi.payment_method);
        if (outcome == AchOutcome::kSucceeds) {
            collect(charge, pm);
            pi.status = "succeeded";
            pi.amount_received = pi.amount;
            emit("charge.succeeded", renderCharge(charge));
            emit("payment_intent.succeeded", renderPaymentIntent(pi));
            return;
        }
        charge.status = "failed";
        charge.failure_code = failureCode(outcome);
        charge.failure_message = failureMessage(outcome);
        pi.status = "requires_payment_method";
        JsonValue error = JsonValue::object()
                              .set("charge", jsonString(charge.id))
                              .set("code", jsonString(charge.failure_code))
                              .set("doc_url", jsonString(docUrl(charge.failure_code)))
                              .set("message", jsonString(charge.failure_message))
                              .set("payment_method", renderPaymentMethod(pm))
                              .set("type", jsonString("card_error"));
        pi.last_payment_error = std::move(error);
        emit("charge.failed", renderCharge(charge));
        emit("payment_intent.payment_failed", renderPaymentIntent(pi));
    }

    void complete(const std::string& id, bool passed) {
        request_id.clear();
        idempotency_key.clear();
        if (const auto sit = setup_intents.find(id); sit != setup_intents.end()) {
            SetupIntent& si = sit->second;
            if (si.status != "requires_action") {
                throw std::logic_error("FakeStripe: " + id + " is " + si.status);
            }
            if (passed) {
                (void)succeedSetup(si, {});
                return;
            }
            si.status = "requires_payment_method";
            si.next_action = JsonValue::null();
            si.last_setup_error =
                JsonValue::object()
                    .set("code", jsonString("setup_intent_authentication_failure"))
                    .set("message", jsonString("The latest attempt to set up the payment method "
                                               "has failed because authentication failed."))
                    .set("type", jsonString("invalid_request_error"));
            emit("setup_intent.setup_failed", renderSetupIntent(si));
            return;
        }
        PaymentIntent& pi = intent(id);
        if (pi.status != "requires_action") {
            throw std::logic_error("FakeStripe: " + id + " is " + pi.status);
        }
        PaymentMethod& pm = methods.at(pi.payment_method);
        if (passed) {
            (void)chargeCard(pi, pm);
            return;
        }
        pi.status = "requires_payment_method";
        pi.next_action = JsonValue::null();
        pi.last_payment_error =
            JsonValue::object()
                .set("code", jsonString("payment_intent_authentication_failure"))
                .set("doc_url", jsonString("https://stripe.com/docs/error-codes/"
                                           "payment-intent-authentication-failure"))
                .set("message", jsonString("The provided PaymentMethod has failed "
                                           "authentication. You can provide payment_method_data "
                                           "or a new PaymentMethod to attempt to fulfill this "
                                           "PaymentIntent again."))
                .set("payment_method", renderPaymentMethod(pm))
                .set("type", jsonString("invalid_request_error"));
        emit("payment_intent.payment_failed", renderPaymentIntent(pi));
    }

    void settleRefund(const std::string& id, const std::string& failure_reason) {
        request_id.clear();
        idempotency_key.clear();
        const auto it = refunds.find(id);
        if (it == refunds.end()) throw std::invalid_argument("FakeStripe: no refund " + id);
        Refund& r = it->second;
        if (r.status == "failed" || r.status == "canceled") {
            throw std::logic_error("FakeStripe: refund " + id + " is " + r.status);
        }
        Charge& charge = charges.at(r.charge);
        if (failure_reason.empty()) {
            r.status = "succeeded";
            emit("refund.updated", renderRefund(r));
            emit("charge.refund.updated", renderRefund(r));
            return;
        }
        r.status = "failed";
        r.failure_reason = failure_reason;
        charge.amount_refunded -= r.amount;
        emit("refund.failed", renderRefund(r));
        emit("refund.updated", renderRefund(r));
        emit("charge.refund.updated", renderRefund(r));
    }
};

// ---- FakeStripe ------------------------------------------------------------------------------

FakeStripe::FakeStripe(FakeStripeOptions options)
    : FakeServer("FakeStripe"),
      options_(std::move(options)),
      state_(std::make_unique<State>(*this)) {
    state_->webhook_secrets = {options_.webhook_secret};
    start();
}

FakeStripe::~FakeStripe() { stop(); }

std::string FakeStripe::signatureHeader(const std::vector<std::string>& secrets, std::int64_t t,
                                        std::string_view body) {
    const std::string signed_payload = std::to_string(t) + "." + std::string(body);
    std::string header = "t=" + std::to_string(t);
    for (const auto& secret : secrets) header += ",v1=" + hmacSha256Hex(secret, signed_payload);
    return header;
}

AchOutcome FakeStripe::achOutcomeFor(std::string_view account_number) {
    if (account_number == "000111111113") return AchOutcome::kAccountClosed;
    if (account_number == "000111111116") return AchOutcome::kNoAccount;
    if (account_number == "000222222227") return AchOutcome::kInsufficientFunds;
    if (account_number == "000000000009") return AchOutcome::kStaysProcessing;
    return AchOutcome::kSucceeds;
}

std::string FakeStripe::registerBankAccountToken(const BankAccountDetails& account) {
    auto lock = lockState();
    const std::string id = state_->nextId("btok");
    state_->bank_tokens[id] = State::BankToken{account, false};
    return id;
}

void FakeStripe::setWebhookEndpoint(std::string url, std::vector<std::string> enabled_events) {
    auto lock = lockState();
    state_->webhook_url = std::move(url);
    state_->enabled_events = std::move(enabled_events);
}

void FakeStripe::setWebhookSecrets(std::vector<std::string> secrets) {
    auto lock = lockState();
    state_->webhook_secrets = std::move(secrets);
}

std::vector<int> FakeStripe::settleAch(const std::string& payment_intent, Send send) {
    auto lock = lockState();
    State::PaymentIntent& pi = state_->intent(payment_intent);
    const auto pm = state_->methods.find(pi.payment_method);
    const AchOutcome outcome = pm == state_->methods.end()
                                   ? AchOutcome::kSucceeds
                                   : achOutcomeFor(pm->second.bank.account_number);
    state_->request_id.clear();
    state_->idempotency_key.clear();
    state_->settle(pi, outcome);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeStripe::settleAch(const std::string& payment_intent, AchOutcome outcome,
                                       Send send) {
    auto lock = lockState();
    state_->request_id.clear();
    state_->idempotency_key.clear();
    state_->settle(state_->intent(payment_intent), outcome);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeStripe::completeAction(const std::string& intent_id, Send send) {
    auto lock = lockState();
    state_->complete(intent_id, true);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeStripe::failAction(const std::string& intent_id, Send send) {
    auto lock = lockState();
    state_->complete(intent_id, false);
    return flushWebhooks(lock, send);
}

std::vector<int> FakeStripe::settleRefund(const std::string& refund_id,
                                          const std::string& failure_reason, Send send) {
    auto lock = lockState();
    state_->settleRefund(refund_id, failure_reason);
    return flushWebhooks(lock, send);
}

StripeCounts FakeStripe::counts() const {
    auto lock = lockState();
    return state_->counts;
}

std::optional<core::JsonValue> FakeStripe::object(const std::string& id) const {
    auto lock = lockState();
    return state_->render(id);
}

std::vector<core::JsonValue> FakeStripe::events() const {
    auto lock = lockState();
    std::vector<core::JsonValue> out;
    for (const auto& e : state_->events) out.push_back(state_->renderEvent(e));
    return out;
}

WebhookDelivery FakeStripe::eventDelivery(const std::string& event_id) const {
    auto lock = lockState();
    for (const auto& e : state_->events) {
        if (e.id == event_id) {
            return sign(QueuedWebhook{state_->webhook_url, "application/json; charset=utf-8",
                                      prettyJson(state_->renderEvent(e))});
        }
    }
    throw std::invalid_argument("FakeStripe: no event " + event_id);
}

WebhookDelivery FakeStripe::sign(const QueuedWebhook& webhook) const {
    WebhookDelivery d;
    d.url = webhook.url;
    d.body = webhook.body;
    d.headers = {{"Content-Type", webhook.content_type},
                 {"User-Agent", "Stripe/1.0 (+https://stripe.com/docs/webhooks)"},
                 {"Stripe-Signature", signatureHeader(state_->webhook_secrets, now(), d.body)}};
    return d;
}

FakeResponse FakeStripe::handle(const RecordedRequest& request) { return state_->handle(request); }

std::optional<FakeResponse> FakeStripe::admit(const RecordedRequest& request) {
    const std::string key = request.method == "POST" ? request.header("Idempotency-Key") : "";
    if (key.empty()) return std::nullopt;
    if (state_->in_flight.insert(key).second) return std::nullopt;
    state_->request_id = nextRequestId();
    Reply reply = state_->fail(
        {409, "invalid_request_error", "idempotency_key_in_use",
         "There is currently another in-progress request using this Idempotent Key (that "
         "probably means you submitted twice, and the other request is still going through): " +
             key + ". Please try again later.",
         ""});
    return state_->toResponse(reply, options_.api_version);
}

void FakeStripe::finish(const RecordedRequest& request) {
    const std::string key = request.method == "POST" ? request.header("Idempotency-Key") : "";
    if (!key.empty()) state_->in_flight.erase(key);
}

std::string FakeStripe::nextRequestId() {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "req_fake_%04d", ++requests_served_);
    return buffer;
}

FakeResponse FakeStripe::failure(int http_status) {
    FakeResponse out;
    out.status = http_status;
    const std::string id = nextRequestId();
    std::string type = "api_error";
    std::string code;
    std::string message = "An unknown error occurred";
    if (http_status == 429) {
        type = "invalid_request_error";
        code = "rate_limit";
        message =
            "Request rate limit exceeded. Learn more about rate limits here "
            "https://stripe.com/docs/rate-limits.";
    } else if (http_status == 409) {
        type = "invalid_request_error";
        code = "lock_timeout";
        message =
            "This object cannot be accessed right now because another API request or Stripe "
            "process is currently accessing it.";
    }
    JsonValue error = JsonValue::object();
    if (!code.empty()) error.set("code", jsonString(code));
    error.set("message", jsonString(message)).set("type", jsonString(type));
    out.body = prettyJson(JsonValue::object().set("error", std::move(error)));
    out.headers = {{"Request-Id", id}, {"Stripe-Version", options_.api_version}};
    return out;
}

}  // namespace billwright::fakes
