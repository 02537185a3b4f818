#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_server.h"
#include "plugins/host.h"
#include "plugins/payment_runner.h"
#include "plugins/processor_fixture.h"

namespace billwright::plugin_tests {

// The callback URL the host passes to the crypto processors in these tests (never called: the
// tests take the fakes' webhooks from their queues and hand them to the plugin).
inline const std::string kCallbackUrl = "https://billing.example/v1/webhooks/ten_test/";

// A ProcessorFixture whose host sends real HTTP (the Poco transport) to 127.0.0.1, where the
// fakes listen, for the plugin `plugin_id` only.
struct CryptoFixture : ProcessorFixture {
    explicit CryptoFixture(const std::string& plugin_id);

    // The call context with `settings` and `params`.
    plugins::PaymentCallContext contextWith(const plugins::PluginSettings& settings,
                                            std::map<std::string, std::string> params) const;

    std::unique_ptr<plugins::HttpTransport> transport;
};

// A charge of `amount_minor` USD for payment pay_1 of invoice inv_1.
plugins::ChargeRequest usdCharge(std::int64_t amount_minor,
                                 const std::string& payment_id = "pay_1");
plugins::LookupRequest lookupOf(const std::string& payment_id, const std::string& reference,
                                std::int64_t amount_minor);
// A delivery as the host hands it to the plugin: headers as "Name: value\r\n" lines.
plugins::WebhookRequest webhookOf(const fakes::WebhookDelivery& delivery);

}  // namespace billwright::plugin_tests
