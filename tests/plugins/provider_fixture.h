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

// A processor plugin that talks to local fake providers through the server's real outbound HTTP
// (the Poco transport, the allowlist, the timeouts): the host's clock and the fakes' clocks both
// stand at kNowSeconds, and 127.0.0.1 is on the plugin's allowlist.
struct ProviderFixture : ProcessorFixture {
    explicit ProviderFixture(std::string plugin_id);

    // The tenant's settings: the declared defaults under `config` and `secrets`, as the server
    // resolves them.
    plugins::PluginSettings settings() const;
    // A call of tenant ten_test with these parameters and the settings above.
    plugins::PaymentCallContext call(Params params = {}) const;

    // A webhook delivery as the host hands it to the plugin, received at `received_at`.
    static plugins::WebhookRequest hook(const fakes::WebhookDelivery& delivery,
                                        std::int64_t received_at);

    // The deliveries among `deliveries` whose JSON body has "type" `type` (Stripe events).
    static std::vector<fakes::WebhookDelivery> ofType(
        const std::vector<fakes::WebhookDelivery>& deliveries, std::string_view type);

    std::string plugin_id;
    std::unique_ptr<plugins::HttpTransport> transport;
    plugins::PaymentProcessor processor_under_test;
    std::map<std::string, std::string> config;
    std::map<std::string, std::string> secrets;
};

// The payer every test charges: a customer of tenant ten_test.
plugins::Payer testPayer(const std::string& provider_customer = "");

}  // namespace billwright::plugin_tests
