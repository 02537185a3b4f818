#include "plugins/provider_fixture.h"

#include <string>
#include <utility>

#include <boost/test/unit_test.hpp>

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

void ProviderFixture::checkDeclares(const std::vector<std::string>& method_types,
                                    const std::vector<std::string>& flags,
                                    const std::vector<std::string>& secret_keys) const {
    const plugins::PluginInfo& info = processor_under_test.plugin().info;
    BOOST_TEST(info.abi_minor == 1);
    BOOST_TEST(plugins::paymentMethodTypeNames(info.payment_method_types) == method_types,
               boost::test_tools::per_element());
    BOOST_TEST(plugins::paymentProcessorFlagNames(info.payment_flags) == flags,
               boost::test_tools::per_element());
    std::vector<std::string> declared_secret;
    for (const auto& key : info.config_keys) {
        if (key.secret) declared_secret.push_back(key.name);
    }
    BOOST_TEST(declared_secret == secret_keys, boost::test_tools::per_element());
}

plugins::WebhookRequest ProviderFixture::hook(const fakes::WebhookDelivery& delivery,
                                              std::int64_t received_at) {
    plugins::WebhookRequest r;
    for (const auto& [name, value] : delivery.headers) r.headers += name + ": " + value + "\r\n";
    r.body = delivery.body;
    r.received_at = received_at;
    return r;
}

plugins::ProcessorResult<plugins::WebhookResult> ProviderFixture::deliver(
    const fakes::WebhookDelivery& delivery, std::int64_t received_at) const {
    return processor_under_test.webhook(call(), hook(delivery, received_at));
}

void ProviderFixture::checkDenied(const std::vector<BadDelivery>& deliveries) const {
    for (const BadDelivery& d : deliveries) {
        BOOST_TEST_CONTEXT(d.what) {
            const auto r = deliver(d.delivery, d.received_at);
            BOOST_REQUIRE(!r.ok());
            BOOST_TEST(r.error().status == BW_ERR_DENIED, problem(r));
            BOOST_TEST(!r.error().message.empty());
        }
    }
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

fakes::WebhookDelivery ProviderFixture::onlyOfType(
    const std::vector<fakes::WebhookDelivery>& deliveries, std::string_view type) {
    const auto matching = ofType(deliveries, type);
    BOOST_TEST_REQUIRE(matching.size() == 1U, type);
    return matching.front();
}

plugins::PaymentCallContext HostedPageFixture::ctx() const {
    return call({{"callback_url", kCallbackUrl + plugin_id}});
}

plugins::PaymentCallContext HostedPageFixture::ctx(Params params) const {
    return call(std::move(params));
}

std::string HostedPageFixture::charged(std::int64_t amount_minor) {
    const auto r = processor_under_test.charge(ctx(), usdCharge(amount_minor));
    BOOST_TEST_REQUIRE(r.ok(), problem(r));
    BOOST_TEST_REQUIRE((r->status == plugins::PaymentStatus::kRequiresAction));
    return r->reference;
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

plugins::ChargeRequest usdCharge(std::int64_t amount_minor, const std::string& payment_id) {
    plugins::ChargeRequest r;
    r.payer = testPayer();
    r.payment_id = payment_id;
    r.invoice_id = "inv_1";
    r.idempotency_key = "idem_" + payment_id;
    r.amount = {amount_minor, "USD", 2};
    r.description = "Invoice inv_1";
    return r;
}

plugins::ChargeRequest savedMethodCharge(const std::string& method_reference,
                                         const std::string& provider_customer,
                                         std::int64_t amount_minor, const std::string& key) {
    plugins::ChargeRequest r = usdCharge(amount_minor);
    r.payer = testPayer(provider_customer);
    r.idempotency_key = key;
    r.method_reference = method_reference;
    r.off_session = true;
    return r;
}

plugins::LookupRequest lookupOf(const std::string& payment_id, const std::string& reference,
                                std::int64_t amount_minor) {
    plugins::LookupRequest r;
    r.payer = testPayer();
    r.payment_id = payment_id;
    r.reference = reference;
    r.amount = {amount_minor, "USD", 2};
    return r;
}

}  // namespace billwright::plugin_tests
