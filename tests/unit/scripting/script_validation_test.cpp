// Upload validation: compiles, defines the entry function, passes its declared examples.

#include <string>

#include <boost/test/unit_test.hpp>

#include "script_fixture.h"
#include "scripting/script_validation.h"

namespace billwright::scripting {
namespace {

using testing::smallLimits;

std::string codes(const ValidationReport& report) {
    std::string out;
    for (const ScriptFailure& problem : report.problems) {
        if (!out.empty()) out += ",";
        out += problem.code;
    }
    return out;
}

constexpr std::string_view kRateWithExamples = R"(
function rate(ctx)
    if ctx.hour >= 17 and ctx.hour < 21 then return "0.091" end
    return tonumber(ctx.plain_rate) * 1000000 // 1 / 1000000
end

examples = {
    { name = "evening peak", context = { hour = 18, plain_rate = "0.065000" }, expect = "0.091000" },
    { context = { hour = 3, plain_rate = "0.065000" }, expect = 0.065 },
    { context = { hour = 12, plain_rate = "0.070000", kwh = 1.5 }, expect = "0.07" },
}
)";

BOOST_AUTO_TEST_CASE(a_valid_rate_script_runs_and_counts_its_examples) {
    const ValidationReport report =
        validateScript(ScriptKind::kRate, kRateWithExamples, smallLimits());
    BOOST_TEST(report.ok(), codes(report)
                                << " " << (report.ok() ? "" : report.problems[0].message));
    BOOST_TEST(report.examples_run == 3);
}

BOOST_AUTO_TEST_CASE(a_script_without_examples_is_valid_when_it_defines_its_function) {
    const ValidationReport report =
        validateScript(ScriptKind::kFees, "function fees(ctx) return {} end", smallLimits());
    BOOST_TEST(report.ok());
    BOOST_TEST(report.examples_run == 0);
}

BOOST_AUTO_TEST_CASE(a_script_without_its_entry_function_is_refused) {
    const ValidationReport report =
        validateScript(ScriptKind::kFees, "function rate(ctx) return 1 end", smallLimits());
    BOOST_TEST(codes(report) == "missing_function");
}

BOOST_AUTO_TEST_CASE(a_failing_example_is_reported_with_its_index_and_the_rest_still_run) {
    const ValidationReport report = validateScript(ScriptKind::kRate, R"(
        function rate(ctx) return ctx.hour < 12 and "0.05" or "0.06" end
        examples = {
            { context = { hour = 1 }, expect = "0.05" },
            { context = { hour = 13 }, expect = "0.05" },
            { context = { hour = 2 }, expect = "0.05" },
        })",
                                                   smallLimits());
    BOOST_TEST(codes(report) == "example_failed");
    BOOST_TEST(report.examples_run == 3);
    BOOST_TEST(report.problems[0].message == "examples[2]: expected 0.050000, got 0.060000");
}

BOOST_AUTO_TEST_CASE(an_example_that_errors_keeps_its_code_and_line) {
    const ValidationReport report = validateScript(ScriptKind::kRate,
                                                   "function rate(ctx)\n"
                                                   "  return ctx.missing.field\n"
                                                   "end\n"
                                                   "examples = {{context = {}, expect = 1}}",
                                                   smallLimits());
    BOOST_TEST(codes(report) == "runtime_error");
    BOOST_TEST((report.problems[0].line == 2));
    BOOST_TEST(report.problems[0].message.starts_with("examples[1]: "));
}

BOOST_AUTO_TEST_CASE(an_example_that_trips_a_limit_stops_the_examples) {
    const ValidationReport report = validateScript(ScriptKind::kRate, R"(
        function rate(ctx) while ctx.hour == 1 do end return 1 end
        examples = {
            { context = { hour = 1 }, expect = 1 },
            { context = { hour = 2 }, expect = 1 },
        })",
                                                   smallLimits());
    BOOST_TEST(codes(report) == "instruction_limit");
    BOOST_TEST(report.examples_run == 1);
}

BOOST_AUTO_TEST_CASE(the_examples_share_a_time_budget_so_an_upload_cannot_hold_a_worker_long) {
    // 100 examples of a busy loop, each well inside its own limits. Their shared time is cut to
    // nothing here (the real one is kExamplesWallMultiple x wall_ms), so the cut-off does not
    // depend on the machine's speed: the first example runs, then validation stops.
    Limits limits = smallLimits();
    limits.instructions = kMaxInstructions;
    std::string source = "function rate(ctx) for i = 1, ctx.n do end return 1 end\nexamples = {\n";
    for (int i = 0; i < 100; ++i) source += "  { context = { n = 1000 }, expect = 1 },\n";
    source += "}\n";
    const ValidationReport report =
        validateScript(ScriptKind::kRate, source, limits, std::chrono::milliseconds(0));
    BOOST_TEST(codes(report) == "deadline");
    BOOST_TEST(report.examples_run == 1);
    BOOST_REQUIRE(!report.problems.empty());
    BOOST_TEST(report.problems.back().message ==
               "the examples took longer than 0 ms together; examples[2] and later did not run");
    // With the real budget the same examples all run.
    const ValidationReport all = validateScript(ScriptKind::kRate, source, limits);
    BOOST_TEST(all.ok());
    BOOST_TEST(all.examples_run == 100);
}

BOOST_AUTO_TEST_CASE(a_result_the_kind_refuses_is_a_bad_result) {
    const ValidationReport report = validateScript(ScriptKind::kRate, R"(
        function rate(ctx) return 0.1 * 0.7 end
        examples = {{ context = {}, expect = "0.065" }})",
                                                   smallLimits());
    BOOST_TEST(codes(report) == "bad_result");
}

BOOST_AUTO_TEST_CASE(malformed_examples_are_refused) {
    const char* scripts[] = {
        "function rate(ctx) return 1 end examples = 5",
        "function rate(ctx) return 1 end examples = {{ context = {} }}",
        "function rate(ctx) return 1 end examples = {{ expect = 1 }}",
        "function rate(ctx) return 1 end examples = {{ context = {}, expect = 'one' }}",
        "function rate(ctx) return 1 end examples = {{ context = {}, expect = print or next }}",
        ("function rate(ctx) return 1 end examples = {}; for i = 1, 101 do "
         "examples[i] = {context = {}, expect = 1} end"),
    };
    for (const char* script : scripts) {
        const ValidationReport report = validateScript(ScriptKind::kRate, script, smallLimits());
        BOOST_TEST(codes(report) == "example_failed", script);
    }
}

BOOST_AUTO_TEST_CASE(fee_and_adjustment_examples_compare_parsed_results) {
    const ValidationReport fees = validateScript(ScriptKind::kFees, R"(
        function fees(ctx)
            local units = 0
            for _, line in ipairs(ctx.lines) do units = units + line.quantity end
            return { install = 2500 * units, admin = ctx.defaults.admin }
        end
        examples = {{
            context = { lines = {{ quantity = 2 }, { quantity = 3 }}, defaults = { admin = 900 } },
            expect = { admin = 900, install = 12500.0 },
        }})",
                                                 smallLimits());
    BOOST_TEST(fees.ok(), codes(fees));
    BOOST_TEST(fees.examples_run == 1);

    const ValidationReport adjust = validateScript(ScriptKind::kInvoiceAdjust, R"(
        function invoice_adjust(ctx)
            if ctx.total_minor < 100000 then return {} end
            return {{ kind = "discount", description = "Volume discount",
                      amount_minor = -(ctx.total_minor // 20) }}
        end
        examples = {
            { context = { total_minor = 5000 }, expect = {} },
            { context = { total_minor = 200000 },
              expect = {{ kind = "discount", description = "Volume discount",
                          amount_minor = -10000, taxable = false }} },
        })",
                                                   smallLimits());
    BOOST_TEST(adjust.ok(), codes(adjust));
    BOOST_TEST(adjust.examples_run == 2);
}

BOOST_AUTO_TEST_CASE(load_failures_are_the_only_problem_reported) {
    Limits limits = smallLimits();
    limits.max_source_bytes = 1024;
    BOOST_TEST(codes(validateScript(ScriptKind::kRate, std::string(2000, ' '), limits)) ==
               "source_too_large");
    BOOST_TEST(codes(validateScript(ScriptKind::kRate, "function rate(", smallLimits())) ==
               "compile_error");
    BOOST_TEST(codes(validateScript(ScriptKind::kRate, "while true do end", smallLimits())) ==
               "instruction_limit");
}

}  // namespace
}  // namespace billwright::scripting
