// Invoice runs (services::InvoiceRuns) with a ManualClock: a run killed mid-way and taken over
// once its lease expires, two runs of one period, a preview run, and the scheduler's start of
// runs on the billing day. Each of the customers has a one-day calculated contract on
// 2026-04-30 (3,000 W all day: 72,000 Wh; 72 x 0.065 = 4.68 -> 468 cents).

#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "services/invoicing_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::InvoiceStatus;
using storage::RunStatus;

namespace {

services::RunWorkerOptions node(const std::string& name, int threads = 1) {
    services::RunWorkerOptions o;
    o.node_id = name;
    o.lease_seconds = 60;
    o.threads = threads;
    return o;
}

struct RunsFixture : InvoicingFixture {
    std::vector<std::string> customers;
    const core::Date day = ymd(2026, 4, 30);

    explicit RunsFixture(int n = 5) {
        std::string body;
        for (int i = 0; i < n; ++i) {
            const auto cus = customer("C" + std::to_string(i));
            const auto u = unit(3000, cus);
            oneDay(cus, {u}, day, {"calculated"});
            customers.push_back(cus);
            body += row("status", u, ts(day, 0), "online");
        }
        at(ymd(2026, 5, 2));
        ingest(body);
    }

    services::RunView create(services::InvoiceRuns& runs, const services::RunRequest& req) {
        auto v = runs.create(actor, tenant, req);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        return *v;
    }

    services::RunView view(services::InvoiceRuns& runs, const std::string& id) {
        auto v = runs.get(tenant, id);
        BOOST_REQUIRE(v.ok());
        return *v;
    }

    static std::int64_t count(const services::RunView& v, const std::string& status) {
        const auto it = v.counts.find(status);
        return it == v.counts.end() ? 0 : it->second;
    }

    // Every invoice of the April period (cancelled ones too), by customer.
    std::map<std::string, std::vector<domain::Invoice>> aprilInvoices() {
        services::InvoiceListFilter f;
        f.filter.period_start = ymd(2026, 4, 1);
        f.page.limit = 100;
        std::map<std::string, std::vector<domain::Invoice>> out;
        for (const auto& inv : invoicing.list(tenant, f).items) out[inv.customer_id].push_back(inv);
        return out;
    }

    void checkOneInvoiceEach(InvoiceStatus status) {
        const auto all = aprilInvoices();
        BOOST_CHECK_EQUAL(all.size(), customers.size());
        for (const auto& cus : customers) {
            const auto it = all.find(cus);
            BOOST_REQUIRE(it != all.end());
            BOOST_REQUIRE_EQUAL(it->second.size(), 1U);
            BOOST_CHECK(it->second[0].status == status);
            BOOST_CHECK_EQUAL(it->second[0].total_minor, 468);
        }
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(invoice_runs, RunsFixture)

// Node A processes 2 of the 5 customers and dies holding the lease. Node B cannot take the run
// until the lease expires (60 s), then finishes it: 5 invoices, one per customer.
BOOST_AUTO_TEST_CASE(a_run_killed_mid_way_is_finished_by_another_node_without_doubles) {
    services::InvoiceRuns a(*store, clock, invoicing, node("A"));
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto run = create(a, req);
    BOOST_CHECK(run.run.status == RunStatus::kQueued);
    BOOST_CHECK_EQUAL(run.total, 5);
    BOOST_CHECK_EQUAL(count(run, "pending"), 5);

    BOOST_CHECK(a.workOnce(2));
    auto mid = view(a, run.run.id);
    BOOST_CHECK(mid.run.status == RunStatus::kRunning);
    BOOST_CHECK_EQUAL(count(mid, "created"), 2);
    BOOST_CHECK_EQUAL(count(mid, "pending"), 3);
    BOOST_CHECK_EQUAL(mid.run.lease_owner.value_or(""), "A");
    BOOST_CHECK_EQUAL(aprilInvoices().size(), 2U);

    // A's lease still holds: B finds nothing to do.
    clock.advance(std::chrono::seconds{30});
    BOOST_CHECK(!b.workOnce());
    BOOST_CHECK_EQUAL(count(view(b, run.run.id), "pending"), 3);

    // Expired: B takes over and finishes.
    clock.advance(std::chrono::seconds{31});
    BOOST_CHECK(b.workOnce());
    const auto done = view(b, run.run.id);
    BOOST_CHECK(done.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(done.total, 5);
    BOOST_CHECK_EQUAL(count(done, "created"), 5);
    BOOST_CHECK_EQUAL(count(done, "pending"), 0);
    BOOST_CHECK_EQUAL(count(done, "failed"), 0);
    BOOST_CHECK(!done.run.lease_owner.has_value());
    checkOneInvoiceEach(InvoiceStatus::kDraft);  // the tenant does not auto-send
    for (const auto& [cus, invs] : aprilInvoices())
        BOOST_CHECK_EQUAL(invs[0].run_id.value_or(""), run.run.id);

    // A wakes up: nothing left to claim.
    BOOST_CHECK(!a.workOnce());
}

// A second run of the same period skips every customer: one invoice each.
BOOST_AUTO_TEST_CASE(two_runs_of_one_period_make_one_invoice_per_customer) {
    settings([](domain::TenantBillingSettings& s) { s.auto_send = true; });
    services::InvoiceRuns runs(*store, clock, invoicing, node("A", 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto first = create(runs, req);
    BOOST_CHECK(first.run.auto_send);
    const auto second = create(runs, req);
    BOOST_CHECK(runs.workOnce());
    BOOST_CHECK(runs.workOnce());
    BOOST_CHECK(!runs.workOnce());
    const auto v1 = view(runs, first.run.id);
    const auto v2 = view(runs, second.run.id);
    BOOST_CHECK(v1.run.status == RunStatus::kCompleted);
    BOOST_CHECK(v2.run.status == RunStatus::kCompleted);
    // Both were queued at the same moment, so either may be claimed first: that one creates
    // the invoices and the other skips every customer, naming the invoice it found.
    const bool first_won = count(v1, "created") > 0;
    const auto& winner = first_won ? v1 : v2;
    const auto& loser = first_won ? v2 : v1;
    BOOST_CHECK_EQUAL(count(winner, "created"), 5);
    BOOST_CHECK_EQUAL(count(loser, "skipped"), 5);
    BOOST_CHECK_EQUAL(count(loser, "created"), 0);
    BOOST_CHECK_EQUAL(count(winner, "pending") + count(loser, "pending"), 0);
    for (const auto& [cus, invs] : aprilInvoices())
        BOOST_CHECK_EQUAL(invs[0].run_id.value_or(""), winner.run.id);
    checkOneInvoiceEach(InvoiceStatus::kIssued);
    // Issued invoices carry distinct numbers 1..5 of the year.
    std::set<std::string> numbers;
    for (const auto& [cus, invs] : aprilInvoices()) numbers.insert(invs[0].invoice_number.value());
    BOOST_CHECK_EQUAL(numbers.size(), 5U);
    BOOST_CHECK_EQUAL(*numbers.begin(), "INV-2026-000001");
    BOOST_CHECK_EQUAL(*numbers.rbegin(), "INV-2026-000005");
}

// preview_one: the run pauses after one draft; confirm issues it (the tenant auto-sends) and
// the run goes on with the others.
BOOST_AUTO_TEST_CASE(a_preview_run_pauses_after_one_draft_until_confirmed) {
    settings([](domain::TenantBillingSettings& s) { s.auto_send = true; });
    services::InvoiceRuns runs(*store, clock, invoicing, node("A", 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    req.preview_one = true;
    const auto run = create(runs, req);
    BOOST_CHECK(runs.workOnce());
    const auto paused = view(runs, run.run.id);
    BOOST_CHECK(paused.run.status == RunStatus::kAwaitingConfirmation);
    BOOST_CHECK_EQUAL(count(paused, "created"), 1);
    BOOST_CHECK_EQUAL(count(paused, "pending"), 4);
    BOOST_REQUIRE(paused.run.preview_invoice_id.has_value());
    const auto preview = invoicing.get(tenant, *paused.run.preview_invoice_id);
    BOOST_REQUIRE(preview.ok());
    BOOST_CHECK(preview->status == InvoiceStatus::kDraft);
    // Nothing happens while it waits.
    BOOST_CHECK(!runs.workOnce());
    BOOST_CHECK_EQUAL(aprilInvoices().size(), 1U);

    const auto confirmed = runs.confirm(actor, tenant, run.run.id);
    BOOST_REQUIRE_MESSAGE(confirmed.ok(), (confirmed.ok() ? "" : confirmed.error().detail));
    BOOST_CHECK(confirmed->run.status == RunStatus::kQueued);
    BOOST_CHECK(invoicing.get(tenant, preview->id)->status == InvoiceStatus::kIssued);
    // Confirming twice is refused.
    const auto twice = runs.confirm(actor, tenant, run.run.id);
    BOOST_REQUIRE(!twice.ok());
    BOOST_CHECK(twice.error().code == core::ErrorCode::kInvalidTransition);

    BOOST_CHECK(runs.workOnce());
    const auto done = view(runs, run.run.id);
    BOOST_CHECK(done.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(count(done, "created"), 5);
    checkOneInvoiceEach(InvoiceStatus::kIssued);
}

// The scheduler starts the run of the period that just ended on the billing day, or up to
// catch_up_days - 1 days after it, once per period; not on other days.
BOOST_AUTO_TEST_CASE(scheduled_runs_start_once_per_period_on_the_billing_day) {
    services::InvoiceRuns runs(*store, clock, invoicing, node("A", 2));
    const auto runCount = [&] {
        storage::PageRequest page;
        page.limit = 100;
        return runs.list(tenant, page).items.size();
    };
    // Not auto-generating: nothing.
    at(ymd(2026, 5, 1), 6);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 0);
    BOOST_CHECK_EQUAL(runCount(), 0U);

    settings([](domain::TenantBillingSettings& s) { s.auto_generate = true; });
    // Apr 20: 19 days into April's period: not a billing day, past catch-up.
    at(ymd(2026, 4, 20), 6);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 0);
    BOOST_CHECK_EQUAL(runCount(), 0U);
    // May 3 (within catch-up): April's run starts, once.
    at(ymd(2026, 5, 3), 6);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 1);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 0);
    at(ymd(2026, 5, 7), 23);  // 6 days after: still within catch-up, but it exists
    const auto again = runs.startScheduledRuns(7);
    BOOST_CHECK_EQUAL(again.processed, 0);
    BOOST_CHECK_EQUAL(again.skipped, 1);
    at(ymd(2026, 5, 8), 0);  // 7 days after: past catch-up
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 0);
    BOOST_CHECK_EQUAL(runCount(), 1U);
    {
        storage::PageRequest page;
        const auto list = runs.list(tenant, page).items;
        BOOST_REQUIRE_EQUAL(list.size(), 1U);
        BOOST_CHECK(list[0].period == (domain::Period{ymd(2026, 4, 1), ymd(2026, 5, 1)}));
        BOOST_CHECK_EQUAL(list[0].trigger, "scheduler");
    }
    // It runs like any other.
    BOOST_CHECK(runs.workOnce());
    checkOneInvoiceEach(InvoiceStatus::kDraft);
    // June 1, the billing day: May's run (no customer has a contract in May: completed at once).
    at(ymd(2026, 6, 1), 0);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(7).processed, 1);
    BOOST_CHECK_EQUAL(runCount(), 2U);
}

// Two runs of one period worked at the same time by two nodes, each computing customers on two
// threads: the generations race on the same customers, and the database's unique key settles
// each race. Every customer ends with exactly one invoice; across both runs each customer is
// created once and skipped once; nothing fails.
BOOST_AUTO_TEST_CASE(two_runs_worked_concurrently_by_two_nodes_make_one_invoice_each) {
    services::InvoiceRuns a(*store, clock, invoicing, node("A", 2));
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto r1 = create(a, req);
    const auto r2 = create(b, req);
    const auto work = [](services::InvoiceRuns& runs) {
        while (runs.workOnce()) {
        }
    };
    std::thread ta([&] { work(a); });
    std::thread tb([&] { work(b); });
    ta.join();
    tb.join();
    const auto v1 = view(a, r1.run.id);
    const auto v2 = view(a, r2.run.id);
    BOOST_CHECK(v1.run.status == RunStatus::kCompleted);
    BOOST_CHECK(v2.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(count(v1, "failed") + count(v2, "failed"), 0);
    BOOST_CHECK_EQUAL(count(v1, "created") + count(v2, "created"), 5);
    BOOST_CHECK_EQUAL(count(v1, "skipped") + count(v2, "skipped"), 5);
    for (const auto& f : v1.failures) BOOST_TEST_MESSAGE(f.reason.value_or(""));
    for (const auto& f : v2.failures) BOOST_TEST_MESSAGE(f.reason.value_or(""));
    checkOneInvoiceEach(InvoiceStatus::kDraft);
}

BOOST_AUTO_TEST_SUITE_END()
