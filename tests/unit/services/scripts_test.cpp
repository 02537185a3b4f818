// Tenant scripts in the invoice engine (services::Scripts, services::Invoicing): rate scripts
// pricing each hour, invoice_adjust lines, the fallback to the plain rate with its reason,
// failures recorded and quarantine, and the version lifecycle. The hostile scripts themselves
// are tested against the sandbox in tests/unit/scripting.

#include <boost/test/unit_test.hpp>

#include <string>

#include "services/audit.h"
#include "services/invoicing_fixture.h"

using namespace billwright;
using namespace billwright::testing;
using domain::LineKind;

namespace {

// Peak 08:00-19:59 local at 0.080, otherwise 0.050; its example is checked on upload.
const std::string kTimeOfUse = R"(
examples = {
  { context = { hour = 9, plain_rate = "0.065000" }, expect = "0.080" },
  { context = { hour = 23, plain_rate = "0.065000" }, expect = "0.050" },
}
function rate(ctx)
  if ctx.hour >= 8 and ctx.hour < 20 then return "0.080" end
  return "0.050"
end
)";

const std::string kLoops = "function rate(ctx) while true do end end";

}  // namespace

struct ScriptsFixture : InvoicingFixture {
    services::ScriptView upload(const std::string& name, const std::string& kind,
                                const std::string& source) {
        auto v = scripts.upload(actor, tenant, name, kind, source);
        BOOST_REQUIRE_MESSAGE(v.ok(), (v.ok()                     ? ""
                                       : v.error().fields.empty() ? v.error().detail
                                                                  : v.error().fields[0].message));
        return *v;
    }
    void activate(const std::string& name) {
        BOOST_REQUIRE(scripts.activate(actor, tenant, name, std::nullopt).ok());
    }
    // One customer with one 1,000 W-hour-per-hour unit on 2026-04-30 (24 h of 1,000 Wh).
    std::string dayOfEnergy() {
        const auto cus = customer();
        const auto a = unit(3000, cus);
        oneDay(cus, {a}, ymd(2026, 4, 30), {"metered"});
        at(ymd(2026, 5, 2));
        ingest(steady(a, ymd(2026, 4, 30), 0, 24, 1000000, 1000));
        return cus;
    }
    std::int64_t auditCount(const std::string& action) {
        std::int64_t n = 0;
        storage::PageRequest page;
        page.limit = 500;
        for (const auto& e : services::listAuditEvents(*store, tenant, page))
            n += e.action == action ? 1 : 0;
        return n;
    }
};

BOOST_FIXTURE_TEST_SUITE(scripts_in_invoices, ScriptsFixture)

// 24 hours of 1,000 Wh, UTC. Hours 08-19 (12 h, 12 kWh) at 0.080 = 0.96 -> 96; the other 12 h
// at 0.050 = 0.60 -> 60. One line per rate, ascending, each rounded once; total 156 (the plain
// rate would give 24 x 0.065 = 1.56 -> 156 too, so check the lines, not only the total).
BOOST_AUTO_TEST_CASE(a_rate_script_prices_each_hour_and_lines_group_by_rate) {
    upload("tou", "rate", kTimeOfUse);
    activate("tou");
    const auto cus = dayOfEnergy();
    const auto inv = stored(generate(cus, ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& off = inv.lines[0];
    const auto& peak = inv.lines[1];
    BOOST_CHECK_EQUAL(*off.rate_micro, 50000);
    BOOST_CHECK_EQUAL(*off.wh, 12000);
    BOOST_CHECK_EQUAL(off.amount_minor, 60);
    BOOST_CHECK_EQUAL(*peak.rate_micro, 80000);
    BOOST_CHECK_EQUAL(*peak.wh, 12000);
    BOOST_CHECK_EQUAL(peak.amount_minor, 96);
    // One unit: each rate's line carries the unit-hours it priced, 12 + 12 = the day's 24.
    BOOST_CHECK_EQUAL(off.equipment_hours.value_or(-1), 12);
    BOOST_CHECK_EQUAL(peak.equipment_hours.value_or(-1), 12);
    for (const auto& l : inv.lines) {
        BOOST_CHECK(l.kind == LineKind::kEnergy);
        BOOST_CHECK_EQUAL(l.script_name.value_or(""), "tou");
        BOOST_CHECK_EQUAL(l.script_version.value_or(0), 1);
        BOOST_CHECK(!l.script_fallback);
        BOOST_CHECK(l.description.find("12 h at") != std::string::npos);
    }
    BOOST_CHECK_EQUAL(inv.total_minor, 156);
    BOOST_CHECK_EQUAL(inv.billed_wh, 24000);
}

// The same day with a script that never returns: the instruction budget stops it, the energy
// is billed at the contract's plain rate (24 kWh x 0.065 = 1.56 -> 156) and the line says why;
// the failure is counted on the script and audited. With quarantine_after = 2 the second
// failing invoice quarantines it; the third invoice does not run it at all.
BOOST_AUTO_TEST_CASE(a_failing_rate_script_falls_back_to_the_plain_rate_and_is_quarantined) {
    upload("loops", "rate", kLoops);
    activate("loops");
    auto limits = core::JsonValue::object();
    limits.set("quarantine_after", core::JsonValue::number(2));
    limits.set("instructions", core::JsonValue::number(20000));
    BOOST_REQUIRE(scripts.setLimits(actor, tenant, limits).ok());

    const auto first = stored(generate(dayOfEnergy(), ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(first.lines.size(), 1U);
    const auto& l = first.lines[0];
    BOOST_CHECK_EQUAL(*l.rate_micro, kRate);
    BOOST_CHECK_EQUAL(l.amount_minor, 156);
    BOOST_CHECK_EQUAL(l.script_name.value_or(""), "loops");
    BOOST_CHECK_EQUAL(l.script_fallback.value_or(""), "instruction_limit");
    auto s = scripts.get(tenant, "loops").value().script;
    BOOST_CHECK_EQUAL(s.failures, 1);
    BOOST_CHECK_EQUAL(s.last_failure_code.value_or(""), "instruction_limit");
    BOOST_CHECK(!s.quarantined_at);
    BOOST_CHECK_EQUAL(auditCount("script.failed"), 1);
    BOOST_CHECK(
        metrics.render().find(
            R"(billwright_script_failures_total{code="instruction_limit",kind="rate"} 1)") !=
            std::string::npos ||
        metrics.render().find(
            R"(billwright_script_failures_total{kind="rate",code="instruction_limit"} 1)") !=
            std::string::npos);

    generate(dayOfEnergy(), ymd(2026, 4, 1));
    s = scripts.get(tenant, "loops").value().script;
    BOOST_CHECK_EQUAL(s.failures, 2);
    BOOST_CHECK(s.quarantined_at.has_value());
    BOOST_CHECK_EQUAL(auditCount("script.quarantined"), 1);

    const auto third = stored(generate(dayOfEnergy(), ymd(2026, 4, 1)).invoice->id);
    BOOST_CHECK_EQUAL(third.lines.at(0).script_fallback.value_or(""), "quarantined");
    BOOST_CHECK_EQUAL(third.lines.at(0).amount_minor, 156);
    BOOST_CHECK_EQUAL(scripts.get(tenant, "loops").value().script.failures, 2);  // not run

    // Activating again lifts the quarantine and resets the count.
    activate("loops");
    s = scripts.get(tenant, "loops").value().script;
    BOOST_CHECK(!s.quarantined_at);
    BOOST_CHECK_EQUAL(s.failures, 0);
}

// An invoice_adjust script sees the computed lines and adds a 5 % loyalty discount of the
// subtotal (integer minor units): 24 kWh x 0.065 = 156; 156 x 5 // 100 = 7 -> -7; total 149.
BOOST_AUTO_TEST_CASE(an_invoice_adjust_script_adds_lines_and_the_totals_follow) {
    upload("loyalty", "invoice_adjust", R"(
function invoice_adjust(inv)
  return { { kind = "discount", description = "Loyalty 5 %",
             amount_minor = -(inv.subtotal_minor * 5 // 100) } }
end
)");
    activate("loyalty");
    const auto inv = stored(generate(dayOfEnergy(), ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& d = inv.lines[1];
    BOOST_CHECK(d.kind == LineKind::kDiscount);
    BOOST_CHECK_EQUAL(d.amount_minor, -7);
    BOOST_CHECK_EQUAL(d.description, "Loyalty 5 %");
    BOOST_CHECK_EQUAL(d.script_name.value_or(""), "loyalty");
    BOOST_CHECK_EQUAL(inv.total_minor, 149);
}

// An invoice_adjust script that fails adds nothing, and the invoice says so: a zero line naming
// the script, its version and the failure (as an energy line that fell back does); the total is
// the plain one, and the failure is counted and audited.
BOOST_AUTO_TEST_CASE(a_failing_invoice_adjust_script_is_visible_on_the_invoice) {
    upload("broken", "invoice_adjust", R"(
function invoice_adjust(inv)
  return { { kind = "discount", description = "oops", amount_minor = inv.no_such_field + 1 } }
end
)");
    activate("broken");
    const auto inv = stored(generate(dayOfEnergy(), ymd(2026, 4, 1)).invoice->id);
    BOOST_REQUIRE_EQUAL(inv.lines.size(), 2U);
    const auto& note = inv.lines[1];
    BOOST_CHECK(note.kind == LineKind::kAdjustment);
    BOOST_CHECK_EQUAL(note.amount_minor, 0);
    BOOST_CHECK_EQUAL(note.script_name.value_or(""), "broken");
    BOOST_CHECK_EQUAL(note.script_version.value_or(0), 1);
    BOOST_CHECK_EQUAL(note.script_fallback.value_or(""), "runtime_error");
    BOOST_CHECK_EQUAL(note.description,
                      "No script adjustments: the invoice_adjust script broken v1 failed "
                      "(runtime_error)");
    BOOST_CHECK_EQUAL(inv.total_minor, 156);
    BOOST_CHECK_EQUAL(scripts.get(tenant, "broken").value().script.failures, 1);
    BOOST_CHECK_EQUAL(auditCount("script.failed"), 1);
}

BOOST_AUTO_TEST_CASE(an_upload_that_fails_validation_stores_nothing) {
    const auto bad = scripts.upload(actor, tenant, "tou", "rate", R"(
examples = { { context = { hour = 9 }, expect = "0.070" } }
function rate(ctx) return "0.080" end
)");
    BOOST_REQUIRE(!bad.ok());
    BOOST_CHECK_EQUAL(bad.error().fields.at(0).field, "source");
    BOOST_CHECK_EQUAL(bad.error().fields.at(0).code, "example_failed");
    const auto missing = scripts.upload(actor, tenant, "tou", "rate", "x = 1");
    BOOST_REQUIRE(!missing.ok());
    BOOST_CHECK_EQUAL(missing.error().fields.at(0).code, "missing_function");
    const auto syntax = scripts.upload(actor, tenant, "tou", "rate", "function rate(\n");
    BOOST_REQUIRE(!syntax.ok());
    BOOST_CHECK_EQUAL(syntax.error().fields.at(0).code, "compile_error");
    BOOST_CHECK_EQUAL(syntax.error().fields.at(0).line.value_or(0), 2U);
    BOOST_CHECK(!scripts.upload(actor, tenant, "Bad Name", "rate", kTimeOfUse).ok());
    BOOST_CHECK(!scripts.upload(actor, tenant, "x", "pricing", kTimeOfUse).ok());
    BOOST_CHECK(scripts.list(tenant).empty());
    BOOST_CHECK_EQUAL(auditCount("script.uploaded"), 0);
}

// Versions are kept; one active script per kind; rollback goes back to the version active
// before; a kind never changes under a name.
BOOST_AUTO_TEST_CASE(versions_activation_and_rollback) {
    upload("tou", "rate", kTimeOfUse);
    upload("tou", "rate", "function rate(ctx) return \"0.070\" end");
    auto v = scripts.get(tenant, "tou").value();
    BOOST_CHECK_EQUAL(v.script.latest_version, 2);
    BOOST_REQUIRE_EQUAL(v.versions.size(), 2U);
    BOOST_CHECK_EQUAL(v.versions[0].version, 2);
    BOOST_CHECK_EQUAL(scripts.version(tenant, "tou", 1).value().source, kTimeOfUse);
    BOOST_CHECK(!v.script.active_version);

    BOOST_REQUIRE(scripts.activate(actor, tenant, "tou", 1).ok());
    BOOST_REQUIRE(scripts.activate(actor, tenant, "tou", 2).ok());
    auto back = scripts.rollback(actor, tenant, "tou", std::nullopt);
    BOOST_REQUIRE(back.ok());
    BOOST_CHECK_EQUAL(back->script.active_version.value_or(0), 1);
    BOOST_CHECK_EQUAL(back->script.previous_version.value_or(0), 2);

    // Another rate script activated: "tou" steps aside.
    upload("flat", "rate", "function rate(ctx) return ctx.plain_rate end");
    activate("flat");
    BOOST_CHECK(!scripts.get(tenant, "tou").value().script.active_version);
    BOOST_CHECK_EQUAL(scripts.get(tenant, "flat").value().script.active_version.value_or(0), 1);

    const auto wrong_kind =
        scripts.upload(actor, tenant, "tou", "fees", "function fees(ctx) return {} end");
    BOOST_REQUIRE(!wrong_kind.ok());
    BOOST_CHECK_EQUAL(wrong_kind.error().fields.at(0).code, "kind_mismatch");
    BOOST_CHECK(!scripts.activate(actor, tenant, "tou", 9).ok());
    BOOST_CHECK(!scripts.activate(actor, tenant, "nope", std::nullopt).ok());
}

BOOST_AUTO_TEST_CASE(a_dry_run_with_a_supplied_context_parses_the_result_by_kind) {
    upload("tou", "rate", kTimeOfUse);
    const auto runnable = store->read([&](storage::UnitOfWork& uow) {
        return scripts.runnable(uow, tenant, "tou", std::nullopt);
    });
    BOOST_REQUIRE(runnable.ok());
    auto ctx = core::JsonValue::object();
    ctx.set("hour", core::JsonValue::number(12));
    const auto out = scripts.dryRunContext(*runnable, ctx);
    BOOST_REQUIRE(out.ok());
    BOOST_CHECK_EQUAL(out->find("result")->asString(), "0.080000");
    BOOST_CHECK_EQUAL(out->find("raw")->asString(), "0.080");
    // A context the script cannot handle: a runtime error with its line, as a 422.
    const auto failed = scripts.dryRunContext(*runnable, core::JsonValue::object());
    BOOST_REQUIRE(!failed.ok());
    BOOST_CHECK_EQUAL(failed.error().fields.at(0).code, "runtime_error");
    BOOST_CHECK_EQUAL(failed.error().fields.at(0).line.value_or(0), 7U);
}

BOOST_AUTO_TEST_CASE(limits_are_checked_and_reset_to_the_defaults) {
    auto bad = core::JsonValue::object();
    bad.set("instructions", core::JsonValue::number(5));
    bad.set("nonsense", core::JsonValue::number(1));
    const auto refused = scripts.setLimits(actor, tenant, bad);
    BOOST_REQUIRE(!refused.ok());
    BOOST_CHECK_EQUAL(refused.error().fields.size(), 2U);
    BOOST_CHECK(!scripts.limits(tenant).value().custom);
    auto good = core::JsonValue::object();
    good.set("wall_ms", core::JsonValue::number(50));
    const auto set = scripts.setLimits(actor, tenant, good);
    BOOST_REQUIRE(set.ok());
    BOOST_CHECK(set->custom);
    BOOST_CHECK_EQUAL(scripts.limits(tenant).value().limits.wall_ms, 50);
    BOOST_REQUIRE(scripts.setLimits(actor, tenant, core::JsonValue::null()).ok());
    BOOST_CHECK(!scripts.limits(tenant).value().custom);
    BOOST_CHECK_EQUAL(scripts.limits(tenant).value().limits.wall_ms, 250);
}

BOOST_AUTO_TEST_SUITE_END()
