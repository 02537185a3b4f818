// Every wrong return type, per kind and for the conversion itself.

#include <string>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "script_fixture.h"
#include "scripting/program.h"
#include "scripting/script_results.h"

namespace billwright::scripting {
namespace {

using testing::json;
using testing::mustLoad;

// Returns the value of `expression` through a real Program, as the conversion gives it.
std::variant<core::JsonValue, ScriptFailure> returned(const std::string& expression) {
    auto program = mustLoad("function f(ctx) return " + expression + " end");
    return program->call("f", core::JsonValue::object());
}

std::string conversionCode(const std::string& expression) {
    auto result = returned(expression);
    if (auto* failure = std::get_if<ScriptFailure>(&result)) return failure->code;
    return "ok";
}

// The first field error code of the kind's parser, "ok", or the conversion's failure code.
template <typename Parse>
std::string resultCode(const std::string& expression, Parse parse) {
    auto result = returned(expression);
    if (auto* failure = std::get_if<ScriptFailure>(&result)) return failure->code;
    auto parsed = parse(std::get<core::JsonValue>(result));
    if (parsed.ok()) return "ok";
    BOOST_REQUIRE(!parsed.error().fields.empty());
    return parsed.error().fields.front().code;
}

std::string rateCode(const std::string& expression) { return resultCode(expression, rateResult); }

BOOST_AUTO_TEST_SUITE(conversion)

BOOST_AUTO_TEST_CASE(values_that_cannot_leave_the_script_are_bad_results) {
    const char* bad[] = {
        "function() end",
        "coroutine.create(function() end)",
        "0/0",
        "1/0",
        "-1/0",
        "math.huge",
        "{1, 2, x = 3}",                        // mixed keys
        "{1, nil, 3}",                          // holes
        "{[true] = 1}",                         // boolean key
        "{[1.5] = 1}",                          // float key
        "{[0] = 1}",                            // not 1..n
        "{{{{{{{{{{{{{{{{{1}}}}}}}}}}}}}}}}}",  // 17 levels
        "'\\xff\\xfe'",                         // not UTF-8
        "{['\\xff'] = 1}",
        "{f = print or tostring}",
        "(function() local t = {} t.self = t return t end)()",  // a cycle
        "(function() local t = {} for i = 1, 1001 do t[i] = i end return t end)()",
    };
    for (const char* expression : bad) {
        BOOST_TEST(conversionCode(expression) == failure_code::kBadResult, expression);
    }
}

BOOST_AUTO_TEST_CASE(a_bad_result_names_its_path) {
    auto result = returned("{lines = {{amount = 1}, {amount = 0/0}}}");
    BOOST_REQUIRE(std::holds_alternative<ScriptFailure>(result));
    BOOST_TEST(std::get<ScriptFailure>(result).message.starts_with("result.lines[2].amount "));
}

BOOST_AUTO_TEST_CASE(plain_values_convert_with_sorted_members) {
    auto result = returned(
        "{zeta = 1, alpha = {true, false}, mid = 'x', f = 2.5, big = math.maxinteger, e = {}}");
    BOOST_REQUIRE(std::holds_alternative<core::JsonValue>(result));
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(result)) ==
               R"({"alpha":[true,false],"big":9223372036854775807,"e":{},"f":2.5,"mid":"x",)"
               R"("zeta":1})");
}

BOOST_AUTO_TEST_CASE(reading_a_result_never_runs_its_metamethods) {
    auto result = returned(R"(setmetatable({a = 1}, {
        __index = function() while true do end end,
        __pairs = function() while true do end end,
        __len = function() while true do end end,
        __tostring = function() while true do end end,
        __eq = function() while true do end end}))");
    BOOST_REQUIRE(std::holds_alternative<core::JsonValue>(result));
    BOOST_TEST(core::toJson(std::get<core::JsonValue>(result)) == R"({"a":1})");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rate_results)

BOOST_AUTO_TEST_CASE(every_wrong_rate_is_refused_with_its_code) {
    const std::pair<const char*, const char*> cases[] = {
        {"nil", "wrong_type"},
        {"{}", "wrong_type"},
        {"{0.065}", "wrong_type"},
        {"true", "wrong_type"},
        {"function() end", "bad_result"},
        {"0/0", "bad_result"},
        {"1/0", "bad_result"},
        {"-1/0", "bad_result"},
        {"math.huge", "bad_result"},
        {"math.maxinteger", "out_of_range"},
        {"math.mininteger", "out_of_range"},
        {"1e300", "out_of_range"},
        {"-0.01", "out_of_range"},
        {"'-0.01'", "out_of_range"},
        {"1001", "out_of_range"},
        {"'1000.000001'", "out_of_range"},
        {"0.1 * 0.7", "too_many_decimals"},
        {"1e-07", "too_many_decimals"},
        {"'0.0650001'", "too_many_decimals"},
        {"'0.0650000'", "too_many_decimals"},
        {"'1e3'", "invalid_number"},
        {"' 0.065'", "invalid_number"},
        {"'0,065'", "invalid_number"},
        {"'.065'", "invalid_number"},
        {"'007'", "invalid_number"},
        {"''", "invalid_number"},
    };
    for (const auto& [expression, code] : cases) {
        BOOST_TEST(rateCode(expression) == code, expression);
    }
}

BOOST_AUTO_TEST_CASE(rates_at_the_edges_of_the_range_are_exact) {
    const std::pair<const char*, std::int64_t> cases[] = {
        {"0", 0},
        {"'0'", 0},
        {"0.0", 0},
        {"-0.0", 0},
        {"1000", 1000'000'000},
        {"'1000.000000'", 1000'000'000},
        {"0.000001", 1},
        {"'0.000001'", 1},
        {"65 / 1000", 65000},
        {"1e2", 100'000'000},
    };
    for (const auto& [expression, micros] : cases) {
        auto result = returned(expression);
        BOOST_REQUIRE(std::holds_alternative<core::JsonValue>(result));
        auto rate = rateResult(std::get<core::JsonValue>(result));
        BOOST_REQUIRE_MESSAGE(rate.ok(), expression);
        BOOST_TEST(*rate == micros, expression);
    }
}

BOOST_AUTO_TEST_CASE(a_float_with_too_many_decimals_tells_how_to_round) {
    auto result = returned("0.1 * 0.7");
    auto rate = rateResult(std::get<core::JsonValue>(result));
    BOOST_REQUIRE(!rate.ok());
    BOOST_TEST(rate.error().fields.front().field == "result");
    BOOST_TEST(rate.error().fields.front().message.find("string.format") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(fee_results)

BOOST_AUTO_TEST_CASE(fees_come_back_in_minor_units_with_missing_keys_left_to_defaults) {
    auto result = returned("{admin = 5000, install = 12000.0, sales_tax = 0}");
    auto fees = feesResult(std::get<core::JsonValue>(result));
    BOOST_REQUIRE(fees.ok());
    BOOST_TEST(fees->fees_minor.size() == 3u);
    BOOST_TEST(fees->fees_minor.at("admin") == 5000);
    BOOST_TEST(fees->fees_minor.at("install") == 12000);
    BOOST_TEST(resultCode("{}", feesResult) == "ok");
}

BOOST_AUTO_TEST_CASE(every_wrong_fee_result_is_refused_with_its_code) {
    const std::pair<const char*, const char*> cases[] = {
        {"nil", "wrong_type"},
        {"5000", "wrong_type"},
        {"{5000}", "wrong_type"},
        {"{admin = '5000'}", "wrong_type"},
        {"{admin = true}", "wrong_type"},
        {"{admin = 55.5}", "not_integer"},
        {"{admin = -1}", "out_of_range"},
        {"{admin = math.maxinteger}", "out_of_range"},
        {"{admin = 1e30}", "out_of_range"},
        {"{admin = 0/0}", "bad_result"},
        {"{admn = 5}", "unknown_field"},
    };
    for (const auto& [expression, code] : cases) {
        BOOST_TEST(resultCode(expression, feesResult) == code, expression);
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_fee_key_is_named) {
    auto fees = feesResult(json(R"({"admin": 1, "tip": 2})"));
    BOOST_REQUIRE(!fees.ok());
    BOOST_TEST(fees.error().fields.size() == 1u);
    BOOST_TEST(fees.error().fields.front().field == "result.tip");
    BOOST_TEST(resultFailure(fees.error()).code == failure_code::kBadResult);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(adjustment_results)

BOOST_AUTO_TEST_CASE(adjustment_lines_come_back_in_order) {
    auto result = returned(R"({
        {kind = "discount", description = "Loyalty 5%", amount_minor = -1250, taxable = true},
        {kind = "surcharge", description = "Überstunden", amount_minor = 300},
    })");
    auto lines = invoiceAdjustResult(std::get<core::JsonValue>(result));
    BOOST_REQUIRE(lines.ok());
    BOOST_REQUIRE(lines->size() == 2u);
    BOOST_TEST((*lines)[0].kind == "discount");
    BOOST_TEST((*lines)[0].amount_minor == -1250);
    BOOST_TEST((*lines)[0].taxable);
    BOOST_TEST((*lines)[1].description == "Überstunden");
    BOOST_TEST(!(*lines)[1].taxable);
    BOOST_TEST(resultCode("{}", invoiceAdjustResult) == "ok");
}

BOOST_AUTO_TEST_CASE(every_wrong_adjustment_is_refused_with_its_code) {
    const std::pair<const char*, const char*> cases[] = {
        {"nil", "wrong_type"},
        {"'discount'", "wrong_type"},
        {"{kind = 'discount'}", "wrong_type"},  // an object, not a list
        {"{'discount'}", "wrong_type"},
        {"{{description = 'x', amount_minor = -1}}", "required"},
        {"{{kind = 'rebate', description = 'x', amount_minor = -1}}", "invalid_enum"},
        {"{{kind = 'discount', amount_minor = -1}}", "required"},
        {"{{kind = 'discount', description = 42, amount_minor = -1}}", "wrong_type"},
        {"{{kind = 'discount', description = {}, amount_minor = -1}}", "wrong_type"},
        {"{{kind = 'discount', description = '', amount_minor = -1}}", "out_of_range"},
        {"{{kind = 'discount', description = ('x'):rep(201), amount_minor = -1}}", "out_of_range"},
        {"{{kind = 'discount', description = 'a\\nb', amount_minor = -1}}", "invalid_characters"},
        {"{{kind = 'discount', description = 'x'}}", "required"},
        {"{{kind = 'discount', description = 'x', amount_minor = 100}}", "out_of_range"},
        {"{{kind = 'credit', description = 'x', amount_minor = 0}}", "out_of_range"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = -5}}", "out_of_range"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = 1.5}}", "not_integer"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = '5'}}", "wrong_type"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = math.maxinteger}}",
         "out_of_range"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = 5, taxable = 'yes'}}",
         "wrong_type"},
        {"{{kind = 'surcharge', description = 'x', amount_minor = 5, note = 'n'}}",
         "unknown_field"},
        {"(function() local t = {} for i = 1, 51 do t[i] = {kind = 'surcharge', "
         "description = 'x', amount_minor = 1} end return t end)()",
         "too_many_items"},
    };
    for (const auto& [expression, code] : cases) {
        BOOST_TEST(resultCode(expression, invoiceAdjustResult) == code, expression);
    }
}

BOOST_AUTO_TEST_CASE(a_description_of_two_hundred_characters_counts_code_points) {
    BOOST_TEST(resultCode("{{kind = 'credit', description = ('é'):rep(200), amount_minor = -1}}",
                          invoiceAdjustResult) == "ok");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace billwright::scripting
