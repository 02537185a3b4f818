// The billing-method chain (services::BillingChain::preview) on a real SQLite database with the
// real first-party plugins: which method bills which hour, failover, the period cut to the
// contract, several chunks of units, and the rounding of energy amounts. Every expected figure
// is worked out by hand in the comments.
//
// Units used below (unless said otherwise): 100 TH/s, so the hash method's efficiency is the
// nameplate power / 100 TH/s (computed by the inventory service). Hashrate, power and energy
// samples are stored in milli-units; a hashrate of H TH/s at E J/TH held for one hour is H x E
// Wh. The chain holds a hashrate or power sample for at most kHold = 3600 s, so a sample sent
// on the hour covers exactly that hour.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "domain/invoice.h"
#include "services/contracts.h"
#include "services/inventory.h"
#include "services/service_fixture.h"
#include "services/telemetry.h"
#include "services/usage_chain.h"

using namespace billwright;
using namespace billwright::testing;

namespace {

constexpr std::int64_t kHold = 3600;
constexpr std::int64_t kRate = 65000;  // 0.065 USD per kWh

struct ChainFixture : StoreFixture {
    PluginHost plugin_host{*store, clock};
    services::PlatformBilling billing{*store, clock, *plugin_host.service, core::TimeZone::utc()};
    services::Inventory inventory{*store, clock};
    services::Contracts contracts{*store, clock};
    services::Telemetry telemetry{*store, clock, services::TelemetryOptions{}};
    services::BillingChain chain{*store, *plugin_host.service, kHold};
    services::Actor actor = services::Actor::system("test");
    std::string tenant;
    std::string customer;
    int serial = 0;

    // The clock stays at 2026-03-01 00:00 UTC (StoreFixture), so February telemetry is in the
    // past and accepted.
    ChainFixture() {
        tenant =
            billing.createTenant(actor, {"Tenant", domain::TenantStatus::kActive, "UTC", "USD"})
                .value()
                .id;
        customer = inventory
                       .createCustomer(actor, tenant,
                                       [](domain::Customer& c) {
                                           c.name = "Ada Miner";
                                           c.contact_email = "ada@example.com";
                                       })
                       .value()
                       .id;
    }

    // A unit of the customer: `watts` nameplate, 100 TH/s.
    std::string unit(std::int64_t watts) {
        const std::string sn = "SN-" + std::to_string(++serial);
        auto created = inventory.createEquipment(actor, tenant, [&](domain::Equipment& e) {
            e.serial_number = sn;
            e.model = "S19";
            e.hashrate_mth = 100000;
            e.power_mw = watts * 1000;
            e.owner_customer_id = customer;
        });
        BOOST_REQUIRE_MESSAGE(created.ok(), (created.ok() ? "" : created.error().detail));
        BOOST_REQUIRE_EQUAL(created->efficiency_mjth, watts * 10);  // W / 100 TH/s, in mJ/TH
        return created->id;
    }

    // An active hosted contract over `units`: metered, then hash, then calculated; 0.065/kWh;
    // from 2026-02-01 for one month (to 2026-03-01) unless `edit` says otherwise.
    std::string contract(const std::vector<std::string>& units,
                         const services::ContractEdit& edit = {}) {
        auto v = contracts.create(
            actor, tenant, customer,
            [&](domain::Contract& c) {
                c.type = domain::ContractType::kHosted;
                c.billing_methods = {"metered", "hash", "calculated"};
                c.rate_micro = kRate;
                c.start_date = ymd(2026, 2, 1);
                if (edit) edit(c);
            },
            false);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().detail));
        auto assigned = contracts.assignEquipment(actor, tenant, v->contract.id, units);
        BOOST_REQUIRE_MESSAGE(assigned.ok(), (assigned.ok() ? "" : assigned.error().detail));
        auto active = contracts.activate(actor, tenant, v->contract.id);
        BOOST_REQUIRE_MESSAGE(active.ok(), (active.ok() ? "" : active.error().detail));
        return v->contract.id;
    }

    // 2026-02-<day> <hour>:00 UTC in Unix seconds (hour may run past 23).
    static std::int64_t at(unsigned day, int hour) {
        return std::chrono::duration_cast<std::chrono::seconds>(
                   (std::chrono::sys_days{ymd(2026, 2, day)} + std::chrono::hours{hour})
                       .time_since_epoch())
            .count();
    }

    void ingest(const std::string& body) {
        auto r = telemetry.ingest(actor, tenant, body, domain::TelemetryFormat::kNdjson);
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().detail));
        BOOST_REQUIRE_MESSAGE(r->rejected.empty(),
                              (r->rejected.empty() ? std::string() : r->rejected[0].code));
        BOOST_REQUIRE_EQUAL(r->stored, r->received);
    }

    services::UsagePreview preview(const std::string& contract_id, core::Date start,
                                   std::optional<core::Date> end) {
        auto p = chain.preview(tenant, contract_id, start, end);
        BOOST_REQUIRE_MESSAGE(p.ok(), (p.ok() ? "" : p.error().detail));
        return *p;
    }

    // billwright_plugin_calls_total{plugin="<id>",status="ok"}, 0 when never counted.
    std::int64_t calls(const std::string& plugin_id) {
        const std::string text = plugin_host.metrics.render();
        const std::string key =
            "billwright_plugin_calls_total{plugin=\"" + plugin_id + "\",status=\"ok\"} ";
        const auto pos = text.find(key);
        if (pos == std::string::npos) return 0;
        return std::stoll(text.substr(pos + key.size()));
    }
};

std::string row(const std::string& kind, const std::string& id, std::int64_t ts,
                const std::string& value) {
    return R"({"kind":")" + kind + R"(","equipment_id":")" + id + R"(","ts":)" +
           std::to_string(ts) + R"(,"value":")" + value + "\"}\n";
}

// "1234.567" from thousandths.
std::string milli(std::int64_t v) {
    std::string frac = std::to_string(v % 1000);
    return std::to_string(v / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

// Counter readings on the hour at hours first..last of Feb <day>, starting at start_wh and
// rising step_wh an hour.
std::string readings(const std::string& id, unsigned day, int first, int last,
                     std::int64_t start_wh, std::int64_t step_wh) {
    std::string body;
    for (int h = first; h <= last; ++h)
        body +=
            row("energy", id, ChainFixture::at(day, h), milli(start_wh + (h - first) * step_wh));
    return body;
}

const services::ChainLine* line(const services::UsagePreview& p, const std::string& method) {
    for (const auto& l : p.lines) {
        if (l.method == method) return &l;
    }
    return nullptr;
}

const services::ChainUnitResult& unitResult(const services::UsagePreview& p,
                                            const std::string& id) {
    for (const auto& u : p.equipment) {
        if (u.equipment_id == id) return u;
    }
    BOOST_FAIL("no result for unit " + id);
    return p.equipment.front();
}

std::vector<std::string> methodsRun(const services::ChainUnitResult& u) {
    std::vector<std::string> out;
    for (const auto& [method, details] : u.details) out.push_back(method);
    return out;
}

void checkLine(const services::ChainLine* l, const std::string& kind, std::int64_t wh,
               std::int64_t hours, std::int64_t rate, std::int64_t amount) {
    BOOST_REQUIRE(l != nullptr);
    BOOST_CHECK_EQUAL(l->kind, kind);
    BOOST_CHECK_EQUAL(l->wh, wh);
    BOOST_CHECK_EQUAL(l->equipment_hours, hours);
    BOOST_REQUIRE(l->rate_micro.has_value());
    BOOST_CHECK_EQUAL(*l->rate_micro, rate);
    BOOST_REQUIRE(l->amount_minor.has_value());
    BOOST_CHECK_EQUAL(*l->amount_minor, amount);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(usage_chain, ChainFixture)

// One day, 2026-02-10 00:00 to 2026-02-11 00:00 UTC: 24 hours.
//
// Unit A (3000 W, so 30 J/TH):
//   energy readings at 00:00..10:00, 1000.000 kWh rising 3.125 kWh an hour: metered covers
//     hours 0-9 (the last reading is at 10:00) = 10 x 3,125 Wh = 31,250 Wh;
//   hashrate 100, 110, 90, 100, 120 TH/s at 10:00..14:00, each held one hour: hash covers hours
//     10-14 = (100 + 110 + 90 + 100 + 120) x 30 = 15,600 Wh (it has no data before 10:00 and
//     none after 15:00, when the 14:00 sample expires);
//   status online at 15:00, offline at 20:00: calculated covers 15-19 at the nameplate power,
//     5 x 3,000 = 15,000 Wh, and 20-23 as known-offline hours, covered with 0 Wh. (A status holds
//     without limit, so once a unit's state is known the calculated method covers every later
//     hour: a unit with a nameplate power cannot leave hours after its calculated ones empty.)
// Unit B (3250 W): energy readings at 00:00..20:00 rising 3.3 kWh an hour: metered covers 0-19 =
//   20 x 3,300 = 66,000 Wh. Hours 20-23: no counter interval, no hashrate, no status: no method
//   covers them.
//
// Lines at 0.065/kWh, each rounded once (half away from zero):
//   metered    10 + 20 = 30 h, 31,250 + 66,000 = 97,250 Wh; 97.25 x 0.065 = 6.32125 -> 632
//   hash       5 h, 15,600 Wh; 15.6 x 0.065 = 1.014 -> 101
//   calculated 9 h (5 online + 4 offline), 15,000 Wh; 15 x 0.065 = 0.975 -> 97.5 cents -> 98
//   total 632 + 101 + 98 = 831 cents; unbilled: B's 4 hours.
// Then failover at a fixed 0.05/kWh: B's 4 hours at its nameplate, 4 x 3,250 = 13,000 Wh;
//   13 x 0.05 = 0.65 -> 65; total 896; nothing unbilled.
BOOST_AUTO_TEST_CASE(each_hour_goes_to_the_first_method_with_data_and_failover_fills_the_rest) {
    const std::string a = unit(3000);
    const std::string b = unit(3250);
    const std::string c = contract({a, b});
    std::string body = readings(a, 10, 0, 10, 1000000, 3125);
    const int hashrate[] = {100, 110, 90, 100, 120};
    for (int h = 10; h <= 14; ++h)
        body += row("hashrate", a, at(10, h), std::to_string(hashrate[h - 10]));
    body += row("status", a, at(10, 15), "online") + row("status", a, at(10, 20), "offline");
    body += readings(b, 10, 0, 20, 500000, 3300);
    ingest(body);

    const auto p = preview(c, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_CHECK_EQUAL(p.from, at(10, 0));
    BOOST_CHECK_EQUAL(p.to, at(11, 0));
    BOOST_CHECK_EQUAL(p.hours, 24);
    BOOST_REQUIRE_EQUAL(p.lines.size(), 3U);
    BOOST_CHECK_EQUAL(p.lines[0].method, "metered");  // in the contract's priority order
    BOOST_CHECK_EQUAL(p.lines[1].method, "hash");
    BOOST_CHECK_EQUAL(p.lines[2].method, "calculated");
    checkLine(line(p, "metered"), "energy", 97250, 30, kRate, 632);
    checkLine(line(p, "hash"), "energy", 15600, 5, kRate, 101);
    checkLine(line(p, "calculated"), "energy", 15000, 9, kRate, 98);
    BOOST_CHECK_EQUAL(line(p, "metered")->plugin_id, "billing_metered");
    BOOST_CHECK_EQUAL(line(p, "hash")->plugin_id, "billing_hash");
    BOOST_CHECK_EQUAL(line(p, "calculated")->plugin_id, "billing_calculated");
    BOOST_CHECK_EQUAL(p.total_minor, 831);
    BOOST_CHECK_EQUAL(p.unbilled_equipment_hours, 4);
    BOOST_REQUIRE(p.unbilled_reason.has_value());
    BOOST_CHECK_EQUAL(*p.unbilled_reason,
                      "no billing method had data for these hours and failover pricing is off");

    // Per unit: the energy in mWh and the hours each method billed.
    const auto& ua = unitResult(p, a);
    BOOST_REQUIRE_EQUAL(ua.uses.size(), 3U);
    BOOST_CHECK_EQUAL(ua.uses[0].method, "metered");
    BOOST_CHECK_EQUAL(ua.uses[0].mwh, 31250000);
    BOOST_CHECK_EQUAL(ua.uses[0].hours, 10);
    BOOST_CHECK_EQUAL(ua.uses[1].method, "hash");
    BOOST_CHECK_EQUAL(ua.uses[1].mwh, 15600000);
    BOOST_CHECK_EQUAL(ua.uses[1].hours, 5);
    BOOST_CHECK_EQUAL(ua.uses[2].method, "calculated");
    BOOST_CHECK_EQUAL(ua.uses[2].mwh, 15000000);
    BOOST_CHECK_EQUAL(ua.uses[2].hours, 9);
    BOOST_CHECK_EQUAL(ua.unbilled_hours, 0);
    const auto& ub = unitResult(p, b);
    BOOST_REQUIRE_EQUAL(ub.uses.size(), 1U);
    BOOST_CHECK_EQUAL(ub.uses[0].mwh, 66000000);
    BOOST_CHECK_EQUAL(ub.uses[0].hours, 20);
    BOOST_CHECK_EQUAL(ub.unbilled_hours, 4);
    // Every method ran for both units (each still had open hours); the metered details count
    // A's 11 readings (none before or after the day).
    BOOST_CHECK((methodsRun(ua) == std::vector<std::string>{"metered", "hash", "calculated"}));
    BOOST_CHECK((methodsRun(ub) == std::vector<std::string>{"metered", "hash", "calculated"}));
    BOOST_CHECK(ua.details[0].second ==
                (std::vector<std::pair<std::string, std::string>>{
                    {"readings", "11"}, {"resets", "0"}, {"covered_seconds", "36000"}}));

    auto updated = contracts.update(actor, tenant, c, [](domain::Contract& k) {
        k.failover_mode = domain::FailoverMode::kFixedRate;
        k.failover_rate_micro = 50000;
    });
    BOOST_REQUIRE_MESSAGE(updated.ok(), (updated.ok() ? "" : updated.error().detail));
    const auto f = preview(c, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_REQUIRE_EQUAL(f.lines.size(), 4U);
    checkLine(line(f, "metered"), "energy", 97250, 30, kRate, 632);
    checkLine(line(f, "hash"), "energy", 15600, 5, kRate, 101);
    checkLine(line(f, "calculated"), "energy", 15000, 9, kRate, 98);
    BOOST_CHECK_EQUAL(f.lines[3].method, "failover_fixed_rate");
    BOOST_CHECK_EQUAL(f.lines[3].plugin_id, "");
    checkLine(&f.lines[3], "failover", 13000, 4, 50000, 65);
    BOOST_CHECK_EQUAL(f.total_minor, 896);
    BOOST_CHECK_EQUAL(f.unbilled_equipment_hours, 0);
    BOOST_CHECK(!f.unbilled_reason.has_value());
    const auto& fb = unitResult(f, b);
    BOOST_REQUIRE_EQUAL(fb.uses.size(), 2U);
    BOOST_CHECK_EQUAL(fb.uses[1].method, "failover");
    BOOST_CHECK_EQUAL(fb.uses[1].mwh, 13000000);
    BOOST_CHECK_EQUAL(fb.uses[1].hours, 4);
    BOOST_CHECK_EQUAL(fb.unbilled_hours, 0);
}

// Hashprice failover with no hashprice known leaves the hours unbilled and says why.
// Unit (3000 W) with readings 00:00..12:00 only: metered 0-11 = 12 x 1,000 Wh; 12 hours left.
BOOST_AUTO_TEST_CASE(hashprice_failover_without_a_hashprice_reports_the_hours_unbilled) {
    const std::string a = unit(3000);
    const std::string c = contract({a}, [](domain::Contract& k) {
        k.failover_mode = domain::FailoverMode::kHashprice;
        k.failover_hashprice_bp = 9000;
        k.failover_hashprice_source = "manual";
    });
    ingest(readings(a, 10, 0, 12, 0, 1000));
    const auto p = preview(c, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_REQUIRE_EQUAL(p.lines.size(), 1U);
    checkLine(line(p, "metered"), "energy", 12000, 12, kRate, 78);  // 12 x 0.065 = 0.78
    BOOST_CHECK_EQUAL(p.unbilled_equipment_hours, 12);
    BOOST_REQUIRE(p.unbilled_reason.has_value());
    BOOST_CHECK(p.unbilled_reason->find("manual") != std::string::npos);
}

// A unit whose counter covers every hour is done after the metered method: later methods run
// only for units that still have open hours.
//   Contract 1: unit F alone, readings 00:00..24:00 (the 24:00 one is the first at or after the
//     period end, so hour 23 is covered): one metered call, no hash or calculated call.
//   Contract 2: F2 (full again) and G (readings 00:00..10:00 only): hash and calculated run once
//     each, for G alone; F2's results name only the metered method.
// Energy: F and F2 24 x 2,000 Wh = 48,000 Wh; G 10 x 2,000 = 20,000 Wh.
BOOST_AUTO_TEST_CASE(a_unit_fully_covered_by_its_counter_never_runs_the_later_methods) {
    const std::string f = unit(3000);
    const std::string f2 = unit(3000);
    const std::string g = unit(3000);
    const std::string one = contract({f});
    const std::string two = contract({f2, g});
    ingest(readings(f, 10, 0, 24, 0, 2000) + readings(f2, 10, 0, 24, 0, 2000) +
           readings(g, 10, 0, 10, 0, 2000));

    const auto metered0 = calls("billing_metered");
    const auto hash0 = calls("billing_hash");
    const auto calculated0 = calls("billing_calculated");
    const auto p = preview(one, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_CHECK_EQUAL(calls("billing_metered"), metered0 + 1);
    BOOST_CHECK_EQUAL(calls("billing_hash"), hash0);
    BOOST_CHECK_EQUAL(calls("billing_calculated"), calculated0);
    BOOST_REQUIRE_EQUAL(p.lines.size(), 1U);
    checkLine(line(p, "metered"), "energy", 48000, 24, kRate, 312);  // 48 x 0.065 = 3.12
    BOOST_CHECK_EQUAL(p.unbilled_equipment_hours, 0);
    BOOST_CHECK((methodsRun(unitResult(p, f)) == std::vector<std::string>{"metered"}));

    const auto q = preview(two, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_CHECK_EQUAL(calls("billing_metered"), metered0 + 2);
    BOOST_CHECK_EQUAL(calls("billing_hash"), hash0 + 1);
    BOOST_CHECK_EQUAL(calls("billing_calculated"), calculated0 + 1);
    BOOST_CHECK((methodsRun(unitResult(q, f2)) == std::vector<std::string>{"metered"}));
    BOOST_CHECK((methodsRun(unitResult(q, g)) ==
                 std::vector<std::string>{"metered", "hash", "calculated"}));
    // 48,000 + 20,000 = 68,000 Wh over 34 hours; 68 x 0.065 = 4.42. G's 14 hours are unbilled.
    checkLine(line(q, "metered"), "energy", 68000, 34, kRate, 442);
    BOOST_CHECK_EQUAL(q.unbilled_equipment_hours, 14);
}

// The preview bills only the part of the period inside the contract: a contract from
// 2026-02-10 for 2 days (custom term, so it ends 2026-02-12) previewed for all of February gives
// [Feb 10 00:00, Feb 12 00:00) = 48 hours. The counter reads every hour from Feb 9 00:00 to
// Feb 13 00:00 rising 1 kWh an hour, so the 48 hours hold 48,000 Wh (the readings on either side
// are outside the billed span). 48 x 0.065 = 3.12.
BOOST_AUTO_TEST_CASE(the_period_is_cut_to_the_contracts_start_and_end_dates) {
    const std::string a = unit(3000);
    const std::string c = contract({a}, [](domain::Contract& k) {
        k.start_date = ymd(2026, 2, 10);
        k.term = {domain::TermKind::kCustom, 2};
    });
    ingest(readings(a, 9, 0, 96, 0, 1000));

    const auto p = preview(c, ymd(2026, 2, 1), ymd(2026, 3, 1));
    BOOST_CHECK(p.period_start == ymd(2026, 2, 1));
    BOOST_CHECK(p.period_end == ymd(2026, 3, 1));
    BOOST_CHECK_EQUAL(p.from, at(10, 0));
    BOOST_CHECK_EQUAL(p.to, at(12, 0));
    BOOST_CHECK_EQUAL(p.hours, 48);
    BOOST_REQUIRE_EQUAL(p.lines.size(), 1U);
    checkLine(line(p, "metered"), "energy", 48000, 48, kRate, 312);
    BOOST_CHECK_EQUAL(p.unbilled_equipment_hours, 0);

    // Without period_end the period is one month: Feb 11 .. Mar 11, cut to [Feb 11, Feb 12).
    const auto q = preview(c, ymd(2026, 2, 11), std::nullopt);
    BOOST_CHECK(q.period_end == ymd(2026, 3, 11));
    BOOST_CHECK_EQUAL(q.from, at(11, 0));
    BOOST_CHECK_EQUAL(q.to, at(12, 0));
    checkLine(line(q, "metered"), "energy", 24000, 24, kRate, 156);

    // A period wholly outside the contract bills nothing.
    const auto r = preview(c, ymd(2026, 2, 20), ymd(2026, 2, 21));
    BOOST_CHECK_EQUAL(r.hours, 0);
    BOOST_CHECK(r.lines.empty());
    BOOST_CHECK_EQUAL(r.total_minor, 0);
    BOOST_CHECK_EQUAL(r.unbilled_equipment_hours, 0);
}

BOOST_AUTO_TEST_CASE(a_preview_refuses_a_backwards_or_too_long_period) {
    const std::string a = unit(3000);
    const std::string c = contract({a});
    const auto backwards = chain.preview(tenant, c, ymd(2026, 2, 10), ymd(2026, 2, 10));
    BOOST_REQUIRE(!backwards.ok());
    BOOST_CHECK_EQUAL(backwards.error().fields.at(0).field, "period_end");
    // Jan 1 .. Apr 4 is 31 + 28 + 31 + 3 = 93 days; Jan 1 .. Apr 3, 92 days, is the longest.
    const auto too_long = chain.preview(tenant, c, ymd(2026, 1, 1), ymd(2026, 4, 4));
    BOOST_REQUIRE(!too_long.ok());
    BOOST_CHECK_EQUAL(too_long.error().fields.at(0).code, "out_of_range");
    BOOST_CHECK(chain.preview(tenant, c, ymd(2026, 1, 1), ymd(2026, 4, 3)).ok());
    BOOST_CHECK(chain.preview(tenant, "ctr_missing", ymd(2026, 2, 1), std::nullopt).error().code ==
                core::ErrorCode::kNotFound);
}

// 300 units in one contract: two chunks (256 + 44). One day, Feb 10.
//   Unit i (0..299) has the counter rising r_i = 1 + i % 7 kWh an hour.
//   Units with i % 10 == 0 (30 of them: 0, 10, ..., 290; 26 in the first 256 by index, though
//   the chunks follow the ids' order) read the counter only 00:00..12:00 and send 100 TH/s at
//   12:00..23:00 instead (3000 W, so 30 J/TH: 3,000 Wh an hour); the others read 00:00..24:00.
// Metered hours: 300 x 24 - 30 x 12 = 6,840.
// Metered energy: 24 x sum(r_i) - 12 x sum(r_i over i % 10 == 0).
//   sum(r_i), i = 0..299: 300 = 42 x 7 + 6, so 42 cycles of 1..7 (28 each) = 1,176, plus
//     i = 294..299 (i % 7 = 0..5, r = 1..6) = 21: 1,197.
//   i = 10k, k = 0..29: 10k % 7 = 3k % 7 runs 0,3,6,2,5,1,4 (sum 21) every 7 values of k;
//     30 = 4 x 7 + 2, so 4 x 21 + (0 + 3) = 87, and r = 30 + 87 = 117.
//   24 x 1,197 - 12 x 117 = 28,728 - 1,404 = 27,324 kWh = 27,324,000 Wh;
//   27,324 x 0.065 = 1,776.06 -> 177,606 cents.
// Hash: 30 units x 12 hours = 360 hours, 360 x 3,000 = 1,080,000 Wh; 1,080 x 0.065 = 70.20
//   -> 7,020 cents. Nothing is left for the calculated method, so it never runs.
BOOST_AUTO_TEST_CASE(a_fleet_over_one_chunk_is_billed_across_the_chunk_boundary) {
    constexpr int kUnits = 300;
    std::string csv = "serial_number,model,hashrate_ths,power_w,owner_customer_id\n";
    for (int i = 0; i < kUnits; ++i)
        csv += "FLEET-" + std::to_string(i) + ",S19,100,3000," + customer + "\n";
    const auto imported = inventory.importEquipmentCsv(actor, tenant, csv);
    BOOST_REQUIRE(imported.ok());
    BOOST_REQUIRE(imported->errors.empty());
    BOOST_REQUIRE_EQUAL(imported->created.size(), static_cast<std::size_t>(kUnits));
    std::vector<std::string> ids;
    std::string body;
    for (int i = 0; i < kUnits; ++i) {
        const auto& e = imported->created[static_cast<std::size_t>(i)];
        BOOST_REQUIRE_EQUAL(e.serial_number, "FLEET-" + std::to_string(i));
        ids.push_back(e.id);
        const std::int64_t step = 1000 * (1 + i % 7);
        if (i % 10 == 0) {
            body += readings(e.id, 10, 0, 12, 0, step);
            for (int h = 12; h <= 23; ++h) body += row("hashrate", e.id, at(10, h), "100");
        } else {
            body += readings(e.id, 10, 0, 24, 0, step);
        }
    }
    const std::string c = contract(ids);
    ingest(body);

    const auto metered0 = calls("billing_metered");
    const auto hash0 = calls("billing_hash");
    const auto calculated0 = calls("billing_calculated");
    const auto p = preview(c, ymd(2026, 2, 10), ymd(2026, 2, 11));
    BOOST_CHECK_EQUAL(p.equipment.size(), static_cast<std::size_t>(kUnits));
    BOOST_REQUIRE_EQUAL(p.lines.size(), 2U);
    checkLine(line(p, "metered"), "energy", 27324000, 6840, kRate, 177606);
    checkLine(line(p, "hash"), "energy", 1080000, 360, kRate, 7020);
    BOOST_CHECK_EQUAL(p.total_minor, 177606 + 7020);
    BOOST_CHECK_EQUAL(p.unbilled_equipment_hours, 0);
    // Two chunks: two metered calls, and a hash call for each chunk that has units with open
    // hours. Chunks follow the contract's units in id order; ids made in the same millisecond
    // sort by their random part, so which units share a chunk differs from run to run (all 30
    // open units in one chunk happens about once in 200 runs).
    std::vector<std::string> by_id = ids;
    std::sort(by_id.begin(), by_id.end());
    std::set<std::string> open_units;
    for (int i = 0; i < kUnits; i += 10) open_units.insert(ids[static_cast<std::size_t>(i)]);
    std::int64_t chunks_with_open = 0;
    for (std::size_t begin = 0; begin < by_id.size(); begin += services::BillingChain::kChunk) {
        const std::size_t end = std::min(by_id.size(), begin + services::BillingChain::kChunk);
        chunks_with_open += std::any_of(by_id.begin() + static_cast<std::ptrdiff_t>(begin),
                                        by_id.begin() + static_cast<std::ptrdiff_t>(end),
                                        [&](const auto& id) { return open_units.count(id) > 0; });
    }
    BOOST_CHECK_EQUAL(calls("billing_metered"), metered0 + 2);
    BOOST_CHECK_EQUAL(calls("billing_hash"), hash0 + chunks_with_open);
    BOOST_CHECK_EQUAL(calls("billing_calculated"), calculated0);
    for (int i = 0; i < kUnits; ++i) {
        const auto& u = unitResult(p, ids[static_cast<std::size_t>(i)]);
        const std::int64_t r_wh = 1000 * (1 + i % 7);
        if (i % 10 == 0) {
            BOOST_REQUIRE_EQUAL(u.uses.size(), 2U);
            BOOST_CHECK_EQUAL(u.uses[0].mwh, 12 * r_wh * 1000);
            BOOST_CHECK_EQUAL(u.uses[1].method, "hash");
            BOOST_CHECK_EQUAL(u.uses[1].mwh, 36000000);
        } else {
            BOOST_REQUIRE_EQUAL(u.uses.size(), 1U);
            BOOST_CHECK_EQUAL(u.uses[0].mwh, 24 * r_wh * 1000);
        }
    }
}

// wh x rate_micro x 10^exponent / 10^9, rounded once, half away from zero.
BOOST_AUTO_TEST_CASE(energy_amounts_round_once_half_away_from_zero_in_the_currencys_exponent) {
    using domain::energyAmountMinor;
    // USD (2): 1 kWh at 0.065 = 6.5 cents -> 7; 0.5 kWh at 0.01 = 0.5 cents -> 1;
    // 0.499 kWh at 0.01 = 0.499 cents -> 0; 1 Wh at 0.5 = 0.05 cents -> 0.
    BOOST_CHECK_EQUAL(*energyAmountMinor(1000, 65000, 2), 7);
    BOOST_CHECK_EQUAL(*energyAmountMinor(500, 10000, 2), 1);
    BOOST_CHECK_EQUAL(*energyAmountMinor(499, 10000, 2), 0);
    BOOST_CHECK_EQUAL(*energyAmountMinor(1, 500000, 2), 0);
    // Negative amounts round away from zero too: -0.5 cents -> -1, -0.499 -> 0.
    BOOST_CHECK_EQUAL(*energyAmountMinor(-500, 10000, 2), -1);
    BOOST_CHECK_EQUAL(*energyAmountMinor(-499, 10000, 2), 0);
    // 97,250 Wh at 0.065 = 632.125 cents -> 632 (rounded once, not per hour or per unit).
    BOOST_CHECK_EQUAL(*energyAmountMinor(97250, 65000, 2), 632);
    // JPY (0): 1 kWh at 25.5 yen -> 25.5 -> 26; 1,234.567 kWh x 25.5 = 31,481.4585 -> 31,481;
    // 3 kWh at 0.5 yen = 1.5 -> 2.
    BOOST_CHECK_EQUAL(*energyAmountMinor(1000, 25500000, 0), 26);
    BOOST_CHECK_EQUAL(*energyAmountMinor(1234567, 25500000, 0), 31481);
    BOOST_CHECK_EQUAL(*energyAmountMinor(3000, 500000, 0), 2);
    // KWD (3): 1 kWh at 0.0125 = 12.5 fils -> 13; 3.333 kWh x 0.0155 = 0.0516615 KWD = 51.6615
    // fils -> 52; 2 kWh at 0.00025 = 0.5 fils -> 1.
    BOOST_CHECK_EQUAL(*energyAmountMinor(1000, 12500, 3), 13);
    BOOST_CHECK_EQUAL(*energyAmountMinor(3333, 15500, 3), 52);
    BOOST_CHECK_EQUAL(*energyAmountMinor(2000, 250, 3), 1);
    // Zero, and a result too large for 64 bits.
    BOOST_CHECK_EQUAL(*energyAmountMinor(0, 65000, 2), 0);
    // (The product is formed in 128 bits: INT64_MAX x INT64_MAX fits, and / 10^9 does not fit
    // back in 64.)
    BOOST_CHECK(!energyAmountMinor(INT64_MAX, INT64_MAX, 0).has_value());
    // Big but representable: 10^12 Wh (10^9 kWh) at 1.000000 = 10^9 major = 10^11 cents.
    BOOST_CHECK_EQUAL(*energyAmountMinor(1000000000000, 1000000, 2), 100000000000);
}

BOOST_AUTO_TEST_SUITE_END()
