#include <boost/test/unit_test.hpp>

#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::PlatformInvoiceStatus;

namespace {

struct BillingFixture : StoreFixture {
    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::Actor actor{"key_test", "super", std::nullopt};

    std::string tenant(const std::string& zone = "America/New_York") {
        auto t =
            billing.createTenant(actor, {"Tenant", domain::TenantStatus::kActive, zone, "USD"});
        BOOST_REQUIRE(t.ok());
        return t->id;
    }

    void configure(const std::string& tenant_id, int day, bool auto_generate, bool notify = true,
                   domain::BillingFrequency frequency = domain::BillingFrequency::kMonthly) {
        domain::BillingConfig c;
        c.tenant_id = tenant_id;
        c.flat_rate_minor = 150000;
        c.currency = *domain::findCurrency("USD");
        c.billing_frequency = frequency;
        c.billing_email = "billing@tenant.example";
        c.auto_generate_invoices = auto_generate;
        c.billing_day_of_month = day;
        c.payment_due_days = 15;
        c.email_notifications = notify;
        BOOST_REQUIRE(billing.putBillingConfig(actor, c).ok());
    }

    std::vector<domain::PlatformInvoice> invoices(const std::string& tenant_id) {
        storage::PlatformInvoiceFilter f;
        f.tenant_id = tenant_id;
        f.page.limit = 100;
        return billing.listInvoices(f).value().items;
    }

    std::vector<storage::OutboxMessage> outbox(const std::string& tenant_id) {
        return store->read(
            [&](storage::UnitOfWork& uow) { return uow.outbox().listForTenant(tenant_id); });
    }

    std::vector<domain::AuditEvent> audit(const std::string& tenant_id) {
        return store->read([&](storage::UnitOfWork& uow) {
            return uow.audit().list(tenant_id, {100, std::nullopt});
        });
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(platform_billing, BillingFixture)

BOOST_AUTO_TEST_CASE(
    auto_generation_creates_the_invoice_on_the_billing_day_in_the_tenants_time_zone) {
    const auto t = tenant("America/New_York");
    configure(t, 15, true);
    setLocal("America/New_York", 2026, 3, 14, 23,
             30);  // 03:30Z on the 15th: still the 14th in New York
    BOOST_CHECK_EQUAL(billing.generateDueInvoices(*leases).processed, 0);
    BOOST_CHECK(invoices(t).empty());

    setLocal("America/New_York", 2026, 3, 15, 0, 5);
    BOOST_CHECK_EQUAL(billing.generateDueInvoices(*leases).processed, 1);
    const auto list = invoices(t);
    BOOST_REQUIRE_EQUAL(list.size(), 1U);
    BOOST_CHECK(list[0].period.start == ymd(2026, 3, 15));
    BOOST_CHECK(list[0].period.end == ymd(2026, 4, 15));
    BOOST_CHECK(list[0].issue_date == ymd(2026, 3, 15));
    BOOST_CHECK(list[0].due_date == ymd(2026, 3, 30));
    BOOST_CHECK_EQUAL(list[0].amount_minor, 150000);
    BOOST_CHECK(list[0].status == PlatformInvoiceStatus::kPendingPayment);

    // Running again, later that day or the next, changes nothing.
    clock.advance(std::chrono::hours(20));
    const auto again = billing.generateDueInvoices(*leases);
    BOOST_CHECK_EQUAL(again.processed, 0);
    BOOST_CHECK_EQUAL(invoices(t).size(), 1U);
    const auto events = audit(t);
    BOOST_CHECK_EQUAL(events[0].action, "platform_invoice.created");
    BOOST_CHECK_EQUAL(events[0].actor, "system:auto_generate_invoices");
}

BOOST_AUTO_TEST_CASE(auto_generation_uses_the_last_day_of_a_short_month_for_billing_day_31) {
    const auto t = tenant("UTC");
    configure(t, 31, true);
    setLocal("UTC", 2026, 2, 27, 12, 0);
    BOOST_CHECK_EQUAL(billing.generateDueInvoices(*leases).processed, 0);
    setLocal("UTC", 2026, 2, 28, 0, 1);
    BOOST_CHECK_EQUAL(billing.generateDueInvoices(*leases).processed, 1);
    const auto list = invoices(t);
    BOOST_REQUIRE_EQUAL(list.size(), 1U);
    BOOST_CHECK(list[0].period.start == ymd(2026, 2, 28));
    BOOST_CHECK(list[0].period.end == ymd(2026, 3, 31));
}

BOOST_AUTO_TEST_CASE(
    auto_generation_catches_up_after_downtime_but_not_long_after_the_period_began) {
    const auto t = tenant("UTC");
    configure(t, 1, true);
    setLocal("UTC", 2026, 3, 7, 9, 0);  // six days late: still generated
    BOOST_CHECK_EQUAL(billing.generateDueInvoices(*leases).processed, 1);
    const auto late = tenant("UTC");
    configure(late, 1, true);
    setLocal("UTC", 2026, 3, 20, 9, 0);  // switched on mid-period: waits for April
    const auto outcome = billing.generateDueInvoices(*leases);
    BOOST_CHECK(invoices(late).empty());
    BOOST_CHECK_GE(outcome.skipped, 1);
}

BOOST_AUTO_TEST_CASE(auto_generation_skips_tenants_with_it_switched_off_or_suspended) {
    const auto off = tenant("UTC");
    configure(off, 1, false);
    const auto suspended = tenant("UTC");
    configure(suspended, 1, true);
    services::TenantChanges change;
    change.status = domain::TenantStatus::kSuspended;
    BOOST_REQUIRE(billing.updateTenant(actor, suspended, change).ok());
    setLocal("UTC", 2026, 3, 1, 8, 0);
    billing.generateDueInvoices(*leases);
    BOOST_CHECK(invoices(off).empty());
    BOOST_CHECK(invoices(suspended).empty());
}

BOOST_AUTO_TEST_CASE(a_new_invoice_puts_one_email_in_the_outbox_when_notifications_are_on) {
    const auto on = tenant("UTC");
    configure(on, 1, false, true);
    const auto off = tenant("UTC");
    configure(off, 1, false, false);
    setLocal("UTC", 2026, 3, 2, 10, 0);
    BOOST_REQUIRE(billing.generateInvoice(actor, on, ymd(2026, 3, 1)).ok());
    BOOST_REQUIRE(
        billing.generateInvoice(actor, on, ymd(2026, 3, 1)).ok());  // repeated: no second mail
    BOOST_REQUIRE(billing.generateInvoice(actor, off, ymd(2026, 3, 1)).ok());
    const auto messages = outbox(on);
    BOOST_REQUIRE_EQUAL(messages.size(), 1U);
    BOOST_CHECK_EQUAL(messages[0].kind, "platform_invoice.issued");
    BOOST_CHECK_EQUAL(messages[0].recipient, "billing@tenant.example");
    BOOST_CHECK_EQUAL(messages[0].status, "pending");
    BOOST_CHECK(messages[0].body.find("1500.00 USD") != std::string::npos);
    BOOST_CHECK(outbox(off).empty());
}

BOOST_AUTO_TEST_CASE(the_overdue_sweep_moves_unpaid_invoices_past_their_due_date_once) {
    const auto t = tenant("Asia/Tokyo");
    configure(t, 1, false);
    setLocal("Asia/Tokyo", 2026, 3, 1, 9, 0);
    const auto inv = billing.generateInvoice(actor, t, ymd(2026, 3, 1)).value().invoice;
    BOOST_CHECK(inv.due_date == ymd(2026, 3, 16));

    setLocal("Asia/Tokyo", 2026, 3, 16, 23, 59);  // the due date itself: not overdue yet
    BOOST_CHECK_EQUAL(billing.sweepOverdue(*leases).processed, 0);
    setLocal("Asia/Tokyo", 2026, 3, 17, 0, 1);
    BOOST_CHECK_EQUAL(billing.sweepOverdue(*leases).processed, 1);
    BOOST_CHECK(billing.getInvoice(t, inv.id).value().status == PlatformInvoiceStatus::kOverdue);
    BOOST_CHECK_EQUAL(billing.sweepOverdue(*leases).processed, 0);

    const auto messages = outbox(t);
    BOOST_REQUIRE_EQUAL(messages.size(), 2U);
    BOOST_CHECK_EQUAL(messages[1].kind, "platform_invoice.overdue");
    const auto events = audit(t);
    BOOST_CHECK_EQUAL(events[0].action, "platform_invoice.overdue");
    BOOST_CHECK_EQUAL(events[0].actor, "system:overdue_sweep");
    BOOST_CHECK(events[0].before_json->find("\"pending_payment\"") != std::string::npos);
    BOOST_CHECK(events[0].after_json->find("\"overdue\"") != std::string::npos);

    // A failed attempt on an overdue invoice is recorded, and the invoice stays overdue.
    const auto failed = billing.recordFailure(
        actor, t, inv.id, {std::string("card declined"), std::nullopt, std::nullopt});
    BOOST_REQUIRE(failed.ok());
    BOOST_CHECK(failed->status == PlatformInvoiceStatus::kOverdue);
    BOOST_CHECK_EQUAL(failed->failed_attempts, 1);
    const auto paid = billing.recordPayment(
        actor, t, inv.id, {std::nullopt, std::string("W-1"), std::string("wire")});
    BOOST_REQUIRE(paid.ok());
    BOOST_CHECK(paid->status == PlatformInvoiceStatus::kPaid);
    BOOST_CHECK(*paid->paid_date == ymd(2026, 3, 17));
}

BOOST_AUTO_TEST_CASE(the_overdue_sweep_also_covers_failed_invoices_and_leaves_paid_ones) {
    const auto t = tenant("UTC");
    configure(t, 1, false, false);
    setLocal("UTC", 2026, 3, 1, 9, 0);
    const auto failed = billing.generateInvoice(actor, t, ymd(2026, 3, 1)).value().invoice;
    BOOST_REQUIRE(billing.recordFailure(actor, t, failed.id, {}).ok());
    const auto paid = billing.generateInvoice(actor, t, ymd(2026, 2, 1)).value().invoice;
    BOOST_REQUIRE(billing.recordPayment(actor, t, paid.id, {}).ok());
    setLocal("UTC", 2026, 4, 1, 0, 0);
    BOOST_CHECK_EQUAL(billing.sweepOverdue(*leases).processed, 1);
    BOOST_CHECK(billing.getInvoice(t, failed.id).value().status == PlatformInvoiceStatus::kOverdue);
    BOOST_CHECK(billing.getInvoice(t, paid.id).value().status == PlatformInvoiceStatus::kPaid);
    BOOST_CHECK(outbox(t).empty());  // notifications are off
}

BOOST_AUTO_TEST_CASE(
    monthly_revenue_counts_payments_received_this_month_in_the_platforms_time_zone) {
    services::PlatformBilling auckland{*store, clock, *plugin_host.service,
                                       core::TimeZone::load("Pacific/Auckland").value()};
    const auto t = tenant("UTC");
    configure(t, 1, false);
    setLocal("UTC", 2026, 3, 31, 11, 30);
    const auto march = billing.generateInvoice(actor, t, ymd(2026, 3, 1)).value().invoice;
    BOOST_REQUIRE(
        billing.recordPayment(actor, t, march.id, {ymd(2026, 3, 31), std::nullopt, std::nullopt})
            .ok());
    // 11:30 UTC on 31 March is 00:30 on 1 April in Auckland (UTC+13): the March payment is not this
    // month's.
    const auto nz = auckland.dashboard();
    BOOST_CHECK_EQUAL(nz.month, "2026-04");
    BOOST_CHECK(nz.monthly_revenue.empty());
    const auto utc = billing.dashboard();
    BOOST_CHECK_EQUAL(utc.month, "2026-03");
    BOOST_REQUIRE_EQUAL(utc.monthly_revenue.size(), 1U);
    BOOST_CHECK_EQUAL(utc.monthly_revenue[0].amount_minor, 150000);
    BOOST_CHECK_EQUAL(std::string(utc.monthly_revenue[0].currency.code), "USD");
}

BOOST_AUTO_TEST_CASE(an_empty_patch_changes_nothing_and_writes_no_audit_event) {
    const auto t = tenant("UTC");
    const auto before = audit(t).size();
    clock.advance(std::chrono::hours(1));
    const auto same = billing.updateTenant(actor, t, {});
    BOOST_REQUIRE(same.ok());
    BOOST_CHECK(same->updated_at == same->created_at);
    BOOST_CHECK_EQUAL(audit(t).size(), before);
}

BOOST_AUTO_TEST_SUITE_END()
