#include "plugins/crypto_fixture.h"

#include <utility>

namespace billwright::plugin_tests {

CryptoFixture::CryptoFixture(const std::string& plugin_id)
    : transport(plugins::makePocoTransport()) {
    env.http = transport.get();
    env.http_allowlist[plugin_id] = {"127.0.0.1"};
}

plugins::PaymentCallContext CryptoFixture::contextWith(
    const plugins::PluginSettings& settings, std::map<std::string, std::string> params) const {
    plugins::PaymentCallContext c = context(std::move(params));
    c.settings = settings;
    return c;
}

plugins::ChargeRequest usdCharge(std::int64_t amount_minor, const std::string& payment_id) {
    plugins::ChargeRequest r;
    r.payer.id = "cus_1";
    r.payer.name = "Ada Miner";
    r.payer.email = "ada@example.com";
    r.payment_id = payment_id;
    r.invoice_id = "inv_1";
    r.idempotency_key = "idem_" + payment_id;
    r.amount = {amount_minor, "USD", 2};
    r.description = "Invoice inv_1";
    return r;
}

plugins::LookupRequest lookupOf(const std::string& payment_id, const std::string& reference,
                                std::int64_t amount_minor) {
    plugins::LookupRequest r;
    r.payer.id = "cus_1";
    r.payment_id = payment_id;
    r.reference = reference;
    r.amount = {amount_minor, "USD", 2};
    return r;
}

plugins::WebhookRequest webhookOf(const fakes::WebhookDelivery& delivery) {
    plugins::WebhookRequest r;
    for (const auto& [name, value] : delivery.headers) r.headers += name + ": " + value + "\r\n";
    r.body = delivery.body;
    r.received_at = kNowSeconds;
    return r;
}

}  // namespace billwright::plugin_tests
