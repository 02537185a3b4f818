// Golden customer invoices (services::Invoicing::generate) for every contract type and billing
// method, on a real SQLite database with the real first-party plugins. Every expected amount
// is worked out by hand in the comments: kWh x rate, rounded once per line (half away from
// zero), taxes per line, totals as sums. Every stored invoice is also checked to be
// recomputable: each line's amount is domain::lineAmount of its stored inputs (see
// InvoicingFixture::stored).

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "services/hashprices.h"
#include "services/invoice_runs.h"
#include "services/invoicing_fixture.h"
#include "services/revenue_guard.h"

using namespace billwright;
using namespace billwright::testing;
using domain::ContractType;
using domain::InvoiceStatus;
using domain::LineFormula;
using domain::LineKind;
using services::GenerateOutcome;

BOOST_FIXTURE_TEST_SUITE(invoicing, InvoicingFixture)

// (a) Hosted, metered, calendar month April 2026 (30 days, 720 hours), 8.875 % tax exclusive,
// a 10 % contract discount, issued at once.
// One unit; its counter reads every hour from Apr 1 00:00 to May 1 00:00 rising 2,503 Wh:
//   energy 720 x 2,503 = 1,802,160 Wh; 1,802.160 kWh x 0.065 = 117.1404 -> 11,714
//   discount 10 % of 117.14 = 11.714 -> -1,171
//   tax 11,714 x 8.875 % = 1,039.6175 -> 1,040; -1,171 x 8.875 % = -103.92625 -> -104; 936
//   total 11,714 - 1,171 + 936 = 11,479.
// The PDUs are the metered method itself: pdu 1,802,160 Wh, variance 0.
BOOST_AUTO_TEST_CASE(a_hosted_metered_month_with_tax_and_a_discount) {
    settings([](domain::TenantBillingSettings& s) { s.tax_rate_milli_pct = 8875; });
    const auto cus = customer();
    const auto a = unit(3000, cus);
    const auto c = contract(cus, ContractType::kHosted, {a}, [](domain::Contract& k) {
        k.billing_methods = {"metered", "calculated"};
        k.start_date = ymd(2026, 4, 1);
        k.discount_bp = 1000;
    });
    at(ymd(2026, 5, 2));
    ingest(steady(a, ymd(2026, 4, 1), 0, 720, 1000000, 2503));

    // Not yet over on Apr 30: refused.
    at(ymd(2026, 4, 30));
    services::GenerateRequest early;
    early.customer_id = cus;
    early.period_start = ymd(2026, 4, 1);
    const auto refused = invoicing.generate(actor, tenant, early);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().fields.at(0).code, "period_not_ended");

    at(ymd(2026, 5, 2));
    const auto g = generate(cus, ymd(2026, 4, 1), services::IssueIntent::kIssue);
    BOOST_CHECK(g.outcome == GenerateOutcome::kCreated);
    const auto inv = stored(g.invoice->id);
    BOOST_CHECK(inv.status == InvoiceStatus::kIssued);
    BOOST_CHECK_EQUAL(inv.invoice_number.value_or(""), "INV-2026-000001");
    BOOST_CHECK(inv.issue_date == ymd(2026, 5, 2));
    BOOST_CHECK(inv.due_date == ymd(2026, 5, 17));
    BOOST_CHECK(inv.period == (domain::Period{ymd(2026, 4, 1), ymd(2026, 5, 1)}));
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& e = inv.lines[0];
    BOOST_CHECK(e.kind == LineKind::kEnergy);
    BOOST_CHECK(e.formula == LineFormula::kEnergy);
    BOOST_CHECK_EQUAL(e.method.value_or(""), "metered");
    BOOST_CHECK_EQUAL(e.plugin_id.value_or(""), "billing_metered");
    BOOST_CHECK_EQUAL(*e.wh, 1802160);
    BOOST_CHECK_EQUAL(*e.rate_micro, kRate);
    BOOST_CHECK_EQUAL(*e.equipment_hours, 720);
    BOOST_CHECK_EQUAL(e.amount_minor, 11714);
    BOOST_CHECK_EQUAL(e.tax_minor, 1040);
    const auto& d = inv.lines[1];
    BOOST_CHECK(d.kind == LineKind::kDiscount);
    BOOST_CHECK_EQUAL(*d.base_minor, 11714);
    BOOST_CHECK_EQUAL(*d.percent_bp, 1000);
    BOOST_CHECK_EQUAL(d.amount_minor, -1171);
    BOOST_CHECK_EQUAL(d.tax_minor, -104);
    BOOST_CHECK_EQUAL(inv.subtotal_minor, 11714);
    BOOST_CHECK_EQUAL(inv.discount_minor, -1171);
    BOOST_CHECK_EQUAL(inv.tax_minor, 936);
    BOOST_CHECK_EQUAL(inv.total_minor, 11479);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 11479);
    BOOST_CHECK_EQUAL(inv.billed_wh, 1802160);
    BOOST_CHECK_EQUAL(inv.pdu_wh.value_or(-1), 1802160);
    const auto& s = summaryOf(inv, c);
    BOOST_CHECK_EQUAL(s.billed_wh, 1802160);
    BOOST_CHECK_EQUAL(s.pdu_wh.value_or(-1), 1802160);
    BOOST_CHECK_EQUAL(s.unbilled_equipment_hours, 0);
    BOOST_CHECK_EQUAL(s.contract_type, "hosted");

    // Generating again answers the live invoice and changes nothing.
    const auto again = generate(cus, ymd(2026, 4, 1), services::IssueIntent::kIssue);
    BOOST_CHECK(again.outcome == GenerateOutcome::kExisting);
    BOOST_CHECK_EQUAL(again.invoice->id, inv.id);
}

// (b) Rolling periods, billing day 15. A 3,250 W unit online from 2027-01-15 (calculated: the
// nameplate power every hour), at 0.065432/kWh:
//   Jan 15 .. Feb 15 2027 (across the month end): 31 days, 744 h x 3,250 = 2,418,000 Wh;
//     2,418 x 0.065432 = 158.214576 -> 15,821
//   Feb 15 .. Mar 15 2027: 28 days, 672 h -> 2,184,000 Wh; 142.903488 -> 14,290
//   Feb 15 .. Mar 15 2028 (leap): 29 days, 696 h -> 2,262,000 Wh; 148.007184 -> 14,801
BOOST_AUTO_TEST_CASE(rolling_periods_across_a_month_end_and_february) {
    settings([](domain::TenantBillingSettings& s) { s.billing_day = 15; });
    const auto cus = customer();
    const auto a = unit(3250, cus);
    contract(cus, ContractType::kHosted, {a}, [](domain::Contract& k) {
        k.billing_methods = {"calculated"};
        k.rate_micro = 65432;
        k.start_date = ymd(2027, 1, 15);
        k.term = {domain::TermKind::kTwoYears, 0};
    });
    at(ymd(2028, 3, 20));
    ingest(row("status", a, ts(ymd(2027, 1, 15), 0), "online"));

    const auto check = [&](core::Date start, core::Date end, std::int64_t hours, std::int64_t wh,
                           std::int64_t amount) {
        const auto inv = stored(generate(cus, start).invoice->id);
        BOOST_TEST_CONTEXT(core::formatIsoDate(start)) {
            BOOST_CHECK(inv.period == (domain::Period{start, end}));
            BOOST_REQUIRE_EQUAL(inv.lines.size(), 1U);
            BOOST_CHECK_EQUAL(inv.lines[0].method.value_or(""), "calculated");
            BOOST_CHECK_EQUAL(*inv.lines[0].equipment_hours, hours);
            BOOST_CHECK_EQUAL(*inv.lines[0].wh, wh);
            BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, amount);
            BOOST_CHECK_EQUAL(inv.total_minor, amount);
            BOOST_CHECK(!inv.pdu_wh.has_value());  // no PDU data at all
        }
    };
    check(ymd(2027, 1, 15), ymd(2027, 2, 15), 744, 2418000, 15821);
    check(ymd(2027, 2, 15), ymd(2027, 3, 15), 672, 2184000, 14290);
    check(ymd(2028, 2, 15), ymd(2028, 3, 15), 696, 2262000, 14801);

    // A day no period starts on is refused, naming the period that contains it.
    services::GenerateRequest wrong;
    wrong.customer_id = cus;
    wrong.period_start = ymd(2027, 2, 1);
    const auto refused = invoicing.generate(actor, tenant, wrong);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().fields.at(0).field, "period_start");
    BOOST_CHECK_EQUAL(refused.error().fields.at(0).code, "not_a_period_start");
}

// (c) + (f) Lease of 2 units of the tenant's inventory (3,000 W, online from Apr 1) at 1,500.00
// a unit a month, starting mid-period on 2026-04-10:
//   April (30 days): energy only from Apr 10: 21 days x 24 h x 2 units = 1,008 unit-hours x
//     3,000 = 3,024,000 Wh; 3,024 x 0.065 = 196.56 -> 19,656;
//     lease fee 2 x 1,500.00 x 21 / 30 = 2,100.00 -> 210,000; total 229,656.
//   May (31 days, full): 744 h x 2 x 3,000 = 4,464,000 Wh; 290.16 -> 29,016;
//     fee 2 x 1,500.00 x 31 / 31 = 300,000; total 329,016.
BOOST_AUTO_TEST_CASE(a_lease_from_mid_period_prorates_its_fee_and_bills_energy_from_its_start) {
    const auto cus = customer();
    const auto a = unit(3000, "");
    const auto b = unit(3000, "");
    const auto c = contract(cus, ContractType::kLease, {a, b}, [](domain::Contract& k) {
        k.billing_methods = {"calculated"};
        k.start_date = ymd(2026, 4, 10);
        k.lease_fee_per_unit_minor = 150000;
    });
    at(ymd(2026, 6, 2));
    ingest(row("status", a, ts(ymd(2026, 4, 1), 0), "online") +
           row("status", b, ts(ymd(2026, 4, 1), 0), "online"));

    const auto april = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_CHECK(april.status == InvoiceStatus::kDraft);
    BOOST_CHECK(!april.invoice_number.has_value());  // drafts get their number when issued
    BOOST_REQUIRE_EQUAL(april.lines.size(), 2U);
    const auto& energy = lineOf(april, LineKind::kEnergy, "calculated");
    BOOST_CHECK_EQUAL(*energy.equipment_hours, 1008);
    BOOST_CHECK_EQUAL(*energy.wh, 3024000);
    BOOST_CHECK_EQUAL(energy.amount_minor, 19656);
    const auto& fee = lineOf(april, LineKind::kLeaseFee);
    BOOST_CHECK(fee.formula == LineFormula::kProrated);
    BOOST_CHECK_EQUAL(fee.contract_id.value_or(""), c);
    BOOST_CHECK_EQUAL(*fee.unit_amount_minor, 150000);
    BOOST_CHECK_EQUAL(*fee.quantity, 2);
    BOOST_CHECK_EQUAL(*fee.days, 21);
    BOOST_CHECK_EQUAL(*fee.period_days, 30);
    BOOST_CHECK_EQUAL(fee.amount_minor, 210000);
    BOOST_CHECK_EQUAL(april.total_minor, 229656);
    BOOST_CHECK_EQUAL(summaryOf(april, c).contract_type, "lease");

    const auto may = stored(generate(cus, ymd(2026, 5, 1)).invoice->id);
    BOOST_CHECK_EQUAL(lineOf(may, LineKind::kEnergy).amount_minor, 29016);
    BOOST_CHECK_EQUAL(*lineOf(may, LineKind::kEnergy).wh, 4464000);
    BOOST_CHECK_EQUAL(*lineOf(may, LineKind::kLeaseFee).days, 31);
    BOOST_CHECK_EQUAL(*lineOf(may, LineKind::kLeaseFee).period_days, 31);
    BOOST_CHECK_EQUAL(lineOf(may, LineKind::kLeaseFee).amount_minor, 300000);
    BOOST_CHECK_EQUAL(may.total_minor, 329016);
}

// (d) A counter reset (metered, then calculated), one day, 2026-04-30. The 3,000 W unit is
// online from 00:00. Its counter reads 50,000 Wh at 00:00 rising 3,000 an hour to 80,000 at
// 10:00, then 120 at 10:30 (a reset), 1,620 at 11:00 and + 3,000 an hour to 40,620 at 24:00.
//   metered: hours 0-9 (30,000 Wh) and 11-23 (39,000 Wh) = 69,000 Wh in 23 h;
//     69 x 0.065 = 4.485 -> 449. Hour 10 is only half covered (the reset leaves 10:00-10:30
//     without data), so metered does not bill it:
//   calculated: hour 10 at the nameplate, 3,000 Wh; 3 x 0.065 = 0.195 -> 20.
//   total 469. The PDUs measured 69,000 + 1,500 (10:30-11:00) = 70,500 Wh.
BOOST_AUTO_TEST_CASE(a_counter_reset_leaves_its_hour_to_the_next_method) {
    const auto cus = customer();
    const auto a = unit(3000, cus);
    const auto c = oneDay(cus, {a}, ymd(2026, 4, 30), {"metered", "calculated"});
    at(ymd(2026, 5, 2));
    const auto day = ymd(2026, 4, 30);
    std::string body = row("status", a, ts(day, 0), "online");
    body += steady(a, day, 0, 10, 50000, 3000);
    body += row("energy", a, ts(day, 10) + 1800, milli(120));
    body += steady(a, day, 11, 13, 1620, 3000);
    ingest(body);

    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& metered = lineOf(inv, LineKind::kEnergy, "metered");
    BOOST_CHECK_EQUAL(*metered.wh, 69000);
    BOOST_CHECK_EQUAL(*metered.equipment_hours, 23);
    BOOST_CHECK_EQUAL(metered.amount_minor, 449);
    const auto& calculated = lineOf(inv, LineKind::kEnergy, "calculated");
    BOOST_CHECK_EQUAL(*calculated.wh, 3000);
    BOOST_CHECK_EQUAL(*calculated.equipment_hours, 1);
    BOOST_CHECK_EQUAL(calculated.amount_minor, 20);
    BOOST_CHECK_EQUAL(inv.total_minor, 469);
    BOOST_CHECK_EQUAL(inv.billed_wh, 72000);
    BOOST_CHECK_EQUAL(summaryOf(inv, c).pdu_wh.value_or(-1), 70500);
}

// (e) Missing metered hours filled by the next method and by fixed-rate failover, one day,
// 2026-04-30, metered then calculated, failover at a fixed 0.05/kWh.
//   Unit A (3,000 W, online from 00:00): readings 00:00..12:00 rising 2,000 Wh:
//     metered 12 h = 24,000 Wh; calculated hours 12-23 = 12 x 3,000 = 36,000 Wh.
//   Unit B (3,250 W, no status): readings 00:00..20:00 rising 3,300 Wh: metered 20 h =
//     66,000 Wh; hours 20-23 no method covers: failover 4 x 3,250 = 13,000 Wh.
//   metered 90,000 Wh; 90 x 0.065 = 5.85 -> 585
//   calculated 36,000 Wh; 36 x 0.065 = 2.34 -> 234
//   failover 13,000 Wh; 13 x 0.05 = 0.65 -> 65; total 884.
// Variance: billed 139,000 against the PDUs' 90,000: 49,000 / 90,000 = 54 % -> red.
BOOST_AUTO_TEST_CASE(missing_hours_go_to_the_next_method_then_to_fixed_rate_failover) {
    const auto cus = customer();
    const auto a = unit(3000, cus);
    const auto b = unit(3250, cus);
    const auto day = ymd(2026, 4, 30);
    const auto c = oneDay(cus, {a, b}, day, {"metered", "calculated"}, [](domain::Contract& k) {
        k.failover_mode = domain::FailoverMode::kFixedRate;
        k.failover_rate_micro = 50000;
    });
    at(ymd(2026, 5, 2));
    ingest(row("status", a, ts(day, 0), "online") + steady(a, day, 0, 12, 0, 2000) +
           steady(b, day, 0, 20, 500000, 3300));

    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 3U);
    const auto& metered = lineOf(inv, LineKind::kEnergy, "metered");
    BOOST_CHECK_EQUAL(*metered.wh, 90000);
    BOOST_CHECK_EQUAL(*metered.equipment_hours, 32);
    BOOST_CHECK_EQUAL(metered.amount_minor, 585);
    const auto& calculated = lineOf(inv, LineKind::kEnergy, "calculated");
    BOOST_CHECK_EQUAL(*calculated.wh, 36000);
    BOOST_CHECK_EQUAL(*calculated.equipment_hours, 12);
    BOOST_CHECK_EQUAL(calculated.amount_minor, 234);
    const auto& failover = lineOf(inv, LineKind::kFailover);
    BOOST_CHECK_EQUAL(failover.method.value_or(""), "failover_fixed_rate");
    BOOST_CHECK(!failover.plugin_id.has_value());
    BOOST_CHECK(failover.formula == LineFormula::kEnergy);
    BOOST_CHECK_EQUAL(*failover.wh, 13000);
    BOOST_CHECK_EQUAL(*failover.rate_micro, 50000);
    BOOST_CHECK_EQUAL(*failover.equipment_hours, 4);
    BOOST_CHECK_EQUAL(failover.amount_minor, 65);
    BOOST_CHECK_EQUAL(inv.total_minor, 884);
    BOOST_CHECK_EQUAL(inv.billed_wh, 139000);
    const auto& s = summaryOf(inv, c);
    BOOST_CHECK_EQUAL(s.billed_wh, 139000);
    BOOST_CHECK_EQUAL(s.pdu_wh.value_or(-1), 90000);
    BOOST_CHECK_EQUAL(s.unbilled_equipment_hours, 0);
    const auto v = domain::energyVariance(s.billed_wh, *s.pdu_wh);
    BOOST_CHECK_EQUAL(v->bp, 5444);  // 49,000 / 90,000 = 54.444 %
    BOOST_CHECK(v->cls == domain::VarianceClass::kRed);

    // Without failover the 4 hours are reported unbilled, not priced.
    auto off = contracts.update(actor, tenant, c, [](domain::Contract& k) {
        k.failover_mode = domain::FailoverMode::kOff;
        k.failover_rate_micro.reset();
    });
    BOOST_REQUIRE_MESSAGE(off.ok(), (off.ok() ? "" : off.error().detail));
    const auto preview = invoicing.preview(tenant, cus, ymd(2026, 4, 1));
    BOOST_REQUIRE(preview.ok());
    BOOST_CHECK_EQUAL(preview->lines.size(), 2U);
    BOOST_CHECK_EQUAL(preview->total_minor, 585 + 234);
    BOOST_CHECK_EQUAL(summaryOf(*preview, c).unbilled_equipment_hours, 4);
}

// (g) Infinity hash-lease from 2026-04-10 (activated at creation), 10 x 200.5 TH/s at
// 17.512 J/TH, no contract rate, so the tenant's default 0.07/kWh, connector fee 2.5 %:
//   power 10 x 200.5 x 17.512 = 35,111.56 W; Apr 10 .. May 1 = 21 days = 504 h;
//   35,111.56 x 504 = 17,696,226.24 Wh -> 17,696,226 Wh (rounded once);
//   17,696.226 x 0.07 = 1,238.73582 -> 123,874; connector fee 2.5 % = 3,096.85 -> 3,097;
//   total 126,971.
BOOST_AUTO_TEST_CASE(an_infinity_hash_lease_bills_its_streams_and_the_connector_fee) {
    settings([](domain::TenantBillingSettings& s) { s.default_energy_rate_micro = 70000; });
    const auto cus = customer();
    auto v = contracts.create(
        actor, tenant, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kInfinity;
            c.miner_model = "S21";
            c.miner_hashrate_mth = 200500;
            c.miner_efficiency_mjth = 17512;
            c.quantity = 10;
            c.connector_fee_bp = 250;
            c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
            c.start_date = ymd(2026, 4, 10);
            c.term = {domain::TermKind::kOneYear, 0};
            c.rate_micro.reset();
        },
        true);
    BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
    at(ymd(2026, 5, 2));
    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& h = lineOf(inv, LineKind::kHashrate);
    BOOST_CHECK(h.formula == LineFormula::kEnergy);
    BOOST_CHECK_EQUAL(*h.quantity, 10);
    BOOST_CHECK_EQUAL(*h.equipment_hours, 504);
    BOOST_CHECK_EQUAL(*h.wh, 17696226);
    BOOST_CHECK_EQUAL(*h.rate_micro, 70000);
    BOOST_CHECK_EQUAL(h.amount_minor, 123874);
    const auto& fee = lineOf(inv, LineKind::kConnectorFee);
    BOOST_CHECK(fee.formula == LineFormula::kPercent);
    BOOST_CHECK_EQUAL(*fee.base_minor, 123874);
    BOOST_CHECK_EQUAL(*fee.percent_bp, 250);
    BOOST_CHECK_EQUAL(fee.amount_minor, 3097);
    BOOST_CHECK_EQUAL(inv.total_minor, 126971);
    BOOST_CHECK_EQUAL(inv.billed_wh, 17696226);
    BOOST_CHECK_EQUAL(summaryOf(inv, v->contract.id).contract_type, "infinity");
}

// (h) O&M over 2 sites, April 2026 (30 days, full): 2,500.00 a site a month and a management
// fee of 0.012345/kWh on the energy of the units at the sites (metered, else calculated).
//   Site 1: unit A (3,000 W), counter every hour of April rising 2,750 Wh: 720 x 2,750 =
//     1,980,000 Wh (metered). Site 2: unit B (3,250 W) online from Apr 1, no counter:
//     720 x 3,250 = 2,340,000 Wh (calculated).
//   service fee 2 x 2,500.00 x 30 / 30 = 500,000
//   management fee 4,320,000 Wh; 4,320 x 0.012345 = 53.3304 -> 5,333; total 505,333.
BOOST_AUTO_TEST_CASE(operations_and_maintenance_bills_sites_and_managed_energy) {
    const auto cus = customer();
    const auto s1 = site("North");
    const auto s2 = site("South");
    const auto a = unit(3000, cus, s1);
    const auto b = unit(3250, cus, s2);
    const auto c = contract(cus, ContractType::kOperations, {},
                            [](domain::Contract& k) {
                                k.billing_methods.clear();
                                k.start_date = ymd(2026, 4, 1);
                                k.service_fee_per_site_minor = 250000;
                                k.management_fee_rate_micro = 12345;
                            },
                            {s1, s2});
    at(ymd(2026, 5, 2));
    ingest(steady(a, ymd(2026, 4, 1), 0, 720, 0, 2750) +
           row("status", b, ts(ymd(2026, 4, 1), 0), "online"));

    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& svc = lineOf(inv, LineKind::kServiceFee);
    BOOST_CHECK(svc.formula == LineFormula::kProrated);
    BOOST_CHECK_EQUAL(*svc.quantity, 2);
    BOOST_CHECK_EQUAL(*svc.days, 30);
    BOOST_CHECK_EQUAL(*svc.period_days, 30);
    BOOST_CHECK_EQUAL(svc.amount_minor, 500000);
    const auto& mgmt = lineOf(inv, LineKind::kManagementFee);
    BOOST_CHECK(mgmt.formula == LineFormula::kEnergy);
    BOOST_CHECK_EQUAL(*mgmt.wh, 4320000);
    BOOST_CHECK_EQUAL(*mgmt.rate_micro, 12345);
    BOOST_CHECK_EQUAL(mgmt.amount_minor, 5333);
    BOOST_CHECK_EQUAL(inv.total_minor, 505333);
    BOOST_CHECK_EQUAL(inv.billed_wh, 0);  // managed energy is not the customer's billed energy
    BOOST_CHECK_EQUAL(summaryOf(inv, c).contract_type, "o_and_m");
}

// (i) Credit. A one-day calculated contract on 2026-04-30 (3,000 W all day: 72,000 Wh;
// 72 x 0.065 = 4.68 -> 468).
//   Customer P has 3.00 of credit: 300 applied, 168 due, balance 0.
//   Customer Q has 10.00: 468 applied, 0 due, balance 532; cancelling the invoice restores
//   468 (balance 1,000). Each balance is the sum of the customer's ledger entries.
BOOST_AUTO_TEST_CASE(credit_is_applied_up_to_the_total_with_ledger_entries) {
    const auto day = ymd(2026, 4, 30);
    const auto p = customer("P");
    const auto q = customer("Q");
    const auto up = unit(3000, p);
    const auto uq = unit(3000, q);
    oneDay(p, {up}, day, {"calculated"});
    oneDay(q, {uq}, day, {"calculated"});
    at(ymd(2026, 5, 2));
    ingest(row("status", up, ts(day, 0), "online") + row("status", uq, ts(day, 0), "online"));
    BOOST_REQUIRE(invoicing.adjustCredit(actor, tenant, p, 300, "goodwill").ok());
    BOOST_REQUIRE(invoicing.adjustCredit(actor, tenant, q, 1000, "prepayment").ok());
    // Ledger entries list newest first by id, whose order within one millisecond is random:
    // each step below happens a second later.
    clock.advance(std::chrono::seconds{1});

    const auto ip = stored(generate(p, ymd(2026, 4, 1), services::IssueIntent::kIssue).invoice->id);
    BOOST_CHECK_EQUAL(ip.total_minor, 468);
    BOOST_CHECK_EQUAL(ip.credit_applied_minor, 300);
    BOOST_CHECK_EQUAL(ip.amount_due_minor, 168);
    BOOST_CHECK_EQUAL(balance(p), 0);
    BOOST_CHECK_EQUAL(ledgerBalance(p), 0);

    const auto iq = stored(generate(q, ymd(2026, 4, 1), services::IssueIntent::kIssue).invoice->id);
    BOOST_CHECK_EQUAL(iq.credit_applied_minor, 468);
    BOOST_CHECK_EQUAL(iq.amount_due_minor, 0);
    BOOST_CHECK_EQUAL(balance(q), 532);
    BOOST_CHECK_EQUAL(ledgerBalance(q), 532);
    const auto entries = invoicing.listCredit(tenant, q, {});
    BOOST_REQUIRE(entries.ok());
    BOOST_REQUIRE_EQUAL(entries->items.size(), 2U);
    const auto& applied = entries->items.front();  // newest first
    BOOST_CHECK_EQUAL(applied.kind, "applied");
    BOOST_CHECK_EQUAL(applied.amount_minor, -468);
    BOOST_CHECK_EQUAL(applied.balance_after_minor, 532);
    BOOST_CHECK_EQUAL(applied.invoice_id.value_or(""), iq.id);

    clock.advance(std::chrono::seconds{1});
    services::StatusChange cancel;
    cancel.target = InvoiceStatus::kCancelled;
    cancel.reason = "billed in error";
    const auto cancelled = invoicing.changeStatus(actor, tenant, iq.id, cancel);
    BOOST_REQUIRE_MESSAGE(cancelled.ok(), (cancelled.ok() ? "" : cancelled.error().detail));
    BOOST_CHECK_EQUAL(cancelled->credit_applied_minor, 0);
    BOOST_CHECK_EQUAL(balance(q), 1000);
    BOOST_CHECK_EQUAL(ledgerBalance(q), 1000);
    const auto after = invoicing.listCredit(tenant, q, {});
    BOOST_REQUIRE_EQUAL(after->items.size(), 3U);
    BOOST_CHECK_EQUAL(after->items.front().kind, "restored");
    BOOST_CHECK_EQUAL(after->items.front().amount_minor, 468);

    // The period is free again: a new invoice takes the credit anew.
    const auto again = generate(q, ymd(2026, 4, 1), services::IssueIntent::kIssue);
    BOOST_CHECK(again.outcome == GenerateOutcome::kCreated);
    BOOST_CHECK(again.invoice->id != iq.id);
    BOOST_CHECK_EQUAL(stored(again.invoice->id).credit_applied_minor, 468);
    BOOST_CHECK_EQUAL(balance(q), 532);
    BOOST_CHECK_EQUAL(ledgerBalance(q), 532);
}

// (j) Inclusive tax at 8.875 %: the same 468 cents contain 468 x 8,875 / 108,875 = 38.15 -> 38
// of tax; the total stays 468.
BOOST_AUTO_TEST_CASE(inclusive_tax_is_contained_in_the_lines) {
    settings([](domain::TenantBillingSettings& s) {
        s.tax_rate_milli_pct = 8875;
        s.tax_display = "inclusive";
    });
    const auto inv = stored(generate(onlineDay().customer, ymd(2026, 4, 1)).invoice->id);
    BOOST_CHECK(inv.tax_display == domain::TaxDisplay::kInclusive);
    BOOST_CHECK_EQUAL(inv.tax_rate_milli_pct, 8875);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 1U);
    BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, 468);
    BOOST_CHECK_EQUAL(inv.lines[0].tax_minor, 38);
    BOOST_CHECK_EQUAL(inv.tax_minor, 38);
    BOOST_CHECK_EQUAL(inv.subtotal_minor, 468);
    BOOST_CHECK_EQUAL(inv.total_minor, 468);
}

// (k) A customer in default, or on billing hold, gets a held invoice with the reason.
BOOST_AUTO_TEST_CASE(customers_in_default_or_on_hold_get_held_invoices) {
    const auto day = ymd(2026, 4, 30);
    const auto d = customer("Defaulter");
    const auto h = customer("Holder");
    const auto ud = unit(3000, d);
    const auto uh = unit(3000, h);
    oneDay(d, {ud}, day, {"calculated"});
    oneDay(h, {uh}, day, {"calculated"});
    at(ymd(2026, 5, 2));
    ingest(row("status", ud, ts(day, 0), "online") + row("status", uh, ts(day, 0), "online"));
    BOOST_REQUIRE(store
                      ->write([&](storage::UnitOfWork& uow) {
                          return services::changeCustomerStatus(
                              uow, clock, actor, tenant, d,
                              services::CustomerStatusChange::kSetDefault, "unpaid since March");
                      })
                      .ok());
    BOOST_REQUIRE(
        inventory
            .updateCustomer(actor, tenant, h, [](domain::Customer& c) { c.billing_hold = true; })
            .ok());

    const auto gd = generate(d, ymd(2026, 4, 1), services::IssueIntent::kIssue);
    BOOST_CHECK(gd.outcome == GenerateOutcome::kHeld);
    const auto held = stored(gd.invoice->id);
    BOOST_CHECK(held.status == InvoiceStatus::kHeld);
    BOOST_CHECK_EQUAL(held.held_reason.value_or(""),
                      "the customer is in default: unpaid since March");
    BOOST_CHECK_EQUAL(held.total_minor, 468);
    BOOST_CHECK(!held.emailed_at.has_value());

    const auto gh = generate(h, ymd(2026, 4, 1), services::IssueIntent::kIssue);
    BOOST_CHECK(gh.outcome == GenerateOutcome::kHeld);
    BOOST_CHECK_EQUAL(stored(gh.invoice->id).held_reason.value_or(""),
                      "the customer is on billing hold");
}

// (l) Variance of billed energy against the PDUs, per contract, with the PDU counters read
// beside a hash chain and calculated chains. One day, 2026-04-30; each unit is 3,000 W and
// billed 24 x 3,000 = 72,000 Wh (468 cents):
//   green:  hash (100 TH/s every hour); PDU 2,900 Wh/h = 69,600: 2,400 / 69,600 = 3.45 %
//   yellow: calculated (online); PDU 2,700 Wh/h = 64,800: 7,200 / 64,800 = 11.11 %
//   red:    calculated (online); PDU 2,500 Wh/h = 60,000: 12,000 / 60,000 = exactly 20 %
BOOST_AUTO_TEST_CASE(variance_against_pdu_data_is_green_yellow_and_red) {
    const auto day = ymd(2026, 4, 30);
    const auto cus = customer();
    const auto g = unit(3000, cus);
    const auto y = unit(3000, cus);
    const auto r = unit(3000, cus);
    const auto cg = oneDay(cus, {g}, day, {"hash"});
    const auto cy = oneDay(cus, {y}, day, {"calculated"});
    const auto cr = oneDay(cus, {r}, day, {"calculated"});
    at(ymd(2026, 5, 2));
    std::string body;
    for (int h = 0; h < 24; ++h) body += row("hashrate", g, ts(day, h), "100");
    body += row("status", y, ts(day, 0), "online") + row("status", r, ts(day, 0), "online");
    body += steady(g, day, 0, 24, 0, 2900) + steady(y, day, 0, 24, 0, 2700) +
            steady(r, day, 0, 24, 0, 2500);
    ingest(body);

    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 3U);
    BOOST_CHECK_EQUAL(lineOf(inv, LineKind::kEnergy, "hash").amount_minor, 468);
    BOOST_CHECK_EQUAL(inv.total_minor, 3 * 468);
    BOOST_CHECK_EQUAL(inv.billed_wh, 216000);
    BOOST_CHECK_EQUAL(inv.pdu_wh.value_or(-1), 69600 + 64800 + 60000);
    const auto check = [&](const std::string& c, std::int64_t pdu, std::int64_t bp,
                           domain::VarianceClass cls) {
        const auto& s = summaryOf(inv, c);
        BOOST_CHECK_EQUAL(s.billed_wh, 72000);
        BOOST_REQUIRE(s.pdu_wh.has_value());
        BOOST_CHECK_EQUAL(*s.pdu_wh, pdu);
        const auto v = domain::energyVariance(s.billed_wh, *s.pdu_wh);
        BOOST_CHECK_EQUAL(v->bp, bp);
        BOOST_CHECK(v->cls == cls);
    };
    check(cg, 69600, 345, domain::VarianceClass::kGreen);    // 3.448 %
    check(cy, 64800, 1111, domain::VarianceClass::kYellow);  // 11.111 %
    check(cr, 60000, 2000, domain::VarianceClass::kRed);
}

// (m) Power cap 5,000 W on a metered unit, one day 2026-04-30. Hourly energy: 4,000 Wh in hours
// 0-11, 6,000 in 12-17, 7,500 in hour 18, 4,000 in 19-23.
//   exceeding hours: 12-18 = 7; peak 7,500 W; excess 6 x 1,000 + 2,500 = 8,500 Wh.
//   energy 48,000 + 36,000 + 7,500 + 20,000 = 111,500 Wh; 111.5 x 0.065 = 7.2475 -> 725.
BOOST_AUTO_TEST_CASE(power_cap_exceedances_are_counted_per_hour) {
    const auto day = ymd(2026, 4, 30);
    const auto cus = customer();
    const auto a = unit(8000, cus);
    const auto c =
        oneDay(cus, {a}, day, {"metered"}, [](domain::Contract& k) { k.power_cap_w = 5000; });
    at(ymd(2026, 5, 2));
    std::vector<std::int64_t> steps(12, 4000);
    steps.insert(steps.end(), 6, 6000);
    steps.push_back(7500);
    steps.insert(steps.end(), 5, 4000);
    ingest(counter(a, day, 0, 0, steps));

    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 1U);
    BOOST_CHECK_EQUAL(*inv.lines[0].wh, 111500);
    BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, 725);
    const auto& s = summaryOf(inv, c);
    BOOST_CHECK_EQUAL(s.power_cap_w.value_or(-1), 5000);
    BOOST_CHECK_EQUAL(s.cap_exceeded_hours, 7);
    BOOST_CHECK_EQUAL(s.peak_w, 7500);
    BOOST_CHECK_EQUAL(s.excess_wh, 8500);
}

// A customer with nothing to bill in the period gets no invoice.
BOOST_AUTO_TEST_CASE(nothing_to_bill_creates_no_invoice) {
    const auto cus = customer();
    at(ymd(2026, 5, 2));
    const auto g = generate(cus, ymd(2026, 4, 1));
    BOOST_CHECK(g.outcome == GenerateOutcome::kNothingToBill);
    BOOST_CHECK(!g.invoice.has_value());
}

// A Lease of 2 units (3,000 W, online) from 2026-04-01 at 1,500.00 a unit, cancelled on
// 2026-04-20: it is billed for Apr 1 .. Apr 20 = 19 of April's 30 days.
//   energy 19 x 24 x 2 = 912 unit-hours x 3,000 = 2,736,000 Wh; 2,736 x 0.065 = 177.84 -> 17,784
//   fee 2 x 1,500.00 x 19 / 30 = 1,900.00 -> 190,000; total 207,784.
BOOST_AUTO_TEST_CASE(a_contract_cancelled_mid_period_is_billed_up_to_its_end) {
    const auto cus = customer();
    const auto a = unit(3000, "");
    const auto b = unit(3000, "");
    const auto c = contract(cus, ContractType::kLease, {a, b}, [](domain::Contract& k) {
        k.billing_methods = {"calculated"};
        k.start_date = ymd(2026, 4, 1);
        k.lease_fee_per_unit_minor = 150000;
    });
    at(ymd(2026, 4, 20), 12);
    ingest(row("status", a, ts(ymd(2026, 4, 1), 0), "online") +
           row("status", b, ts(ymd(2026, 4, 1), 0), "online"));
    BOOST_REQUIRE(contracts.cancel(actor, tenant, c, std::string("customer left")).ok());
    at(ymd(2026, 5, 2));
    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    BOOST_CHECK_EQUAL(*lineOf(inv, LineKind::kEnergy).equipment_hours, 912);
    BOOST_CHECK_EQUAL(*lineOf(inv, LineKind::kEnergy).wh, 2736000);
    BOOST_CHECK_EQUAL(lineOf(inv, LineKind::kEnergy).amount_minor, 17784);
    BOOST_CHECK_EQUAL(*lineOf(inv, LineKind::kLeaseFee).days, 19);
    BOOST_CHECK_EQUAL(lineOf(inv, LineKind::kLeaseFee).amount_minor, 190000);
    BOOST_CHECK_EQUAL(inv.total_minor, 207784);
    // May: nothing left to bill.
    at(ymd(2026, 6, 2));
    BOOST_CHECK(generate(cus, ymd(2026, 5, 1)).outcome == GenerateOutcome::kNothingToBill);
}

// A tenant in America/New_York: March 2026 runs from Mar 1 00:00 EST to Apr 1 00:00 EDT, 743
// hours (the clocks skip an hour on Mar 8). A 3,000 W hosted unit online all month and an
// Infinity stream of 1 x 100 TH/s at 30 J/TH (3,000 W) both give 743 x 3,000 = 2,229,000 Wh;
// 2,229 x 0.065 = 144.885 -> 14,489 each.
BOOST_AUTO_TEST_CASE(periods_follow_the_tenants_zone_across_a_dst_change) {
    tenant = billing
                 .createTenant(
                     actor, {"Tenant NY", domain::TenantStatus::kActive, "America/New_York", "USD"})
                 .value()
                 .id;
    const auto cus = customer();
    const auto a = unit(3000, cus);
    const auto hosted = contract(cus, ContractType::kHosted, {a}, [](domain::Contract& k) {
        k.billing_methods = {"calculated"};
        k.start_date = ymd(2026, 3, 1);
    });
    auto inf = contracts.create(
        actor, tenant, cus,
        [](domain::Contract& c) {
            c.type = ContractType::kInfinity;
            c.miner_model = "S19";
            c.miner_hashrate_mth = 100000;
            c.miner_efficiency_mjth = 30000;
            c.quantity = 1;
            c.connector_fee_bp = 0;
            c.rate_micro = kRate;
            c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
            c.start_date = ymd(2026, 3, 1);
            c.term = {domain::TermKind::kOneYear, 0};
        },
        true);
    BOOST_REQUIRE_MESSAGE(inf.ok(), (inf.ok() ? "" : inf.error().detail));
    at(ymd(2026, 4, 2));
    ingest(row("status", a, ts(ymd(2026, 2, 28), 0), "online"));
    const auto inv = stored(generate(cus, ymd(2026, 3, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);  // no connector fee at 0 %
    const auto& e = lineOf(inv, LineKind::kEnergy);
    BOOST_CHECK_EQUAL(e.contract_id.value_or(""), hosted);
    BOOST_CHECK_EQUAL(*e.equipment_hours, 743);
    BOOST_CHECK_EQUAL(*e.wh, 2229000);
    BOOST_CHECK_EQUAL(e.amount_minor, 14489);
    const auto& h = lineOf(inv, LineKind::kHashrate);
    BOOST_CHECK_EQUAL(*h.equipment_hours, 743);
    BOOST_CHECK_EQUAL(*h.wh, 2229000);
    BOOST_CHECK_EQUAL(h.amount_minor, 14489);
    BOOST_CHECK_EQUAL(inv.total_minor, 2 * 14489);
}

// A customer billed in JPY (no decimals), 2.5 % discount, 8.875 % tax exclusive: one day of a
// 3,000 W unit (72 kWh) at 25.5 yen = 1,836; discount 45.9 -> -46; tax 162.945 -> 163 and
// -4.0825 -> -4; total 1,836 - 46 + 159 = 1,949.
BOOST_AUTO_TEST_CASE(a_customer_billed_in_a_currency_without_decimals) {
    settings([](domain::TenantBillingSettings& s) { s.tax_rate_milli_pct = 8875; });
    auto c = inventory.createCustomer(actor, tenant, [](domain::Customer& x) {
        x.name = "Yamada";
        x.contact_email = "yamada@example.com";
        x.billing_currency = "JPY";
    });
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().detail));
    const auto day = ymd(2026, 4, 30);
    const auto a = unit(3000, c->id);
    oneDay(c->id, {a}, day, {"calculated"}, [](domain::Contract& k) {
        k.rate_micro = 25500000;
        k.discount_bp = 250;
    });
    at(ymd(2026, 5, 2));
    ingest(row("status", a, ts(day, 0), "online"));
    const auto inv = stored(generate(c->id, ymd(2026, 4, 1)).invoice->id);
    BOOST_CHECK_EQUAL(inv.currency.code, "JPY");
    BOOST_CHECK_EQUAL(inv.currency.exponent, 0);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, 1836);
    BOOST_CHECK_EQUAL(inv.lines[1].amount_minor, -46);
    BOOST_CHECK_EQUAL(inv.tax_minor, 159);
    BOOST_CHECK_EQUAL(inv.total_minor, 1949);
}

// A draft is computed again from today's data (a run with skip_existing off): same invoice,
// hand-made lines kept after the new ones, credit moved to match.
//   First: online all day, 72,000 Wh -> 468; credit 10.00 applies 468 (balance 532).
//   The unit turns out to have gone offline at 12:00: 36,000 Wh -> 234; with the -1.00
//   adjustment added by hand the total is 134; the credit applied drops to 134 (balance 866).
BOOST_AUTO_TEST_CASE(regenerating_a_draft_keeps_hand_made_lines_and_moves_the_credit) {
    const auto online = onlineDay();
    const std::string& cus = online.customer;
    const std::string& a = online.unit;
    const core::Date day = online.day;
    BOOST_REQUIRE(invoicing.adjustCredit(actor, tenant, cus, 1000, "prepayment").ok());
    const auto first = generate(cus, ymd(2026, 4, 1));
    BOOST_CHECK_EQUAL(first.invoice->total_minor, 468);
    BOOST_CHECK_EQUAL(first.invoice->credit_applied_minor, 468);
    services::LineEdit adj;
    adj.description = "Goodwill";
    adj.amount_minor = -100;
    const auto edited = invoicing.addLine(actor, tenant, first.invoice->id, adj, "goodwill");
    BOOST_REQUIRE_MESSAGE(edited.ok(), (edited.ok() ? "" : edited.error().detail));
    BOOST_CHECK_EQUAL(edited->total_minor, 368);
    BOOST_CHECK_EQUAL(balance(cus), 632);

    ingest(row("status", a, ts(day, 12), "offline"));
    services::InvoiceRuns runs(*store, clock, invoicing, services::RunWorkerOptions{});
    services::RunRequest req;
    req.period_start = ymd(2026, 4, 1);
    req.skip_existing = false;
    const auto run = runs.create(actor, tenant, req);
    BOOST_REQUIRE(run.ok());
    BOOST_CHECK(runs.workOnce());
    const auto v = runs.get(tenant, run->run.id);
    BOOST_CHECK_EQUAL(v->counts.at("created"), 1);
    const auto inv = stored(first.invoice->id);
    BOOST_CHECK(inv.status == InvoiceStatus::kDraft);
    BOOST_CHECK_EQUAL(inv.run_id.value_or(""), run->run.id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    BOOST_CHECK_EQUAL(*inv.lines[0].wh, 36000);
    BOOST_CHECK_EQUAL(inv.lines[0].amount_minor, 234);
    BOOST_CHECK(inv.lines[1].manual);
    BOOST_CHECK_EQUAL(inv.lines[1].position, 2);
    BOOST_CHECK_EQUAL(inv.lines[1].amount_minor, -100);
    BOOST_CHECK_EQUAL(inv.total_minor, 134);
    BOOST_CHECK_EQUAL(inv.credit_applied_minor, 134);
    BOOST_CHECK_EQUAL(inv.amount_due_minor, 0);
    BOOST_CHECK_EQUAL(balance(cus), 866);
    BOOST_CHECK_EQUAL(ledgerBalance(cus), 866);
}

// Hashprice failover: one day, 2026-04-30, a 3,000 W / 100 TH/s unit whose counter reads only
// 00:00..12:00 (rising 2,000 Wh); the other 12 hours at 90 % of the "manual" hashprice recorded
// on Apr 29, 0.0537 USD per TH/s per day; a 10 % discount.
//   metered 24,000 Wh; 24 x 0.065 = 1.56 -> 156
//   failover 100 TH/s x 0.0537 x 12/24 day x 90 % = 2.4165 -> 242 (a fixed line: its inputs
//     are the telemetry and the recorded hashprices)
//   discount 10 % of 3.98 = 0.398 -> -40; total 358. Billed energy is the metered 24,000 Wh.
BOOST_AUTO_TEST_CASE(hashprice_failover_prices_uncovered_hours_in_a_fixed_line) {
    const auto day = ymd(2026, 4, 30);
    const auto cus = customer();
    const auto a = unit(3000, cus);
    oneDay(cus, {a}, day, {"metered"}, [](domain::Contract& k) {
        k.failover_mode = domain::FailoverMode::kHashprice;
        k.failover_hashprice_bp = 9000;
        k.failover_hashprice_source = "manual";
        k.discount_bp = 1000;
    });
    at(ymd(2026, 5, 2));
    services::Hashprices hashprices(*store, clock);
    const auto put = hashprices.put(actor, tenant, "manual", ymd(2026, 4, 29), 53700, std::nullopt);
    BOOST_REQUIRE_MESSAGE(put.ok(), (put.ok() ? "" : put.error().detail));
    ingest(steady(a, day, 0, 12, 0, 2000));
    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 3U);
    BOOST_CHECK_EQUAL(lineOf(inv, LineKind::kEnergy).amount_minor, 156);
    const auto& f = lineOf(inv, LineKind::kFailover);
    BOOST_CHECK_EQUAL(f.method.value_or(""), "failover_hashprice");
    BOOST_CHECK(f.formula == LineFormula::kFixed);
    BOOST_CHECK(!f.wh.has_value());
    BOOST_CHECK_EQUAL(*f.equipment_hours, 12);
    BOOST_CHECK_EQUAL(f.amount_minor, 242);
    const auto& d = lineOf(inv, LineKind::kDiscount);
    BOOST_CHECK_EQUAL(*d.base_minor, 398);
    BOOST_CHECK_EQUAL(d.amount_minor, -40);
    BOOST_CHECK_EQUAL(inv.total_minor, 358);
    BOOST_CHECK_EQUAL(inv.billed_wh, 24000);
}

// The invoice-level PDU energy is "of the same units and hours" as the billed energy, so that
// the invoice's variance compares like with like. A customer with a metered hosted unit that
// matches its PDU exactly (one day, 24 x 3,000 = 72,000 Wh) and an Infinity stream (1 x 100
// TH/s at 30 J/TH for Apr 30 = 72,000 Wh, no PDU possible) must not show a 100 % (red)
// variance: the hosted contract's summary has its PDU energy and variance 0; the invoice, whose
// billed energy is only half PDU-metered, has no invoice-level PDU energy or variance.
BOOST_AUTO_TEST_CASE(invoice_variance_never_compares_billed_energy_without_pdu_data) {
    const auto day = ymd(2026, 4, 30);
    const auto cus = customer();
    const auto a = unit(3000, cus);
    const auto hosted = oneDay(cus, {a}, day, {"metered"});
    auto inf = contracts.create(
        actor, tenant, cus,
        [&](domain::Contract& c) {
            c.type = ContractType::kInfinity;
            c.miner_model = "S19";
            c.miner_hashrate_mth = 100000;
            c.miner_efficiency_mjth = 30000;
            c.quantity = 1;
            c.connector_fee_bp = 0;
            c.rate_micro = kRate;
            c.payout_wallet = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq";
            c.start_date = day;  // a one-year term: April bills only Apr 30
            c.term = {domain::TermKind::kOneYear, 0};
        },
        true);
    BOOST_REQUIRE_MESSAGE(inf.ok(), (inf.ok() ? "" : inf.error().detail));
    at(ymd(2026, 5, 2));
    ingest(steady(a, day, 0, 24, 0, 3000));
    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_CHECK_EQUAL(inv.billed_wh, 144000);
    const auto& s = summaryOf(inv, hosted);
    BOOST_CHECK_EQUAL(s.billed_wh, 72000);
    BOOST_CHECK_EQUAL(s.pdu_wh.value_or(-1), 72000);
    BOOST_CHECK(!summaryOf(inv, inf->contract.id).pdu_wh.has_value());
    BOOST_CHECK(!inv.pdu_wh.has_value());
    const auto json = services::toJson(inv);
    BOOST_CHECK(json.find("variance_class")->isNull());
}

// GET /v1/invoices/{id} reads through Invoicing::jsonText: the text kept for an invoice is used
// only while its revision is unchanged, so every change shows at once, including one made by
// another node (a second Invoicing over the same database).
BOOST_AUTO_TEST_CASE(kept_invoice_texts_follow_every_change_made_here_or_by_another_node) {
    invoicing.keepTexts(1 << 20);
    const auto id = generate(onlineDay().customer, ymd(2026, 4, 1)).invoice->id;
    const auto fresh = [&] { return services::invoiceJsonText(stored(id), true); };

    const auto first = invoicing.jsonText(tenant, id);
    BOOST_REQUIRE(first.ok());
    BOOST_TEST(*first == fresh());
    // The second read is the kept text: a hand edit that leaves the revision alone is not seen
    // (docs/operations.md: tools that edit invoices must raise it), and is once it is raised.
    const auto by_hand = [&](const std::string& sql) {
        db->transact(storage::TxMode::kWrite, [&](storage::Connection& c) {
            c.execute(sql, {id});
            return true;
        });
    };
    by_hand("UPDATE invoices SET status_reason = 'edited by hand' WHERE id = ?");
    BOOST_TEST(invoicing.jsonText(tenant, id).value() == *first);
    by_hand("UPDATE invoices SET revision = revision + 1 WHERE id = ?");
    BOOST_TEST(invoicing.jsonText(tenant, id).value().find("edited by hand") != std::string::npos);

    services::LineEdit adj;
    adj.description = "Goodwill";
    adj.amount_minor = -100;
    BOOST_REQUIRE(invoicing.addLine(actor, tenant, id, adj, "goodwill").ok());
    const auto edited = invoicing.jsonText(tenant, id);
    BOOST_REQUIRE(edited.ok());
    BOOST_TEST(*edited != *first);
    BOOST_TEST(*edited == fresh());
    BOOST_TEST(edited->find("Goodwill") != std::string::npos);

    // Another node issues it: this one's kept text is of an older revision.
    services::Invoicing other(*store, clock, chain, &scripts);
    services::StatusChange issue;
    issue.target = domain::InvoiceStatus::kIssued;
    BOOST_REQUIRE(other.changeStatus(actor, tenant, id, issue).ok());
    const auto issued = invoicing.jsonText(tenant, id);
    BOOST_REQUIRE(issued.ok());
    BOOST_TEST(*issued == fresh());
    BOOST_TEST(issued->find(R"("status":"issued")") != std::string::npos);

    // Another tenant's key cannot reach it, kept or not; an unknown id is not found.
    BOOST_TEST(!invoicing.jsonText("ten_other", id).ok());
    const auto missing = invoicing.jsonText(tenant, "inv_missing");
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST((missing.error().code == core::ErrorCode::kNotFound));
    // Without the cache, the same text.
    invoicing.keepTexts(0);
    BOOST_TEST(invoicing.jsonText(tenant, id).value() == *issued);
}

BOOST_AUTO_TEST_SUITE_END()
