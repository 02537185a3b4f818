// What honest scripts get: contexts, results, the fast path, kinds and limits.

#include <chrono>
#include <string>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "script_fixture.h"
#include "scripting/limits.h"
#include "scripting/program.h"
#include "scripting/script_kind.h"
#include "scripting/script_results.h"

namespace billwright::scripting {
namespace {

using testing::callFailure;
using testing::json;
using testing::loadFailure;
using testing::mustCall;
using testing::mustLoad;
using testing::smallLimits;

// A tenant's time-of-use + volume-tier rate, in integer micro-units until the end.
constexpr std::string_view kTimeOfUseRate = R"(
local peak_percent = { [17] = 140, [18] = 140, [19] = 140, [20] = 125 }

local function micros(decimal)  -- "0.065000" -> 65000
    local dot = string.find(decimal, ".", 1, true)
    if not dot then return math.tointeger(tonumber(decimal)) * 1000000 end
    local whole = math.tointeger(tonumber(string.sub(decimal, 1, dot - 1)))
    local fraction = string.sub(string.sub(decimal, dot + 1) .. "000000", 1, 6)
    return whole * 1000000 + math.tointeger(tonumber(fraction))
end

function rate(ctx)
    local percent = 100
    if ctx.weekday <= 5 then percent = peak_percent[ctx.hour] or 100 end
    if ctx.hour < 6 then percent = percent - 20 end
    if ctx.month_to_date_kwh > 100000 then percent = percent - 10 end
    local value = (micros(ctx.plain_rate) * percent + 50) // 100
    return string.format("%d.%06d", value // 1000000, value % 1000000)
end
)";

std::int64_t rateOf(const std::variant<core::JsonValue, ScriptFailure>& called) {
    if (auto* failure = std::get_if<ScriptFailure>(&called)) {
        BOOST_FAIL("rate call failed: " << failure->code << ": " << failure->message);
    }
    auto micros = rateResult(std::get<core::JsonValue>(called));
    BOOST_REQUIRE(micros.ok());
    return *micros;
}

BOOST_AUTO_TEST_SUITE(rate_scripts)

BOOST_AUTO_TEST_CASE(a_time_of_use_rate_prices_each_hour_of_the_day) {
    auto program = mustLoad(kTimeOfUseRate);
    auto made = program->makeContext(json(R"({"tenant_id": "ten_1", "plain_rate": "0.065000"})"));
    BOOST_REQUIRE(std::holds_alternative<Program::Context>(made));
    auto& ctx = std::get<Program::Context>(made);
    ctx.set("weekday", 2);
    ctx.set("month_to_date_kwh", 10.5);
    const std::pair<int, std::int64_t> expected[] = {
        {3, 52000}, {12, 65000}, {17, 91000}, {20, 81250}, {23, 65000}};
    for (const auto& [hour, micros] : expected) {
        ctx.set("hour", hour);
        BOOST_TEST(rateOf(program->call("rate", ctx)) == micros, "hour " << hour);
    }
    ctx.set("weekday", 6);
    ctx.set("hour", 18);
    BOOST_TEST(rateOf(program->call("rate", ctx)) == 65000);
}

BOOST_AUTO_TEST_CASE(a_volume_tier_lowers_the_rate_past_the_threshold) {
    auto program = mustLoad(kTimeOfUseRate);
    auto made = program->makeContext(json(R"({"plain_rate": "0.070000"})"));
    auto& ctx = std::get<Program::Context>(made);
    ctx.set("weekday", 7);
    ctx.set("hour", 12);
    ctx.set("month_to_date_kwh", 99999.5);
    BOOST_TEST(rateOf(program->call("rate", ctx)) == 70000);
    ctx.set("month_to_date_kwh", 100000.5);
    BOOST_TEST(rateOf(program->call("rate", ctx)) == 63000);
}

BOOST_AUTO_TEST_CASE(decimal_string_integer_and_float_results_are_exact) {
    auto program = mustLoad(R"(
        function text() return "0.065" end
        function six() return "1234.000001" end
        function whole() return 2 end
        function float() return 0.065 end
        function tiny() return 6.5e-05 end
        function rounded() return math.floor(0.1 * 0.7 * 1e6 + 0.5) / 1e6 end
        function formatted() return string.format("%.6f", 0.1 * 0.7) end)");
    const std::pair<const char*, std::int64_t> expected[] = {
        {"text", 65000}, {"whole", 2000000}, {"float", 65000},
        {"tiny", 65},    {"rounded", 70000}, {"formatted", 70000}};
    for (const auto& [function, micros] : expected) {
        BOOST_TEST(rateOf(program->call(function, json("{}"))) == micros, function);
    }
    auto six = rateResult(mustCall(*program, "six"));
    BOOST_TEST(!six.ok());  // above 1000 per kWh
}

BOOST_AUTO_TEST_SUITE_END()

// Program::callRate, the invoice run's path: the same outcomes as call + rateResult, with the
// context applied without a protected call once its fields exist, and recent results
// remembered by value.
BOOST_AUTO_TEST_SUITE(rate_fast_path)

std::int64_t fastRate(Program& program, Program::Context& ctx) {
    auto rate = program.callRate("rate", ctx);
    if (auto* failure = std::get_if<ScriptFailure>(&rate)) {
        BOOST_FAIL("callRate failed: " << failure->code << ": " << failure->message);
    }
    return std::get<std::int64_t>(rate);
}

ScriptFailure fastFailure(Program& program, Program::Context& ctx) {
    auto rate = program.callRate("rate", ctx);
    if (auto* micros = std::get_if<std::int64_t>(&rate)) {
        BOOST_FAIL("callRate should fail, returned " << *micros);
    }
    return std::get<ScriptFailure>(rate);
}

Program::Context mustMake(Program& program, std::string_view base) {
    auto made = program.makeContext(json(base), ContextNumbers::kFloats);
    BOOST_REQUIRE(std::holds_alternative<Program::Context>(made));
    return std::move(std::get<Program::Context>(made));
}

BOOST_AUTO_TEST_CASE(every_hour_of_a_week_prices_as_call_and_rate_result_do) {
    auto fast = mustLoad(kTimeOfUseRate);
    auto slow = mustLoad(kTimeOfUseRate);
    auto fast_ctx = mustMake(*fast, R"({"plain_rate": "0.071111"})");
    auto slow_ctx = mustMake(*slow, R"({"plain_rate": "0.071111"})");
    const auto hour = fast_ctx.field("hour");
    const auto weekday = fast_ctx.field("weekday");
    const auto to_date = fast_ctx.field("month_to_date_kwh");
    double kwh = 0;
    for (int h = 0; h < 7 * 24; ++h, kwh += 1234.5) {
        fast_ctx.set(hour, h % 24);
        fast_ctx.set(weekday, 1 + h / 24);
        fast_ctx.set(to_date, kwh);
        slow_ctx.set("hour", h % 24);
        slow_ctx.set("weekday", 1 + h / 24);
        slow_ctx.set("month_to_date_kwh", kwh);
        BOOST_TEST(fastRate(*fast, fast_ctx) == rateOf(slow->call("rate", slow_ctx)), "hour " << h);
    }
}

BOOST_AUTO_TEST_CASE(each_result_type_converts_exactly_and_again_when_remembered) {
    auto program = mustLoad(R"(
        local results = { "0.065", 2, 0.065, 6.5e-05, "0.070000", "0.065" }
        function rate(ctx) return results[ctx.i] end)");
    auto ctx = mustMake(*program, R"({"i": 1})");
    const auto i = ctx.field("i");
    const std::int64_t expected[] = {65000, 2000000, 65000, 65, 70000, 65000};
    for (int round = 0; round < 2; ++round) {
        for (int n = 1; n <= 6; ++n) {
            ctx.set(i, n);
            BOOST_TEST(fastRate(*program, ctx) == expected[n - 1], "result " << n);
        }
    }
}

BOOST_AUTO_TEST_CASE(refused_results_fail_as_rate_result_says_also_after_good_ones) {
    auto program = mustLoad(R"(
        local results = { "0.065", "abc", 5000, 0/0, {}, "0.1234567", 0.1 * 0.7, "0.065" }
        function rate(ctx) return results[ctx.i] end)");
    auto ctx = mustMake(*program, R"({"i": 1})");
    const auto i = ctx.field("i");
    BOOST_TEST(fastRate(*program, ctx) == 65000);
    for (int n = 2; n <= 7; ++n) {
        ctx.set(i, n);
        const ScriptFailure failure = fastFailure(*program, ctx);
        BOOST_TEST(failure.code == failure_code::kBadResult, "result " << n);
        auto reference = mustLoad(R"(
            local results = { "0.065", "abc", 5000, 0/0, {}, "0.1234567", 0.1 * 0.7 }
            function rate(ctx) return results[ctx.i] end)");
        auto slow = reference->call("rate", json("{\"i\": " + std::to_string(n) + "}"));
        std::string expected;
        if (auto* slow_failure = std::get_if<ScriptFailure>(&slow)) {
            expected = slow_failure->message;
        } else {
            auto refused = rateResult(std::get<core::JsonValue>(slow));
            BOOST_REQUIRE(!refused.ok());
            expected = resultFailure(refused.error()).message;
        }
        BOOST_TEST(failure.message == expected, "result " << n);
    }
    ctx.set(i, 8);  // a refusal does not spend the Program
    BOOST_TEST(fastRate(*program, ctx) == 65000);
}

BOOST_AUTO_TEST_CASE(a_timestamp_reads_as_rfc3339_utc_and_cannot_be_written) {
    using namespace std::chrono;
    auto program = mustLoad(R"(
        function rate(ctx)
            if ctx.write then ctx.hour_start = "x" end
            if ctx.hour_start == ctx.expect then return 1 end
            return 0
        end
        function listed(ctx)
            for k in pairs(ctx) do if k == "hour_start" then return true end end
            return false
        end)");
    // A base value under the same name is replaced by the timestamp.
    auto ctx = mustMake(*program, R"({"hour_start": "stale", "expect": "2026-01-06T15:00:00Z"})");
    const auto start = ctx.field("hour_start");
    const sys_seconds at = sys_days{year{2026} / January / 6} + hours{15};
    ctx.setTimestamp(start, at.time_since_epoch().count());
    BOOST_TEST(fastRate(*program, ctx) == 1000000);
    ctx.set("expect", "2026-01-06T16:00:00Z");
    ctx.setTimestamp(start, (at + hours{1}).time_since_epoch().count());
    BOOST_TEST(fastRate(*program, ctx) == 1000000);
    ctx.setTimestamp(start, (at + hours{2}).time_since_epoch().count());
    BOOST_TEST(fastRate(*program, ctx) == 0);  // read anew: 17:00 is not 16:00
    auto listed = program->call("listed", ctx);
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(listed)) == "false");
    // The same field as a plain integer afterwards.
    ctx.set("expect", 7);
    ctx.set(start, 7);
    BOOST_TEST(fastRate(*program, ctx) == 1000000);
    ctx.set("write", true);
    const ScriptFailure failure = fastFailure(*program, ctx);
    BOOST_TEST(failure.code == failure_code::kRuntimeError);
    BOOST_TEST(failure.message.find("read-only") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(limits_stop_the_fast_path_and_stay_tripped) {
    auto program = mustLoad(R"(
        function rate(ctx)
            if ctx.hour == 5 then while true do end end
            return 1
        end)");
    auto ctx = mustMake(*program, R"({"hour": 0})");
    const auto hour = ctx.field("hour");
    for (int h = 0; h < 5; ++h) {
        ctx.set(hour, h);
        BOOST_TEST(fastRate(*program, ctx) == 1000000);
    }
    ctx.set(hour, 5);
    BOOST_TEST(fastFailure(*program, ctx).code == failure_code::kInstructionLimit);
    ctx.set(hour, 6);
    BOOST_TEST(fastFailure(*program, ctx).code == failure_code::kInstructionLimit);
    BOOST_TEST(program->tripped());
}

BOOST_AUTO_TEST_CASE(recursion_on_the_fast_path_stops_at_the_recursion_limit) {
    auto program = mustLoad(R"(
        local function down(n) return 1 + down(n + 1) end
        function rate(ctx)
            if ctx.hour == 2 then return down(1) end
            return 1
        end)");
    auto ctx = mustMake(*program, R"({"hour": 0})");
    const auto hour = ctx.field("hour");
    ctx.set(hour, 1);
    BOOST_TEST(fastRate(*program, ctx) == 1000000);
    ctx.set(hour, 2);
    BOOST_TEST(fastFailure(*program, ctx).code == failure_code::kRecursionLimit);
}

BOOST_AUTO_TEST_CASE(a_busy_loop_on_the_fast_path_stops_at_the_deadline) {
    Limits limits = smallLimits();
    limits.instructions = kMaxInstructions;
    limits.wall_ms = 30;
    auto program = mustLoad(R"(
        function rate(ctx)
            if ctx.hour == 1 then while true do end end
            return 1
        end)",
                            limits);
    auto ctx = mustMake(*program, R"({"hour": 0})");
    BOOST_TEST(fastRate(*program, ctx) == 1000000);
    ctx.set("hour", 1);
    BOOST_TEST(fastFailure(*program, ctx).code == failure_code::kDeadline);
}

BOOST_AUTO_TEST_CASE(a_script_that_removes_its_function_gets_missing_function) {
    auto program = mustLoad(R"(
        function rate(ctx)
            if ctx.hour == 3 then rate = nil end
            return 1
        end)");
    auto ctx = mustMake(*program, R"({"hour": 0})");
    const auto hour = ctx.field("hour");
    for (int h = 0; h <= 3; ++h) {
        ctx.set(hour, h);
        BOOST_TEST(fastRate(*program, ctx) == 1000000);
    }
    ctx.set(hour, 4);
    BOOST_TEST(fastFailure(*program, ctx).code == failure_code::kMissingFunction);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(contexts)

BOOST_AUTO_TEST_CASE(json_numbers_reach_the_script_as_integers_or_exact_decimal_strings) {
    auto program = mustLoad(R"(
        function rate(ctx)
            return {math.type(ctx.count), type(ctx.rate), ctx.rate, ctx.missing == nil,
                    type(ctx.big)}
        end)");
    const core::JsonValue ctx =
        json(R"({"count": 3, "rate": 0.065, "missing": null, "big": 123456789012345678901})");
    BOOST_TEST(core::toJson(mustCall(*program, "rate", ctx)) ==
               R"(["integer","string","0.065",true,"string"])");
    auto floats = program->call("rate", ctx, ContextNumbers::kFloats);
    BOOST_REQUIRE(std::holds_alternative<core::JsonValue>(floats));
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(floats)) ==
               R"(["integer","number",0.065,true,"number"])");
}

BOOST_AUTO_TEST_CASE(context_arrays_support_length_ipairs_and_pairs) {
    auto program = mustLoad(R"(
        function rate(ctx)
            local sum, seen, named = 0, 0, 0
            for i, line in ipairs(ctx.lines) do sum = sum + line.qty end
            for k, v in pairs(ctx.lines) do seen = seen + 1 end
            for k, v in pairs(ctx) do named = named + 1 end
            return {#ctx.lines, sum, seen, named, #ctx.holes, ctx.holes[3]}
        end)");
    const core::JsonValue ctx =
        json(R"({"lines": [{"qty": 2}, {"qty": 5}], "holes": [1, null, 3], "x": true})");
    BOOST_TEST(core::toJson(mustCall(*program, "rate", ctx)) == "[2,7,2,3,3,3]");
}

BOOST_AUTO_TEST_CASE(a_fast_path_context_keeps_its_base_and_takes_changed_fields) {
    auto program = mustLoad(R"(
        function rate(ctx)
            return {ctx.contract.id, ctx.hour, math.type(ctx.hour), ctx.kwh, ctx.date}
        end)");
    auto made = program->makeContext(json(R"({"contract": {"id": "con_1"}, "hour": 0})"));
    auto& ctx = std::get<Program::Context>(made);
    // A generic call in between does not disturb the context.
    BOOST_TEST(core::toJson(mustCall(*program, "rate", json(R"({"contract": {"id": "x"}})"))) ==
               R"(["x"])");  // trailing nils end a Lua list
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(program->call("rate", ctx))) ==
               R"(["con_1",0,"integer"])");
    ctx.set("hour", 7);
    ctx.set("kwh", 1.25);
    ctx.set("date", "2026-10-01");
    ctx.set("hour", 8);  // the last value set before the call wins
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(program->call("rate", ctx))) ==
               R"(["con_1",8,"integer",1.25,"2026-10-01"])");
    ctx.set("kwh", 2.5);
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(program->call("rate", ctx))) ==
               R"(["con_1",8,"integer",2.5,"2026-10-01"])");
    // A context per contract, many times over: each one is released with its C++ object.
    for (int i = 0; i < 2000; ++i) {
        auto another = program->makeContext(json(R"({"contract": {"id": "con_2"}})"));
        BOOST_REQUIRE(std::holds_alternative<Program::Context>(another));
    }
    BOOST_TEST(program->memoryInUse() < 512u << 10);
}

BOOST_AUTO_TEST_CASE(a_context_base_must_be_an_object) {
    auto program = mustLoad("function rate(ctx) return 1 end");
    auto made = program->makeContext(json("[1]"));
    BOOST_REQUIRE(std::holds_alternative<ScriptFailure>(made));
    BOOST_TEST(std::get<ScriptFailure>(made).code == failure_code::kInternalError);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(programs)

BOOST_AUTO_TEST_CASE(globals_persist_between_calls_of_one_program) {
    auto program = mustLoad("calls = 0\nfunction rate(ctx) calls = calls + 1; return calls end");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == "1");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == "2");
}

BOOST_AUTO_TEST_CASE(a_function_redefined_by_the_script_is_the_one_called_next) {
    auto program = mustLoad(R"(
        function rate(ctx)
            rate = function(ctx) return "second" end
            return "first"
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == R"("first")");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == R"("second")");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) == R"("second")");
}

BOOST_AUTO_TEST_CASE(field_handles_and_repeated_values_reach_the_script) {
    auto program = mustLoad("function rate(ctx) return {ctx.hour, ctx.day, ctx.kwh} end");
    auto made = program->makeContext(json("{}"));
    auto& ctx = std::get<Program::Context>(made);
    const auto hour = ctx.field("hour");
    BOOST_TEST(ctx.field("hour").index == hour.index);
    for (int round = 0; round < 3; ++round) {
        ctx.set(hour, 5);
        ctx.set("day", "2026-10-01");
        ctx.set("kwh", 0.5);
        BOOST_TEST(core::toJson(std::get<core::JsonValue>(program->call("rate", ctx))) ==
                   R"([5,"2026-10-01",0.5])");
    }
    ctx.set(hour, 6);
    ctx.set("kwh", 7);  // an integer now: the type changes too
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(program->call("rate", ctx))) ==
               R"([6,"2026-10-01",7])");
}

BOOST_AUTO_TEST_CASE(has_function_is_true_only_for_global_functions) {
    auto program = mustLoad("function rate(ctx) end\nfees = 3\nlocal function hidden() end");
    BOOST_TEST(program->hasFunction("rate"));
    BOOST_TEST(!program->hasFunction("fees"));
    BOOST_TEST(!program->hasFunction("hidden"));
    BOOST_TEST(callFailure(*program, "fees").code == failure_code::kMissingFunction);
    BOOST_TEST(callFailure(*program, "nothing").code == failure_code::kMissingFunction);
}

BOOST_AUTO_TEST_CASE(ordinary_lua_works_inside_the_sandbox) {
    auto program = mustLoad(R"(
        function rate(ctx)
            local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
            local t = {5, 1, 4}
            table.sort(t)
            table.insert(t, 1, 0)
            table.remove(t)
            local ok, err = pcall(error, {code = 7})
            return {gen() + gen() + gen(), table.concat(t, ","), ("abc"):upper(),
                    string.format("%05.1f", 3.14159), utf8.len("héllo"), err.code,
                    select("#", 1, 2), string.find("a.b", ".", 1, true), "10" + 1,
                    string.find("hello", "ll"), tostring(nil), math.max(1, 9)}
        end)");
    BOOST_TEST(core::toJson(mustCall(*program, "rate")) ==
               R"([6,"0,1,4","ABC","003.1",5,7,2,2,11,3,"nil",9])");
}

BOOST_AUTO_TEST_CASE(a_compile_error_reports_its_line) {
    const ScriptFailure failure = loadFailure("function rate(ctx)\n  return 1 +\nend\n");
    BOOST_TEST(failure.code == failure_code::kCompileError);
    BOOST_TEST((failure.line == 3));
}

BOOST_AUTO_TEST_CASE(a_source_larger_than_the_limit_is_refused_before_compiling) {
    Limits limits = smallLimits();
    limits.max_source_bytes = 1024;
    const ScriptFailure failure = loadFailure(std::string(1025, ' '), limits);
    BOOST_TEST(failure.code == failure_code::kSourceTooLarge);
}

BOOST_AUTO_TEST_CASE(limits_outside_their_ranges_are_refused) {
    Limits limits;
    limits.instructions = 0;
    limits.memory_bytes = 1;
    limits.wall_ms = 3'600'000;
    auto checked = validateLimits(limits);
    BOOST_REQUIRE(!checked.ok());
    std::vector<std::string> fields;
    for (const auto& field : checked.error().fields) {
        fields.push_back(field.field);
        BOOST_TEST(field.code == "out_of_range");
    }
    BOOST_TEST(fields == (std::vector<std::string>{"limits.instructions", "limits.memory_bytes",
                                                   "limits.wall_ms"}),
               boost::test_tools::per_element());
    BOOST_TEST(validateLimits(Limits{}).ok());
    BOOST_TEST(loadFailure("return 1", limits).code == failure_code::kInvalidLimits);
}

BOOST_AUTO_TEST_CASE(usage_is_reported_per_call_and_per_state) {
    auto program = mustLoad("function rate(ctx) local x = 0 for i = 1, 5000 do x = x + i end end");
    mustCall(*program, "rate");
    BOOST_TEST(program->instructionsUsed() >= 10'000);
    BOOST_TEST(program->instructionsUsed() <= 30'000);
    BOOST_TEST(program->memoryInUse() > 0u);
    BOOST_TEST(program->memoryInUse() < program->limits().memory_bytes);
}

BOOST_AUTO_TEST_CASE(kinds_have_names_and_entry_functions) {
    for (ScriptKind kind : {ScriptKind::kRate, ScriptKind::kFees, ScriptKind::kInvoiceAdjust}) {
        BOOST_TEST((parseKind(kindName(kind)) == kind));
        BOOST_TEST(entryFunction(kind) == kindName(kind));
    }
    BOOST_TEST(kindName(ScriptKind::kInvoiceAdjust) == "invoice_adjust");
    BOOST_TEST(!parseKind("Rate").has_value());
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::scripting
