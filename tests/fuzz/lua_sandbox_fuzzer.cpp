// The Lua sandbox entry (scripting::Program): tenants upload script text and the invoice engine
// calls it with JSON contexts. Input: a flags byte, a JSON context (up to a NUL), then the
// script. The script is loaded under small limits and, when it loads, its `rate`, `fees` and
// `invoice_adjust` functions are called with the context through each call path.
//
// Invariants: every outcome is a value or a ScriptFailure with a documented code, never a crash;
// the limits hold (instructions within one hook interval of the budget, memory under the cap,
// wall time near the deadline); a tripped Program stays tripped and refuses later calls with the
// same failure; values that cross back are JSON within the documented depth.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "core/json.h"
#include "fuzz_support.h"
#include "scripting/limits.h"
#include "scripting/program.h"
#include "scripting/script_failure.h"

using billwright::fuzz::check;
namespace core = billwright::core;
namespace scripting = billwright::scripting;
namespace code = scripting::failure_code;

namespace {

constexpr std::int64_t kWallMs = 50;
// Generous for a loaded 2-core machine under ASan; a limit that does not hold runs for seconds.
constexpr std::int64_t kWallSlackMs = 1500;

scripting::Limits smallLimits() {
    scripting::Limits limits;
    limits.instructions = 200'000;
    limits.memory_bytes = 1u << 20;
    limits.wall_ms = kWallMs;
    limits.max_call_depth = 50;
    limits.max_source_bytes = 16u << 10;
    return limits;
}

bool isLimit(std::string_view c) {
    return c == code::kInstructionLimit || c == code::kMemoryLimit || c == code::kDeadline ||
           c == code::kRecursionLimit;
}

bool isKnown(std::string_view c) {
    return isLimit(c) || c == code::kCompileError || c == code::kSourceTooLarge ||
           c == code::kMissingFunction || c == code::kRuntimeError || c == code::kBadResult;
}

class Clock {
public:
    Clock() : start_(std::chrono::steady_clock::now()) {}
    std::int64_t ms() const {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start_)
            .count();
    }

private:
    std::chrono::steady_clock::time_point start_;
};

void checkLimits(const scripting::Program& program, const Clock& clock, const char* where) {
    const auto& limits = program.limits();
    check(program.instructionsUsed() <= limits.instructions + scripting::kHookInterval,
          "the instruction budget holds", where);
    check(program.memoryInUse() <= limits.memory_bytes, "the memory cap holds", where);
    check(clock.ms() <= kWallMs + kWallSlackMs, "the wall-clock deadline holds", where);
}

// Checks one call's outcome; false when the program is spent.
template <typename T>
bool checkOutcome(scripting::Program& program, const std::variant<T, scripting::ScriptFailure>& r,
                  const Clock& clock, const char* where) {
    checkLimits(program, clock, where);
    if (const auto* failure = std::get_if<scripting::ScriptFailure>(&r)) {
        check(isKnown(failure->code), "a call fails with a documented code", failure->code);
        check(isLimit(failure->code) == program.tripped(), "exactly the limits trip a program",
              failure->code);
        if (program.tripped()) {
            check(program.tripFailure().code == failure->code,
                  "the trip failure is the failure that tripped");
            const auto again = program.call("rate", core::JsonValue::object());
            const auto* repeated = std::get_if<scripting::ScriptFailure>(&again);
            check(repeated != nullptr && repeated->code == failure->code,
                  "a tripped program refuses later calls with the same failure");
            return false;
        }
        return true;
    }
    if constexpr (std::is_same_v<T, core::JsonValue>) {
        const std::string json = core::toJson(std::get<core::JsonValue>(r));
        core::JsonParseOptions options;
        options.max_depth = 17;
        check(core::parseJson(json, options).ok(), "a result is JSON within the depth limit", json);
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const std::uint8_t flags = in.byte();
    const std::string context_text = in.text(1024);
    const std::string_view source = in.rest();

    auto parsed = core::parseJson(context_text);
    const core::JsonValue context =
        parsed.ok() ? std::move(parsed).value() : core::JsonValue::object();
    const auto numbers = (flags & 1) != 0 ? scripting::ContextNumbers::kFloats
                                          : scripting::ContextNumbers::kDecimalStrings;

    const Clock load_clock;
    auto loaded = scripting::Program::load(source, "fuzz", smallLimits());
    check(load_clock.ms() <= kWallMs + kWallSlackMs, "loading stops at the deadline");
    if (const auto* failure = std::get_if<scripting::ScriptFailure>(&loaded)) {
        check(isKnown(failure->code), "a load fails with a documented code", failure->code);
        return 0;
    }
    auto& program = *std::get<std::unique_ptr<scripting::Program>>(loaded);
    checkLimits(program, load_clock, "load");
    if (program.tripped()) return 0;

    for (const char* function : {"rate", "fees", "invoice_adjust"}) {
        const Clock clock;
        if (!checkOutcome(program, program.call(function, context, numbers), clock, function))
            return 0;
    }
    if ((flags & 2) != 0 && context.isObject()) {
        // The hot path: a context built once, a few top-level fields changed between calls.
        const Clock clock;
        auto made = program.makeContext(context, numbers);
        if (!checkOutcome(program, made, clock, "makeContext")) return 0;
        if (auto* ctx = std::get_if<scripting::Program::Context>(&made)) {
            for (std::int64_t hour = 0; hour < 3; ++hour) {
                ctx->setTimestamp(ctx->field("hour"), 1793491200 + hour * 3600);
                ctx->set("kwh", 3.25 * static_cast<double>(hour));
                ctx->set("site", "site_1");
                const Clock call_clock;
                if (!checkOutcome(program, program.callRate("rate", *ctx), call_clock, "callRate"))
                    return 0;
            }
        }
    }
    const Clock clock;
    checkOutcome(program, program.global("examples"), clock, "global");
    return 0;
}
