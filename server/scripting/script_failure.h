#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace billwright::scripting {

// Why a script could not be loaded, validated or called. `code` is stable: callers, tests and
// API clients match on it, never on `message` (which is for the tenant reading the problem).
struct ScriptFailure {
    std::string code;
    std::string message;
    // The script line the failure points at, when known: parsed from "chunk:LINE:" of a
    // compile or runtime error, or the line running when a limit tripped.
    std::optional<int> line;
};

namespace failure_code {
// The source does not compile, or is not text (a precompiled "\x1bLua" chunk).
inline constexpr std::string_view kCompileError = "compile_error";
// Larger than Limits::max_source_bytes.
inline constexpr std::string_view kSourceTooLarge = "source_too_large";
// The called function (or the kind's entry function) is not a global function.
inline constexpr std::string_view kMissingFunction = "missing_function";
// The script raised an error. A string error keeps its text; any other error object is
// reported as "error object of type <type>" (the host never runs its metamethods).
inline constexpr std::string_view kRuntimeError = "runtime_error";
// Limits. Each one trips the Program: every later call fails with the same failure.
inline constexpr std::string_view kInstructionLimit = "instruction_limit";
inline constexpr std::string_view kMemoryLimit = "memory_limit";
inline constexpr std::string_view kDeadline = "deadline";
inline constexpr std::string_view kRecursionLimit = "recursion_limit";
// The returned value cannot cross the boundary (function, NaN, mixed keys...) or breaks the
// kind's result contract (see script_results.h).
inline constexpr std::string_view kBadResult = "bad_result";
// Validation: a declared example returned something other than its `expect`, or the
// `examples` table itself is malformed.
inline constexpr std::string_view kExampleFailed = "example_failed";
// The calling thread has less free C stack than kMinFreeStackBytes (limits.h).
inline constexpr std::string_view kWrongStack = "wrong_stack";
// Added to the list of the design: Limits outside the ranges of validateLimits, a context
// base that is not an object, or the host itself out of memory.
inline constexpr std::string_view kInvalidLimits = "invalid_limits";
inline constexpr std::string_view kInternalError = "internal_error";
}  // namespace failure_code

}  // namespace billwright::scripting
