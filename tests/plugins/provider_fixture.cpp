#include "plugins/provider_fixture.h"

#include <string>
#include <utility>

#include <billwright/codec.hpp>

namespace billwright::plugin_tests {

ProviderFixture::ProviderFixture(std::string id)
    : plugin_id(std::move(id)),
      transport(plugins::makePocoTransport()),
      processor_under_test(processor(firstParty(plugin_id))) {
    env.http = transport.get();
    env.http_allowlist[plugin_id] = {"127.0.0.1"};
}

plugins::PluginSettings ProviderFixture::settings() const {
    plugins::PluginSettings out;
    for (const auto& spec : processor_under_test.plugin().info.config_keys) {
        if (spec.default_value) out.config[spec.name] = *spec.default_value;
    }
    for (const auto& [key, value] : config) out.config[key] = value;
    out.secrets = secrets;
    return out;
}

plugins::PaymentCallContext ProviderFixture::call(Params params) const {
    plugins::PaymentCallContext c = context(std::move(params));
    c.settings = settings();
    return c;
}

plugins::WebhookRequest ProviderFixture::hook(const fakes::WebhookDelivery& delivery,
                                              std::int64_t received_at) {
    plugins::WebhookRequest r;
    for (const auto& [name, value] : delivery.headers) r.headers += name + ": " + value + "\r\n";
    r.body = delivery.body;
    r.received_at = received_at;
    return r;
}

std::vector<fakes::WebhookDelivery> ProviderFixture::ofType(
    const std::vector<fakes::WebhookDelivery>& deliveries, std::string_view type) {
    std::vector<fakes::WebhookDelivery> out;
    for (const auto& d : deliveries) {
        const auto body = codec::parseJson(d.body);
        if (body && body->getString("type") == type) out.push_back(d);
    }
    return out;
}

plugins::Payer testPayer(const std::string& provider_customer) {
    plugins::Payer p;
    p.kind = "customer";
    p.id = "cus_1";
    p.name = "Ada Miner";
    p.email = "ada@example.com";
    p.provider_customer = provider_customer;
    return p;
}

}  // namespace billwright::plugin_tests
