// A payment plugin's webhook entry (bw_payment_processor_api.webhook) through the host's
// PaymentProcessor facade, as POST /v1/webhooks/{tenant}/{plugin} calls it: the built module is
// loaded by the server's Registry, and its outbound HTTP goes to an in-process transport that
// answers with bytes of the input (the provider's reply). One executable per plugin
// (BW_FUZZ_PLUGIN). Input: a flags byte, the delivery's headers (up to a NUL), the provider's
// reply (up to a NUL), then the body.
//
// With the "sign" flag the target signs the delivery the way the provider would (Stripe-Signature,
// x-nowpayments-sig over the sorted JSON, OpenNode's hashed_order), so the fuzzer also reaches
// the parsing behind the verification. Invariants: a delivery the target did not sign is never
// accepted (no signature bypass from random headers); a signed Stripe delivery whose body was
// changed afterwards, or whose timestamp is outside the tolerance, is refused; a plugin never
// answers BW_OK with a result that breaks the contract (ProcessorError::broken_result).

#include <openssl/evp.h>

#include <billwright/plugin.h>
#include <billwright/codec.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/log.h"
#include "core/metrics.h"
#include "fuzz_support.h"
#include "plugins/host.h"
#include "plugins/payment_runner.h"
#include "plugins/registry.h"

using billwright::fuzz::check;
namespace codec = billwright::codec;
namespace core = billwright::core;
namespace plugins = billwright::plugins;

namespace {

constexpr std::int64_t kNow = 1793491200;  // 2026-11-01T00:00:00Z
constexpr std::string_view kPlugin = BW_FUZZ_PLUGIN;
constexpr char kProviderHost[] = "provider.test";
constexpr char kProviderUrl[] = "https://provider.test";
constexpr char kSigningSecret[] = "whsec_fuzz_signing_secret";
constexpr char kApiKey[] = "fuzz_api_key";
constexpr std::int64_t kTolerance = 300;

// The provider as the input says it answers: one status and body for every request.
class ReplyTransport final : public plugins::HttpTransport {
public:
    plugins::HttpOutcome send(const plugins::HttpExchange&, std::int64_t) override {
        plugins::HttpOutcome out;
        out.http_status = status;
        out.headers = "Content-Type: application/json\r\n";
        out.body = body;
        return out;
    }
    int status = 200;
    std::string body;
};

struct Host {
    std::FILE* sink = std::fopen("/dev/null", "w");
    core::Logger log{core::LogLevel::kError, core::LogFormat::kText, sink};
    core::Metrics metrics;
    core::ManualClock clock{std::chrono::system_clock::time_point(std::chrono::seconds(kNow))};
    ReplyTransport transport;
    plugins::HostEnvironment env{
        log, metrics, clock, &transport, {{std::string(kPlugin), {kProviderHost}}}, 1000};
    plugins::Registry registry{env};
    std::unique_ptr<plugins::PaymentProcessor> processor;
    plugins::PaymentCallContext context;
};

Host* host = nullptr;

std::string hmacHex(const char* digest, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    std::size_t len = 0;
    const unsigned char* result = EVP_Q_mac(
        nullptr, "HMAC", nullptr, digest, nullptr, key.data(), key.size(),
        reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, sizeof out, &len);
    check(result != nullptr, "HMAC works");
    return codec::hexEncode(std::string_view(reinterpret_cast<const char*>(out), len));
}

bool isStripeLike() { return kPlugin == "payment_stripe" || kPlugin == "payment_plaid_ach"; }

// Signs the delivery as the provider would; false when this body cannot be signed (the
// provider would never send it).
bool sign(std::string& headers, std::string& body, std::int64_t skew) {
    if (isStripeLike()) {
        const std::int64_t t = kNow + skew;
        headers += "Stripe-Signature: t=" + std::to_string(t) +
                   ",v1=" + hmacHex("SHA256", kSigningSecret, std::to_string(t) + "." + body) +
                   "\r\n";
        return true;
    }
    if (kPlugin == "payment_nowpayments") {
        const auto parsed = codec::parseJson(body);
        if (!parsed || !parsed->isObject()) return false;
        headers +=
            "x-nowpayments-sig: " +
            hmacHex("SHA512", kSigningSecret, codec::writeJson(*parsed, codec::KeyOrder::kSorted)) +
            "\r\n";
        return true;
    }
    if (kPlugin == "payment_opennode") {
        const auto form = codec::parseForm(body);
        if (!form || body.empty() || body.front() == '{') return false;
        std::string id;
        for (const auto& [k, v] : *form) {
            if (k == "id") {
                id = v;
                break;
            }
        }
        body = "hashed_order=" + hmacHex("SHA256", kApiKey, id) + "&" + body;
        return true;
    }
    return false;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    host = new Host;
    const std::string path = std::string(BW_PLUGIN_DIR) + "/" + std::string(kPlugin) + ".so";
    const plugins::PluginInfo& info = host->registry.loadFile(path);
    check(info.loaded, "the plugin loads", info.reason);
    const plugins::LoadedPlugin* loaded = host->registry.paymentProcessor(info.id);
    check(loaded != nullptr, "the plugin is a payment processor");
    auto processor = plugins::PaymentProcessor::of(host->env, *loaded);
    check(processor.ok(), "the facade takes the plugin");
    host->processor = std::make_unique<plugins::PaymentProcessor>(std::move(processor).value());
    check(host->processor->has(BW_PROCESSOR_WEBHOOKS), "the plugin takes webhooks");

    auto& c = host->context;
    c.tenant_id = "ten_fuzz";
    c.deadline_ms = (kNow + 60) * 1000;
    c.params["callback_url"] =
        "https://billing.example/v1/webhooks/ten_fuzz/" + std::string(kPlugin);
    for (const char* key : {"api_base_url", "plaid_base_url", "stripe_base_url", "checkout_url"})
        c.settings.config[key] = kProviderUrl;
    c.settings.config["webhook_tolerance_seconds"] = std::to_string(kTolerance);
    c.settings.config["plaid_client_id"] = "fuzz_client";
    for (const char* key : {"secret_key", "stripe_secret_key", "plaid_secret", "account_password"})
        c.settings.secrets[key] = "sk_fuzz";
    for (const char* key : {"webhook_secret", "stripe_webhook_secret", "ipn_secret"})
        c.settings.secrets[key] = kSigningSecret;
    c.settings.secrets["api_key"] = kApiKey;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const std::uint8_t flags = in.byte();
    const std::uint8_t skew_byte = in.byte();
    std::string headers = in.text(2048);
    constexpr int kStatuses[] = {200, 200, 200, 400, 404, 500};
    host->transport.status = kStatuses[in.byte() % 6];
    host->transport.body = in.text(4096);
    std::string body(in.rest());

    // Headers as the HTTP layer passes them on: "Name: value\r\n" lines.
    std::string lines;
    for (std::size_t pos = 0; pos < headers.size();) {
        const std::size_t end = std::min(headers.find('\n', pos), headers.size());
        std::string line = headers.substr(pos, end - pos);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty()) lines += line + "\r\n";
        pos = end + 1;
    }

    const bool want_signed = (flags & 1) != 0;
    const bool tamper = (flags & 2) != 0;
    // Mostly inside the tolerance, sometimes just outside it.
    const std::int64_t skew =
        static_cast<std::int64_t>(skew_byte % 32 == 0 ? skew_byte * 4 : skew_byte % 60) -
        ((flags & 4) != 0 ? 2 * skew_byte : 0);
    const bool is_signed = want_signed && sign(lines, body, skew);
    bool tampered = false;
    if (is_signed && tamper && isStripeLike() && !body.empty()) {
        body[skew_byte % body.size()] = static_cast<char>(body[skew_byte % body.size()] ^ 0x20);
        tampered = true;
    }

    plugins::WebhookRequest request;
    request.headers = lines;
    request.body = body;
    request.received_at = kNow;
    const auto result = host->processor->webhook(host->context, request);
    if (!result.ok()) {
        check(!result.error().broken_result, "the plugin answers BW_OK only with a valid result",
              result.error().message);
        return 0;
    }
    check(is_signed, "an unsigned delivery is never accepted", lines);
    if (isStripeLike()) {
        check(!tampered, "a changed body no longer verifies", body);
        check(skew >= -kTolerance && skew <= kTolerance,
              "a timestamp outside the tolerance is refused", std::to_string(skew));
    }
    const auto& r = result.value();
    if (r.event == plugins::WebhookEvent::kPayment)
        check(r.payment.has_value(), "a payment event carries the payment");
    return 0;
}
