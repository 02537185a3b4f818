// RevenueGuard: the webhook signature and body, URL rules, and the status changes on a real
// SQLite database (history, audit, outbox, repeats, PATCH refusal).

#include <boost/test/unit_test.hpp>

#include "services/audit.h"
#include "services/inventory.h"
#include "services/outbox.h"
#include "services/revenue_guard.h"
#include "services/service_fixture.h"
#include "services/telemetry.h"
#include "services/webhooks.h"

using namespace billwright;
using namespace billwright::testing;
using services::CustomerStatusChange;

namespace {

struct Fixture : InventoryFixture {
    services::SecretBox box = services::SecretBox::fromText(std::string(64, 'a')).value();
    services::RevenueGuard guard{*store, clock, telemetry, &box};

    Fixture() { actor = services::Actor{"key_admin", "tenant_admin", std::string("req_1")}; }

    // The clock moves a second before each creation and change, so ids sort in creation order.
    std::string customer(const std::string& name) {
        clock.advance(std::chrono::seconds{1});
        return inventory
            .createCustomer(actor, tenant,
                            [&](domain::Customer& c) {
                                c.name = name;
                                c.contact_email = "c@example.com";
                            })
            .value()
            .id;
    }

    std::string unit(const std::string& serial, const std::optional<std::string>& owner,
                     domain::EquipmentStatus status = domain::EquipmentStatus::kOnline) {
        return createUnit(serial, [&](domain::Equipment& e) {
            e.owner_customer_id = owner;
            e.status = status;
        });
    }

    core::Result<domain::Customer> change(const std::string& id, CustomerStatusChange c,
                                          std::optional<std::string> reason = std::nullopt) {
        clock.advance(std::chrono::seconds{1});
        return guard.change(actor, tenant, id, c, reason);
    }

    std::vector<storage::CustomerStatusEvent> events(const std::string& id) {
        return guard.statusEvents(tenant, id, storage::PageRequest{100, std::nullopt})
            .value()
            .items;
    }

    std::vector<storage::OutboxMessage> outbox() {
        return store
            ->read([&](storage::UnitOfWork& uow) {
                return core::Result<std::vector<storage::OutboxMessage>>(
                    uow.outbox().listForTenant(tenant));
            })
            .value();
    }

    std::size_t audited(const std::string& action) {
        std::size_t n = 0;
        for (const auto& e : services::listAuditEvents(*store, tenant, {100, std::nullopt}))
            n += e.action == action ? 1U : 0U;
        return n;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(revenue_guard)

BOOST_AUTO_TEST_CASE(the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body) {
    // The vector of docs/revenue-guard.md, computed independently (Python's hmac module).
    BOOST_CHECK_EQUAL(
        services::webhookSignature("whsec_test_0123456789abcdef", 1767225600, R"({"id":"evt_1"})"),
        "t=1767225600,v1=50d238772cd07599b5d9521b8d6c607f1561e7611f3a5d2947112c140f1bd4d1");
    // Another timestamp or body signs differently.
    BOOST_CHECK_NE(
        services::webhookSignature("whsec_test_0123456789abcdef", 1767225601, R"({"id":"evt_1"})"),
        services::webhookSignature("whsec_test_0123456789abcdef", 1767225600, R"({"id":"evt_1"})"));
}

BOOST_AUTO_TEST_CASE(the_event_body_has_its_members_in_the_documented_order) {
    services::WebhookEvent e;
    e.id = "evt_1";
    e.type = "customer.pool_redirect.activated";
    e.created_at = core::SysSeconds{std::chrono::seconds{1767225600}};
    e.tenant_id = "ten_1";
    e.data.set("customer_id", core::JsonValue::string("cus_1"));
    BOOST_CHECK_EQUAL(services::webhookBody(e),
                      R"({"id":"evt_1","type":"customer.pool_redirect.activated",)"
                      R"("created_at":"2026-01-01T00:00:00Z","tenant_id":"ten_1",)"
                      R"("data":{"customer_id":"cus_1"}})");
}

BOOST_AUTO_TEST_CASE(webhook_urls_are_https_or_plain_http_to_a_loopback_host) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"https://mm.example.com/hooks?x=1", ""},
        {"https://mm.example.com:8443", ""},
        {"http://127.0.0.1:8080/hook", ""},
        {"http://localhost/hook", ""},
        {"http://[::1]:9/hook", ""},
        {"http://mm.example.com/hook", "https_required"},
        {"http://127.0.0.1.example.com/hook", "https_required"},
        {"http://128.0.0.1/hook", "https_required"},
        {"ftp://mm.example.com/", "invalid_url"},
        {"mm.example.com/hook", "invalid_url"},
        {"https:///hook", "invalid_url"},
        {"https://user:pw@mm.example.com/", "invalid_url"},
        {"https://mm.example.com:0/", "invalid_url"},
        {"https://mm.example.com:99999/", "invalid_url"},
        {"https://mm.example.com/a b", "invalid_url"},
        {"https://mm.example.com/#frag", "invalid_url"},
        {"", "out_of_range"},
        {"https://mm.example.com/" + std::string(2000, 'a'), "out_of_range"},
    };
    for (const auto& [url, code] : cases) {
        BOOST_TEST_CONTEXT(url) {
            const auto s = services::checkWebhookUrl(url, "webhook_url");
            BOOST_CHECK_EQUAL(s.ok() ? std::string() : s.error().fields.at(0).code, code);
        }
    }
    BOOST_CHECK(services::checkWebhookSecret(services::newWebhookSecret(), "s").ok());
    BOOST_CHECK(!services::checkWebhookSecret("short", "s").ok());
    BOOST_CHECK(!services::checkWebhookSecret("has a space in it here", "s").ok());
}

BOOST_FIXTURE_TEST_CASE(default_set_and_clear_are_recorded_once_each_and_repeats_change_nothing,
                        Fixture) {
    const std::string id = customer("Ada");
    const auto refused = change(id, CustomerStatusChange::kSetDefault);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().fields.at(0).field, "reason");
    BOOST_CHECK(events(id).empty());
    BOOST_CHECK(!change("cus_nope", CustomerStatusChange::kSetDefault, "x").ok());

    const auto set = change(id, CustomerStatusChange::kSetDefault, "unpaid since March");
    BOOST_REQUIRE(set.ok());
    BOOST_CHECK(set->in_default);
    BOOST_CHECK(set->default_since == clock.nowSeconds());
    const auto repeat = change(id, CustomerStatusChange::kSetDefault, "something else");
    BOOST_REQUIRE(repeat.ok());
    BOOST_CHECK_EQUAL(repeat->default_reason.value_or(""), "unpaid since March");
    BOOST_CHECK(repeat->updated_at == set->updated_at);

    const auto cleared = change(id, CustomerStatusChange::kClearDefault, "paid");
    BOOST_REQUIRE(cleared.ok());
    BOOST_CHECK(!cleared->in_default);
    BOOST_CHECK(!cleared->default_reason && !cleared->default_since);
    BOOST_REQUIRE(change(id, CustomerStatusChange::kClearDefault).ok());

    const auto history = events(id);
    BOOST_REQUIRE_EQUAL(history.size(), 2U);
    BOOST_CHECK_EQUAL(history[0].kind, "default_cleared");
    BOOST_CHECK_EQUAL(history[0].reason.value_or(""), "paid");
    BOOST_CHECK_EQUAL(history[1].kind, "default_set");
    BOOST_CHECK_EQUAL(history[1].actor, "key_admin");
    BOOST_CHECK_EQUAL(history[1].actor_role, "tenant_admin");
    BOOST_CHECK_EQUAL(audited("customer.default_set"), 1U);
    BOOST_CHECK_EQUAL(audited("customer.default_cleared"), 1U);
    BOOST_CHECK(outbox().empty());  // default changes send no webhook
}

BOOST_FIXTURE_TEST_CASE(inventory_edits_refuse_to_change_the_status_and_name_the_field, Fixture) {
    const std::string id = customer("Ada");
    const auto patched = inventory.updateCustomer(actor, tenant, id, [](domain::Customer& c) {
        c.pool_redirect = true;
        c.name = "Changed";
    });
    BOOST_REQUIRE(!patched.ok());
    BOOST_CHECK_EQUAL(patched.error().fields.at(0).field, "pool_redirect");
    BOOST_CHECK_EQUAL(patched.error().fields.at(0).code, "use_endpoint");
    BOOST_CHECK_EQUAL(inventory.getCustomer(tenant, id).value().name, "Ada");
    const auto created = inventory.createCustomer(actor, tenant, [](domain::Customer& c) {
        c.name = "Bob";
        c.contact_email = "b@example.com";
        c.in_default = true;
        c.default_reason = "unpaid";
    });
    BOOST_REQUIRE(!created.ok());
    BOOST_CHECK_EQUAL(created.error().fields.at(0).field, "in_default");
    // A reason sent for a customer not in default is dropped, as before.
    BOOST_CHECK(inventory
                    .updateCustomer(actor, tenant, id,
                                    [](domain::Customer& c) { c.default_reason = "ignored"; })
                    .ok());
}

BOOST_FIXTURE_TEST_CASE(a_redirect_change_queues_one_signed_event_with_the_customers_units,
                        Fixture) {
    const std::string ada = customer("Ada");
    const std::string bob = customer("Bob");
    const std::string owned = unit("SN-1", ada);
    unit("SN-2", ada, domain::EquipmentStatus::kRetired);
    unit("SN-3", bob);
    unit("SN-4", std::nullopt);

    // Without a URL: recorded, and the event kept as failed with the reason.
    BOOST_REQUIRE(change(ada, CustomerStatusChange::kRedirectOn, "unpaid").ok());
    auto messages = outbox();
    BOOST_REQUIRE_EQUAL(messages.size(), 1U);
    BOOST_CHECK_EQUAL(messages[0].channel, "webhook");
    BOOST_CHECK_EQUAL(messages[0].status, "failed");
    BOOST_CHECK(messages[0].last_error.value_or("").find("no webhook URL") != std::string::npos);
    BOOST_CHECK_EQUAL(messages[0].object_id.value_or(""), ada);
    const auto body = core::parseJson(messages[0].body).value();
    BOOST_CHECK_EQUAL(body.find("id")->asString(), messages[0].subject);
    BOOST_CHECK_EQUAL(body.find("type")->asString(), "customer.pool_redirect.activated");
    const auto& units = body.find("data")->find("equipment")->items();
    BOOST_REQUIRE_EQUAL(units.size(), 1U);
    BOOST_CHECK_EQUAL(units[0].find("id")->asString(), owned);
    BOOST_CHECK_EQUAL(units[0].find("serial_number")->asString(), "SN-1");
    BOOST_CHECK_EQUAL(body.find("data")->find("actor")->asString(), "key_admin");
    BOOST_CHECK_EQUAL(events(ada).at(0).webhook_event_id.value_or(""), messages[0].subject);

    // With a URL: pending; a repeat queues nothing; off queues the reverse event.
    services::RevenueGuardSettingsEdit edit;
    edit.webhook_url = "https://mm.example.com/hook";
    const auto view = guard.updateSettings(actor, tenant, edit);
    BOOST_REQUIRE(view.ok());
    BOOST_REQUIRE(view->generated_secret.has_value());
    const auto endpoint = guard.webhookEndpoint(tenant);
    BOOST_REQUIRE(endpoint.ok());
    BOOST_CHECK_EQUAL(endpoint->secret, *view->generated_secret);
    BOOST_CHECK_EQUAL(endpoint->url, "https://mm.example.com/hook");
    BOOST_REQUIRE(change(ada, CustomerStatusChange::kRedirectOn).ok());
    BOOST_REQUIRE(change(ada, CustomerStatusChange::kRedirectOff).ok());
    messages = outbox();
    BOOST_REQUIRE_EQUAL(messages.size(), 2U);
    BOOST_CHECK_EQUAL(messages[1].kind, "customer.pool_redirect.deactivated");
    BOOST_CHECK_EQUAL(messages[1].status, "pending");
    BOOST_CHECK_EQUAL(messages[1].dedupe_key, "webhook:" + messages[1].subject);
    BOOST_CHECK_EQUAL(audited("customer.pool_redirect_activated"), 1U);
    BOOST_CHECK_EQUAL(audited("customer.pool_redirect_deactivated"), 1U);

    // The secret is kept when the URL changes without one, and never shown again.
    edit.webhook_url = "https://mm2.example.com/hook";
    const auto moved = guard.updateSettings(actor, tenant, edit);
    BOOST_REQUIRE(moved.ok());
    BOOST_CHECK(!moved->generated_secret.has_value());
    BOOST_CHECK_EQUAL(guard.webhookEndpoint(tenant)->secret, *view->generated_secret);
    BOOST_CHECK(core::toJson(services::toJson(*moved)).find("whsec_") == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(the_summary_counts_live_customers_of_the_tenant_only, Fixture) {
    const std::string ada = customer("Ada");
    const std::string bob = customer("Bob");
    customer("Cid");
    BOOST_REQUIRE(change(ada, CustomerStatusChange::kSetDefault, "a").ok());
    BOOST_REQUIRE(change(bob, CustomerStatusChange::kSetDefault, "b").ok());
    BOOST_REQUIRE(change(bob, CustomerStatusChange::kRedirectOn).ok());
    const auto s = guard.summary(tenant, 3600);
    BOOST_CHECK_EQUAL(s.in_default_count, 2);
    BOOST_REQUIRE_EQUAL(s.in_default.items.size(), 2U);
    BOOST_CHECK_EQUAL(s.in_default.items[0].id, bob);
    BOOST_CHECK_EQUAL(s.redirects_active, 1);
    BOOST_CHECK(s.overdue.empty());
    BOOST_CHECK_EQUAL(s.uncontracted_count, 0);
    BOOST_CHECK_EQUAL(guard.summary("ten_other", 3600).in_default_count, 0);
}

BOOST_AUTO_TEST_SUITE_END()
