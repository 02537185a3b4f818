// Customer invoices in SQL (storage/sql_invoices.cpp): one live invoice per customer and
// period, enforced by the unique key on live_period_start; lines and summaries round-trip; the
// leases on invoice-run items that let several nodes share a run.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "services/service_fixture.h"
#include "storage/overlapping_claims.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

void write(storage::Store& store, const std::function<void(storage::UnitOfWork&)>& body) {
    store.transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        body(uow);
        return true;
    });
}

struct InvoiceStoreFixture : StoreFixture {
    InvoiceStoreFixture() {
        write(*store, [](storage::UnitOfWork& uow) {
            domain::Tenant t;
            t.id = "ten_a";
            t.name = "T";
            uow.tenants().insert(t);
            for (const char* id : {"cus_1", "cus_2"}) {
                domain::Customer c;
                c.id = id;
                c.tenant_id = "ten_a";
                c.name = "C";
                c.contact_email = "c@example.com";
                uow.customers().insert(c);
            }
        });
    }

    static domain::Invoice invoice(const std::string& id, const std::string& customer,
                                   core::Date start) {
        domain::Invoice inv;
        inv.id = id;
        inv.tenant_id = "ten_a";
        inv.customer_id = customer;
        inv.period = {start, core::addMonthsClamped(start, 1)};
        domain::InvoiceLine l;
        l.id = "inl_" + id;
        l.position = 1;
        l.kind = domain::LineKind::kEnergy;
        l.formula = domain::LineFormula::kEnergy;
        l.description = "Energy";
        l.wh = 97250;
        l.rate_micro = 65000;
        l.equipment_hours = 30;
        inv.lines.push_back(l);
        domain::InvoiceContractSummary s;
        s.contract_id = "ctr_1";
        s.contract_type = "hosted";
        s.billed_wh = 97250;
        s.pdu_wh = 100000;
        inv.contracts.push_back(s);
        static_cast<void>(domain::computeTotals(inv));
        return inv;
    }

    bool insertRefused(const domain::Invoice& inv) {
        try {
            write(*store, [&](storage::UnitOfWork& uow) { uow.invoices().insert(inv); });
            return false;
        } catch (const storage::DbError& e) {
            BOOST_CHECK(e.kind() == storage::DbErrorKind::kUniqueViolation);
            return true;
        }
    }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(sql_invoices, InvoiceStoreFixture)

BOOST_AUTO_TEST_CASE(one_live_invoice_per_customer_and_period_and_a_cancelled_one_frees_it) {
    const auto march = ymd(2026, 3, 1);
    write(*store, [&](storage::UnitOfWork& uow) {
        uow.invoices().insert(invoice("inv_1", "cus_1", march));
    });
    // The same customer and period: refused, whatever the status of either.
    BOOST_CHECK(insertRefused(invoice("inv_2", "cus_1", march)));
    auto held = invoice("inv_3", "cus_1", march);
    held.status = domain::InvoiceStatus::kHeld;
    BOOST_CHECK(insertRefused(held));
    // Another customer, or another period: fine.
    write(*store, [&](storage::UnitOfWork& uow) {
        uow.invoices().insert(invoice("inv_4", "cus_2", march));
        uow.invoices().insert(invoice("inv_5", "cus_1", ymd(2026, 4, 1)));
    });
    // Nothing of the refused ones was written.
    store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
        BOOST_CHECK(!uow.invoices().find("ten_a", "inv_2").has_value());
        BOOST_CHECK(!uow.invoices().find("ten_a", "inv_3").has_value());
        const auto live = uow.invoices().findLive("ten_a", "cus_1", march);
        BOOST_REQUIRE(live.has_value());
        BOOST_CHECK_EQUAL(live->id, "inv_1");
        // Lines and summaries come back with the header.
        BOOST_REQUIRE_EQUAL(live->lines.size(), 1U);
        BOOST_CHECK_EQUAL(*live->lines[0].wh, 97250);
        BOOST_CHECK_EQUAL(live->lines[0].amount_minor, 632);
        BOOST_CHECK_EQUAL(live->total_minor, 632);
        BOOST_REQUIRE_EQUAL(live->contracts.size(), 1U);
        BOOST_CHECK_EQUAL(*live->contracts[0].pdu_wh, 100000);
        return false;
    });

    // Cancelling the first frees the period: a new live invoice inserts, and findLive finds it.
    write(*store, [&](storage::UnitOfWork& uow) {
        auto first = *uow.invoices().find("ten_a", "inv_1");
        first.status = domain::InvoiceStatus::kCancelled;
        uow.invoices().update(first);
    });
    write(*store, [&](storage::UnitOfWork& uow) {
        BOOST_CHECK(!uow.invoices().findLive("ten_a", "cus_1", march).has_value());
        uow.invoices().insert(invoice("inv_6", "cus_1", march));
    });
    store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
        BOOST_CHECK_EQUAL(uow.invoices().findLive("ten_a", "cus_1", march)->id, "inv_6");
        BOOST_CHECK(uow.invoices().find("ten_a", "inv_1")->status ==
                    domain::InvoiceStatus::kCancelled);
        return false;
    });
    // Two cancelled invoices of one period never collide.
    write(*store, [&](storage::UnitOfWork& uow) {
        auto cancelled = invoice("inv_7", "cus_1", march);
        cancelled.status = domain::InvoiceStatus::kCancelled;
        uow.invoices().insert(cancelled);
    });
    // And the live one still blocks a third.
    BOOST_CHECK(insertRefused(invoice("inv_8", "cus_1", march)));
    // Reviving the cancelled one while inv_6 is live is refused too.
    try {
        write(*store, [&](storage::UnitOfWork& uow) {
            auto first = *uow.invoices().find("ten_a", "inv_1");
            first.status = domain::InvoiceStatus::kDraft;
            uow.invoices().update(first);
        });
        BOOST_FAIL("a second live invoice was stored by an update");
    } catch (const storage::DbError& e) {
        BOOST_CHECK(e.kind() == storage::DbErrorKind::kUniqueViolation);
    }
}

// A run of 6 items: a claim leases the first free ones by position to its owner; a second
// claim gets the next ones; an ended lease (the item written) keeps the owner; an expired lease
// is claimed again; the leased count sees only live leases of pending items.
// The revision a cached representation is checked against: raised by every write to the
// invoice, its lines or its summaries, in the writing transaction; reads leave it.
BOOST_AUTO_TEST_CASE(every_write_to_an_invoice_raises_its_revision_and_reads_do_not) {
    const auto revision = [&](const std::string& id) {
        std::optional<std::int64_t> out;
        store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
            out = uow.invoices().revision("ten_a", id);
            return true;
        });
        return out;
    };
    BOOST_TEST(!revision("inv_r").has_value());
    auto inv = invoice("inv_r", "cus_1", core::Date{std::chrono::year{2026} / 3 / 1});
    write(*store, [&](storage::UnitOfWork& uow) { uow.invoices().insert(inv); });
    const auto inserted = revision("inv_r");
    BOOST_REQUIRE(inserted.has_value());
    store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
        BOOST_TEST(uow.invoices().find("ten_a", "inv_r").has_value());
        return true;
    });
    BOOST_TEST((revision("inv_r") == inserted));

    inv.status_reason = "checked";
    write(*store, [&](storage::UnitOfWork& uow) { uow.invoices().update(inv); });
    const auto updated = revision("inv_r");
    BOOST_TEST((updated > inserted));

    inv.lines[0].description = "Energy, corrected";
    write(*store, [&](storage::UnitOfWork& uow) { uow.invoices().replaceLines(inv); });
    const auto relined = revision("inv_r");
    BOOST_TEST((relined > updated));

    // A write that rolls back leaves the revision where it was.
    store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
        uow.invoices().update(inv);
        return false;
    });
    BOOST_TEST((revision("inv_r") == relined));
    // Another tenant's invoice of that id does not exist.
    store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
        BOOST_TEST(!uow.invoices().revision("ten_b", "inv_r").has_value());
        return true;
    });
}

BOOST_AUTO_TEST_CASE(run_items_are_claimed_in_batches_under_a_lease_that_expires) {
    const auto at = core::SysSeconds{std::chrono::seconds{1000}};
    std::vector<std::string> customers;
    write(*store, [&](storage::UnitOfWork& uow) {
        for (int i = 3; i <= 6; ++i) {
            domain::Customer c;
            c.id = "cus_" + std::to_string(i);
            c.tenant_id = "ten_a";
            c.name = "C";
            c.contact_email = "c@example.com";
            uow.customers().insert(c);
        }
        storage::InvoiceRun run;
        run.id = "run_1";
        run.tenant_id = "ten_a";
        run.period = {ymd(2026, 3, 1), ymd(2026, 4, 1)};
        run.created_by = "key_1";
        run.created_at = run.updated_at = at;
        uow.invoiceRuns().insert(run);
        for (int i = 1; i <= 6; ++i) customers.push_back("cus_" + std::to_string(i));
        uow.invoiceRuns().insertItems("ten_a", "run_1", customers, at);
    });
    const auto claim = [&](const std::string& owner, std::int64_t now, std::size_t n) {
        std::vector<std::string> got;
        write(*store, [&](storage::UnitOfWork& uow) {
            for (const auto& item :
                 uow.invoiceRuns().claimItems("ten_a", "run_1", now, owner, now + 60, n)) {
                BOOST_CHECK_EQUAL(item.lease_owner.value_or(""), owner);
                got.push_back(item.customer_id);
            }
        });
        return got;
    };
    const auto leased = [&](std::int64_t now) {
        std::int64_t n = 0;
        write(*store, [&](storage::UnitOfWork& uow) {
            n = uow.invoiceRuns().leasedItems("ten_a", "run_1", now);
        });
        return n;
    };
    BOOST_CHECK(claim("A", 1000, 2) == (std::vector<std::string>{"cus_1", "cus_2"}));
    BOOST_CHECK(claim("B", 1001, 3) == (std::vector<std::string>{"cus_3", "cus_4", "cus_5"}));
    BOOST_CHECK_EQUAL(leased(1001), 5);
    // A finishes cus_1: its lease ends, the owner stays.
    write(*store, [&](storage::UnitOfWork& uow) {
        storage::RunItem done;
        done.customer_id = "cus_1";
        done.status = "created";
        uow.invoiceRuns().updateItem("ten_a", "run_1", done, at);
        const auto created = uow.invoiceRuns().itemsWithStatus("ten_a", "run_1", "created", 10);
        BOOST_REQUIRE_EQUAL(created.size(), 1U);
        BOOST_CHECK_EQUAL(created[0].lease_owner.value_or(""), "A");
        BOOST_CHECK_EQUAL(uow.invoiceRuns().pendingItems("ten_a", "run_1", 10).size(), 5U);
    });
    BOOST_CHECK_EQUAL(leased(1002), 4);
    BOOST_CHECK(claim("C", 1002, 10) == (std::vector<std::string>{"cus_6"}));
    BOOST_CHECK(claim("C", 1060, 10).empty());  // A's lease ends at 1060 (inclusive)
    // Leases hold through their last second: A's cus_2 (until 1060) is free at 1061, B's three
    // (until 1061) at 1062, C's cus_6 (until 1062) at 1063.
    BOOST_CHECK(claim("C", 1061, 10) == (std::vector<std::string>{"cus_2"}));
    BOOST_CHECK_EQUAL(leased(1062), 2);  // C's cus_6 (until 1062) and cus_2 (until 1121)
    BOOST_CHECK(claim("D", 1062, 10) == (std::vector<std::string>{"cus_3", "cus_4", "cus_5"}));
    BOOST_CHECK(claim("E", 1063, 10) == (std::vector<std::string>{"cus_6"}));
}

// Two workers claiming from one run at the same moment get different items. On MariaDB the
// second claim does not wait for the first transaction (FOR UPDATE SKIP LOCKED): it finishes,
// with the next items, while the first is still open. (SQLite has one writer: there the second
// claim runs after the first commits and sees its leases.)
BOOST_AUTO_TEST_CASE(concurrent_claims_of_one_run_get_different_items, *testing::mysqlOnly()) {
    const auto at = core::SysSeconds{std::chrono::seconds{1000}};
    write(*store, [&](storage::UnitOfWork& uow) {
        for (int i = 3; i <= 8; ++i) {
            domain::Customer c;
            c.id = "cus_" + std::to_string(i);
            c.tenant_id = "ten_a";
            c.name = "C";
            c.contact_email = "c@example.com";
            uow.customers().insert(c);
        }
        storage::InvoiceRun run;
        run.id = "run_1";
        run.tenant_id = "ten_a";
        run.period = {ymd(2026, 3, 1), ymd(2026, 4, 1)};
        run.created_by = "key_1";
        run.created_at = run.updated_at = at;
        uow.invoiceRuns().insert(run);
        std::vector<std::string> customers;
        for (int i = 1; i <= 8; ++i) customers.push_back("cus_" + std::to_string(i));
        uow.invoiceRuns().insertItems("ten_a", "run_1", customers, at);
    });
    std::vector<std::string> a, b;
    const bool without_waiting = secondClaimFinishesWhileFirstIsOpen(
        *store,
        [&](storage::UnitOfWork& uow) {
            a.clear();
            for (const auto& item :
                 uow.invoiceRuns().claimItems("ten_a", "run_1", 1000, "A", 1060, 3))
                a.push_back(item.customer_id);
        },
        [&](storage::UnitOfWork& uow) {
            b.clear();
            for (const auto& item :
                 uow.invoiceRuns().claimItems("ten_a", "run_1", 1000, "B", 1060, 3))
                b.push_back(item.customer_id);
        });
    BOOST_CHECK(a == (std::vector<std::string>{"cus_1", "cus_2", "cus_3"}));
    BOOST_CHECK(b == (std::vector<std::string>{"cus_4", "cus_5", "cus_6"}));
    BOOST_CHECK(without_waiting);
}

BOOST_AUTO_TEST_SUITE_END()
