// The scheduler jobs' row leases in SQL (storage/sql_work_leases.cpp, table work_leases): offers
// that never reset a row, claims in subject order that pass over live leases of other owners,
// expiry, releases and settlements that only the owner makes, settled rows that an offer does
// not free and a purge deletes once their time has passed, and two claims at once on MariaDB.

#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "services/service_fixture.h"
#include "storage/overlapping_claims.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

using Subjects = std::vector<std::string>;

struct LeaseStoreFixture : StoreFixture {
    void offer(const std::string& job, const Subjects& subjects) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.workLeases().offer(job, subjects);
            return true;
        });
    }
    Subjects claim(const std::string& job, const std::string& owner, std::int64_t now,
                   std::size_t limit) {
        Subjects out;
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            out = uow.workLeases().claim(job, now, owner, now + 60, limit);
            return true;
        });
        return out;
    }
    void release(const std::string& job, const std::string& owner, const Subjects& subjects) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.workLeases().release(job, owner, subjects);
            return true;
        });
    }
    void purge(const std::string& job, std::int64_t now) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.workLeases().purge(job, now, 100);
            return true;
        });
    }
    void settle(const std::string& job, const std::string& owner, const Subjects& subjects,
                std::int64_t until) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            uow.workLeases().settle(job, owner, subjects, until);
            return true;
        });
    }
    std::vector<storage::WorkLease> rows(const std::string& job) {
        return store->read([&](storage::UnitOfWork& uow) { return uow.workLeases().list(job); });
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sql_work_leases, LeaseStoreFixture)

BOOST_AUTO_TEST_CASE(work_leases_are_claimed_in_subject_order_and_released_only_by_their_owner) {
    offer("sweep", {"t/c", "t/a", "t/b", "t/a"});
    offer("other", {"t/a"});
    auto all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 3U);
    BOOST_CHECK_EQUAL(all[0].subject, "t/a");
    BOOST_CHECK(!all[0].owner);
    BOOST_CHECK_EQUAL(all[0].until, 0);

    BOOST_CHECK(claim("sweep", "A", 1000, 2) == (Subjects{"t/a", "t/b"}));
    // Offered again (another node saw them due): a held lease is not reset.
    offer("sweep", {"t/a", "t/b", "t/d"});
    all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 4U);
    BOOST_CHECK_EQUAL(all[0].owner.value_or(""), "A");
    BOOST_CHECK_EQUAL(all[0].until, 1060);
    // B passes over A's live leases; the other job's row is not this job's.
    BOOST_CHECK(claim("sweep", "B", 1001, 10) == (Subjects{"t/c", "t/d"}));
    BOOST_CHECK(claim("sweep", "C", 1060, 10).empty());  // A's hold through second 1060
    // An owner gets its own live leases back (a run of its own that failed).
    BOOST_CHECK(claim("sweep", "A", 1002, 10) == (Subjects{"t/a", "t/b"}));

    // Only the owner's release deletes a row.
    release("sweep", "B", {"t/a", "t/c"});
    all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 3U);
    BOOST_CHECK_EQUAL(all[0].subject, "t/a");
    BOOST_CHECK_EQUAL(all[1].subject, "t/b");
    BOOST_CHECK_EQUAL(all[2].subject, "t/d");
    // Expired: A's (until 1062) at 1063, B's t/d (until 1061) too.
    BOOST_CHECK(claim("sweep", "C", 1062, 10) == (Subjects{"t/d"}));
    BOOST_CHECK(claim("sweep", "C", 1063, 10) == (Subjects{"t/a", "t/b", "t/d"}));
    release("sweep", "A", {"t/a", "t/b"});  // A outlived its lease: C's stay
    settle("sweep", "A", {"t/a"}, 2000);
    BOOST_CHECK_EQUAL(rows("sweep").size(), 3U);
    BOOST_CHECK_EQUAL(rows("sweep")[0].owner.value_or(""), "C");

    // C did t/a (settled until 1123) and drops t/b and t/d.
    settle("sweep", "C", {"t/a"}, 1123);
    release("sweep", "C", {"t/b", "t/d"});
    all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 1U);
    BOOST_CHECK(!all[0].owner);
    BOOST_CHECK_EQUAL(all[0].until, 1123);
    // Offered again from an older list: the settled row stays settled, and is not claimed.
    offer("sweep", {"t/a", "t/b"});
    BOOST_CHECK(claim("sweep", "D", 1100, 10) == (Subjects{"t/b"}));
    BOOST_CHECK_EQUAL(rows("sweep")[0].until, 1123);
    // Past its time a purge deletes it; then it can be offered again.
    purge("sweep", 1123);
    BOOST_CHECK_EQUAL(rows("sweep").size(), 2U);
    purge("sweep", 1124);
    all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 1U);
    BOOST_CHECK_EQUAL(all[0].subject, "t/b");
    offer("sweep", {"t/a"});
    BOOST_CHECK(claim("sweep", "E", 1125, 10) == (Subjects{"t/a"}));
    BOOST_CHECK_EQUAL(rows("other").size(), 1U);
}

// Two nodes claiming one job's subjects at the same moment get different ones. On MariaDB the
// second claim does not wait for the first transaction (FOR UPDATE SKIP LOCKED): it finishes,
// with the next subjects, while the first is still open. (SQLite has one writer: there the
// second claim runs after the first commits and sees its leases.)
BOOST_AUTO_TEST_CASE(concurrent_claims_of_one_job_get_different_subjects, *testing::mysqlOnly()) {
    offer("sweep", {"t/1", "t/2", "t/3", "t/4", "t/5", "t/6", "t/7"});
    Subjects a, b;
    const bool without_waiting = secondClaimFinishesWhileFirstIsOpen(
        *store,
        [&](storage::UnitOfWork& uow) { a = uow.workLeases().claim("sweep", 1000, "A", 1060, 3); },
        [&](storage::UnitOfWork& uow) { b = uow.workLeases().claim("sweep", 1000, "B", 1060, 3); });
    BOOST_CHECK(a == (Subjects{"t/1", "t/2", "t/3"}));
    BOOST_CHECK(b == (Subjects{"t/4", "t/5", "t/6"}));
    BOOST_CHECK(without_waiting);
    const auto all = rows("sweep");
    BOOST_REQUIRE_EQUAL(all.size(), 7U);
    for (std::size_t i = 0; i < all.size(); ++i)
        BOOST_CHECK_EQUAL(all[i].owner.value_or("-"), i < 3 ? "A" : i < 6 ? "B" : "-");
}

BOOST_AUTO_TEST_SUITE_END()
