// The RevenueGuard repository on SQLite: status history pages, settings, counts, the units a
// redirect applies to, and overdue balances per currency.

#include <boost/test/unit_test.hpp>

#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

struct Fixture : StoreFixture {
    Fixture() {
        write([](storage::UnitOfWork& uow) {
            for (const char* id : {"ten_a", "ten_b"}) {
                domain::Tenant t;
                t.id = id;
                t.name = id;
                uow.tenants().insert(t);
            }
            for (const auto& [tenant, id] : std::vector<std::pair<std::string, std::string>>{
                     {"ten_a", "cus_1"}, {"ten_a", "cus_2"}, {"ten_b", "cus_9"}}) {
                domain::Customer c;
                c.tenant_id = tenant;
                c.id = id;
                c.name = id;
                c.contact_email = "c@example.com";
                uow.customers().insert(c);
            }
        });
    }

    void write(const std::function<void(storage::UnitOfWork&)>& body) {
        store->transact(storage::TxMode::kWrite, [&](storage::UnitOfWork& uow) {
            body(uow);
            return true;
        });
    }
    template <typename F>
    auto read(F&& body) {
        using R = decltype(body(std::declval<storage::UnitOfWork&>()));
        std::optional<R> out;
        store->transact(storage::TxMode::kRead, [&](storage::UnitOfWork& uow) {
            out.emplace(body(uow));
            return true;
        });
        return std::move(*out);
    }

    // An invoice row with only what the summary reads filled in.
    void invoice(const std::string& tenant, const std::string& id, const std::string& customer,
                 const std::string& status, const std::string& currency, std::int64_t due) {
        db->transact(storage::TxMode::kWrite, [&](storage::Connection& c) {
            c.execute(
                "INSERT INTO invoices (tenant_id, id, customer_id, status, period_start, "
                "period_end, currency, due_days, tax_rate_milli_pct, tax_display, subtotal_minor, "
                "discount_minor, tax_minor, total_minor, credit_applied_minor, amount_due_minor, "
                "billed_wh, created_at, updated_at) VALUES (?, ?, ?, ?, ?, '2026-02-01', ?, 15, 0, "
                "'exclusive', ?, 0, 0, ?, 0, ?, 0, 0, 0)",
                {tenant, id, customer, status, "2026-01-0" + id.substr(id.size() - 1), currency,
                 due, due, due});
            return true;
        });
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(sql_revenue_guard)

BOOST_FIXTURE_TEST_CASE(status_events_are_listed_newest_first_per_customer_with_a_cursor, Fixture) {
    write([](storage::UnitOfWork& uow) {
        for (const auto& [id, customer, kind] :
             std::vector<std::tuple<std::string, std::string, std::string>>{
                 {"cse_1", "cus_1", "default_set"},
                 {"cse_2", "cus_2", "default_set"},
                 {"cse_3", "cus_1", "redirect_on"},
                 {"cse_4", "cus_1", "redirect_off"}}) {
            storage::CustomerStatusEvent e;
            e.tenant_id = "ten_a";
            e.id = id;
            e.customer_id = customer;
            e.kind = kind;
            e.actor = "key_1";
            e.actor_role = "tenant_admin";
            if (kind == "default_set") e.reason = "unpaid";
            if (kind != "default_set") e.webhook_event_id = "evt_" + id;
            uow.revenueGuard().insertStatusEvent(e);
        }
    });
    const auto page = read([](storage::UnitOfWork& uow) {
        return uow.revenueGuard().listStatusEvents("ten_a", "cus_1", {2, std::nullopt});
    });
    BOOST_REQUIRE_EQUAL(page.size(), 3U);  // limit + 1: there is a next page
    BOOST_CHECK_EQUAL(page[0].id, "cse_4");
    BOOST_CHECK_EQUAL(page[0].webhook_event_id.value_or(""), "evt_cse_4");
    BOOST_CHECK_EQUAL(page[1].id, "cse_3");
    const auto rest = read([](storage::UnitOfWork& uow) {
        return uow.revenueGuard().listStatusEvents("ten_a", "cus_1", {2, std::string("cse_3")});
    });
    BOOST_REQUIRE_EQUAL(rest.size(), 1U);
    BOOST_CHECK_EQUAL(rest[0].reason.value_or(""), "unpaid");
    BOOST_CHECK(read([](storage::UnitOfWork& uow) {
                    return uow.revenueGuard().listStatusEvents("ten_b", "cus_1", {10, {}});
                }).empty());
}

BOOST_FIXTURE_TEST_CASE(settings_are_inserted_then_updated_and_seal_keys_are_reported, Fixture) {
    BOOST_CHECK(read([](storage::UnitOfWork& uow) {
                    return uow.revenueGuard().findSettings("ten_a");
                }) == std::nullopt);
    storage::RevenueGuardSettings s;
    s.tenant_id = "ten_a";
    s.webhook_url = "https://a.example/hook";
    s.webhook_secret_sealed = "v1.sealed";
    s.key_id = "k1";
    write([&](storage::UnitOfWork& uow) { uow.revenueGuard().upsertSettings(s); });
    s.webhook_url.reset();
    s.updated_at = core::SysSeconds{std::chrono::seconds{5}};
    write([&](storage::UnitOfWork& uow) { uow.revenueGuard().upsertSettings(s); });
    const auto stored =
        read([](storage::UnitOfWork& uow) { return uow.revenueGuard().findSettings("ten_a"); });
    BOOST_REQUIRE(stored.has_value());
    BOOST_CHECK(!stored->webhook_url.has_value());
    BOOST_CHECK_EQUAL(stored->webhook_secret_sealed.value_or(""), "v1.sealed");
    BOOST_CHECK_EQUAL(stored->updated_at.time_since_epoch().count(), 5);
    // The server's master-key check sees webhook secrets as it sees plugin secrets.
    const auto keys =
        read([](storage::UnitOfWork& uow) { return uow.pluginSettings().secretKeyIds(); });
    BOOST_CHECK((keys == std::vector<std::string>{"k1"}));
}

BOOST_FIXTURE_TEST_CASE(counts_units_and_overdue_totals_are_per_tenant, Fixture) {
    write([](storage::UnitOfWork& uow) {
        auto c1 = uow.customers().find("ten_a", "cus_1").value();
        c1.in_default = true;
        c1.default_reason = "x";
        c1.pool_redirect = true;
        uow.customers().update(c1);
        auto c2 = uow.customers().find("ten_a", "cus_2").value();
        c2.in_default = true;
        c2.default_reason = "y";
        c2.archived_at = core::SysSeconds{};  // archived: not counted
        uow.customers().update(c2);
        const auto key = uow.equipment().reserveSampleKeys(3);
        int n = 0;
        for (const auto& [id, owner, status] :
             std::vector<std::tuple<std::string, std::string, domain::EquipmentStatus>>{
                 {"eqp_1", "cus_1", domain::EquipmentStatus::kOnline},
                 {"eqp_2", "cus_1", domain::EquipmentStatus::kRetired},
                 {"eqp_3", "cus_2", domain::EquipmentStatus::kOnline}}) {
            domain::Equipment e;
            e.tenant_id = "ten_a";
            e.id = id;
            e.serial_number = "SN-" + id;
            e.model = "S19";
            e.owner_customer_id = owner;
            e.status = status;
            e.sample_key = key + n++;
            uow.equipment().insert(e);
        }
    });
    invoice("ten_a", "inv_1", "cus_1", "overdue", "USD", 1000);
    invoice("ten_a", "inv_2", "cus_2", "overdue", "USD", 250);
    invoice("ten_a", "inv_3", "cus_1", "overdue", "EUR", 70);
    invoice("ten_a", "inv_4", "cus_1", "issued", "USD", 5000);
    invoice("ten_b", "inv_5", "cus_9", "overdue", "USD", 9);

    read([](storage::UnitOfWork& uow) {
        auto& rg = uow.revenueGuard();
        BOOST_CHECK_EQUAL(rg.countInDefault("ten_a"), 1);
        BOOST_CHECK_EQUAL(rg.countRedirected("ten_a"), 1);
        BOOST_CHECK_EQUAL(rg.countInDefault("ten_b"), 0);
        const auto units = rg.activeEquipmentOf("ten_a", "cus_1");
        BOOST_REQUIRE_EQUAL(units.size(), 1U);
        BOOST_CHECK_EQUAL(units[0].id, "eqp_1");
        BOOST_CHECK_EQUAL(units[0].serial_number, "SN-eqp_1");
        const auto totals = rg.overdueByCurrency("ten_a");
        BOOST_REQUIRE_EQUAL(totals.size(), 2U);
        BOOST_CHECK_EQUAL(totals[0].currency, "EUR");
        BOOST_CHECK_EQUAL(totals[0].amount_minor, 70);
        BOOST_CHECK_EQUAL(totals[1].currency, "USD");
        BOOST_CHECK_EQUAL(totals[1].amount_minor, 1250);
        BOOST_CHECK_EQUAL(totals[1].count, 2);
        return 0;
    });
}

BOOST_AUTO_TEST_SUITE_END()
