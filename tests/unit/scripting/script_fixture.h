#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include <boost/test/unit_test.hpp>

#include "core/json.h"
#include "scripting/limits.h"
#include "scripting/program.h"
#include "scripting/script_failure.h"

namespace billwright::scripting::testing {

// Small limits keep the hostile tests fast under ASan while leaving honest scripts room.
inline Limits smallLimits() {
    Limits limits;
    limits.instructions = 200'000;
    limits.memory_bytes = 2u << 20;
    limits.wall_ms = 10'000;  // the deadline has its own test; ASan must not trip it here
    limits.max_call_depth = 100;
    return limits;
}

inline core::JsonValue json(std::string_view text) {
    auto parsed = core::parseJson(text);
    BOOST_REQUIRE_MESSAGE(parsed.ok(), "test JSON does not parse: " << text);
    return std::move(parsed).value();
}

inline std::string describe(const ScriptFailure& failure) {
    return failure.code + ": " + failure.message;
}

inline std::unique_ptr<Program> mustLoad(std::string_view source,
                                         const Limits& limits = smallLimits()) {
    auto loaded = Program::load(source, "test", limits);
    if (auto* failure = std::get_if<ScriptFailure>(&loaded)) {
        BOOST_FAIL("the script should load, got " << describe(*failure));
    }
    return std::move(std::get<std::unique_ptr<Program>>(loaded));
}

inline ScriptFailure loadFailure(std::string_view source, const Limits& limits = smallLimits()) {
    auto loaded = Program::load(source, "test", limits);
    BOOST_REQUIRE_MESSAGE(std::holds_alternative<ScriptFailure>(loaded),
                          "the script should not load");
    return std::get<ScriptFailure>(loaded);
}

inline core::JsonValue mustCall(Program& program, std::string_view function,
                                const core::JsonValue& ctx = core::JsonValue::object()) {
    auto result = program.call(function, ctx);
    if (auto* failure = std::get_if<ScriptFailure>(&result)) {
        BOOST_FAIL("the call should succeed, got " << describe(*failure));
    }
    return std::get<core::JsonValue>(result);
}

inline ScriptFailure callFailure(Program& program, std::string_view function,
                                 const core::JsonValue& ctx = core::JsonValue::object()) {
    auto result = program.call(function, ctx);
    if (auto* value = std::get_if<core::JsonValue>(&result)) {
        BOOST_FAIL("the call should fail, returned " << core::toJson(*value));
    }
    return std::get<ScriptFailure>(result);
}

// The check that ends every attack: a new Program (another tenant's) runs normally.
inline void expectFreshProgramWorks() {
    auto program = mustLoad(R"(
        local base = 65000
        function rate(ctx)
            local micros = base
            if ctx.hour >= 17 and ctx.hour < 21 then micros = micros * 2 end
            return string.format("%d.%06d", micros // 1000000, micros % 1000000)
        end
    )");
    BOOST_TEST(core::toJson(mustCall(*program, "rate", json(R"({"hour": 18})"))) ==
               R"("0.130000")");
    BOOST_TEST(!program->tripped());
}

inline bool isLimitCode(std::string_view code) {
    return code == failure_code::kInstructionLimit || code == failure_code::kDeadline ||
           code == failure_code::kMemoryLimit || code == failure_code::kRecursionLimit;
}

// Calls `function` of a Program loaded from `source` and expects `code`. A limit leaves the
// Program spent (the next call fails the same without running); either way the next Program
// runs normally.
inline ScriptFailure expectCallStopped(std::string_view source, std::string_view code,
                                       const Limits& limits = smallLimits(),
                                       std::string_view function = "attack") {
    auto program = mustLoad(source, limits);
    const ScriptFailure failure = callFailure(*program, function);
    BOOST_TEST(failure.code == code, "expected " << code << ", got " << describe(failure));
    if (isLimitCode(code)) {
        BOOST_TEST(program->tripped());
        const ScriptFailure again = callFailure(*program, function);
        BOOST_TEST(again.code == failure.code);
        BOOST_TEST(again.message == failure.message);
    } else {
        BOOST_TEST(!program->tripped());
    }
    program.reset();
    expectFreshProgramWorks();
    return failure;
}

// The same for a top-level chunk that must not load.
inline ScriptFailure expectLoadStopped(std::string_view source, std::string_view code,
                                       const Limits& limits = smallLimits()) {
    const ScriptFailure failure = loadFailure(source, limits);
    BOOST_TEST(failure.code == code, "expected " << code << ", got " << describe(failure));
    expectFreshProgramWorks();
    return failure;
}

}  // namespace billwright::scripting::testing
