#pragma once

// services::Payments over InvoicingFixture's tenant, with a plugin host that loads the real
// first-party processors and holds a master key (their API keys are secrets). Tests add the
// fake providers they need and keep them in step with the ManualClock (keepInStep), so webhook
// signatures are fresh when the test says so. Provider-specific setup stays in each test file.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/random.h"
#include "fakes/fake_server.h"
#include "services/invoicing_fixture.h"
#include "services/payments.h"

namespace billwright::testing {

struct PaymentsFixture : InvoicingFixture {
    static constexpr const char* kMasterKey =
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    std::unique_ptr<PluginHost> host;
    std::unique_ptr<services::Payments> payments;
    std::string customer_id;
    std::vector<fakes::FakeServer*> fakes_in_step;

    PaymentsFixture() {
        at(ymd(2026, 11, 2), 9);
        host = std::make_unique<PluginHost>(*store, clock,
                                            services::SecretBox::fromText(kMasterKey).value());
        payments = std::make_unique<services::Payments>(*store, clock, *host->service, host->log,
                                                        host->metrics);
        customer_id = customer();
    }

    static std::int64_t unixOf(core::SysSeconds t) { return t.time_since_epoch().count(); }

    // The fake's clock follows the ManualClock from now on.
    void keepInStep(fakes::FakeServer& fake) {
        fakes_in_step.push_back(&fake);
        fake.setNow(unixOf(clock.nowSeconds()));
    }
    void syncFakes() {
        for (auto* fake : fakes_in_step) fake->setNow(unixOf(clock.nowSeconds()));
    }
    void advanceDays(int days) {
        clock.set(clock.nowSeconds() + std::chrono::days{days});
        syncFakes();
    }

    // The tenant's configuration of `plugin_id` (PUT /v1/plugins/{id}/config), which may reach
    // 127.0.0.1 where the fakes listen.
    void configurePlugin(const std::string& plugin_id, const core::JsonValue& body) {
        host->env.http_allowlist[plugin_id] = {"127.0.0.1"};
        auto r = host->service->putConfig(actor, tenant, plugin_id, body);
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().detail));
    }

    // A one-line draft of `amount_minor` for `owner` in `tenant_id` from `period_start` (30
    // days), written straight into the store as the engine would; `id_time` seeds its id.
    std::string insertDraft(const std::string& tenant_id, const std::string& owner,
                            std::int64_t amount_minor, core::Date period_start,
                            std::int64_t id_time) {
        domain::Invoice inv;
        inv.id = core::newId("inv", id_time);
        inv.tenant_id = tenant_id;
        inv.customer_id = owner;
        inv.period.start = period_start;
        inv.period.end = core::addDays(inv.period.start, 30);
        inv.due_days = 15;
        inv.created_at = inv.updated_at = clock.nowSeconds();
        domain::InvoiceLine line;
        line.id = core::newId("inl", serial);
        line.position = 1;
        line.kind = domain::LineKind::kAdjustment;
        line.description = "Hosting";
        line.amount_minor = amount_minor;
        line.taxable = false;
        inv.lines.push_back(line);
        BOOST_REQUIRE(domain::computeTotals(inv).ok());
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.invoices().insert(inv);
            return true;
        });
        return inv.id;
    }

    // A draft of `amount_minor` (insertDraft), then issued through Invoicing (which schedules
    // auto-pay).
    std::string issuedInvoice(std::int64_t amount_minor, const std::string& cus = "") {
        const std::string owner = cus.empty() ? customer_id : cus;
        ++serial;
        const std::string id =
            insertDraft(tenant, owner, amount_minor, core::addDays(ymd(2026, 10, 1), serial * 40),
                        unixOf(clock.nowSeconds()) * 1000 + serial);
        services::StatusChange issue;
        issue.target = domain::InvoiceStatus::kIssued;
        issue.send_email = false;
        auto issued = invoicing.changeStatus(actor, tenant, id, issue);
        BOOST_REQUIRE_MESSAGE(issued.ok(), (issued.ok() ? "" : issued.error().detail));
        return id;
    }

    domain::Invoice invoice(const std::string& id) { return invoicing.get(tenant, id).value(); }

    domain::Payment payment(const std::string& id) { return payments->get(tenant, id).value(); }

    static std::string describe(const core::Error& e) {
        return e.detail +
               (e.fields.empty() ? "" : ": " + e.fields[0].field + " " + e.fields[0].message);
    }

    domain::Payment pay(const std::string& invoice_id, const services::PayRequest& request) {
        auto p = payments->pay(actor, tenant, invoice_id, request);
        BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : describe(p.error())));
        return *p;
    }

    // Charges a method on file.
    domain::Payment pay(const std::string& invoice_id, const std::string& method_id,
                        const std::string& return_url = "") {
        services::PayRequest r;
        r.method_id = method_id;
        r.return_url = return_url;
        return pay(invoice_id, r);
    }

    // A provider's delivery to POST /v1/webhooks/{tenant}/{plugin_id}.
    core::Result<services::WebhookOutcome> deliverTo(const std::string& plugin_id,
                                                     const fakes::WebhookDelivery& d) {
        std::string headers;
        for (const auto& [name, value] : d.headers) headers += name + ": " + value + "\r\n";
        return payments->webhook(tenant, plugin_id, headers, d.body);
    }

    void enableAutoPay(const std::string& timing, std::vector<int> retry_days = {1, 3, 5, 7}) {
        settings([&](domain::TenantBillingSettings& s) {
            s.auto_pay_timing = timing;
            s.payment_retry_days = std::move(retry_days);
        });
        auto c = inventory.updateCustomer(actor, tenant, customer_id,
                                          [](domain::Customer& x) { x.auto_pay = true; });
        BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().detail));
    }

    domain::Customer customerNow() {
        return store->read(
            [&](storage::UnitOfWork& uow) { return *uow.customers().find(tenant, customer_id); });
    }

    // The credit balance and the sum of the ledger, which must agree.
    void checkLedger() {
        const auto c = customerNow();
        const auto sum = store->read([&](storage::UnitOfWork& uow) {
            return uow.creditLedger().balance(tenant, customer_id);
        });
        BOOST_TEST(c.credit_balance_minor == sum);
    }
};

}  // namespace billwright::testing
