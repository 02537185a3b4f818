#pragma once

// A tenant with customers, equipment, contracts and telemetry on a real SQLite database with
// the real first-party plugins, and the invoice engine over it (services::Invoicing and
// services::InvoiceRuns), for the invoicing and invoice-run tests.
//
// Units are 100 TH/s, so a W-watt unit has W / 100 J/TH and a sample of 100 TH/s held one hour
// is W Wh. The chain holds a hashrate sample for at most one hour, so a sample sent on the hour
// covers exactly that hour.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "domain/invoice.h"
#include "services/contracts.h"
#include "services/inventory.h"
#include "services/invoice_runs.h"
#include "services/invoicing.h"
#include "services/scripts.h"
#include "services/service_fixture.h"
#include "services/telemetry.h"
#include "services/usage_chain.h"

namespace billwright::testing {

struct InvoicingFixture : StoreFixture {
    static constexpr std::int64_t kHold = 3600;
    static constexpr std::int64_t kRate = 65000;  // 0.065 USD per kWh

    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::Inventory inventory{*store, clock};
    services::Contracts contracts{*store, clock};
    services::Telemetry telemetry{*store, clock, services::TelemetryOptions{}};
    services::BillingChain chain{*store, *plugin_host.service, kHold};
    core::Metrics metrics;
    services::Scripts scripts{*store, clock, metrics, services::ScriptDefaults{}};
    services::Invoicing invoicing{*store, clock, chain, &scripts};
    services::Actor actor = services::Actor::system("test");
    std::string tenant;
    int serial = 0;

    InvoicingFixture() {
        tenant =
            billing.createTenant(actor, {"Tenant", domain::TenantStatus::kActive, "UTC", "USD"})
                .value()
                .id;
    }

    void at(core::Date day, int hour = 0) {
        clock.set(std::chrono::sys_days{day} + std::chrono::hours{hour});
    }

    void settings(const std::function<void(domain::TenantBillingSettings&)>& edit) {
        auto s = inventory.updateSettings(actor, tenant, edit);
        BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().detail));
    }

    std::string customer(const std::string& name = "Ada Miner") {
        auto c = inventory.createCustomer(actor, tenant, [&](domain::Customer& x) {
            x.name = name;
            x.contact_email = "ada@example.com";
        });
        BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().detail));
        return c->id;
    }

    std::string site(const std::string& name) {
        auto s = inventory.createSite(actor, tenant, [&](domain::Site& x) { x.name = name; });
        BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().detail));
        return s->id;
    }

    // A `watts` unit of 100 TH/s owned by `owner` ("" = the tenant's inventory).
    std::string unit(std::int64_t watts, const std::string& owner,
                     const std::optional<std::string>& site_id = std::nullopt) {
        const std::string sn = "SN-" + std::to_string(++serial);
        auto created = inventory.createEquipment(actor, tenant, [&](domain::Equipment& e) {
            e.serial_number = sn;
            e.model = "S19";
            e.hashrate_mth = 100000;
            e.power_mw = watts * 1000;
            if (!owner.empty()) e.owner_customer_id = owner;
            e.site_id = site_id;
        });
        BOOST_REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().detail));
        return created->id;
    }

    // An active contract of `type`; Hosted and Lease get `units`, O&M `sites`.
    std::string contract(const std::string& cus, domain::ContractType type,
                         const std::vector<std::string>& units, const services::ContractEdit& edit,
                         const std::vector<std::string>& sites = {}) {
        auto v = contracts.create(
            actor, tenant, cus,
            [&](domain::Contract& c) {
                c.type = type;
                if (type == domain::ContractType::kHosted || type == domain::ContractType::kLease)
                    c.rate_micro = kRate;
                c.term = {domain::TermKind::kOneYear, 0};
                if (edit) edit(c);
            },
            false);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        if (!units.empty()) {
            auto assigned = contracts.assignEquipment(actor, tenant, v->contract.id, units);
            BOOST_REQUIRE_MESSAGE(assigned.ok(), (assigned.ok() ? "" : assigned.error().detail));
        }
        if (!sites.empty()) {
            auto assigned = contracts.assignSites(actor, tenant, v->contract.id, sites);
            BOOST_REQUIRE_MESSAGE(assigned.ok(), (assigned.ok() ? "" : assigned.error().detail));
        }
        auto active = contracts.activate(actor, tenant, v->contract.id);
        BOOST_REQUIRE_MESSAGE(active.ok(), (active.ok() ? "" : active.error().detail));
        return v->contract.id;
    }

    // A Hosted contract over one day, `day`, billed by `methods`.
    std::string oneDay(const std::string& cus, const std::vector<std::string>& units,
                       core::Date day, std::vector<std::string> methods,
                       const services::ContractEdit& more = {}) {
        return contract(cus, domain::ContractType::kHosted, units, [&](domain::Contract& c) {
            c.billing_methods = methods;
            c.start_date = day;
            c.term = {domain::TermKind::kCustom, 1};
            if (more) more(c);
        });
    }

    // A new customer with one 3,000 W unit online from 00:00 on 30 April 2026 under a one-day
    // contract billed "calculated" (72,000 Wh: 4.68 at the fixture's rate); the clock is then
    // on 2 May, so April can be invoiced.
    struct OnlineDay {
        std::string customer;
        std::string unit;
        core::Date day;
    };
    OnlineDay onlineDay() {
        OnlineDay d{customer(), "", core::Date{std::chrono::year{2026} / 4 / 30}};
        d.unit = unit(3000, d.customer);
        oneDay(d.customer, {d.unit}, d.day, {"calculated"});
        at(core::Date{std::chrono::year{2026} / 5 / 2});
        ingest(row("status", d.unit, ts(d.day, 0), "online"));
        return d;
    }

    // <day> <hour>:00 UTC in Unix seconds (hour may run past 23).
    static std::int64_t ts(core::Date day, int hour) {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   (std::chrono::sys_days{day} + std::chrono::hours{hour}).time_since_epoch())
            .count();
    }

    static std::string row(const std::string& kind, const std::string& id, std::int64_t t,
                           const std::string& value) {
        return R"({"kind":")" + kind + R"(","equipment_id":")" + id + R"(","ts":)" +
               std::to_string(t) + R"(,"value":")" + value + "\"}\n";
    }

    // "1234.567" from thousandths.
    static std::string milli(std::int64_t v) {
        std::string frac = std::to_string(v % 1000);
        return std::to_string(v / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
    }

    // Counter readings on the hour from `day` 00:00 + first: start_wh, then + each step.
    static std::string counter(const std::string& id, core::Date day, int first,
                               std::int64_t start_wh, const std::vector<std::int64_t>& steps) {
        std::string body = row("energy", id, ts(day, first), milli(start_wh));
        std::int64_t v = start_wh;
        for (std::size_t i = 0; i < steps.size(); ++i) {
            v += steps[i];
            body += row("energy", id, ts(day, first + static_cast<int>(i) + 1), milli(v));
        }
        return body;
    }

    // `hours` equal steps of `step_wh`.
    static std::string steady(const std::string& id, core::Date day, int first, int hours,
                              std::int64_t start_wh, std::int64_t step_wh) {
        return counter(id, day, first, start_wh,
                       std::vector<std::int64_t>(static_cast<std::size_t>(hours), step_wh));
    }

    void ingest(const std::string& body) {
        auto r = telemetry.ingest(actor, tenant, body, domain::TelemetryFormat::kNdjson);
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
        BOOST_REQUIRE_MESSAGE(r->rejected.empty(),
                              (r->rejected.empty() ? std::string() : r->rejected[0].code));
        BOOST_REQUIRE_EQUAL(r->stored, r->received);
    }

    services::Generated generate(const std::string& cus, core::Date period_start,
                                 services::IssueIntent intent = services::IssueIntent::kDraft) {
        services::GenerateRequest req;
        req.customer_id = cus;
        req.period_start = period_start;
        req.intent = intent;
        auto g = invoicing.generate(actor, tenant, req);
        BOOST_REQUIRE_MESSAGE(g.ok(), (g.ok() ? "" : g.error().detail));
        return *g;
    }

    // The invoice as stored, after checking that every line's amount is what its stored
    // inputs give, each line's tax what its amount gives, and the totals the sums.
    domain::Invoice stored(const std::string& id) {
        auto inv = invoicing.get(tenant, id);
        BOOST_REQUIRE_MESSAGE(inv.ok(), (inv.ok() ? "" : inv.error().detail));
        checkRecomputable(*inv);
        return *inv;
    }

    static void checkRecomputable(const domain::Invoice& inv) {
        std::int64_t subtotal = 0;
        std::int64_t discount = 0;
        std::int64_t tax = 0;
        for (const auto& l : inv.lines) {
            BOOST_TEST_CONTEXT("line " << l.position << " " << l.description) {
                const auto amount = domain::lineAmount(l, inv.currency);
                BOOST_REQUIRE(amount.has_value());
                BOOST_CHECK_EQUAL(*amount, l.amount_minor);
                const std::int64_t t =
                    l.taxable && inv.tax_rate_milli_pct > 0
                        ? *domain::lineTax(l.amount_minor, inv.tax_rate_milli_pct, inv.tax_display)
                        : 0;
                BOOST_CHECK_EQUAL(l.tax_minor, t);
            }
            (l.kind == domain::LineKind::kDiscount ? discount : subtotal) += l.amount_minor;
            tax += l.tax_minor;
        }
        BOOST_CHECK_EQUAL(inv.subtotal_minor, subtotal);
        BOOST_CHECK_EQUAL(inv.discount_minor, discount);
        BOOST_CHECK_EQUAL(inv.tax_minor, tax);
        const std::int64_t total =
            subtotal + discount + (inv.tax_display == domain::TaxDisplay::kExclusive ? tax : 0);
        BOOST_CHECK_EQUAL(inv.total_minor, total);
        BOOST_CHECK_EQUAL(inv.amount_due_minor,
                          total - inv.credit_applied_minor - inv.amount_paid_minor);
    }

    static const domain::InvoiceLine& lineOf(const domain::Invoice& inv, domain::LineKind kind,
                                             const std::string& method = "") {
        for (const auto& l : inv.lines) {
            if (l.kind == kind && (method.empty() || l.method.value_or("") == method)) return l;
        }
        BOOST_FAIL("no " << domain::lineKindName(kind) << " line " << method);
        return inv.lines.front();
    }

    static const domain::InvoiceContractSummary& summaryOf(const domain::Invoice& inv,
                                                           const std::string& contract_id) {
        for (const auto& s : inv.contracts) {
            if (s.contract_id == contract_id) return s;
        }
        BOOST_FAIL("no summary of " << contract_id);
        return inv.contracts.front();
    }

    std::int64_t ledgerBalance(const std::string& cus) {
        return store
            ->read([&](storage::UnitOfWork& uow) {
                return core::Result<std::int64_t>(uow.creditLedger().balance(tenant, cus));
            })
            .value();
    }

    std::int64_t balance(const std::string& cus) {
        return inventory.getCustomer(tenant, cus).value().credit_balance_minor;
    }
};

}  // namespace billwright::testing
