#include <algorithm>
#include <boost/test/unit_test.hpp>

#include "services/contracts.h"
#include "services/inventory.h"
#include "services/service_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::ContractStatus;
using domain::ContractType;

namespace {

struct ContractsFixture : StoreFixture {
    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::Inventory inventory{*store, clock};
    services::Contracts contracts{*store, clock};
    services::Actor actor{"key_test", "tenant_admin", std::nullopt};
    int serial = 0;

    std::string tenant(const std::string& zone = "UTC") {
        auto t =
            billing.createTenant(actor, {"Tenant", domain::TenantStatus::kActive, zone, "USD"});
        BOOST_REQUIRE(t.ok());
        return t->id;
    }

    std::string customer(const std::string& t) {
        auto created = inventory.createCustomer(actor, t, [](domain::Customer& c) {
            c.name = "Ada Miner";
            c.contact_email = "ada@example.com";
        });
        BOOST_REQUIRE(created.ok());
        return created->id;
    }

    // A unit owned by `owner` (a customer id), or the tenant's own when empty.
    std::string unit(const std::string& t, const std::string& owner = "") {
        const std::string sn = "SN-" + std::to_string(++serial);
        auto created = inventory.createEquipment(actor, t, [&](domain::Equipment& e) {
            e.serial_number = sn;
            e.model = "S19";
            e.hashrate_mth = 100000;
            e.power_mw = 3000000;
            if (!owner.empty()) e.owner_customer_id = owner;
        });
        BOOST_REQUIRE(created.ok());
        return created->id;
    }

    std::string site(const std::string& t) {
        auto created = inventory.createSite(actor, t, [](domain::Site& s) { s.name = "North"; });
        BOOST_REQUIRE(created.ok());
        return created->id;
    }

    // A hosted month-to-month draft at 0.065/kWh.
    services::ContractView hosted(const std::string& t, const std::string& cus,
                                  const services::ContractEdit& more = {}) {
        auto v = contracts.create(
            actor, t, cus,
            [&](domain::Contract& c) {
                c.type = ContractType::kHosted;
                c.rate_micro = 65000;
                if (more) more(c);
            },
            false);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        return *v;
    }

    services::ContractView lease(const std::string& t, const std::string& cus,
                                 const services::ContractEdit& more = {}) {
        auto v = contracts.create(
            actor, t, cus,
            [&](domain::Contract& c) {
                c.type = ContractType::kLease;
                c.rate_micro = 70000;
                if (more) more(c);
            },
            false);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        return *v;
    }

    services::ContractView active(const std::string& t, const std::string& id) {
        auto v = contracts.activate(actor, t, id);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        return *v;
    }

    services::ContractView read(const std::string& t, const std::string& id) {
        return contracts.get(t, id).value();
    }

    std::optional<std::string> holder(const std::string& t, const std::string& eq) {
        return inventory.activeContractOf(t, eq);
    }

    std::vector<std::string> kinds(const services::ContractView& v) {
        std::vector<std::string> out;
        for (const auto& e : v.events) out.push_back(e.kind);
        return out;
    }
};

std::string field(const core::Error& e) { return e.fields.empty() ? "" : e.fields[0].field; }
std::string fieldCode(const core::Error& e) { return e.fields.empty() ? "" : e.fields[0].code; }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(contracts_service, ContractsFixture)

BOOST_AUTO_TEST_CASE(activation_numbers_contracts_sequentially_per_tenant) {
    const auto a = tenant();
    const auto b = tenant();
    const auto cus_a = customer(a);
    const auto cus_b = customer(b);
    const auto first = hosted(a, cus_a);
    const auto second = hosted(a, cus_a);
    const auto other = hosted(b, cus_b);
    BOOST_CHECK(!first.contract.contract_number);
    BOOST_REQUIRE(contracts.assignEquipment(actor, a, first.contract.id, {unit(a, cus_a)}).ok());
    BOOST_REQUIRE(contracts.assignEquipment(actor, a, second.contract.id, {unit(a, cus_a)}).ok());
    BOOST_REQUIRE(contracts.assignEquipment(actor, b, other.contract.id, {unit(b, cus_b)}).ok());

    const auto one = active(a, first.contract.id);
    BOOST_CHECK_EQUAL(*one.contract.contract_number, "C-000001");
    BOOST_CHECK(one.contract.status == ContractStatus::kActive);
    BOOST_CHECK(one.contract.activated_at.has_value());
    BOOST_CHECK_EQUAL(*active(b, other.contract.id).contract.contract_number, "C-000001");
    BOOST_CHECK_EQUAL(*active(a, second.contract.id).contract.contract_number, "C-000002");
}

BOOST_AUTO_TEST_CASE(activation_requires_equipment_or_sites_and_a_draft) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus);
    auto refused = contracts.activate(actor, t, draft.contract.id);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK(refused.error().code == core::ErrorCode::kValidationFailed);
    BOOST_CHECK_EQUAL(field(refused.error()), "equipment");
    const auto still = read(t, draft.contract.id);
    BOOST_CHECK(still.contract.status == ContractStatus::kDraft);
    BOOST_CHECK(!still.contract.contract_number);

    auto om = contracts.create(
        actor, t, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kOperations;
            c.service_fee_per_site_minor = 250000;
        },
        false);
    BOOST_REQUIRE(om.ok());
    auto no_sites = contracts.activate(actor, t, om->contract.id);
    BOOST_REQUIRE(!no_sites.ok());
    BOOST_CHECK_EQUAL(field(no_sites.error()), "sites");
    BOOST_REQUIRE(contracts.assignSites(actor, t, om->contract.id, {site(t)}).ok());
    const auto om_active = active(t, om->contract.id);
    BOOST_CHECK_EQUAL(om_active.site_ids.size(), 1U);

    auto again = contracts.activate(actor, t, om->contract.id);
    BOOST_REQUIRE(!again.ok());
    BOOST_CHECK(again.error().code == core::ErrorCode::kInvalidTransition);
}

BOOST_AUTO_TEST_CASE(a_unit_in_another_active_contract_is_a_409_and_changes_nothing) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto miner = unit(t, cus);
    const auto a = hosted(t, cus);
    const auto b = hosted(t, cus);
    // Drafts may share a unit; only activation takes its one active slot.
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, a.contract.id, {miner}).ok());
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, b.contract.id, {miner}).ok());
    const auto first = active(t, a.contract.id);

    const auto before = read(t, b.contract.id);
    auto refused = contracts.activate(actor, t, b.contract.id);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK(refused.error().code == core::ErrorCode::kConflict);
    BOOST_CHECK_EQUAL(field(refused.error()), "equipment_ids");
    BOOST_CHECK_EQUAL(fieldCode(refused.error()), "in_active_contract");
    BOOST_CHECK(refused.error().detail.find(miner) != std::string::npos);
    BOOST_CHECK(refused.error().detail.find("C-000001") != std::string::npos);
    const auto after = read(t, b.contract.id);
    BOOST_CHECK(after.contract.status == ContractStatus::kDraft);
    BOOST_CHECK(!after.contract.contract_number);
    BOOST_CHECK_EQUAL(after.events.size(), before.events.size());
    BOOST_CHECK_EQUAL(*holder(t, miner), first.contract.id);

    // The refused activation used no number.
    const auto c = hosted(t, cus);
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, c.contract.id, {unit(t, cus)}).ok());
    BOOST_CHECK_EQUAL(*active(t, c.contract.id).contract.contract_number, "C-000002");

    // Assigning the held unit to another active contract is refused the same way.
    auto assign = contracts.assignEquipment(actor, t, c.contract.id, {miner});
    BOOST_REQUIRE(!assign.ok());
    BOOST_CHECK(assign.error().code == core::ErrorCode::kConflict);
    BOOST_CHECK_EQUAL(read(t, c.contract.id).equipment_ids.size(), 1U);
}

BOOST_AUTO_TEST_CASE(hosted_contracts_take_the_customers_units_and_leases_the_tenants) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto other = customer(t);
    const auto h = hosted(t, cus);
    const auto l = lease(t, cus);
    for (const auto& eq : {unit(t), unit(t, other)}) {
        auto refused = contracts.assignEquipment(actor, t, h.contract.id, {eq});
        BOOST_REQUIRE(!refused.ok());
        BOOST_CHECK_EQUAL(field(refused.error()), "equipment_ids");
        BOOST_CHECK_EQUAL(fieldCode(refused.error()), "wrong_owner");
    }
    auto customers_unit = contracts.assignEquipment(actor, t, l.contract.id, {unit(t, cus)});
    BOOST_REQUIRE(!customers_unit.ok());
    BOOST_CHECK_EQUAL(fieldCode(customers_unit.error()), "wrong_owner");
    auto missing = contracts.assignEquipment(actor, t, l.contract.id, {"eqp_missing"});
    BOOST_REQUIRE(!missing.ok());
    BOOST_CHECK_EQUAL(fieldCode(missing.error()), "not_found");
    BOOST_CHECK(read(t, h.contract.id).equipment_ids.empty());
    BOOST_CHECK(read(t, l.contract.id).equipment_ids.empty());
}

BOOST_AUTO_TEST_CASE(an_auto_renewing_contract_renews_on_its_end_date_in_the_tenants_zone) {
    const auto t = tenant("America/New_York");
    const auto cus = customer(t);
    setLocal("America/New_York", 2026, 3, 1, 10, 0);
    const auto draft = hosted(t, cus, [](domain::Contract& c) { c.auto_renew = true; });
    BOOST_CHECK(draft.contract.start_date == ymd(2026, 3, 1));
    BOOST_CHECK(draft.contract.end_date == ymd(2026, 4, 1));
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);

    setLocal("America/New_York", 2026, 3, 31, 23, 30);  // already April 1st in UTC
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).renewed, 0);
    setLocal("America/New_York", 2026, 4, 1, 0, 5);
    const auto outcome = contracts.processEndDates(*leases);
    BOOST_CHECK_EQUAL(outcome.renewed, 1);
    BOOST_CHECK_EQUAL(outcome.expired, 0);
    const auto renewed = read(t, draft.contract.id);
    BOOST_CHECK(renewed.contract.status == ContractStatus::kActive);
    BOOST_CHECK(renewed.contract.end_date == ymd(2026, 5, 1));
    BOOST_CHECK_EQUAL(renewed.events.back().kind, "renewed");
    BOOST_CHECK(*renewed.events.back().previous_end_date == ymd(2026, 4, 1));
    BOOST_CHECK(*renewed.events.back().new_end_date == ymd(2026, 5, 1));
    BOOST_CHECK_EQUAL(renewed.events.back().actor, "system:contract_end_dates");
    // Running again the same day changes nothing.
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).renewed, 0);
    BOOST_CHECK_EQUAL(read(t, draft.contract.id).events.size(), renewed.events.size());

    // A scheduler that was down for two months catches up one renewal per term.
    setLocal("America/New_York", 2026, 6, 15, 12, 0);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).renewed, 1);
    BOOST_CHECK(read(t, draft.contract.id).contract.end_date == ymd(2026, 7, 1));
}

BOOST_AUTO_TEST_CASE(a_timely_notice_stops_the_renewal_and_expiry_releases_the_units) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto miner = unit(t, cus);
    const auto draft = hosted(t, cus, [](domain::Contract& c) {
        c.auto_renew = true;
        c.notice_days = 10;
    });
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {miner}).ok());
    active(t, draft.contract.id);
    setLocal("UTC", 2026, 3, 15, 9, 0);
    auto noticed = contracts.giveNotice(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(noticed.ok());
    BOOST_CHECK(*noticed->contract.notice_given_on == ymd(2026, 3, 15));
    const auto json = services::toJson(*noticed);
    BOOST_CHECK(json.find("renews_on")->isNull());
    BOOST_CHECK_EQUAL(json.find("expires_on")->asString(), "2026-04-01");

    setLocal("UTC", 2026, 4, 1, 0, 1);
    const auto outcome = contracts.processEndDates(*leases);
    BOOST_CHECK_EQUAL(outcome.expired, 1);
    BOOST_CHECK_EQUAL(outcome.renewed, 0);
    const auto ended = read(t, draft.contract.id);
    BOOST_CHECK(ended.contract.status == ContractStatus::kExpired);
    BOOST_CHECK(*ended.contract.ended_on == ymd(2026, 4, 1));
    BOOST_CHECK_EQUAL(*ended.contract.end_reason, "notice_given");
    BOOST_CHECK_EQUAL(ended.events.back().kind, "expired");
    BOOST_CHECK(!holder(t, miner));
    BOOST_CHECK_EQUAL(ended.equipment_ids.size(), 1U);  // the history keeps the assignment
}

BOOST_AUTO_TEST_CASE(a_late_notice_lets_the_contract_renew_until_the_notice_window_is_met) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus, [](domain::Contract& c) {
        c.auto_renew = true;
        c.notice_days = 10;
    });
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);
    setLocal("UTC", 2026, 3, 25, 9, 0);  // 7 days before the end date: too late for April 1st
    auto noticed = contracts.giveNotice(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(noticed.ok());
    const auto json = services::toJson(*noticed);
    BOOST_CHECK_EQUAL(json.find("renews_on")->asString(), "2026-04-01");
    BOOST_CHECK_EQUAL(json.find("expires_on")->asString(), "2026-05-01");

    setLocal("UTC", 2026, 4, 1, 0, 1);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).renewed, 1);
    BOOST_CHECK(read(t, draft.contract.id).contract.status == ContractStatus::kActive);
    setLocal("UTC", 2026, 5, 1, 0, 1);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).expired, 1);
    const auto ended = read(t, draft.contract.id);
    BOOST_CHECK(ended.contract.status == ContractStatus::kExpired);
    BOOST_CHECK(*ended.contract.ended_on == ymd(2026, 5, 1));
}

BOOST_AUTO_TEST_CASE(a_withdrawn_notice_lets_the_contract_renew_again) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus, [](domain::Contract& c) { c.auto_renew = true; });
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);
    BOOST_REQUIRE(contracts.giveNotice(actor, t, draft.contract.id, ymd(2026, 1, 1)).ok());
    auto twice = contracts.giveNotice(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(!twice.ok());
    BOOST_CHECK(twice.error().code == core::ErrorCode::kConflict);
    auto future = contracts.withdrawNotice(actor, t, draft.contract.id);
    BOOST_REQUIRE(future.ok());
    BOOST_CHECK(!future->contract.notice_given_on);
    BOOST_CHECK(!contracts.withdrawNotice(actor, t, draft.contract.id).ok());
    auto ahead = contracts.giveNotice(actor, t, draft.contract.id, ymd(2026, 3, 2));
    BOOST_REQUIRE(!ahead.ok());
    BOOST_CHECK_EQUAL(field(ahead.error()), "date");
    setLocal("UTC", 2026, 4, 1, 0, 1);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).renewed, 1);
}

BOOST_AUTO_TEST_CASE(a_contract_without_auto_renew_expires_and_takes_no_notice) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus, [](domain::Contract& c) {
        c.auto_renew = false;
        c.term = {domain::TermKind::kCustom, 10};
    });
    BOOST_CHECK(draft.contract.end_date == ymd(2026, 3, 11));
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);
    auto notice = contracts.giveNotice(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(!notice.ok());
    BOOST_CHECK_EQUAL(field(notice.error()), "auto_renew");
    setLocal("UTC", 2026, 3, 11, 0, 0);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).expired, 1);
    BOOST_CHECK_EQUAL(*read(t, draft.contract.id).contract.end_reason, "term_ended");
}

BOOST_AUTO_TEST_CASE(lease_expiry_returns_the_unit_so_it_can_join_another_contract) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto miner = unit(t);  // the tenant's inventory
    const auto first = lease(t, cus, [](domain::Contract& c) {
        c.term = {domain::TermKind::kCustom, 30};
    });
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, first.contract.id, {miner}).ok());
    active(t, first.contract.id);
    const auto next = lease(t, customer(t));
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, next.contract.id, {miner}).ok());
    BOOST_CHECK(!contracts.activate(actor, t, next.contract.id).ok());

    setLocal("UTC", 2026, 3, 31, 0, 0);
    BOOST_CHECK_EQUAL(contracts.processEndDates(*leases).expired, 1);
    const auto ended = read(t, first.contract.id);
    BOOST_CHECK(ended.contract.status == ContractStatus::kExpired);
    BOOST_CHECK(!holder(t, miner));
    BOOST_CHECK_EQUAL(*ended.events.back().detail, "leased equipment reverted to the tenant");
    const auto second = active(t, next.contract.id);
    BOOST_CHECK_EQUAL(*holder(t, miner), second.contract.id);
}

BOOST_AUTO_TEST_CASE(lease_extensions_move_the_end_date_up_to_the_limit) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = lease(t, cus, [](domain::Contract& c) { c.max_extensions = 2; });
    auto too_early = contracts.extend(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(!too_early.ok());
    BOOST_CHECK(too_early.error().code == core::ErrorCode::kInvalidTransition);
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t)}).ok());
    active(t, draft.contract.id);

    auto one = contracts.extend(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(one.ok());
    BOOST_CHECK(one->contract.end_date == ymd(2026, 5, 1));
    BOOST_CHECK_EQUAL(one->contract.extensions_used, 1);
    auto two = contracts.extend(actor, t, draft.contract.id, 10);
    BOOST_REQUIRE(two.ok());
    BOOST_CHECK(two->contract.end_date == ymd(2026, 5, 11));
    BOOST_CHECK_EQUAL(two->events.back().kind, "extended");
    BOOST_CHECK(*two->events.back().previous_end_date == ymd(2026, 5, 1));
    auto three = contracts.extend(actor, t, draft.contract.id, std::nullopt);
    BOOST_REQUIRE(!three.ok());
    BOOST_CHECK_EQUAL(field(three.error()), "extensions");
    BOOST_CHECK(read(t, draft.contract.id).contract.end_date == ymd(2026, 5, 11));

    const auto h = hosted(t, cus);
    auto not_lease = contracts.extend(actor, t, h.contract.id, std::nullopt);
    BOOST_REQUIRE(!not_lease.ok());
    BOOST_CHECK_EQUAL(field(not_lease.error()), "type");
}

BOOST_AUTO_TEST_CASE(an_infinity_contract_activates_on_creation_and_others_may_not) {
    const auto t = tenant();
    const auto cus = customer(t);
    auto v = contracts.create(
        actor, t, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kInfinity;
            c.miner_model = "S21";
            c.miner_hashrate_mth = 200000;
            c.miner_efficiency_mjth = 17500;
            c.quantity = 10;
            c.connector_fee_bp = 250;
            c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        },
        true);
    BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
    BOOST_CHECK(v->contract.status == ContractStatus::kActive);
    BOOST_CHECK_EQUAL(*v->contract.contract_number, "C-000001");
    BOOST_CHECK(v->contract.billing_methods.empty());
    const std::vector<std::string> expected{"created", "activated"};
    const auto got = kinds(*v);
    BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());

    auto refused = contracts.create(
        actor, t, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kHosted;
            c.rate_micro = 1;
        },
        true);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(field(refused.error()), "activate");
    BOOST_CHECK_EQUAL(contracts.list(t, {}, {100, std::nullopt}).items.size(), 1U);
}

BOOST_AUTO_TEST_CASE(a_new_contract_takes_the_tenants_default_rate_and_refuses_bad_fields) {
    const auto t = tenant();
    const auto cus = customer(t);
    auto no_rate = contracts.create(
        actor, t, cus, [](domain::Contract& c) { c.type = ContractType::kHosted; }, false);
    BOOST_REQUIRE(!no_rate.ok());
    BOOST_CHECK_EQUAL(field(no_rate.error()), "rate_per_kwh");
    auto wallet = contracts.create(
        actor, t, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kHosted;
            c.rate_micro = 1;
            c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
        },
        false);
    BOOST_REQUIRE(!wallet.ok());
    BOOST_CHECK_EQUAL(field(wallet.error()), "payout_wallet");
    auto missing = contracts.create(
        actor, t, "cus_missing", [](domain::Contract& c) { c.type = ContractType::kInfinity; },
        false);
    BOOST_REQUIRE(!missing.ok());
    BOOST_CHECK_EQUAL(field(missing.error()), "customer_id");
    BOOST_CHECK(contracts.list(t, {}, {100, std::nullopt}).items.empty());

    BOOST_REQUIRE(inventory
                      .updateSettings(actor, t,
                                      [](domain::TenantBillingSettings& s) {
                                          s.default_energy_rate_micro = 72000;
                                      })
                      .ok());
    auto prefilled = contracts.create(
        actor, t, cus, [](domain::Contract& c) { c.type = ContractType::kLease; }, false);
    BOOST_REQUIRE(prefilled.ok());
    BOOST_CHECK_EQUAL(*prefilled->contract.rate_micro, 72000);
    BOOST_CHECK(prefilled->contract.billing_methods == std::vector<std::string>{"metered"});
    BOOST_CHECK_EQUAL(prefilled->contract.currency.code, "USD");
}

BOOST_AUTO_TEST_CASE(drafts_take_any_change_and_active_contracts_only_billing_settings) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus);
    auto longer = contracts.update(actor, t, draft.contract.id, [](domain::Contract& c) {
        c.term.kind = domain::TermKind::kOneYear;
        c.start_date = ymd(2026, 3, 15);
    });
    BOOST_REQUIRE(longer.ok());
    BOOST_CHECK(longer->contract.end_date == ymd(2027, 3, 15));
    auto fixed = contracts.update(actor, t, draft.contract.id, [](domain::Contract& c) {
        c.end_date = ymd(2026, 12, 31);
        c.end_date_overridden = true;
    });
    BOOST_REQUIRE(fixed.ok());
    BOOST_CHECK(fixed->contract.end_date == ymd(2026, 12, 31));
    auto retyped = contracts.update(actor, t, draft.contract.id,
                                    [](domain::Contract& c) { c.type = ContractType::kLease; });
    BOOST_REQUIRE(!retyped.ok());
    BOOST_CHECK_EQUAL(field(retyped.error()), "type");

    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);
    auto rate = contracts.update(actor, t, draft.contract.id, [](domain::Contract& c) {
        c.rate_micro = 80000;
        c.power_cap_w = 50000;
    });
    BOOST_REQUIRE(rate.ok());
    BOOST_CHECK_EQUAL(*rate->contract.rate_micro, 80000);
    auto moved = contracts.update(actor, t, draft.contract.id,
                                  [](domain::Contract& c) { c.start_date = ymd(2026, 4, 1); });
    BOOST_REQUIRE(!moved.ok());
    BOOST_CHECK(moved.error().code == core::ErrorCode::kConflict);
    BOOST_CHECK_EQUAL(field(moved.error()), "start_date");
    BOOST_CHECK(read(t, draft.contract.id).contract.start_date == ymd(2026, 3, 15));
}

BOOST_AUTO_TEST_CASE(cancelling_releases_the_units_and_ends_the_lifecycle) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto miner = unit(t, cus);
    const auto draft = hosted(t, cus);
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {miner}).ok());
    active(t, draft.contract.id);
    auto last = contracts.unassignEquipment(actor, t, draft.contract.id, miner);
    BOOST_REQUIRE(!last.ok());
    BOOST_CHECK(last.error().code == core::ErrorCode::kConflict);
    setLocal("UTC", 2026, 3, 20, 12, 0);
    auto cancelled = contracts.cancel(actor, t, draft.contract.id, std::string("moved out"));
    BOOST_REQUIRE(cancelled.ok());
    BOOST_CHECK(cancelled->contract.status == ContractStatus::kCancelled);
    BOOST_CHECK(*cancelled->contract.ended_on == ymd(2026, 3, 20));
    BOOST_CHECK_EQUAL(*cancelled->contract.end_reason, "moved out");
    BOOST_CHECK(!holder(t, miner));
    BOOST_CHECK(contracts.activate(actor, t, draft.contract.id).error().code ==
                core::ErrorCode::kInvalidTransition);
    BOOST_CHECK(contracts.cancel(actor, t, draft.contract.id, std::nullopt).error().code ==
                core::ErrorCode::kInvalidTransition);
    setLocal("UTC", 2026, 4, 2, 0, 0);
    const auto outcome = contracts.processEndDates(*leases);
    BOOST_CHECK_EQUAL(outcome.expired + outcome.renewed, 0);
}

BOOST_AUTO_TEST_CASE(the_history_lists_events_in_order_even_within_one_millisecond) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus);
    const auto a = unit(t, cus);
    const auto b = unit(t, cus);
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {a, b}).ok());
    BOOST_REQUIRE(contracts.unassignEquipment(actor, t, draft.contract.id, b).ok());
    const auto v = active(t, draft.contract.id);
    const std::vector<std::string> expected{"created", "equipment_assigned", "equipment_assigned",
                                            "equipment_unassigned", "activated"};
    const auto got = kinds(v);
    BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), expected.begin(), expected.end());
}

BOOST_AUTO_TEST_CASE(every_change_writes_an_audit_event_with_before_and_after) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto draft = hosted(t, cus);
    BOOST_REQUIRE(contracts.assignEquipment(actor, t, draft.contract.id, {unit(t, cus)}).ok());
    active(t, draft.contract.id);
    const auto events = store->read([&](storage::UnitOfWork& uow) {
        return uow.audit().list(t, {100, std::nullopt});
    });
    std::vector<std::string> actions;
    for (const auto& e : events) {
        if (e.object_type == "contract") actions.push_back(e.action);
    }
    BOOST_REQUIRE_EQUAL(actions.size(), 3U);
    const auto activated = std::find_if(events.begin(), events.end(), [](const auto& e) {
        return e.action == "contract.activated";
    });
    BOOST_REQUIRE(activated != events.end());
    BOOST_CHECK(activated->before_json->find("\"draft\"") != std::string::npos);
    BOOST_CHECK(activated->after_json->find("\"C-000001\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_representation_uses_fixed_decimals_and_shows_the_last_day) {
    const auto t = tenant();
    const auto cus = customer(t);
    const auto v = hosted(t, cus, [](domain::Contract& c) {
        c.power_cap_w = 12500;
        c.failover_mode = domain::FailoverMode::kHashprice;
        c.failover_hashprice_bp = 9550;
        c.failover_hashprice_source = "luxor";
    });
    const auto json = services::toJson(v);
    BOOST_CHECK_EQUAL(json.find("rate_per_kwh")->asString(), "0.065000");
    BOOST_CHECK_EQUAL(json.find("power_cap_kw")->asString(), "12.500");
    BOOST_CHECK_EQUAL(json.find("failover")->find("hashprice_percent")->asString(), "95.50");
    BOOST_CHECK_EQUAL(json.find("failover")->find("hashprice_source")->asString(), "luxor");
    BOOST_CHECK_EQUAL(json.find("end_date")->asString(), "2026-04-01");
    BOOST_CHECK_EQUAL(json.find("last_day")->asString(), "2026-03-31");
    BOOST_CHECK(json.find("contract_number")->isNull());
    BOOST_CHECK_EQUAL(json.find("object")->asString(), "contract");
    BOOST_CHECK(json.find("history")->isArray());
    BOOST_CHECK(services::toJson(v, false).find("history") == nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
