#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fakes/fake_server.h"
#include "plugins/host.h"
#include "plugins/payment_runner.h"
#include "plugins/processor_fixture.h"

namespace billwright::plugin_tests {

using Params = std::map<std::string, std::string>;

// The callback URL the host passes to the processors that take one (never called: the tests take
// the fakes' webhooks from their queues and hand them to the plugin); the plugin id follows.
inline const std::string kCallbackUrl = "https://billing.example/v1/webhooks/ten_test/";

// A processor plugin that talks to local fake providers through the server's real outbound HTTP
// (the Poco transport, the allowlist, the timeouts): the host's clock stands at kNowSeconds, and
// 127.0.0.1 is on the plugin's allowlist.
struct ProviderFixture : ProcessorFixture {
    explicit ProviderFixture(std::string plugin_id);

    // The tenant's settings: the declared defaults under `config` and `secrets`, as the server
    // resolves them.
    plugins::PluginSettings settings() const;
    // A call of tenant ten_test with these parameters and the settings above.
    plugins::PaymentCallContext call(Params params = {}) const;

    // Checks what the plugin declares: ABI 1.1, these method types and flags, and these keys
    // secret (in the order declared) and no other.
    void checkDeclares(const std::vector<std::string>& method_types,
                       const std::vector<std::string>& flags,
                       const std::vector<std::string>& secret_keys) const;

    // A webhook delivery as the host hands it to the plugin: headers as "Name: value\r\n" lines,
    // received at `received_at`.
    static plugins::WebhookRequest hook(const fakes::WebhookDelivery& delivery,
                                        std::int64_t received_at = kNowSeconds);

    // The plugin's answer to `delivery`, received at `received_at`.
    plugins::ProcessorResult<plugins::WebhookResult> deliver(
        const fakes::WebhookDelivery& delivery, std::int64_t received_at = kNowSeconds) const;

    // A delivery the plugin must refuse, `what` naming how it is bad.
    struct BadDelivery {
        const char* what;
        fakes::WebhookDelivery delivery;
        std::int64_t received_at = kNowSeconds;
    };
    // Checks that each delivery is refused BW_ERR_DENIED, with a message.
    void checkDenied(const std::vector<BadDelivery>& deliveries) const;

    // The deliveries among `deliveries` whose JSON body has "type" `type` (Stripe events).
    static std::vector<fakes::WebhookDelivery> ofType(
        const std::vector<fakes::WebhookDelivery>& deliveries, std::string_view type);
    // The one delivery of `type` among `deliveries`; the test stops unless there is exactly one.
    static fakes::WebhookDelivery onlyOfType(const std::vector<fakes::WebhookDelivery>& deliveries,
                                             std::string_view type);

    std::string plugin_id;
    std::unique_ptr<plugins::HttpTransport> transport;
    plugins::PaymentProcessor processor_under_test;
    std::map<std::string, std::string> config;
    std::map<std::string, std::string> secrets;
};

// A processor that collects each payment on the provider's hosted page (the crypto processors):
// charges carry the callback_url parameter.
struct HostedPageFixture : ProviderFixture {
    using ProviderFixture::ProviderFixture;

    // A call with the callback_url parameter of this plugin.
    plugins::PaymentCallContext ctx() const;
    // A call with exactly these parameters.
    plugins::PaymentCallContext ctx(Params params) const;

    // A charge of `amount_minor` USD that made a payment waiting for the payer; its reference.
    std::string charged(std::int64_t amount_minor = 123'456);
};

// The payer every test charges: a customer of tenant ten_test.
plugins::Payer testPayer(const std::string& provider_customer = "");

// A charge of `amount_minor` USD for payment `payment_id` of invoice inv_1 by testPayer(), with
// the idempotency key "idem_<payment_id>".
plugins::ChargeRequest usdCharge(std::int64_t amount_minor,
                                 const std::string& payment_id = "pay_1");
// The same charge of pay_1, off session, from the saved method `method_reference` of the payer's
// provider customer, with the idempotency key `key`.
plugins::ChargeRequest savedMethodCharge(const std::string& method_reference,
                                         const std::string& provider_customer,
                                         std::int64_t amount_minor = 10'000,
                                         const std::string& key = "idem_1");
// The lookup of payment `payment_id` (and `reference`, when not empty) of `amount_minor` USD.
plugins::LookupRequest lookupOf(const std::string& payment_id, const std::string& reference,
                                std::int64_t amount_minor);

}  // namespace billwright::plugin_tests
