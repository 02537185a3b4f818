// Customer invoices in SQL (storage/sql_invoices.cpp): one live invoice per customer and
// period, enforced by the unique key on live_period_start; lines and summaries round-trip.

#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>

#include "services/service_fixture.h"

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

BOOST_AUTO_TEST_SUITE_END()
