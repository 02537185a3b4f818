// Scheduler jobs shared between nodes (services::WorkLeases) on one database with a ManualClock:
// two nodes whose runs overlap split a job's subjects and handle each once, a node that dies
// holding subjects leaves them to the others once its leases expire, a node whose run failed
// takes its own leases back, two nodes running a job at once on two threads.

#include <boost/test/unit_test.hpp>

#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

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
