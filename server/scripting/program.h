#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/json.h"
#include "scripting/limits.h"
#include "scripting/script_failure.h"

struct lua_State;

namespace billwright::scripting {

namespace detail {
class Sandbox;
}

// How JSON numbers that are not integers reach a script. Integer literals that fit int64
// always become Lua integers.
enum class ContextNumbers {
    // Other number literals become Lua strings with the literal text ("0.065"), so decimals
    // stay exact; the design's default.
    kDecimalStrings,
    // Other number literals become Lua floats, as Context::set(key, double) gives them. For
    // contexts whose production values are floats (a rate context's kwh): a dry-run or an
    // example then sees the same types as the invoice run.
    kFloats,
};

// One Lua state holding one compiled tenant script. Never shared between tenants, script
// versions or threads: one per (tenant, version, run or thread). Not thread-safe.
//
// The sandbox (ARCHITECTURE.md, scripting/; the reasons are in sandbox.cpp): text chunks only;
// a fresh state per Program with a whitelisted environment (base functions without load/
// dofile/loadfile/require/print/collectgarbage/warn, string without dump/match/gmatch/gsub/
// pack/unpack and with plain find only, table, math without random, utf8, coroutine); library
// tables and the string metatable read-only; no finalizers (setmetatable refuses __gc); an
// instruction budget, a wall-clock deadline and a call-depth bound checked by a count hook
// that stays tripped once hit (pcall, xpcall handlers, coroutines and __close cannot swallow
// it); library loops that run in C without the hook (table.move/insert/remove/sort) charged to
// the budget; a memory cap in the allocator. Every load and call needs kMinFreeStackBytes of
// free C stack on the calling thread, or fails with wrong_stack.
//
// Globals a script sets persist from one call to the next within the same Program (a per-run
// cache is fine); nothing persists between Programs.
//
// Calls never throw and never crash the process; every failure is a ScriptFailure. After a
// limit trips (instruction_limit, deadline, recursion_limit, memory_limit) the Program is
// spent: tripped() is true and every later call fails with the same failure, without
// running anything.
class Program {
public:
    class Context;

    // Compiles `source` (text only, Lua mode "t") as chunk `chunk_name` (errors then read
    // "chunk_name:LINE: ..."), and runs the top-level chunk under `limits`.
    static std::variant<std::unique_ptr<Program>, ScriptFailure> load(std::string_view source,
                                                                      std::string_view chunk_name,
                                                                      const Limits& limits);
    ~Program();
    Program(const Program&) = delete;
    Program& operator=(const Program&) = delete;

    // True when the global `name` is a function (raw lookup; no script code runs). False for a
    // tripped Program.
    bool hasFunction(std::string_view name) const;

    // Generic call: `ctx` becomes a read-only Lua value (objects and arrays are tables the
    // script cannot modify: writes raise "attempt to modify a read-only table"; `#`, ipairs
    // and pairs work; a JSON null is an absent field or a nil array element). The result comes
    // back under the conversion rules:
    //   string -> string (must be valid UTF-8); integer -> number; float -> number, finite only
    //   (NaN or an infinity is bad_result), written as its shortest round-trip literal;
    //   boolean; nil -> null; table -> array when its keys are exactly 1..n, object when they
    //   are all strings (members sorted by key; an empty table is an empty object), read with
    //   raw access only, so no metamethod of the result ever runs; nesting depth <= 16 and at
    //   most 1000 table entries in total. Functions, userdata, threads, other keys -> bad_result
    //   naming the path ("result.lines[2].amount", 1-based like Lua).
    std::variant<core::JsonValue, ScriptFailure> call(
        std::string_view function, const core::JsonValue& ctx,
        ContextNumbers numbers = ContextNumbers::kDecimalStrings);

    // Fast path for hot loops: a context built once from `base` (a JSON object), then only some
    // top-level fields changed between calls with Context::set. Fails like a call (memory).
    std::variant<Context, ScriptFailure> makeContext(
        const core::JsonValue& base, ContextNumbers numbers = ContextNumbers::kDecimalStrings);
    std::variant<core::JsonValue, ScriptFailure> call(std::string_view function, Context& ctx);

    // The rate kind's hot path: call(function, ctx) followed by rateResult, with the same
    // outcomes (the rate in micro-units, or the same failure), but without a JsonValue in
    // between. Once a context's fields exist on the Lua side, a call that only changes numbers
    // and timestamps is one lua_pcall of a setter that applies them and calls the script;
    // recent results are remembered by value, so a script that returns the same few rates
    // parses each once.
    std::variant<std::int64_t, ScriptFailure> callRate(std::string_view function, Context& ctx);

    // Reads the global `name` with the result conversion rules (raw access, no script code
    // runs), allowing `max_values` table entries; null when absent. Used for `examples`.
    std::variant<core::JsonValue, ScriptFailure> global(std::string_view name,
                                                        std::size_t max_values = 1000);

    bool tripped() const;
    // The failure every call of a tripped Program returns; empty code when not tripped.
    const ScriptFailure& tripFailure() const;
    // Instructions of the last call, as counted by the hook (multiples of kHookInterval, plus
    // work charged by bounded library functions such as table.move).
    std::int64_t instructionsUsed() const;
    // Bytes the Lua state holds now, as the allocator counts them.
    std::size_t memoryInUse() const;
    const Limits& limits() const;

private:
    explicit Program(std::unique_ptr<detail::Sandbox> sandbox);
    std::variant<core::JsonValue, ScriptFailure> finishCall(int status, bool missing,
                                                            std::string_view function);

    // Pushes the global function `name` (raw lookup); protected callers only.
    void pushFunction(lua_State* L, std::string_view name);
    void rememberFunctionName(std::string_view name);
    // The registry reference of `name`'s interned string, or -1 when not remembered yet.
    int functionNameRef(std::string_view name) const;
    // Applies the context's pending fields; inside a protected call (it interns keys and
    // strings).
    void applyPending(lua_State* L, Context& ctx);
    std::variant<std::int64_t, ScriptFailure> readRate(lua_State* L);
    // The registry reference of the setter for the context's pending fields (-1 when there
    // is none: then the general path applies them). A setter is a small host-written Lua
    // function, compiled once per Program for each set of field names:
    //   function(fn, holder, v1, ..., vn) backing.k1 = v1 ... return fn(proxy) end
    // so a call's field updates are a few VM instructions inside the one protected call.
    int setterFor(Context& ctx);

    // Setters by signature (the pending fields' names in slot order, '~' before a timestamp).
    std::vector<std::pair<std::string, int>> setters_;

    // Rates the script returned recently, by value (a string's text or a number's bits).
    struct RememberedRate {
        int type = 0;  // LUA_TSTRING or LUA_TNUMBER; 0 = empty
        std::string text;
        std::uint64_t bits = 0;
        std::int64_t micros = 0;
    };
    static constexpr std::size_t kRememberedRates = 8;
    RememberedRate remembered_rates_[kRememberedRates];
    std::size_t next_remembered_ = 0;

    std::unique_ptr<detail::Sandbox> sandbox_;
    // Registry references of interned function names already called, so a call does not hash
    // its function's name again (a handful of names per Program; more are not cached).
    std::vector<std::pair<std::string, int>> function_names_;
};

// A context made by Program::makeContext: a read-only table the script sees as `ctx`, whose
// top-level fields set() changes for the next call. It must not outlive its Program.
// set() only records the value; the next call applies it (inside the protected call, so an
// allocation failure is a memory_limit failure, never an escaping Lua error). The last value
// set for a field before a call wins.
class Program::Context {
public:
    // A top-level field, named once: set(Field, ...) skips the key lookup in hot loops.
    struct Field {
        std::size_t index = 0;
    };

    Context(Context&& other) noexcept;
    Context& operator=(Context&& other) noexcept;
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    ~Context();

    Field field(std::string_view key);

    void set(Field field, std::int64_t value);
    void set(Field field, int value) { set(field, static_cast<std::int64_t>(value)); }
    void set(Field field, double value);
    void set(Field field, std::string_view value);
    void set(Field field, const char* value) { set(field, std::string_view(value)); }
    // A point in time, Unix seconds. The script reads an RFC 3339 UTC string
    // ("2026-01-06T15:00:00Z"), made only when it reads the field; pairs() does not list it.
    void setTimestamp(Field field, std::int64_t unix_seconds);
    template <typename T>
    void set(std::string_view key, T value) {
        set(field(key), value);
    }

private:
    friend class Program;

    enum class Kind { kInteger, kFloat, kString, kTimestamp };
    struct Slot {
        std::string key;
        int key_ref = -1;      // registry reference of the interned key, once applied
        bool pending = false;  // set since the last call
        bool applied = false;  // the Lua side holds this value
        // Where the Lua side holds it: the backing table, or (timestamps) the lazy table.
        bool applied_lazy = false;
        Kind kind = Kind::kInteger;
        std::int64_t integer = 0;
        double number = 0;
        std::string text;
    };

    Context(Program* program, int ref) : program_(program), ref_(ref) {}
    void mark(Slot& slot, std::size_t index);
    void release();
    // True when a setter can apply every pending field: a number or a timestamp for a key
    // the Lua side already holds in the same table (new keys and strings take the general
    // path, which interns them).
    bool setterCanApply() const;

    Program* program_ = nullptr;
    int ref_ = -1;  // registry reference of the Lua holder {proxy, backing table, lazy table}
    std::vector<Slot> slots_;
    std::vector<std::size_t> pending_;
    // Setters this context used, by the bit mask of its pending slots (Program::setterFor).
    std::vector<std::pair<std::uint64_t, int>> setters_;
};

}  // namespace billwright::scripting
