// Many writers creating things for one tenant at the same moment, as several API clients (or
// nodes) do: every create must succeed and the data must be right. On MariaDB write
// transactions run SERIALIZABLE, so a plain read takes shared next-key locks; a transaction that
// reads a gap and then inserts into it deadlocks with another that did the same, and the driver
// starts it over. These tests also require that no transaction was started over: a deadlock
// between creators is a bug (enough of them exhaust the driver's retries and the API answers
// 503), not a cost.

#include <algorithm>
#include <barrier>
#include <boost/test/unit_test.hpp>
#include <exception>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "services/payments_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::ContractStatus;
using domain::ContractType;

namespace {

constexpr int kThreads = 8;
constexpr int kEach = 6;
constexpr int kAll = kThreads * kEach;

// Runs body(n) for n in [0, kAll), kEach per thread on kThreads threads that start together.
// What a body throws is kept (a DbError out of a write transaction is the API's 503) and
// returned, one text per failure; Boost.Test's assertions are not used on the threads.
std::vector<std::string> together(const std::function<void(int)>& body) {
    std::barrier start(kThreads);
    std::vector<std::string> failures(kAll);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            start.arrive_and_wait();
            for (int i = 0; i < kEach; ++i) {
                const int n = t * kEach + i;
                try {
                    body(n);
                } catch (const std::exception& e) {
                    failures[static_cast<std::size_t>(n)] = e.what();
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    std::erase_if(failures, [](const std::string& f) { return f.empty(); });
    return failures;
}

void checkNoFailures(const std::vector<std::string>& failures) {
    BOOST_CHECK_MESSAGE(failures.empty(), failures.size() << " of " << kAll << " creates failed"
                                                          << (failures.empty() ? "" : ", first: ")
                                                          << (failures.empty() ? "" : failures[0]));
}

// An Infinity contract (billed from nameplate power, no telemetry needed) for `quantity` S19s.
void infinityS19(domain::Contract& c, std::int64_t quantity) {
    c.type = ContractType::kInfinity;
    c.miner_model = "S19";
    c.miner_hashrate_mth = 100000;
    c.miner_efficiency_mjth = 30000;
    c.quantity = quantity;
    c.connector_fee_bp = 0;
    c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
    c.rate_micro = 50000;
}

struct ConcurrentFixture : PaymentsFixture {
    // Each create moves the clock on by a millisecond, so ids grow as on a real clock (new rows
    // land at the end of each index, where concurrent creators meet).
    void tick() { clock.advance(std::chrono::milliseconds{1}); }

    // What a create returned, or why it was refused, per slot.
    template <typename T>
    static void keep(std::vector<std::optional<T>>& out, std::vector<std::string>& refusals, int n,
                     core::Result<T> r) {
        if (r.ok()) {
            out[static_cast<std::size_t>(n)] = std::move(r).value();
        } else {
            refusals[static_cast<std::size_t>(n)] = r.error().detail;
        }
    }

    void checkNoReruns() {
        BOOST_CHECK_MESSAGE(counted->reruns() == 0,
                            counted->reruns() << " transactions were started over (deadlocks)");
    }

    std::vector<std::string> customers(int count) {
        std::vector<std::string> out;
        for (int i = 0; i < count; ++i) out.push_back(customer("Customer " + std::to_string(i)));
        return out;
    }

    // A draft (of October unless told) for `owner` in `tenant_id`, written as the engine would.
    std::string draft(const std::string& tenant_id, const std::string& owner, std::int64_t amount,
                      core::Date period_start = ymd(2026, 10, 1)) {
        ++serial;
        return insertDraft(tenant_id, owner, amount, period_start, serial);
    }

    // Issues each of `drafts` on its own thread at once (draft n in tenant_of(n)): every one is
    // issued, none refused, no transaction started over. The issued invoices, in draft order.
    std::vector<domain::Invoice> issueTogether(const std::vector<std::string>& drafts,
                                               const std::function<std::string(int)>& tenant_of);

    std::int64_t countRows(const std::string& sql) {
        std::int64_t n = 0;
        db->transact(storage::TxMode::kRead, [&](storage::Connection& c) {
            n = c.query(sql, {tenant}).at(0).getInt(0);
            return true;
        });
        return n;
    }
};

std::vector<std::string> refusalsIn(const std::vector<std::string>& refusals) {
    std::vector<std::string> out;
    for (const auto& r : refusals)
        if (!r.empty()) out.push_back(r);
    return out;
}

std::vector<domain::Invoice> ConcurrentFixture::issueTogether(
    const std::vector<std::string>& drafts, const std::function<std::string(int)>& tenant_of) {
    const auto reruns_before = counted->reruns();
    std::vector<std::optional<domain::Invoice>> issued(drafts.size());
    std::vector<std::string> refusals(drafts.size());
    const auto failures = together([&](int n) {
        services::StatusChange issue;
        issue.target = domain::InvoiceStatus::kIssued;
        keep(issued, refusals, n,
             invoicing.changeStatus(actor, tenant_of(n), drafts[static_cast<std::size_t>(n)],
                                    issue));
    });
    checkNoFailures(failures);
    BOOST_CHECK_MESSAGE(refusalsIn(refusals).empty(),
                        (refusalsIn(refusals).empty() ? "" : refusalsIn(refusals)[0]));
    BOOST_CHECK_EQUAL(counted->reruns() - reruns_before, 0);
    std::vector<domain::Invoice> out;
    for (auto& inv : issued) {
        BOOST_REQUIRE(inv);
        out.push_back(std::move(*inv));
    }
    return out;
}

// The invoices hold the numbers 1..count of 2026, each once.
void checkNumberedOneTo(const std::vector<domain::Invoice>& invoices, int count) {
    std::set<std::string> numbers;
    for (const auto& inv : invoices) numbers.insert(inv.invoice_number.value_or(""));
    std::set<std::string> expected;
    for (int i = 1; i <= count; ++i)
        expected.insert(domain::formatInvoiceNumber(domain::kCustomerInvoicePrefix, 2026, i));
    BOOST_CHECK_EQUAL_COLLECTIONS(numbers.begin(), numbers.end(), expected.begin(), expected.end());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(concurrent_creates, ConcurrentFixture)

BOOST_AUTO_TEST_CASE(contracts_activated_on_creation_at_once_are_all_created_and_numbered) {
    // The bench's set-up: one Infinity contract per customer, activated as it is created.
    const auto owners = customers(kAll);
    std::vector<std::optional<services::ContractView>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        keep(made, refusals, n,
             contracts.create(
                 actor, tenant, owners[static_cast<std::size_t>(n)],
                 [](domain::Contract& c) { infinityS19(c, 2); }, true));
    });
    checkNoFailures(failures);
    BOOST_CHECK_EQUAL(refusalsIn(refusals).size(), 0U);
    checkNoReruns();

    std::set<std::string> numbers;
    for (const auto& v : made) {
        BOOST_REQUIRE(v);
        BOOST_CHECK(v->contract.status == ContractStatus::kActive);
        numbers.insert(v->contract.contract_number.value_or(""));
        const auto stored = contracts.get(tenant, v->contract.id);
        BOOST_REQUIRE(stored.ok());
        BOOST_REQUIRE_EQUAL(stored->events.size(), 2U);
        BOOST_CHECK_EQUAL(stored->events[0].kind, "created");
        BOOST_CHECK_EQUAL(stored->events[1].kind, "activated");
    }
    std::set<std::string> expected;
    for (int i = 1; i <= kAll; ++i) expected.insert(domain::formatContractNumber(i));
    BOOST_CHECK_EQUAL_COLLECTIONS(numbers.begin(), numbers.end(), expected.begin(), expected.end());
    BOOST_CHECK_EQUAL(contracts.list(tenant, {}, {500, std::nullopt}).items.size(),
                      std::size_t{kAll});
    BOOST_CHECK_EQUAL(countRows("SELECT COUNT(*) FROM audit_events WHERE tenant_id = ? AND "
                                "action = 'contract.activated'"),
                      kAll);
}

BOOST_AUTO_TEST_CASE(draft_contracts_for_one_customer_at_once_are_all_created) {
    std::vector<std::optional<services::ContractView>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        keep(made, refusals, n,
             contracts.create(
                 actor, tenant, customer_id,
                 [n](domain::Contract& c) {
                     c.type = n % 2 == 0 ? ContractType::kHosted : ContractType::kLease;
                     c.rate_micro = 65000;
                 },
                 false));
    });
    checkNoFailures(failures);
    BOOST_CHECK_EQUAL(refusalsIn(refusals).size(), 0U);
    checkNoReruns();
    for (const auto& v : made) {
        BOOST_REQUIRE(v);
        BOOST_CHECK(v->contract.status == ContractStatus::kDraft);
        BOOST_CHECK(!v->contract.contract_number);
        BOOST_REQUIRE_EQUAL(v->events.size(), 1U);
        BOOST_CHECK_EQUAL(v->events[0].kind, "created");
    }
    storage::ContractFilter mine;
    mine.customer_id = customer_id;
    BOOST_CHECK_EQUAL(contracts.list(tenant, mine, {500, std::nullopt}).items.size(),
                      std::size_t{kAll});
    BOOST_CHECK_EQUAL(countRows("SELECT COUNT(*) FROM contract_events WHERE tenant_id = ?"), kAll);
}

BOOST_AUTO_TEST_CASE(customers_created_at_once_are_all_created) {
    std::vector<std::optional<domain::Customer>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        keep(made, refusals, n, inventory.createCustomer(actor, tenant, [n](domain::Customer& c) {
            c.name = "Parallel " + std::to_string(n);
            c.contact_email = "p" + std::to_string(n) + "@example.com";
        }));
    });
    checkNoFailures(failures);
    BOOST_CHECK_EQUAL(refusalsIn(refusals).size(), 0U);
    checkNoReruns();
    std::set<std::string> names;
    for (const auto& c : inventory.listCustomers(tenant, {}, {500, std::nullopt}).items)
        names.insert(c.name);
    BOOST_CHECK_EQUAL(names.size(), std::size_t{kAll} + 1);  // and the fixture's own
    for (int n = 0; n < kAll; ++n) BOOST_CHECK(names.count("Parallel " + std::to_string(n)) == 1);
}

BOOST_AUTO_TEST_CASE(sites_created_at_once_are_all_created) {
    std::vector<std::optional<domain::Site>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        keep(made, refusals, n, inventory.createSite(actor, tenant, [&, n](domain::Site& s) {
            s.name = "Site " + std::to_string(n);
            if (n % 2 == 0) s.operated_for_customer_id = customer_id;
        }));
    });
    checkNoFailures(failures);
    BOOST_CHECK_EQUAL(refusalsIn(refusals).size(), 0U);
    checkNoReruns();
    BOOST_CHECK_EQUAL(inventory.listSites(tenant, std::nullopt, {500, std::nullopt}).items.size(),
                      std::size_t{kAll});
    BOOST_CHECK_EQUAL(inventory.listSites(tenant, customer_id, {500, std::nullopt}).items.size(),
                      std::size_t{kAll / 2});
}

BOOST_AUTO_TEST_CASE(equipment_created_at_once_is_all_created_with_its_own_sample_keys) {
    std::vector<std::optional<domain::Equipment>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        keep(made, refusals, n,
             inventory.createEquipment(actor, tenant, [&, n](domain::Equipment& e) {
                 e.serial_number = "PAR-" + std::to_string(1000 + n);
                 e.model = "S19";
                 e.hashrate_mth = 100000;
                 e.power_mw = 3250000;
                 e.pdu_port = "pdu-1/" + std::to_string(n);
                 if (n % 2 == 0) e.owner_customer_id = customer_id;
             }));
    });
    checkNoFailures(failures);
    BOOST_CHECK_EQUAL(refusalsIn(refusals).size(), 0U);
    checkNoReruns();
    std::set<std::int64_t> keys;
    std::set<std::string> serials;
    for (const auto& e : inventory.listEquipment(tenant, {}, {500, std::nullopt}).items) {
        keys.insert(e.sample_key);
        serials.insert(e.serial_number);
    }
    BOOST_CHECK_EQUAL(serials.size(), std::size_t{kAll});
    BOOST_CHECK_EQUAL(keys.size(), std::size_t{kAll});
}

BOOST_AUTO_TEST_CASE(equipment_imports_and_creates_at_once_all_land) {
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        const std::string serial = "IMP-" + std::to_string(1000 + n);
        if (n % 2 == 0) {
            const auto r = inventory.importEquipmentCsv(
                actor, tenant,
                "serial_number,model,hashrate_ths,power_w\n" + serial + "-a,S21,200,3500\n" +
                    serial + "-b,S21,200,3500\n");
            if (!r.ok()) {
                refusals[static_cast<std::size_t>(n)] = r.error().detail;
            } else if (!r->errors.empty()) {
                refusals[static_cast<std::size_t>(n)] = r->errors[0].message;
            }
        } else {
            const auto r = inventory.createEquipment(actor, tenant, [&](domain::Equipment& e) {
                e.serial_number = serial;
                e.model = "S19";
                e.hashrate_mth = 100000;
                e.power_mw = 3250000;
            });
            if (!r.ok()) refusals[static_cast<std::size_t>(n)] = r.error().detail;
        }
    });
    checkNoFailures(failures);
    BOOST_CHECK_MESSAGE(refusalsIn(refusals).empty(),
                        (refusalsIn(refusals).empty() ? "" : refusalsIn(refusals)[0]));
    checkNoReruns();
    std::set<std::int64_t> keys;
    const auto all = inventory.listEquipment(tenant, {}, {500, std::nullopt}).items;
    for (const auto& e : all) keys.insert(e.sample_key);
    BOOST_CHECK_EQUAL(all.size(), std::size_t{kAll / 2 * 3});
    BOOST_CHECK_EQUAL(keys.size(), all.size());
}

BOOST_AUTO_TEST_CASE(equipment_with_one_serial_at_once_is_created_once_and_refused_otherwise) {
    // The creators queue, so each later one sees the first unit and answers 409.
    std::vector<std::optional<core::ErrorCode>> codes(kAll);
    const auto failures = together([&](int n) {
        const auto r = inventory.createEquipment(actor, tenant, [](domain::Equipment& e) {
            e.serial_number = "SAME-1";
            e.model = "S19";
            e.hashrate_mth = 100000;
            e.power_mw = 3250000;
        });
        if (!r.ok()) codes[static_cast<std::size_t>(n)] = r.error().code;
    });
    checkNoFailures(failures);
    checkNoReruns();
    const auto created = std::count(codes.begin(), codes.end(), std::nullopt);
    const auto conflicts =
        std::count(codes.begin(), codes.end(), std::optional{core::ErrorCode::kConflict});
    BOOST_CHECK_EQUAL(created, 1);
    BOOST_CHECK_EQUAL(conflicts, kAll - 1);
    BOOST_CHECK_EQUAL(inventory.listEquipment(tenant, {}, {500, std::nullopt}).items.size(), 1U);
}

BOOST_AUTO_TEST_CASE(drafts_issued_at_once_are_numbered_without_gaps_or_repeats) {
    const auto owners = customers(kAll);
    std::vector<std::string> drafts;
    for (int n = 0; n < kAll; ++n)
        drafts.push_back(draft(tenant, owners[static_cast<std::size_t>(n)], 1000 + n));
    const auto issued = issueTogether(drafts, [&](int) { return tenant; });
    BOOST_CHECK_EQUAL(issued.size(), static_cast<std::size_t>(kAll));
    checkNumberedOneTo(issued, kAll);
    BOOST_CHECK_EQUAL(countRows("SELECT COUNT(*) FROM outbox_messages WHERE tenant_id = ?"), kAll);
}

BOOST_AUTO_TEST_CASE(drafts_of_many_tenants_issued_at_once_are_numbered_per_tenant) {
    // Each thread issues its own tenant's drafts: nothing but the tables is shared.
    std::vector<std::string> tenants;
    std::vector<std::string> drafts;
    for (int t = 0; t < kThreads; ++t) {
        const auto id = billing
                            .createTenant(actor, {"Tenant " + std::to_string(t),
                                                  domain::TenantStatus::kActive, "UTC", "USD"})
                            .value()
                            .id;
        tenants.push_back(id);
        const auto owner = inventory
                               .createCustomer(actor, id,
                                               [](domain::Customer& c) {
                                                   c.name = "Ada";
                                                   c.contact_email = "ada@example.com";
                                               })
                               .value()
                               .id;
        // One customer has one invoice per period: each draft bills a month of its own.
        for (int i = 0; i < kEach; ++i)
            drafts.push_back(draft(id, owner, 1000 + i, core::addDays(ymd(2025, 1, 1), 31 * i)));
    }
    const auto issued =
        issueTogether(drafts, [&](int n) { return tenants[static_cast<std::size_t>(n / kEach)]; });
    BOOST_REQUIRE_EQUAL(issued.size(), static_cast<std::size_t>(kAll));
    for (int t = 0; t < kThreads; ++t) {
        const auto first = issued.begin() + t * kEach;
        checkNumberedOneTo(std::vector<domain::Invoice>(first, first + kEach), kEach);
    }
}

BOOST_AUTO_TEST_CASE(invoices_generated_at_once_for_many_customers_are_each_created_once) {
    // Infinity contracts bill from nameplate power: no telemetry needed.
    at(ymd(2026, 10, 1));
    const auto owners = customers(kAll);
    for (const auto& owner : owners) {
        auto v = contracts.create(
            actor, tenant, owner, [](domain::Contract& c) { infinityS19(c, 1); }, true);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
    }
    at(ymd(2026, 11, 2), 9);
    const auto reruns_before = counted->reruns();
    std::vector<std::optional<services::Generated>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        services::GenerateRequest req;
        req.customer_id = owners[static_cast<std::size_t>(n)];
        req.period_start = ymd(2026, 10, 1);
        req.intent = services::IssueIntent::kIssue;
        keep(made, refusals, n, invoicing.generate(actor, tenant, req));
    });
    checkNoFailures(failures);
    BOOST_CHECK_MESSAGE(refusalsIn(refusals).empty(),
                        (refusalsIn(refusals).empty() ? "" : refusalsIn(refusals)[0]));
    BOOST_CHECK_EQUAL(counted->reruns() - reruns_before, 0);
    std::set<std::string> numbers;
    for (const auto& g : made) {
        BOOST_REQUIRE(g && g->invoice);
        BOOST_CHECK(g->outcome == services::GenerateOutcome::kCreated);
        BOOST_CHECK(g->invoice->status == domain::InvoiceStatus::kIssued);
        BOOST_CHECK_GT(g->invoice->total_minor, 0);
        numbers.insert(g->invoice->invoice_number.value_or(""));
    }
    BOOST_CHECK_EQUAL(numbers.size(), std::size_t{kAll});
    BOOST_CHECK_EQUAL(countRows("SELECT COUNT(*) FROM invoices WHERE tenant_id = ?"), kAll);
}

BOOST_AUTO_TEST_CASE(payments_recorded_at_once_on_many_invoices_all_land) {
    std::vector<std::string> invoices;
    for (int n = 0; n < kAll; ++n) invoices.push_back(issuedInvoice(10000 + n));
    const auto reruns_before = counted->reruns();
    std::vector<std::optional<domain::Payment>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        services::PayRequest r;
        r.plugin_id = "payment_manual";
        r.params["reference"] = "WIRE-" + std::to_string(n);
        r.params["channel"] = "wire";
        keep(made, refusals, n,
             payments->pay(actor, tenant, invoices[static_cast<std::size_t>(n)], r));
    });
    checkNoFailures(failures);
    BOOST_CHECK_MESSAGE(refusalsIn(refusals).empty(),
                        (refusalsIn(refusals).empty() ? "" : refusalsIn(refusals)[0]));
    BOOST_CHECK_EQUAL(counted->reruns() - reruns_before, 0);
    for (int n = 0; n < kAll; ++n) {
        const auto& p = made[static_cast<std::size_t>(n)];
        BOOST_REQUIRE(p);
        BOOST_CHECK(p->status == domain::PaymentStatus::kSucceeded);
        const auto inv = invoice(invoices[static_cast<std::size_t>(n)]);
        BOOST_CHECK(inv.status == domain::InvoiceStatus::kPaid);
        BOOST_CHECK_EQUAL(inv.amount_paid_minor, 10000 + n);
    }
}

BOOST_AUTO_TEST_CASE(payments_recorded_at_once_on_one_invoice_pay_it_exactly) {
    // Eight wires of $10 at once against a $480 invoice: each lands once, the invoice is paid
    // by the last of them.
    const std::string inv_id = issuedInvoice(1000 * kAll);
    const auto reruns_before = counted->reruns();
    std::vector<std::optional<domain::Payment>> made(kAll);
    std::vector<std::string> refusals(kAll);
    const auto failures = together([&](int n) {
        tick();
        services::PayRequest r;
        r.plugin_id = "payment_manual";
        r.amount_minor = 1000;
        r.params["reference"] = "PART-" + std::to_string(n);
        r.params["channel"] = "wire";
        keep(made, refusals, n, payments->pay(actor, tenant, inv_id, r));
    });
    checkNoFailures(failures);
    BOOST_CHECK_MESSAGE(refusalsIn(refusals).empty(),
                        (refusalsIn(refusals).empty() ? "" : refusalsIn(refusals)[0]));
    BOOST_CHECK_EQUAL(counted->reruns() - reruns_before, 0);
    const auto inv = invoice(inv_id);
    BOOST_CHECK(inv.status == domain::InvoiceStatus::kPaid);
    BOOST_CHECK_EQUAL(inv.amount_paid_minor, 1000 * kAll);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 0);
}

BOOST_AUTO_TEST_SUITE_END()
