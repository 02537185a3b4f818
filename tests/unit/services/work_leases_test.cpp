// Scheduler jobs shared between nodes (services::WorkLeases) on one database with a ManualClock:
// two nodes whose runs overlap split a job's subjects and handle each once, a node that dies
// holding subjects leaves them to the others once its leases expire, a node whose run failed
// takes its own leases back, two nodes running a job at once on two threads; then the
// platform's jobs (auto-generation, the overdue sweep) on two nodes of PlatformBilling, and the
// customer invoices' overdue sweep on two nodes of Invoicing.

#include <boost/test/unit_test.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "services/payments_fixture.h"
#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using services::Handled;

namespace {

using Subjects = std::vector<std::string>;

services::LeaseOptions node(const std::string& name, std::size_t batch_size = 3) {
    return services::LeaseOptions{name, 60, batch_size};
}

// n invoices of one tenant, due; and the same as the texts stored in work_leases.
services::DueSubjects numbered(int n) {
    services::DueSubjects due;
    for (int i = 0; i < n; ++i) due.add("ten_1", "inv_" + std::to_string(10 + i));
    return due;
}
Subjects texts(const services::DueSubjects& due) {
    Subjects out;
    for (const auto& subject : due.subjects) out.push_back(subject.text());
    return out;
}

struct LeasesFixture : StoreFixture {
    // Who handled which subject, in order (guarded: the threaded test handles on two threads).
    std::mutex mutex;
    std::vector<std::pair<std::string, std::string>> handled;

    services::WorkLeases::Handler recorder(const std::string& node_name) {
        return [this, node_name](const services::JobSubject& subject) {
            std::lock_guard lock(mutex);
            handled.emplace_back(node_name, subject.text());
            return Handled::kProcessed;
        };
    }
    std::map<std::string, int> timesHandled() {
        std::map<std::string, int> out;
        for (const auto& [n, subject] : handled) ++out[subject];
        return out;
    }
    Subjects handledBy(const std::string& node_name) {
        Subjects out;
        for (const auto& [n, subject] : handled)
            if (n == node_name) out.push_back(subject);
        return out;
    }
    std::vector<storage::WorkLease> rows(const std::string& job) {
        return store->read([&](storage::UnitOfWork& uow) { return uow.workLeases().list(job); });
    }
    // The job's rows still offered or leased (not settled).
    Subjects unsettled(const std::string& job) {
        Subjects out;
        for (const auto& row : rows(job))
            if (row.owner || row.until == 0) out.push_back(row.subject);
        return out;
    }
    // A node that claims `subjects` of `job` (as its run does) and dies before handling them.
    void leaseAndDie(const std::string& job, const Subjects& subjects, const std::string& owner) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            const std::int64_t now = clock.nowSeconds().time_since_epoch().count();
            uow.workLeases().offer(job, subjects);
            BOOST_REQUIRE(uow.workLeases().claim(job, now, owner, now + 60, subjects.size()) ==
                          subjects);
            return true;
        });
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(work_leases, LeasesFixture)

BOOST_AUTO_TEST_CASE(a_subject_is_a_tenant_and_a_key_joined_by_a_slash) {
    const services::JobSubject subject{"ten_1", "2026-04-01"};
    BOOST_CHECK_EQUAL(subject.text(), "ten_1/2026-04-01");
    BOOST_CHECK(services::JobSubject::parse("ten_1/2026-04-01") == subject);
    for (const char* bad : {"ten_1", "ten_1/", "/inv_2", ""})
        BOOST_CHECK(!services::JobSubject::parse(bad));
    services::DueSubjects due;
    due.add("ten_1", std::optional<std::string>("inv_2"));
    due.add("ten_2", std::optional<std::string>());
    due.add("ten_3", std::optional<domain::Period>({ymd(2026, 4, 1), ymd(2026, 5, 1)}));
    due.add("ten_4", std::optional<domain::Period>());
    BOOST_CHECK(texts(due) == (Subjects{"ten_1/inv_2", "ten_3/2026-04-01"}));
    BOOST_CHECK_EQUAL(due.passed_over, 2);
}

// Node A claims its first batch of 3 of the 10 subjects; while it handles the first, node B runs
// the same job whole and takes the 7 A does not hold. A finishes its batch and finds nothing
// left: each subject handled once, by one node, and no lease is left open.
BOOST_AUTO_TEST_CASE(two_nodes_whose_runs_overlap_split_the_subjects_and_handle_each_once) {
    services::WorkLeases a(*store, clock, node("A"));
    services::WorkLeases b(*store, clock, node("B"));
    const auto due = numbered(10);
    const Subjects all = texts(due);
    services::JobOutcome by_b;
    const auto handle_a = recorder("A");
    const auto by_a = a.run("sweep", due, [&](const services::JobSubject& subject) {
        if (handled.empty()) by_b = b.run("sweep", due, recorder("B"));
        return handle_a(subject);
    });
    BOOST_CHECK_EQUAL(by_a.processed, 3);
    BOOST_CHECK_EQUAL(by_b.processed, 7);
    BOOST_CHECK_EQUAL(by_a.skipped + by_a.failed + by_b.skipped + by_b.failed, 0);
    BOOST_CHECK(handledBy("A") == (Subjects{all[0], all[1], all[2]}));
    BOOST_CHECK(handledBy("B") == Subjects(all.begin() + 3, all.end()));
    const auto times = timesHandled();
    BOOST_CHECK_EQUAL(times.size(), 10U);
    for (const auto& [subject, n] : times) BOOST_CHECK_EQUAL(n, 1);
    // Done: settled for a minute, so offering them again from the same list changes nothing;
    // after that the next run deletes the rows.
    BOOST_CHECK(unsettled("sweep").empty());
    BOOST_CHECK_EQUAL(rows("sweep").size(), 10U);
    BOOST_CHECK_EQUAL(b.run("sweep", due, recorder("B")).processed, 0);
    clock.advance(std::chrono::seconds{61});
    BOOST_CHECK_EQUAL(a.run("sweep", {}, recorder("A")).processed, 0);
    BOOST_CHECK(rows("sweep").empty());
    BOOST_CHECK_EQUAL(handled.size(), 10U);
}

// A dead node's leases (60 s) hold: node A handles the other subjects and, 30 s later, still
// passes over them — even offered again; once they expire A takes them over.
BOOST_AUTO_TEST_CASE(a_subject_held_by_a_dead_node_is_taken_over_once_its_lease_expires) {
    services::WorkLeases a(*store, clock, node("A"));
    const auto due = numbered(5);
    const Subjects all = texts(due);
    leaseAndDie("sweep", {all[1], all[3]}, "D");
    const auto first = a.run("sweep", due, recorder("A"));
    BOOST_CHECK_EQUAL(first.processed, 3);
    BOOST_CHECK_EQUAL(first.skipped, 0);
    BOOST_CHECK(handledBy("A") == (Subjects{all[0], all[2], all[4]}));
    BOOST_CHECK(unsettled("sweep") == (Subjects{all[1], all[3]}));
    for (const auto& row : rows("sweep"))
        BOOST_CHECK_EQUAL(row.owner.value_or("settled"),
                          row.subject == all[1] || row.subject == all[3] ? "D" : "settled");

    clock.advance(std::chrono::seconds{30});
    BOOST_CHECK_EQUAL(a.run("sweep", due, recorder("A")).processed, 0);
    clock.advance(std::chrono::seconds{30});  // the leases' last second
    BOOST_CHECK_EQUAL(a.run("sweep", {}, recorder("A")).processed, 0);
    clock.advance(std::chrono::seconds{1});
    // Taken over without being offered again: the dead node's rows are enough.
    BOOST_CHECK_EQUAL(a.run("sweep", {}, recorder("A")).processed, 2);
    BOOST_CHECK(handledBy("A") == (Subjects{all[0], all[2], all[4], all[1], all[3]}));
    BOOST_CHECK(unsettled("sweep").empty());
}

// A handler that throws ends the run and leaves the batch leased: another node passes over it,
// the same node takes it back at its next run. A subject found not due is dropped at once, so
// it can be offered again without waiting.
BOOST_AUTO_TEST_CASE(a_node_whose_run_failed_takes_its_own_leases_back_at_its_next_run) {
    services::WorkLeases a(*store, clock, node("A", 2));
    services::WorkLeases b(*store, clock, node("B", 2));
    const auto due = numbered(4);
    const Subjects all = texts(due);
    BOOST_CHECK_THROW(a.run("sweep", due,
                            [](const services::JobSubject&) -> Handled {
                                throw std::runtime_error("database gone");
                            }),
                      std::runtime_error);
    const auto by_b = b.run("sweep", due, [&](const services::JobSubject& subject) {
        return subject.text() == all[3] ? Handled::kSkipped : recorder("B")(subject);
    });
    BOOST_CHECK_EQUAL(by_b.processed, 1);
    BOOST_CHECK_EQUAL(by_b.skipped, 1);
    BOOST_CHECK(handledBy("B") == (Subjects{all[2]}));
    BOOST_CHECK(unsettled("sweep") == (Subjects{all[0], all[1]}));
    const auto retried = a.run("sweep", due, recorder("A"));
    BOOST_CHECK_EQUAL(retried.processed, 3);
    BOOST_CHECK(handledBy("A") == (Subjects{all[0], all[1], all[3]}));
    BOOST_CHECK(unsettled("sweep").empty());
}

// Both nodes run the job at the same moment, one claim of 2 at a time: every subject is handled
// by exactly one of them.
BOOST_AUTO_TEST_CASE(two_nodes_running_one_job_at_once_handle_each_subject_once) {
    services::WorkLeases a(*store, clock, node("A", 2));
    services::WorkLeases b(*store, clock, node("B", 2));
    const auto due = numbered(30);
    services::JobOutcome by_a, by_b;
    std::thread ta([&] { by_a = a.run("sweep", due, recorder("A")); });
    std::thread tb([&] { by_b = b.run("sweep", due, recorder("B")); });
    ta.join();
    tb.join();
    BOOST_CHECK_EQUAL(by_a.processed + by_b.processed, 30);
    const auto times = timesHandled();
    BOOST_CHECK_EQUAL(times.size(), 30U);
    for (const auto& [subject, n] : times) BOOST_CHECK_EQUAL(n, 1);
    BOOST_CHECK(unsettled("sweep").empty());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// Two nodes of the platform's billing on one database: their own PlatformBilling and leases.
struct PlatformNodesFixture : StoreFixture {
    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing_a{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::PlatformBilling billing_b{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::WorkLeases a{*store, clock, node("A")};
    services::WorkLeases b{*store, clock, node("B")};
    services::Actor actor{"key_test", "super", std::nullopt};
    std::vector<std::string> tenants;

    explicit PlatformNodesFixture(int n = 6) {
        for (int i = 0; i < n; ++i) {
            const auto t = billing_a.createTenant(
                actor,
                {"Tenant " + std::to_string(i), domain::TenantStatus::kActive, "UTC", "USD"});
            BOOST_REQUIRE(t.ok());
            domain::BillingConfig c;
            c.tenant_id = t->id;
            c.flat_rate_minor = 150000;
            c.currency = *domain::findCurrency("USD");
            c.billing_email = "billing@tenant.example";
            c.auto_generate_invoices = true;
            c.billing_day_of_month = 1;
            c.payment_due_days = 15;
            BOOST_REQUIRE(billing_a.putBillingConfig(actor, c).ok());
            tenants.push_back(t->id);
        }
    }

    std::vector<domain::PlatformInvoice> invoices(const std::string& tenant_id) {
        storage::PlatformInvoiceFilter f;
        f.tenant_id = tenant_id;
        f.page.limit = 100;
        return billing_a.listInvoices(f).value().items;
    }
    // How many audit events and outbox messages of `kind` the tenant has.
    int events(const std::string& tenant_id, const std::string& action) {
        int n = 0;
        for (const auto& e : store->read([&](storage::UnitOfWork& uow) {
                 return uow.audit().list(tenant_id, {100, std::nullopt});
             }))
            n += e.action == action ? 1 : 0;
        return n;
    }
    int messages(const std::string& tenant_id, const std::string& kind) {
        int n = 0;
        for (const auto& m : store->read(
                 [&](storage::UnitOfWork& uow) { return uow.outbox().listForTenant(tenant_id); }))
            n += m.kind == kind ? 1 : 0;
        return n;
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(platform_jobs_on_two_nodes, PlatformNodesFixture)

// April 1st: six tenants are owed April's invoice. A dead node holds two of them; node A makes
// the other four, node B then finds nothing free; 61 s later B takes over the dead node's two.
// Each tenant has one invoice, one creation event and one email.
BOOST_AUTO_TEST_CASE(two_nodes_auto_generate_each_invoice_once_and_take_over_a_dead_nodes) {
    clock.set(std::chrono::sys_days{ymd(2026, 4, 1)} + std::chrono::minutes{10});
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        const std::int64_t now = clock.nowSeconds().time_since_epoch().count();
        const Subjects held{services::JobSubject{tenants[0], "2026-04-01"}.text(),
                            services::JobSubject{tenants[1], "2026-04-01"}.text()};
        uow.workLeases().offer("auto_generate_invoices", held);
        BOOST_REQUIRE_EQUAL(
            uow.workLeases().claim("auto_generate_invoices", now, "D", now + 60, 10).size(), 2U);
        return true;
    });
    const auto by_a = billing_a.generateDueInvoices(a);
    BOOST_CHECK_EQUAL(by_a.processed, 4);
    BOOST_CHECK_EQUAL(by_a.failed, 0);
    BOOST_CHECK(invoices(tenants[0]).empty());
    BOOST_CHECK(invoices(tenants[1]).empty());
    BOOST_CHECK_EQUAL(billing_b.generateDueInvoices(b).processed, 0);

    clock.advance(std::chrono::seconds{61});
    const auto by_b = billing_b.generateDueInvoices(b);
    BOOST_CHECK_EQUAL(by_b.processed, 2);
    BOOST_CHECK_EQUAL(billing_a.generateDueInvoices(a).processed, 0);
    for (const auto& t : tenants) {
        const auto list = invoices(t);
        BOOST_REQUIRE_EQUAL(list.size(), 1U);
        BOOST_CHECK(list[0].period.start == ymd(2026, 4, 1));
        BOOST_CHECK_EQUAL(events(t, "platform_invoice.created"), 1);
        BOOST_CHECK_EQUAL(messages(t, "platform_invoice.issued"), 1);
    }
    for (const auto& row : store->read([&](storage::UnitOfWork& uow) {
             return uow.workLeases().list("auto_generate_invoices");
         })) {
        BOOST_CHECK(!row.owner);  // all done, settled
        BOOST_CHECK_GT(row.until, 0);
    }
}

// April 17th, past the due date: both nodes sweep at the same moment. Every invoice becomes
// overdue once, with one event and one email.
BOOST_AUTO_TEST_CASE(two_nodes_sweeping_at_once_move_each_invoice_overdue_once) {
    clock.set(std::chrono::sys_days{ymd(2026, 4, 1)} + std::chrono::minutes{10});
    BOOST_REQUIRE_EQUAL(billing_a.generateDueInvoices(a).processed, 6);
    clock.set(std::chrono::sys_days{ymd(2026, 4, 17)} + std::chrono::minutes{10});
    services::JobOutcome by_a, by_b;
    std::thread ta([&] { by_a = billing_a.sweepOverdue(a); });
    std::thread tb([&] { by_b = billing_b.sweepOverdue(b); });
    ta.join();
    tb.join();
    BOOST_CHECK_EQUAL(by_a.processed + by_b.processed, 6);
    BOOST_CHECK_EQUAL(by_a.failed + by_b.failed, 0);
    for (const auto& t : tenants) {
        const auto list = invoices(t);
        BOOST_REQUIRE_EQUAL(list.size(), 1U);
        BOOST_CHECK(list[0].status == domain::PlatformInvoiceStatus::kOverdue);
        BOOST_CHECK_EQUAL(events(t, "platform_invoice.overdue"), 1);
        BOOST_CHECK_EQUAL(messages(t, "platform_invoice.overdue"), 1);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(customer_jobs_on_two_nodes, PaymentsFixture)

// Six issued invoices are past their due date; a dead node holds the lease on the first. Two
// nodes (their own Invoicing and leases) sweep at the same moment: the other five become overdue
// once each, the first stays issued until the dead node's lease expires, then one node takes it.
BOOST_AUTO_TEST_CASE(two_nodes_sweep_each_invoice_overdue_once_and_take_over_a_dead_nodes) {
    std::vector<std::string> ids;
    for (int i = 0; i < 6; ++i) ids.push_back(issuedInvoice(1000 + i));
    advanceDays(20);
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        const std::int64_t now = unixOf(clock.nowSeconds());
        uow.workLeases().offer("invoice_overdue_sweep",
                               {services::JobSubject{tenant, ids[0]}.text()});
        BOOST_REQUIRE_EQUAL(
            uow.workLeases().claim("invoice_overdue_sweep", now, "D", now + 60, 10).size(), 1U);
        return true;
    });
    services::Invoicing node_b{*store, clock, chain, &scripts};
    services::WorkLeases a(*store, clock, node("A", 2));
    services::WorkLeases b(*store, clock, node("B", 2));
    services::JobOutcome by_a, by_b;
    std::thread ta([&] { by_a = invoicing.sweepOverdue(a); });
    std::thread tb([&] { by_b = node_b.sweepOverdue(b); });
    ta.join();
    tb.join();
    BOOST_CHECK_EQUAL(by_a.processed + by_b.processed, 5);
    BOOST_CHECK(invoice(ids[0]).status == domain::InvoiceStatus::kIssued);

    clock.advance(std::chrono::seconds{61});
    BOOST_CHECK_EQUAL(node_b.sweepOverdue(b).processed + invoicing.sweepOverdue(a).processed, 1);
    const auto events = store->read([&](storage::UnitOfWork& uow) {
        return uow.audit().list(tenant, {100, std::nullopt});
    });
    for (const auto& id : ids) {
        BOOST_CHECK(invoice(id).status == domain::InvoiceStatus::kOverdue);
        int moved = 0;
        for (const auto& e : events)
            moved += e.object_id == id && e.action == "invoice.due_date_passed" ? 1 : 0;
        BOOST_CHECK_EQUAL(moved, 1);
    }
}

BOOST_AUTO_TEST_SUITE_END()
