#pragma once

// Internal to server/scripting: the Lua state of one Program with its allocator, hook and
// whitelisted libraries. Only the scripting library's .cpp files include this (it brings in the
// Lua headers).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

#include <lua.hpp>

#include "scripting/limits.h"
#include "scripting/script_failure.h"

namespace billwright::scripting::detail {

// Which limit stopped the script. Once set it stays set for the life of the state.
enum class Trip { kNone, kInstructions, kDeadline, kRecursion, kMemory };

// Rules every C function registered in the state, and every host function run through
// protectedCall, follows: the plain C Lua library longjmps on errors, so no object with a
// non-trivial destructor may be alive in a frame between a lua_* call that can raise and the
// protected call that catches it. Host code outside protectedCall only uses lua_* calls that
// cannot raise (no allocation, no metamethod): push of light C functions/light userdata/
// numbers, raw reads, lua_next over valid keys, lua_settop.
class Sandbox {
public:
    // A fresh state with the whitelisted environment; memory_limit when the libraries do not
    // fit in limits.memory_bytes.
    static std::variant<std::unique_ptr<Sandbox>, ScriptFailure> create(const Limits& limits);
    ~Sandbox();
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    lua_State* state() const { return L_; }
    const Limits& limits() const { return limits_; }

    // Compiles (text only) and runs the top-level chunk.
    std::optional<ScriptFailure> load(std::string_view source, std::string_view chunk_name);

    // Starts a call: a fresh instruction budget and deadline, the main thread's hook reset.
    void beginCall();
    // Runs fn(L) as a protected call with `nresults` results; returns the lua_pcall status.
    // `fn` must follow the rules above.
    template <typename Fn>
    int protectedCall(Fn& fn, int nresults) {
        outer_levels_ = 1;  // the trampoline is the outermost level
        lua_pushcfunction(L_, &Sandbox::trampoline<Fn>);
        lua_pushlightuserdata(L_, &fn);
        return lua_pcall(L_, 1, nresults, 0);
    }
    // The hot path: calls the script function below its `nargs` arguments on the stack with
    // lua_pcall directly, no host frame in between. The caller pushed them with lua_* calls
    // that cannot raise (the class rules above).
    // `outer_levels`: Lua levels the host's function adds below the script's (the bound on
    // call depth counts from the script's own outermost function).
    int directCall(int nargs, int nresults, int outer_levels) {
        outer_levels_ = outer_levels;
        return lua_pcall(L_, nargs, nresults, 0);
    }
    // After a protected call: the failure it ended with, tripping the state when a limit was
    // hit (also when the script caught the limit's error and returned normally). Leaves the
    // stack empty on failure.
    std::optional<ScriptFailure> outcome(int status);

    bool tripped() const { return trip_ != Trip::kNone; }
    // The failure of the trip (empty code when not tripped).
    const ScriptFailure& tripFailure() const;
    std::int64_t instructionsUsed() const { return instructions_; }
    std::size_t memoryInUse() const { return memory_used_; }

    // Charges `units` instructions of work done inside a C library function (table.move and
    // friends), raising the instruction limit's error when the budget cannot pay for it.
    // Called from C functions registered in the state only.
    static void charge(lua_State* L, lua_Unsigned units);

    static Sandbox& of(lua_State* L);

    // Raises the trip's error again (the state must be tripped) and makes it stick. Called
    // from the hook, charge(), and library functions that must not run script code after a
    // trip.
    [[noreturn]] static void raiseTrip(lua_State* L);

private:
    explicit Sandbox(const Limits& limits) : limits_(limits) {}

    // noexcept: a C++ exception must never unwind through Lua's C frames (it would skip the
    // state's own error recovery); terminating is the honest outcome of such a bug.
    template <typename Fn>
    static int trampoline(lua_State* L) noexcept {
        Fn* fn = static_cast<Fn*>(lua_touserdata(L, 1));
        lua_settop(L, 0);
        return (*fn)(L);
    }
    static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize);
    static void hook(lua_State* L, lua_Debug* ar);
    void setTrip(Trip trip, std::optional<int> line);
    std::optional<int> lineOf(std::string_view message) const;

    lua_State* L_ = nullptr;
    Limits limits_;
    std::string chunk_id_;  // how Lua prefixes this chunk's error messages, without the ':'

    std::size_t memory_used_ = 0;
    bool memory_refused_ = false;  // since the last beginCall
    std::int64_t instructions_ = 0;
    // The deadline is armed by the call's first hook tick (after kHookInterval instructions),
    // so a call shorter than that never reads the clock.
    bool deadline_armed_ = false;
    std::chrono::steady_clock::time_point deadline_{};
    // Levels of the stack below the script's own outermost function: 1 under protectedCall's
    // trampoline, 0 under directCall. The call-depth bound counts from there.
    int outer_levels_ = 1;

    // Set by the hook or charge() (plain values only: they run between Lua frames), turned
    // into trip_failure_ on the host side.
    Trip trip_ = Trip::kNone;
    std::optional<int> trip_line_;
    std::string trip_note_;  // Lua's own message, for a stack overflow
    mutable ScriptFailure trip_failure_;
};

// Pushes a read-only proxy of the table at `backing`: reads go to the backing table through
// __index, writes (and rawset) raise, # gives `length` (or the backing table's raw length
// when negative), pairs iterates the backing table without exposing it, getmetatable gives
// false. Raises on memory errors: protected callers only.
void pushReadOnly(lua_State* L, int backing, lua_Integer length);

// Free C stack left on the calling thread (pthread_getattr_np, cached per thread); 0 when it
// cannot be determined.
std::size_t freeStackBytes();

}  // namespace billwright::scripting::detail
