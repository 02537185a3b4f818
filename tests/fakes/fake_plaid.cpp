#include "fakes/fake_plaid.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <utility>
#include <variant>

#include "fakes/fake_stripe.h"

namespace billwright::fakes {
namespace {

using core::JsonValue;

// ---- ES256 with OpenSSL EVP --------------------------------------------------------------------

struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, KeyDeleter>;

struct EcKey {
    KeyPtr key;
    std::string x;  // 32 bytes, big-endian
    std::string y;
};

[[noreturn]] void opensslFailed(const char* what) {
    throw std::runtime_error(std::string("FakePlaid: OpenSSL failed: ") + what);
}

EcKey ecKeyFromPrivateHex(const std::string& private_key_hex) {
    BIGNUM* priv = nullptr;
    if (BN_hex2bn(&priv, private_key_hex.c_str()) == 0) opensslFailed("BN_hex2bn");
    const std::unique_ptr<BIGNUM, decltype(&BN_clear_free)> priv_guard(priv, BN_clear_free);
    const std::unique_ptr<EC_GROUP, decltype(&EC_GROUP_free)> group(
        EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1), EC_GROUP_free);
    const std::unique_ptr<EC_POINT, decltype(&EC_POINT_free)> pub(EC_POINT_new(group.get()),
                                                                  EC_POINT_free);
    if (!group || !pub ||
        EC_POINT_mul(group.get(), pub.get(), priv, nullptr, nullptr, nullptr) != 1) {
        opensslFailed("EC_POINT_mul");
    }
    std::array<unsigned char, 65> octets{};
    if (EC_POINT_point2oct(group.get(), pub.get(), POINT_CONVERSION_UNCOMPRESSED, octets.data(),
                           octets.size(), nullptr) != octets.size()) {
        opensslFailed("EC_POINT_point2oct");
    }
    const std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> builder(
        OSSL_PARAM_BLD_new(), OSSL_PARAM_BLD_free);
    if (!builder ||
        OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                        0) != 1 ||
        OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_PRIV_KEY, priv) != 1 ||
        OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, octets.data(),
                                         octets.size()) != 1) {
        opensslFailed("OSSL_PARAM_BLD");
    }
    const std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(builder.get()), OSSL_PARAM_free);
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* key = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
        EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) != 1) {
        opensslFailed("EVP_PKEY_fromdata");
    }
    EcKey out;
    out.key.reset(key);
    out.x.assign(reinterpret_cast<const char*>(octets.data() + 1), 32);
    out.y.assign(reinterpret_cast<const char*>(octets.data() + 33), 32);
    return out;
}

// JWS ES256: the raw r || s, 32 bytes each.
std::string es256Sign(EVP_PKEY* key, std::string_view data) {
    const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                      EVP_MD_CTX_free);
    std::size_t length = 0;
    if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        opensslFailed("EVP_DigestSign");
    }
    std::string der(length, '\0');
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(der.data()), &length,
                       reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
        opensslFailed("EVP_DigestSign");
    }
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    const std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(length)), ECDSA_SIG_free);
    if (!sig) opensslFailed("d2i_ECDSA_SIG");
    std::array<unsigned char, 64> raw{};
    if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw.data(), 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw.data() + 32, 32) != 32) {
        opensslFailed("BN_bn2binpad");
    }
    return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

// Deterministic UUID-shaped identifiers.
std::string uuid(int n) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012d", n);
    return buffer;
}

struct AccountSpec {
    std::string_view kind;
    std::string_view name;
    std::string_view account_number;
    std::string_view subtype;
};

constexpr AccountSpec kAccounts[] = {
    {"checking", "Plaid Checking", "000123456789", "checking"},
    {"insufficient_funds", "Plaid Checking (NSF)", "000222222227", "checking"},
    {"account_closed", "Plaid Closed Checking", "000111111113", "checking"},
    {"no_account", "Plaid Missing Checking", "000111111116", "checking"},
    {"processing", "Plaid Slow Checking", "000000000009", "checking"},
};

constexpr std::string_view kRoutingNumber = "110000000";
constexpr std::string_view kInstitution = "ins_109508";

struct PlaidError {
    std::string type;
    std::string code;
    std::string message;
};

int httpStatusOf(const std::string& type) {
    if (type == "RATE_LIMIT_EXCEEDED") return 429;
    if (type == "API_ERROR") return 500;
    return 400;
}

}  // namespace

const std::vector<std::string> FakePlaid::kAccountKinds = {
    "checking", "insufficient_funds", "account_closed", "no_account", "processing"};

struct FakePlaid::State {
    struct Key {
        std::string kid;
        std::int64_t created_at = 0;
        std::int64_t expired_at = 0;  // 0: null
        EcKey ec;
    };
    struct Item {
        std::string id;
        int number = 0;
        std::string webhook;
        std::string access_token;
        std::string error_code;  // "" or ITEM_LOGIN_REQUIRED
    };
    struct PublicToken {
        std::string item_id;
        std::int64_t expires_at = 0;
        bool used = false;
    };

    FakePlaid& fake;
    std::vector<Key> keys;                           // the last one signs
    std::map<std::string, std::string> link_tokens;  // token -> webhook
    std::map<std::string, PublicToken> public_tokens;
    std::map<std::string, Item> items;
    std::map<std::string, std::string> access_tokens;  // token -> item id
    PlaidCounts counts;
    int tokens_issued = 0;
    int requests = 0;
    std::string request_id;

    explicit State(FakePlaid& f) : fake(f) {}

    std::int64_t now() const { return fake.now(); }

    std::string nextRequestId() {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "fakePlaidReq%04d", ++requests);
        return buffer;
    }

    JsonValue errorObject(const PlaidError& e, bool in_webhook) const {
        JsonValue out = JsonValue::object()
                            .set("error_type", jsonString(e.type))
                            .set("error_code", jsonString(e.code))
                            .set("error_code_reason", JsonValue::null())
                            .set("error_message", jsonString(e.message))
                            .set("display_message", JsonValue::null());
        if (in_webhook) {
            out.set("status", jsonInt(httpStatusOf(e.type)));
        } else {
            out.set("request_id", jsonString(request_id));
        }
        return out.set("causes", JsonValue::array())
            .set("documentation_url", jsonString("https://plaid.com/docs/errors/" +
                                                 lowerAscii(e.type) + "/#" + lowerAscii(e.code)))
            .set("suggested_action", JsonValue::null());
    }

    FakeResponse error(const PlaidError& e) const {
        return FakeResponse{
            httpStatusOf(e.type), "application/json", {}, prettyJson(errorObject(e, false))};
    }

    FakeResponse ok(JsonValue body) const {
        body.set("request_id", jsonString(request_id));
        return FakeResponse{200, "application/json", {}, prettyJson(body)};
    }

    Item& newItem(const std::string& webhook) {
        Item item;
        item.number = ++counts.items;
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "item-fake-%04d", item.number);
        item.id = buffer;
        item.webhook = webhook;
        return items[item.id] = std::move(item);
    }

    std::string accountId(const Item& item, std::string_view kind) const {
        return "acc-" + std::to_string(item.number) + "-" + std::string(kind);
    }

    const AccountSpec* findAccount(const Item& item, const std::string& account_id) const {
        for (const auto& spec : kAccounts) {
            if (accountId(item, spec.kind) == account_id) return &spec;
        }
        return nullptr;
    }

    std::string newPublicToken(const Item& item) {
        const std::string token = "public-sandbox-" + uuid(++tokens_issued);
        public_tokens[token] = PublicToken{item.id, now() + 30 * 60, false};
        return token;
    }

    PlaidLinkResult linkResult(const Item& item, std::string public_token) const {
        PlaidLinkResult out;
        out.public_token = std::move(public_token);
        out.item_id = item.id;
        for (const auto& spec : kAccounts) {
            out.account_ids[std::string(spec.kind)] = accountId(item, spec.kind);
        }
        return out;
    }

    // ---- Requests ----------------------------------------------------------------------------

    static std::string stringField(const JsonValue& body, std::string_view name) {
        const JsonValue* v = body.find(name);
        return v != nullptr && v->isString() ? v->asString() : "";
    }

    std::optional<FakeResponse> checkFields(
        const JsonValue& body, std::initializer_list<std::string_view> required,
        std::initializer_list<std::string_view> optional) const {
        std::string unknown;
        for (const auto& [name, value] : body.members()) {
            if (name == "client_id" || name == "secret") continue;
            const bool known =
                std::find(required.begin(), required.end(), name) != required.end() ||
                std::find(optional.begin(), optional.end(), name) != optional.end();
            if (!known) unknown += (unknown.empty() ? "" : ", ") + name;
        }
        if (!unknown.empty()) {
            return error({"INVALID_REQUEST", "UNKNOWN_FIELDS",
                          "the following fields are not recognized by this endpoint: " + unknown});
        }
        std::string missing;
        for (const auto name : required) {
            const JsonValue* v = body.find(name);
            if (v == nullptr || v->isNull()) {
                missing += (missing.empty() ? "" : ", ") + std::string(name);
            }
        }
        if (!missing.empty()) {
            return error({"INVALID_REQUEST", "MISSING_FIELDS",
                          "the following required fields are missing: " + missing});
        }
        return std::nullopt;
    }

    // The Item behind an access token, or the error to answer.
    std::variant<Item*, FakeResponse> itemFor(const JsonValue& body) {
        const std::string token = stringField(body, "access_token");
        const auto it = access_tokens.find(token);
        if (it == access_tokens.end()) {
            return error({"INVALID_INPUT", "INVALID_ACCESS_TOKEN",
                          "provided access token is in an invalid format. expected format: "
                          "access-<environment>-<identifier>"});
        }
        Item& item = items.at(it->second);
        if (!item.error_code.empty()) {
            return error({"ITEM_ERROR", item.error_code,
                          "the login details of this item have changed (credentials, MFA, or "
                          "required user action) and a user login is required to update this "
                          "information. use Link's update mode to restore the item to a good "
                          "state"});
        }
        return &item;
    }

    FakeResponse linkTokenCreate(const JsonValue& body) {
        if (auto e = checkFields(
                body, {"client_name", "language", "country_codes", "user"},
                {"products", "webhook", "redirect_uri", "account_filters", "access_token",
                 "android_package_name", "link_customization_name", "optional_products",
                 "required_if_supported_products", "additional_consented_products", "auth",
                 "transactions", "user_token"})) {
            return *e;
        }
        const JsonValue* user = body.find("user");
        if (!user->isObject() || stringField(*user, "client_user_id").empty()) {
            return error({"INVALID_REQUEST", "MISSING_FIELDS",
                          "the following required fields are missing: user.client_user_id"});
        }
        const std::string client_name = stringField(body, "client_name");
        if (client_name.empty() || client_name.size() > 30) {
            return error({"INVALID_REQUEST", "INVALID_FIELD",
                          "client_name must be a non-empty string of at most 30 characters"});
        }
        if (!body.find("country_codes")->isArray()) {
            return error({"INVALID_REQUEST", "INVALID_FIELD", "country_codes must be an array"});
        }
        if (body.find("access_token") != nullptr) {
            auto item = itemFor(body);
            if (std::holds_alternative<FakeResponse>(item)) {
                // Update mode is how a broken Item is repaired: only a bad token is refused.
                const FakeResponse& r = std::get<FakeResponse>(item);
                if (r.body.find("INVALID_ACCESS_TOKEN") != std::string::npos) return r;
            }
        }
        const std::string token = "link-sandbox-" + uuid(++tokens_issued);
        link_tokens[token] = stringField(body, "webhook");
        ++counts.link_tokens;
        return ok(
            JsonValue::object()
                .set("expiration", jsonString(isoTimestamp(now() + 4 * 3600).substr(0, 19) + "Z"))
                .set("link_token", jsonString(token)));
    }

    FakeResponse sandboxPublicTokenCreate(const JsonValue& body) {
        if (auto e = checkFields(body, {"institution_id", "initial_products"}, {"options"})) {
            return *e;
        }
        if (!stringField(body, "institution_id").starts_with("ins_")) {
            return error(
                {"INVALID_INPUT", "INVALID_INSTITUTION", "invalid institution_id provided"});
        }
        std::string webhook;
        if (const JsonValue* options = body.find("options"); options && options->isObject()) {
            webhook = stringField(*options, "webhook");
            const std::string user = stringField(*options, "override_username");
            const std::string password = stringField(*options, "override_password");
            if ((!user.empty() && user != "user_good") ||
                (!password.empty() && password != "pass_good")) {
                return error({"ITEM_ERROR", "INVALID_CREDENTIALS",
                              "the provided credentials were not correct"});
            }
        }
        Item& item = newItem(webhook);
        return ok(JsonValue::object().set("public_token", jsonString(newPublicToken(item))));
    }

    FakeResponse exchange(const JsonValue& body) {
        if (auto e = checkFields(body, {"public_token"}, {})) return *e;
        const std::string token = stringField(body, "public_token");
        const auto it = public_tokens.find(token);
        if (it == public_tokens.end() || it->second.used) {
            return error({"INVALID_INPUT", "INVALID_PUBLIC_TOKEN",
                          it == public_tokens.end()
                              ? "provided public token is in an invalid format. expected "
                                "format: public-<environment>-<identifier>"
                              : "provided public token has already been exchanged"});
        }
        if (now() >= it->second.expires_at) {
            return error({"INVALID_INPUT", "INVALID_PUBLIC_TOKEN",
                          "provided public token is expired. Public tokens expire 30 minutes "
                          "after creation at which point they can no longer be exchanged"});
        }
        it->second.used = true;
        Item& item = items.at(it->second.item_id);
        if (item.access_token.empty()) {
            item.access_token = "access-sandbox-" + uuid(++tokens_issued);
            access_tokens[item.access_token] = item.id;
        }
        ++counts.exchanges;
        return ok(JsonValue::object()
                      .set("access_token", jsonString(item.access_token))
                      .set("item_id", jsonString(item.id)));
    }

    FakeResponse stripeBankAccountToken(const JsonValue& body) {
        if (auto e = checkFields(body, {"access_token", "account_id"}, {})) return *e;
        auto found = itemFor(body);
        if (auto* r = std::get_if<FakeResponse>(&found)) return *r;
        Item& item = *std::get<Item*>(found);
        const AccountSpec* account = findAccount(item, stringField(body, "account_id"));
        if (account == nullptr) {
            return error({"INVALID_INPUT", "INVALID_ACCOUNT_ID",
                          "one or more of the account IDs is invalid"});
        }
        BankAccountDetails details;
        details.account_number = std::string(account->account_number);
        details.routing_number = std::string(kRoutingNumber);
        details.bank_name = "PLAID FAKE BANK";
        details.account_holder_name = "Alberta Bobbeth Charleson";
        details.account_type = std::string(account->subtype);
        std::string token;
        if (fake.stripe_ != nullptr) {
            token = fake.stripe_->registerBankAccountToken(details);
        } else {
            token = "btok_plaid_unlinked_" + std::to_string(counts.processor_tokens + 1);
        }
        ++counts.processor_tokens;
        return ok(JsonValue::object().set("stripe_bank_account_token", jsonString(token)));
    }

    FakeResponse processorToken(const JsonValue& body) {
        if (auto e = checkFields(body, {"access_token", "account_id", "processor"}, {})) {
            return *e;
        }
        auto found = itemFor(body);
        if (auto* r = std::get_if<FakeResponse>(&found)) return *r;
        if (findAccount(*std::get<Item*>(found), stringField(body, "account_id")) == nullptr) {
            return error({"INVALID_INPUT", "INVALID_ACCOUNT_ID",
                          "one or more of the account IDs is invalid"});
        }
        ++counts.processor_tokens;
        return ok(JsonValue::object().set(
            "processor_token", jsonString("processor-sandbox-" + uuid(++tokens_issued))));
    }

    JsonValue renderAccount(const Item& item, const AccountSpec& spec) const {
        return JsonValue::object()
            .set("account_id", jsonString(accountId(item, spec.kind)))
            .set("balances", JsonValue::object()
                                 .set("available", JsonValue::numberLiteral("100"))
                                 .set("current", JsonValue::numberLiteral("110"))
                                 .set("iso_currency_code", jsonString("USD"))
                                 .set("limit", JsonValue::null())
                                 .set("unofficial_currency_code", JsonValue::null()))
            .set("mask", jsonString(std::string(spec.account_number.substr(8))))
            .set("name", jsonString(std::string(spec.name)))
            .set("official_name", jsonString("Plaid Gold Standard 0% Interest Checking"))
            .set("subtype", jsonString(std::string(spec.subtype)))
            .set("type", jsonString("depository"));
    }

    FakeResponse accounts(const JsonValue& body, bool with_numbers) {
        if (auto e = checkFields(body, {"access_token"}, {"options"})) return *e;
        auto found = itemFor(body);
        if (auto* r = std::get_if<FakeResponse>(&found)) return *r;
        const Item& item = *std::get<Item*>(found);
        std::vector<std::string> wanted;
        if (const JsonValue* options = body.find("options"); options && options->isObject()) {
            if (const JsonValue* ids = options->find("account_ids"); ids && ids->isArray()) {
                for (const auto& id : ids->items()) {
                    if (!id.isString() || findAccount(item, id.asString()) == nullptr) {
                        return error({"INVALID_INPUT", "INVALID_ACCOUNT_ID",
                                      "one or more of the account IDs is invalid"});
                    }
                    wanted.push_back(id.asString());
                }
            }
        }
        JsonValue list = JsonValue::array();
        JsonValue ach = JsonValue::array();
        for (const auto& spec : kAccounts) {
            const std::string id = accountId(item, spec.kind);
            if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), id) == wanted.end()) {
                continue;
            }
            list.push(renderAccount(item, spec));
            ach.push(JsonValue::object()
                         .set("account", jsonString(std::string(spec.account_number)))
                         .set("account_id", jsonString(id))
                         .set("can_transfer_in", jsonBool(true))
                         .set("can_transfer_out", jsonBool(true))
                         .set("is_tokenized_account_number", jsonBool(false))
                         .set("routing", jsonString(std::string(kRoutingNumber)))
                         .set("wire_routing", jsonString("021000021")));
        }
        JsonValue out = JsonValue::object().set("accounts", std::move(list));
        out.set("item", JsonValue::object()
                            .set("available_products", JsonValue::array())
                            .set("billed_products", JsonValue::array().push(jsonString("auth")))
                            .set("error", JsonValue::null())
                            .set("institution_id", jsonString(std::string(kInstitution)))
                            .set("item_id", jsonString(item.id))
                            .set("webhook", jsonString(item.webhook)));
        if (with_numbers) {
            out.set("numbers", JsonValue::object()
                                   .set("ach", std::move(ach))
                                   .set("bacs", JsonValue::array())
                                   .set("eft", JsonValue::array())
                                   .set("international", JsonValue::array()));
        }
        return ok(std::move(out));
    }

    JsonValue jwk(const Key& key) const {
        return JsonValue::object()
            .set("alg", jsonString("ES256"))
            .set("created_at", jsonInt(key.created_at))
            .set("crv", jsonString("P-256"))
            .set("expired_at", key.expired_at == 0 ? JsonValue::null() : jsonInt(key.expired_at))
            .set("kid", jsonString(key.kid))
            .set("kty", jsonString("EC"))
            .set("use", jsonString("sig"))
            .set("x", jsonString(base64UrlEncode(key.ec.x)))
            .set("y", jsonString(base64UrlEncode(key.ec.y)));
    }

    FakeResponse verificationKey(const JsonValue& body) {
        if (auto e = checkFields(body, {"key_id"}, {})) return *e;
        const std::string kid = stringField(body, "key_id");
        for (const auto& key : keys) {
            if (key.kid == kid) return ok(JsonValue::object().set("key", jwk(key)));
        }
        return error(
            {"INVALID_INPUT", "INVALID_WEBHOOK_VERIFICATION_KEY_ID", "invalid key_id provided"});
    }

    FakeResponse handle(const RecordedRequest& request) {
        request_id = nextRequestId();
        if (request.method != "POST") {
            return error({"INVALID_REQUEST", "NOT_FOUND", "unknown endpoint: use POST"});
        }
        std::optional<JsonValue> body = parseJsonBody(request.body);
        if (!body || !body->isObject()) {
            return error({"INVALID_REQUEST", "INVALID_BODY", "body could not be parsed as JSON"});
        }
        std::string client_id = stringField(*body, "client_id");
        std::string secret = stringField(*body, "secret");
        if (client_id.empty()) client_id = request.header("PLAID-CLIENT-ID");
        if (secret.empty()) secret = request.header("PLAID-SECRET");
        if (client_id.empty() || secret.empty()) {
            std::string missing = client_id.empty() ? "client_id" : "";
            if (secret.empty()) missing += missing.empty() ? "secret" : ", secret";
            return error({"INVALID_REQUEST", "MISSING_FIELDS",
                          "the following required fields are missing: " + missing});
        }
        if (client_id != fake.options().client_id || secret != fake.options().secret) {
            return error(
                {"INVALID_INPUT", "INVALID_API_KEYS", "invalid client_id or secret provided"});
        }
        const std::string& path = request.path;
        if (path == "/link/token/create") return linkTokenCreate(*body);
        if (path == "/sandbox/public_token/create") return sandboxPublicTokenCreate(*body);
        if (path == "/item/public_token/exchange") return exchange(*body);
        if (path == "/processor/stripe/bank_account_token/create") {
            return stripeBankAccountToken(*body);
        }
        if (path == "/processor/token/create") return processorToken(*body);
        if (path == "/accounts/get") return accounts(*body, false);
        if (path == "/auth/get") return accounts(*body, true);
        if (path == "/webhook_verification_key/get") return verificationKey(*body);
        return error({"INVALID_REQUEST", "NOT_FOUND", "unknown endpoint: " + path});
    }

    // ---- Webhooks ----------------------------------------------------------------------------

    void queueItemWebhook(const Item& item, const std::string& type, const std::string& code,
                          JsonValue fields) {
        if (item.webhook.empty()) {
            throw std::logic_error("FakePlaid: " + item.id + " has no webhook URL");
        }
        fields.set("environment", jsonString("sandbox"));
        if (fields.find("error") == nullptr) fields.set("error", JsonValue::null());
        fields.set("item_id", jsonString(item.id));
        fields.set("webhook_code", jsonString(code));
        fields.set("webhook_type", jsonString(type));
        fake.enqueueWebhook(item.webhook, "application/json", prettyJson(fields, true));
    }

    std::string jwt(std::string_view body) const {
        const Key& key = keys.back();
        const std::string header = core::toJson(JsonValue::object()
                                                    .set("alg", jsonString("ES256"))
                                                    .set("kid", jsonString(key.kid))
                                                    .set("typ", jsonString("JWT")));
        const std::string payload =
            core::toJson(JsonValue::object()
                             .set("iat", jsonInt(now()))
                             .set("request_body_sha256", jsonString(sha256Hex(body))));
        const std::string input = base64UrlEncode(header) + "." + base64UrlEncode(payload);
        return input + "." + base64UrlEncode(es256Sign(key.ec.key.get(), input));
    }
};

FakePlaid::FakePlaid(FakePlaidOptions options, FakeStripe* stripe)
    : FakeServer("FakePlaid"),
      options_(std::move(options)),
      stripe_(stripe),
      state_(std::make_unique<State>(*this)) {
    state_->keys.push_back(State::Key{options_.webhook_key_id, options_.webhook_key_created_at, 0,
                                      ecKeyFromPrivateHex(options_.webhook_key_hex)});
    start();
}

FakePlaid::~FakePlaid() { stop(); }

core::JsonValue FakePlaid::jwkFor(const std::string& private_key_hex, const std::string& kid,
                                  std::int64_t created_at) {
    const EcKey ec = ecKeyFromPrivateHex(private_key_hex);
    return core::JsonValue::object()
        .set("alg", jsonString("ES256"))
        .set("created_at", jsonInt(created_at))
        .set("crv", jsonString("P-256"))
        .set("expired_at", core::JsonValue::null())
        .set("kid", jsonString(kid))
        .set("kty", jsonString("EC"))
        .set("use", jsonString("sig"))
        .set("x", jsonString(base64UrlEncode(ec.x)))
        .set("y", jsonString(base64UrlEncode(ec.y)));
}

std::string FakePlaid::verificationJwt(std::string_view body) const {
    auto lock = lockState();
    return state_->jwt(body);
}

PlaidLinkResult FakePlaid::link(const std::string& link_token, const std::string& webhook) {
    auto lock = lockState();
    std::string hook = webhook;
    if (!link_token.empty()) {
        const auto it = state_->link_tokens.find(link_token);
        if (it == state_->link_tokens.end()) {
            throw std::invalid_argument("FakePlaid: unknown link token " + link_token);
        }
        if (hook.empty()) hook = it->second;
    }
    State::Item& item = state_->newItem(hook);
    return state_->linkResult(item, state_->newPublicToken(item));
}

void FakePlaid::rotateWebhookKey(std::string kid, std::string private_key_hex) {
    auto lock = lockState();
    state_->keys.back().expired_at = now();
    state_->keys.push_back(
        State::Key{std::move(kid), now(), 0, ecKeyFromPrivateHex(private_key_hex)});
}

std::vector<int> FakePlaid::breakItemLogin(const std::string& item_id, Send send) {
    auto lock = lockState();
    const auto it = state_->items.find(item_id);
    if (it == state_->items.end()) throw std::invalid_argument("FakePlaid: no item " + item_id);
    it->second.error_code = "ITEM_LOGIN_REQUIRED";
    state_->request_id.clear();
    JsonValue fields = JsonValue::object().set(
        "error", state_->errorObject({"ITEM_ERROR", "ITEM_LOGIN_REQUIRED",
                                      "the login details of this item have changed "
                                      "(credentials, MFA, or required user action) and a user "
                                      "login is required to update this information. use "
                                      "Link's update mode to restore the item to a good state"},
                                     true));
    state_->queueItemWebhook(it->second, "ITEM", "ERROR", std::move(fields));
    return flushWebhooks(lock, send);
}

std::vector<int> FakePlaid::fireWebhook(const std::string& item_id, const std::string& webhook_type,
                                        const std::string& webhook_code,
                                        const core::JsonValue& extra, Send send) {
    auto lock = lockState();
    const auto it = state_->items.find(item_id);
    if (it == state_->items.end()) throw std::invalid_argument("FakePlaid: no item " + item_id);
    state_->queueItemWebhook(it->second, webhook_type, webhook_code, extra);
    return flushWebhooks(lock, send);
}

PlaidCounts FakePlaid::counts() const {
    auto lock = lockState();
    return state_->counts;
}

FakeResponse FakePlaid::handle(const RecordedRequest& request) { return state_->handle(request); }

FakeResponse FakePlaid::failure(int http_status) {
    State& s = *state_;
    auto lock = lockState();
    s.request_id = s.nextRequestId();
    if (http_status == 429) {
        return s.error({"RATE_LIMIT_EXCEEDED", "RATE_LIMIT",
                        "rate limit exceeded for attempts to access this item. please try again "
                        "later"});
    }
    FakeResponse r =
        s.error({"API_ERROR", http_status == 503 ? "PLANNED_MAINTENANCE" : "INTERNAL_SERVER_ERROR",
                 "an unexpected error occurred"});
    r.status = http_status;
    return r;
}

WebhookDelivery FakePlaid::sign(const QueuedWebhook& webhook) const {
    return WebhookDelivery{
        webhook.url,
        {{"Content-Type", webhook.content_type}, {"Plaid-Verification", state_->jwt(webhook.body)}},
        webhook.body};
}

}  // namespace billwright::fakes
