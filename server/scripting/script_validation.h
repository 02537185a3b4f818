#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "scripting/limits.h"
#include "scripting/script_failure.h"
#include "scripting/script_kind.h"

namespace billwright::scripting {

// What upload validation found. Valid when `problems` is empty.
struct ValidationReport {
    std::vector<ScriptFailure> problems;
    int examples_run = 0;  // examples whose call was made (passed or not)
    bool ok() const { return problems.empty(); }
};

// At most this many declared examples, read with at most kMaxExampleValues values in total.
inline constexpr std::size_t kMaxExamples = 100;
inline constexpr std::size_t kMaxExampleValues = 20'000;
// All examples of one upload together run for at most this many times limits.wall_ms (1 s at
// the default); each one is also bounded by the limits on its own. Once the time is spent the
// rest do not run and the upload fails with a deadline problem, so an upload holds an HTTP
// worker for at most about (kExamplesWallMultiple + 2) x wall_ms (the top level, the examples,
// the last example's own deadline).
inline constexpr std::int64_t kExamplesWallMultiple = 4;

// Upload validation of a script of `kind`, in a Program of its own (thrown away afterwards):
// the source size, that it compiles and its top level runs within `limits`, that it defines
// entryFunction(kind) as a global function, then every declared example. A script may define
//   examples = { { context = {...}, expect = <result> }, ... }   (an optional `name` each)
// Each example's context goes through Program::call (with ContextNumbers::kFloats, so a float
// in the example stays a float, as in the invoice run) under `limits`; the result through the
// kind's parser (script_results.h), compared with `expect` parsed the same way. A failed call
// is reported with its own code (runtime_error, instruction_limit...) and "examples[i]: " in
// front of its message; a different result or a malformed example is example_failed; a result
// the kind's parser refuses is bad_result. Every example runs unless a limit trips or the
// examples' shared time (kExamplesWallMultiple) is spent.
// `examples_budget` replaces the examples' shared time (kExamplesWallMultiple x wall_ms); tests
// use it to make the cut-off independent of the machine's speed.
ValidationReport validateScript(ScriptKind kind, std::string_view source, const Limits& limits,
                                std::optional<std::chrono::milliseconds> examples_budget = {});

}  // namespace billwright::scripting
