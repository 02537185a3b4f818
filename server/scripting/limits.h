#pragma once

#include <cstddef>
#include <cstdint>

#include "core/error.h"

namespace billwright::scripting {

// What one tenant script may use. Instructions, wall time and call depth apply to each call of
// an entry function (and to the top-level chunk when loading); memory applies to the whole Lua
// state of a Program, counted by its allocator.
struct Limits {
    std::int64_t instructions = 1'000'000;
    std::size_t memory_bytes = 8u << 20;
    std::int64_t wall_ms = 250;
    int max_call_depth = 200;
    std::size_t max_source_bytes = 64u << 10;
};

// Accepted ranges (inclusive); anything else is refused by validateLimits and by
// Program::load. The lower bounds keep a sandbox usable (an empty state with the libraries
// needs about 40 KiB); the upper ones keep one script from holding a worker for long.
inline constexpr std::int64_t kMinInstructions = 10'000;
inline constexpr std::int64_t kMaxInstructions = 1'000'000'000;
inline constexpr std::size_t kMinMemoryBytes = 256u << 10;
inline constexpr std::size_t kMaxMemoryBytes = 1u << 30;
inline constexpr std::int64_t kMinWallMs = 1;
inline constexpr std::int64_t kMaxWallMs = 60'000;
inline constexpr int kMinCallDepth = 10;
inline constexpr int kMaxCallDepth = 5'000;
inline constexpr std::size_t kMinSourceBytes = 1u << 10;
inline constexpr std::size_t kMaxSourceBytes = 1u << 20;

// The instruction hook runs every kHookInterval VM instructions. Instruction counts, the
// deadline and the call depth are checked there, so a call may run up to this many
// instructions past its budget, and a recursion of n instructions per level may go
// kHookInterval / n levels past max_call_depth before it is stopped.
inline constexpr std::int64_t kHookInterval = 1000;

// Free C stack a thread needs to load or call a Program: Lua's own C-level limit
// (LUAI_MAXCCALLS = 200 nested C calls: metamethods, pcall, sort comparators, coroutines,
// the parser) needs well under this. Calls on a thread with less fail with "wrong_stack".
// Default threads (8 MiB on Linux) have plenty.
inline constexpr std::size_t kMinFreeStackBytes = 1u << 20;

// 422-style field errors ("limits.instructions", code "out_of_range") naming every field
// outside its range; the limits unchanged otherwise.
core::Result<Limits> validateLimits(const Limits& limits);

}  // namespace billwright::scripting
