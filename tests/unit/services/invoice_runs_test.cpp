// Invoice runs (services::InvoiceRuns) with a ManualClock: one run split between two nodes by
// item leases, a node killed holding a batch and its batch taken over once the lease expires, a
// cancel that stops both nodes, two runs of one period, a preview run, and the scheduler's start
// of runs on the billing day. Each of the customers has a one-day calculated contract on
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

services::RunWorkerOptions node(const std::string& name, int threads = 1,
                                std::size_t batch_size = 64) {
    services::RunWorkerOptions o;
    o.node_id = name;
    o.lease_seconds = 60;
    o.threads = threads;
    o.batch_size = batch_size;
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

    // A node that leases `n` items of the run (as its worker does) and dies before writing them.
    void leaseAndDie(const std::string& run_id, const std::string& owner, std::size_t n) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            const std::int64_t now = clock.nowSeconds().time_since_epoch().count();
            const auto items =
                uow.invoiceRuns().claimItems(tenant, run_id, now, owner, now + 60, n);
            BOOST_REQUIRE_EQUAL(items.size(), n);
            return true;
        });
    }

    // Which node finished how many of the run's items with the given status.
    std::map<std::string, int> finishedBy(const std::string& run_id, const std::string& status) {
        std::map<std::string, int> out;
        store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
            for (const auto& item : uow.invoiceRuns().itemsWithStatus(tenant, run_id, status, 100))
                ++out[item.lease_owner.value_or("")];
            return true;
        });
        return out;
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

// Node A processes a batch of 2 of the 5 customers, leases the next 2 and dies. Node B works
// the one customer free at once, cannot take A's batch until its lease expires (60 s), then
// finishes the run: 5 invoices, one per customer.
BOOST_AUTO_TEST_CASE(a_run_killed_mid_way_is_finished_by_another_node_without_doubles) {
    services::InvoiceRuns a(*store, clock, invoicing, node("A", 1, 2));
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
    BOOST_CHECK_EQUAL(aprilInvoices().size(), 2U);
    leaseAndDie(run.run.id, "A", 2);

    // B takes the free customer; A's lease still holds on the other two.
    clock.advance(std::chrono::seconds{30});
    BOOST_CHECK(b.workOnce());
    BOOST_CHECK_EQUAL(count(view(b, run.run.id), "pending"), 2);
    BOOST_CHECK(!b.workOnce());
    BOOST_CHECK(view(b, run.run.id).run.status == RunStatus::kRunning);

    // Expired: B takes over and finishes.
    clock.advance(std::chrono::seconds{31});
    BOOST_CHECK(b.workOnce());
    const auto done = view(b, run.run.id);
    BOOST_CHECK(done.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(done.total, 5);
    BOOST_CHECK_EQUAL(count(done, "created"), 5);
    BOOST_CHECK_EQUAL(count(done, "pending"), 0);
    BOOST_CHECK_EQUAL(count(done, "failed"), 0);
    const auto owners = finishedBy(run.run.id, "created");
    BOOST_CHECK_EQUAL(owners.size(), 2U);
    BOOST_CHECK_EQUAL(owners.count("A") ? owners.at("A") : 0, 2);
    BOOST_CHECK_EQUAL(owners.count("B") ? owners.at("B") : 0, 3);
    checkOneInvoiceEach(InvoiceStatus::kDraft);  // the tenant does not auto-send
    for (const auto& [cus, invs] : aprilInvoices())
        BOOST_CHECK_EQUAL(invs[0].run_id.value_or(""), run.run.id);

    // A wakes up: nothing left to claim.
    BOOST_CHECK(!a.workOnce());
}

// Two nodes with batches of 2 take turns on one run of 5 customers: each gets different
// customers, and the one that finds nothing pending completes the run.
BOOST_AUTO_TEST_CASE(two_nodes_split_one_run_between_them_by_item_leases) {
    settings([](domain::TenantBillingSettings& s) { s.auto_send = true; });
    services::InvoiceRuns a(*store, clock, invoicing, node("A", 1, 2));
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 1, 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto run = create(a, req);
    BOOST_CHECK(a.workOnce(2));  // customers 0 and 1
    BOOST_CHECK(b.workOnce(2));  // 2 and 3: A's are done, not pending
    const auto mid = view(a, run.run.id);
    BOOST_CHECK(mid.run.status == RunStatus::kRunning);
    BOOST_CHECK_EQUAL(count(mid, "created"), 4);
    BOOST_CHECK_EQUAL(count(mid, "pending"), 1);
    BOOST_CHECK(a.workOnce());  // customer 4, then nothing pending: completed
    BOOST_CHECK(!b.workOnce());
    const auto done = view(b, run.run.id);
    BOOST_CHECK(done.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(count(done, "created"), 5);
    const auto owners = finishedBy(run.run.id, "created");
    BOOST_CHECK_EQUAL(owners.count("A") ? owners.at("A") : 0, 3);
    BOOST_CHECK_EQUAL(owners.count("B") ? owners.at("B") : 0, 2);
    checkOneInvoiceEach(InvoiceStatus::kIssued);
    std::set<std::string> numbers;
    for (const auto& [cus, invs] : aprilInvoices()) numbers.insert(invs[0].invoice_number.value());
    BOOST_CHECK_EQUAL(numbers.size(), 5U);
}

// Both nodes working one run at the same time, batches of one customer on two threads each:
// every customer is billed once and the run completes.
BOOST_AUTO_TEST_CASE(two_nodes_working_one_run_at_once_bill_each_customer_once) {
    services::InvoiceRuns a(*store, clock, invoicing, node("A", 2, 1));
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 2, 1));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto run = create(a, req);
    const auto work = [](services::InvoiceRuns& runs) {
        while (runs.workOnce()) {
        }
    };
    std::thread ta([&] { work(a); });
    std::thread tb([&] { work(b); });
    ta.join();
    tb.join();
    const auto done = view(a, run.run.id);
    BOOST_CHECK(done.run.status == RunStatus::kCompleted);
    BOOST_CHECK_EQUAL(count(done, "created"), 5);
    BOOST_CHECK_EQUAL(count(done, "failed") + count(done, "skipped"), 0);
    int finished = 0;
    for (const auto& [owner, n] : finishedBy(run.run.id, "created")) {
        BOOST_CHECK(owner == "A" || owner == "B");
        finished += n;
    }
    BOOST_CHECK_EQUAL(finished, 5);
    checkOneInvoiceEach(InvoiceStatus::kDraft);
}

// A cancel stops every node at its next claim: the customers not reached stay pending, the
// invoices made stay, and neither node finds work afterwards — not even once a dead node's
// lease expires.
BOOST_AUTO_TEST_CASE(a_cancelled_run_stops_both_nodes) {
    services::InvoiceRuns a(*store, clock, invoicing, node("A", 1, 2));
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 1, 2));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    const auto run = create(a, req);
    BOOST_CHECK(a.workOnce(2));
    BOOST_CHECK(b.workOnce(1));
    leaseAndDie(run.run.id, "B", 1);
    const auto cancelled = a.cancel(actor, tenant, run.run.id);
    BOOST_REQUIRE(cancelled.ok());
    BOOST_CHECK(cancelled->run.status == RunStatus::kCancelled);
    BOOST_CHECK(!a.workOnce());
    BOOST_CHECK(!b.workOnce());
    clock.advance(std::chrono::seconds{61});
    BOOST_CHECK(!a.workOnce());
    BOOST_CHECK(!b.workOnce());
    const auto after = view(a, run.run.id);
    BOOST_CHECK(after.run.status == RunStatus::kCancelled);
    BOOST_CHECK_EQUAL(count(after, "created"), 3);
    BOOST_CHECK_EQUAL(count(after, "pending"), 2);
    BOOST_CHECK_EQUAL(aprilInvoices().size(), 3U);
}

// While one node holds the item of a preview run (before the preview exists), another node
// leaves the run alone: one preview draft, not one per node.
BOOST_AUTO_TEST_CASE(a_preview_run_is_worked_by_one_node_at_a_time) {
    services::InvoiceRuns b(*store, clock, invoicing, node("B", 1));
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    req.preview_one = true;
    const auto run = create(b, req);
    leaseAndDie(run.run.id, "A", 1);
    BOOST_CHECK(!b.workOnce());
    BOOST_CHECK(aprilInvoices().empty());
    clock.advance(std::chrono::seconds{61});
    BOOST_CHECK(b.workOnce());
    const auto paused = view(b, run.run.id);
    BOOST_CHECK(paused.run.status == RunStatus::kAwaitingConfirmation);
    BOOST_CHECK_EQUAL(count(paused, "created"), 1);
    BOOST_CHECK_EQUAL(aprilInvoices().size(), 1U);
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
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 0);
    BOOST_CHECK_EQUAL(runCount(), 0U);

    settings([](domain::TenantBillingSettings& s) { s.auto_generate = true; });
    // Apr 20: 19 days into April's period: not a billing day, past catch-up.
    at(ymd(2026, 4, 20), 6);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 0);
    BOOST_CHECK_EQUAL(runCount(), 0U);
    // May 3 (within catch-up): April's run starts, once.
    at(ymd(2026, 5, 3), 6);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 1);
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 0);
    at(ymd(2026, 5, 7), 23);  // 6 days after: still within catch-up, but it exists
    const auto again = runs.startScheduledRuns(*leases, 7);
    BOOST_CHECK_EQUAL(again.processed, 0);
    BOOST_CHECK_EQUAL(again.skipped, 1);
    at(ymd(2026, 5, 8), 0);  // 7 days after: past catch-up
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 0);
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
    BOOST_CHECK_EQUAL(runs.startScheduledRuns(*leases, 7).processed, 1);
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
