#include "scripting/sandbox.h"

#include <pthread.h>

#include <bit>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

namespace billwright::scripting::detail {
namespace {

// Addresses used as light-userdata keys in read-only proxies' metatables; a script cannot make
// a light userdata, so it cannot forge either mark.
char kReadOnlyTag = 'r';
char kLengthTag = 'n';

// ---- the whitelist -----------------------------------------------------------------------
// Everything else the standard libraries define is left out: load, loadstring, dofile,
// loadfile, require, print, collectgarbage and warn from the base library; dump, match, gmatch,
// gsub (backtracking the hook cannot interrupt), pack, packsize and unpack from string; random
// and randomseed from math (nondeterministic); io, os, package and debug entirely.
// setmetatable, rawset, xpcall, string.find, string.rep, table.insert/remove/move/sort,
// coroutine.wrap and coroutine.close are replaced by the bounded versions below.
constexpr std::initializer_list<const char*> kBaseNames = {
    "assert", "error",  "getmetatable", "ipairs",   "next",     "pairs", "pcall",   "rawequal",
    "rawget", "rawlen", "select",       "tonumber", "tostring", "type",  "_VERSION"};
constexpr std::initializer_list<const char*> kStringNames = {"byte",  "char",    "format", "len",
                                                             "lower", "reverse", "sub",    "upper"};
constexpr std::initializer_list<const char*> kTableNames = {"concat", "pack", "unpack"};
constexpr std::initializer_list<const char*> kMathNames = {
    "abs",  "acos", "asin", "atan", "ceil",       "cos",  "exp",        "floor",
    "fmod", "huge", "log",  "max",  "maxinteger", "min",  "mininteger", "modf",
    "pi",   "sin",  "sqrt", "tan",  "tointeger",  "type", "ult"};
constexpr std::initializer_list<const char*> kUtf8Names = {"char",      "charpattern", "codes",
                                                           "codepoint", "len",         "offset"};
constexpr std::initializer_list<const char*> kCoroutineNames = {"create",  "isyieldable", "resume",
                                                                "running", "status",      "yield"};
// Kept on the string metatable so "10" + 1 still coerces as in stock Lua.
constexpr std::initializer_list<const char*> kStringArithmetic = {
    "__add", "__sub", "__mul", "__div", "__mod", "__pow", "__unm", "__idiv"};

const char* tripText(Trip trip) {
    switch (trip) {
        case Trip::kInstructions:
            return "instruction limit exceeded";
        case Trip::kDeadline:
            return "deadline exceeded";
        case Trip::kRecursion:
            return "call depth limit exceeded";
        case Trip::kMemory:
            return "memory limit exceeded";
        case Trip::kNone:
            break;
    }
    return "limit exceeded";
}

int panic(lua_State* L) {
    // Unreachable by design: every raising lua_* call runs under lua_pcall. If it happens the
    // state is unusable and continuing would be worse than stopping.
    const char* message = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : "?";
    std::fprintf(stderr, "billwright: unprotected Lua error in the scripting host: %s\n", message);
    std::abort();
}

// ---- read-only proxies -------------------------------------------------------------------

bool isReadOnly(lua_State* L, int index) {
    if (!lua_getmetatable(L, index)) return false;
    const bool marked = lua_rawgetp(L, -1, &kReadOnlyTag) == LUA_TBOOLEAN;
    lua_pop(L, 2);
    return marked;
}

// Pushes the backing table of the read-only proxy at `index` (which must be one).
void pushBacking(lua_State* L, int index) {
    lua_getmetatable(L, index);
    lua_pushliteral(L, "__index");
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

int readOnlyNewindex(lua_State* L) { return luaL_error(L, "attempt to modify a read-only table"); }

int readOnlyLen(lua_State* L) {
    lua_getmetatable(L, 1);
    if (lua_rawgetp(L, -1, &kLengthTag) == LUA_TNUMBER) return 1;
    lua_pop(L, 2);
    pushBacking(L, 1);
    lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, -1)));
    return 1;
}

// next() over the backing table, without ever handing the backing table itself to the script.
int readOnlyNext(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!isReadOnly(L, 1)) return luaL_error(L, "bad argument #1 (read-only table expected)");
    lua_settop(L, 2);
    pushBacking(L, 1);
    lua_pushvalue(L, 2);
    if (lua_next(L, 3)) return 2;
    lua_pushnil(L);
    return 1;
}

int readOnlyPairs(lua_State* L) {
    lua_pushcfunction(L, readOnlyNext);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

// ---- replaced base functions -------------------------------------------------------------

// As the stock setmetatable, and refuses a metatable with a __gc field, so no finalizer is ever
// registered: lua_close and the collector then never run tenant code. Lua only marks an object
// for finalization when __gc is present at setmetatable time, so adding it later does nothing.
int safeSetmetatable(lua_State* L) {
    const int type = lua_type(L, 2);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_argexpected(L, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
    if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) {
        return luaL_error(L, "cannot change a protected metatable");
    }
    if (type == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL) {
            return luaL_error(L, "__gc metamethods are not available (no finalizers in scripts)");
        }
        lua_pop(L, 1);
    }
    lua_settop(L, 2);
    lua_setmetatable(L, 1);
    return 1;
}

int safeRawset(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checkany(L, 2);
    luaL_checkany(L, 3);
    if (isReadOnly(L, 1)) return luaL_error(L, "attempt to modify a read-only table");
    lua_settop(L, 3);
    lua_rawset(L, 1);
    return 1;
}

// ---- replaced xpcall and coroutine functions ---------------------------------------------
// An error raised by the hook is raised while Lua has hooks switched off for that thread (it
// only switches them back on where a protected call catches the error). Two stock paths run
// script code in that window, with no hook to stop it: the message handler of xpcall (called
// at the error point, before unwinding) and the __close handlers of a coroutine that died of
// the error (run by lua_resetthread in coroutine.wrap and coroutine.close). The versions below
// run neither once the state is tripped; otherwise they behave as the stock ones.

// The handler xpcall installs: the script's handler (upvalue 1), unless the state is tripped,
// in which case the error object goes through untouched.
int guardedHandler(lua_State* L) {
    if (Sandbox::of(L).tripped()) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

int finishProtected(lua_State* L, int status, lua_KContext extra) {
    if (status != LUA_OK && status != LUA_YIELD) {
        lua_pushboolean(L, 0);
        lua_pushvalue(L, -2);
        return 2;
    }
    return lua_gettop(L) - static_cast<int>(extra);
}

// Stock luaB_xpcall with the handler wrapped in guardedHandler.
int safeXpcall(lua_State* L) {
    const int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, guardedHandler, 1);
    lua_replace(L, 2);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);
    const int status = lua_pcallk(L, n - 2, LUA_MULTRET, 2, 2, finishProtected);
    return finishProtected(L, status, 2);
}

// Stock auxresume: resumes `co` with `narg` values from L; the number of results moved to L,
// or -1 with the error object on L.
int resumeCoroutine(lua_State* L, lua_State* co, int narg) {
    if (!lua_checkstack(co, narg)) {
        lua_pushliteral(L, "too many arguments to resume");
        return -1;
    }
    lua_xmove(L, co, narg);
    int results = 0;
    const int status = lua_resume(co, L, narg, &results);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, results + 1)) {
            lua_pop(co, results);
            lua_pushliteral(L, "too many results to resume");
            return -1;
        }
        lua_xmove(co, L, results);
        return results;
    }
    lua_xmove(co, L, 1);
    return -1;
}

// Stock auxwrap, except that a coroutine that died of a trip is left as it is (its pending
// __close handlers never run) and the trip is raised again.
int wrappedCoroutine(lua_State* L) {
    lua_State* co = lua_tothread(L, lua_upvalueindex(1));
    const int results = resumeCoroutine(L, co, lua_gettop(L));
    if (results >= 0) return results;
    int status = lua_status(co);
    if (status != LUA_OK && status != LUA_YIELD) {
        if (Sandbox::of(L).tripped()) Sandbox::raiseTrip(L);
        status = lua_resetthread(co);
        lua_xmove(co, L, 1);
    }
    if (status != LUA_ERRMEM && lua_type(L, -1) == LUA_TSTRING) {
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

int safeWrap(lua_State* L) {
    luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_State* co = lua_newthread(L);
    lua_pushvalue(L, 1);
    lua_xmove(L, co, 1);
    lua_pushcclosure(L, wrappedCoroutine, 1);
    return 1;
}

// The stock coroutine.close (upvalue 1), refused once the state is tripped.
int safeClose(lua_State* L) {
    if (Sandbox::of(L).tripped()) Sandbox::raiseTrip(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

// ---- replaced string functions -----------------------------------------------------------

bool hasPatternSpecials(const char* p, std::size_t length) {
    static constexpr std::string_view kSpecials = "^$*+?.([%-";
    for (std::size_t i = 0; i < length; ++i) {
        if (kSpecials.find(p[i]) != std::string_view::npos) return true;
    }
    return false;
}

// string.find as a plain search only. Stock Lua's plain search is O(n*m) (memchr + memcmp per
// candidate): with a few MiB of haystack and needle it runs for minutes inside one C call where
// no hook fires. glibc's memmem is linear.
int safeFind(lua_State* L) {
    std::size_t ls = 0;
    std::size_t lp = 0;
    const char* s = luaL_checklstring(L, 1, &ls);
    const char* p = luaL_checklstring(L, 2, &lp);
    const lua_Integer init_arg = luaL_optinteger(L, 3, 1);
    if (!lua_toboolean(L, 4) && hasPatternSpecials(p, lp)) {
        return luaL_error(L,
                          "string.find searches plain text only here (patterns are not "
                          "available): pass true as its fourth argument");
    }
    // Stock Lua's posrelatI: 1-based, negative from the end, clipped to 1.
    std::size_t start = 0;
    if (init_arg > 0) {
        start = static_cast<std::size_t>(init_arg) - 1;
    } else if (init_arg < 0 && init_arg >= -static_cast<lua_Integer>(ls)) {
        start = ls - static_cast<std::size_t>(-init_arg);
    }
    if (start > ls) {
        lua_pushnil(L);
        return 1;
    }
    const void* hit = lp == 0 ? s + start : memmem(s + start, ls - start, p, lp);
    if (hit == nullptr) {
        lua_pushnil(L);
        return 1;
    }
    const auto at = static_cast<lua_Integer>(static_cast<const char*>(hit) - s);
    lua_pushinteger(L, at + 1);
    lua_pushinteger(L, at + static_cast<lua_Integer>(lp));
    return 2;
}

// string.rep with the stock semantics, except that an empty result returns at once: stock
// string.rep("", 2^62) loops 2^62 times in C without allocating (no hook, no memory cap).
// Every other result is as large as its loop, so the allocator's cap bounds it.
int safeRep(lua_State* L) {
    std::size_t l = 0;
    std::size_t lsep = 0;
    const char* s = luaL_checklstring(L, 1, &l);
    const lua_Integer n = luaL_checkinteger(L, 2);
    const char* sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    constexpr auto kMaxSize = static_cast<std::size_t>(std::numeric_limits<lua_Integer>::max());
    const auto count = static_cast<std::size_t>(n);
    if (l + lsep < l || l + lsep > kMaxSize / count) {
        return luaL_error(L, "resulting string too large");
    }
    const std::size_t total = count * l + (count - 1) * lsep;
    luaL_Buffer buffer;
    char* out = luaL_buffinitsize(L, &buffer, total);
    for (std::size_t i = 1; i < count; ++i) {
        std::memcpy(out, s, l);
        out += l;
        if (lsep > 0) {
            std::memcpy(out, sep, lsep);
            out += lsep;
        }
    }
    std::memcpy(out, s, l);
    luaL_pushresultsize(&buffer, total);
    return 1;
}

// ---- replaced table functions ------------------------------------------------------------
// Stock table.insert/remove/move loop in C over a range taken from __len or from arguments;
// with nil elements they never allocate, so table.move({}, 1, math.maxinteger - 1, 1) or an
// insert into a table whose __len says 2^62 spins with no hook and no memory growth. These
// versions (same semantics, tables only) charge every element they will move to the
// instruction budget before moving it.

lua_Unsigned distance(lua_Integer from, lua_Integer to) {
    return static_cast<lua_Unsigned>(to) - static_cast<lua_Unsigned>(from);
}

int safeInsert(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    // First empty slot; wraps around like the stock luaL_intop(+, e, 1).
    const auto e =
        static_cast<lua_Integer>(static_cast<lua_Unsigned>(luaL_len(L, 1)) + lua_Unsigned{1});
    lua_Integer pos = e;
    switch (lua_gettop(L)) {
        case 2:
            break;
        case 3: {
            pos = luaL_checkinteger(L, 2);
            luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u < static_cast<lua_Unsigned>(e), 2,
                          "position out of bounds");
            Sandbox::charge(L, distance(pos, e));
            for (lua_Integer i = e; i > pos; --i) {
                lua_geti(L, 1, i - 1);
                lua_seti(L, 1, i);
            }
            break;
        }
        default:
            return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

int safeRemove(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const lua_Integer size = luaL_len(L, 1);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size) {
        luaL_argcheck(L, static_cast<lua_Unsigned>(pos) - 1u <= static_cast<lua_Unsigned>(size), 2,
                      "position out of bounds");
    }
    if (pos < size) Sandbox::charge(L, distance(pos, size));
    lua_geti(L, 1, pos);
    for (; pos < size; ++pos) {
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

int safeMove(lua_State* L) {
    const lua_Integer f = luaL_checkinteger(L, 2);
    const lua_Integer e = luaL_checkinteger(L, 3);
    const lua_Integer t = luaL_checkinteger(L, 4);
    const int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, tt, LUA_TTABLE);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        const lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        Sandbox::charge(L, static_cast<lua_Unsigned>(n));
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; ++i) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; --i) {
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

// The stock sort (upvalue 1), after charging n*log2(n) comparisons: sorting a large array of
// plain values runs its comparisons in C, where no hook counts them.
int safeSort(lua_State* L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    const lua_Integer n = luaL_len(L, 1);
    if (n > 1) {
        const auto count = static_cast<lua_Unsigned>(n);
        const auto levels = static_cast<lua_Unsigned>(std::bit_width(count));
        const lua_Unsigned units = count > (lua_Unsigned{1} << 40)
                                       ? std::numeric_limits<lua_Unsigned>::max()
                                       : count * levels;
        Sandbox::charge(L, units);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

// ---- building the environment ------------------------------------------------------------

void copyFields(lua_State* L, int from, int to, std::initializer_list<const char*> names) {
    from = lua_absindex(L, from);
    to = lua_absindex(L, to);
    for (const char* name : names) {
        lua_getfield(L, from, name);
        lua_setfield(L, to, name);
    }
}

void setFunction(lua_State* L, int table, const char* name, lua_CFunction fn) {
    table = lua_absindex(L, table);
    lua_pushcfunction(L, fn);
    lua_setfield(L, table, name);
}

// Opens a standard library with `open` and pushes a fresh backing table holding the
// whitelisted `names` of it (index -1), above the library's own table (index -2).
void openLibrary(lua_State* L, const char* name, lua_CFunction open,
                 std::initializer_list<const char*> names) {
    luaL_requiref(L, name, open, 0);
    lua_newtable(L);
    copyFields(L, -2, -1, names);
}

// Pops the backing table and the library table; sets env[name] to a read-only proxy.
void publishLibrary(lua_State* L, int env, const char* name) {
    pushReadOnly(L, -1, -1);
    lua_setfield(L, env, name);
    lua_pop(L, 2);
}

int openEnvironment(lua_State* L) {
    lua_newtable(L);
    const int env = lua_gettop(L);

    luaL_requiref(L, "_G", luaopen_base, 0);
    copyFields(L, -1, env, kBaseNames);
    lua_pop(L, 1);
    setFunction(L, env, "setmetatable", safeSetmetatable);
    setFunction(L, env, "rawset", safeRawset);
    setFunction(L, env, "xpcall", safeXpcall);
    lua_pushvalue(L, env);
    lua_setfield(L, env, "_G");

    openLibrary(L, "string", luaopen_string, kStringNames);
    setFunction(L, -1, "find", safeFind);
    setFunction(L, -1, "rep", safeRep);
    // The string metatable: luaopen_string's one has __index = the full string library (gsub,
    // dump...). Replace it with one whose __index is the whitelisted backing table and whose
    // __metatable hides it from getmetatable("").
    lua_newtable(L);
    lua_pushliteral(L, "");
    lua_getmetatable(L, -1);
    copyFields(L, -1, -3, kStringArithmetic);
    lua_pop(L, 2);
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushliteral(L, "");
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    publishLibrary(L, env, "string");

    openLibrary(L, "table", luaopen_table, kTableNames);
    setFunction(L, -1, "insert", safeInsert);
    setFunction(L, -1, "remove", safeRemove);
    setFunction(L, -1, "move", safeMove);
    lua_getfield(L, -2, "sort");
    lua_pushcclosure(L, safeSort, 1);
    lua_setfield(L, -2, "sort");
    publishLibrary(L, env, "table");

    openLibrary(L, "math", luaopen_math, kMathNames);
    publishLibrary(L, env, "math");
    openLibrary(L, "utf8", luaopen_utf8, kUtf8Names);
    publishLibrary(L, env, "utf8");
    openLibrary(L, "coroutine", luaopen_coroutine, kCoroutineNames);
    setFunction(L, -1, "wrap", safeWrap);
    lua_getfield(L, -2, "close");
    lua_pushcclosure(L, safeClose, 1);
    lua_setfield(L, -2, "close");
    publishLibrary(L, env, "coroutine");

    // The new environment becomes the globals table (what load gives a chunk as _ENV); the
    // stock one, with load/print/..., is left for the collector. The loaded-modules table
    // would keep the full libraries reachable from the registry: drop it.
    lua_pushvalue(L, env);
    lua_rawseti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    return 0;
}

bool isStackOverflow(std::string_view message) {
    return message.ends_with("stack overflow") ||
           message.find("stack overflow (") != std::string_view::npos;
}

std::string numberText(lua_State* L, int index) {
    if (lua_isinteger(L, index)) return std::to_string(lua_tointeger(L, index));
    char buffer[64];
    const auto result = std::to_chars(buffer, buffer + sizeof buffer, lua_tonumber(L, index));
    return std::string(buffer, result.ptr);
}

}  // namespace

void pushReadOnly(lua_State* L, int backing, lua_Integer length) {
    backing = lua_absindex(L, backing);
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 7);
    lua_pushvalue(L, backing);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, readOnlyNewindex);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, readOnlyLen);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, readOnlyPairs);
    lua_setfield(L, -2, "__pairs");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pushboolean(L, 1);
    lua_rawsetp(L, -2, &kReadOnlyTag);
    if (length >= 0) {
        lua_pushinteger(L, length);
        lua_rawsetp(L, -2, &kLengthTag);
    }
    lua_setmetatable(L, -2);
}

std::variant<std::unique_ptr<Sandbox>, ScriptFailure> Sandbox::create(const Limits& limits) {
    std::unique_ptr<Sandbox> box(new Sandbox(limits));
    box->L_ = lua_newstate(&Sandbox::allocate, box.get());
    if (box->L_ == nullptr) {
        return ScriptFailure{std::string(failure_code::kMemoryLimit),
                             "memory limit exceeded while creating the Lua state", std::nullopt};
    }
    lua_atpanic(box->L_, &panic);
    *static_cast<Sandbox**>(lua_getextraspace(box->L_)) = box.get();
    box->beginCall();
    auto open = [](lua_State* L) { return openEnvironment(L); };
    const int status = box->protectedCall(open, 0);
    if (auto failure = box->outcome(status)) return std::move(*failure);
    return box;
}

Sandbox::~Sandbox() {
    if (L_ == nullptr) return;
    // No finalizer can exist (safeSetmetatable) and the main stack holds no to-be-closed
    // variable between calls, so closing runs no script code. The hook goes first anyway.
    lua_sethook(L_, nullptr, 0, 0);
    lua_close(L_);
}

Sandbox& Sandbox::of(lua_State* L) { return **static_cast<Sandbox**>(lua_getextraspace(L)); }

// Counts every byte the state holds against limits.memory_bytes. A refusal makes Lua raise
// its memory error (after an emergency collection). Frees and shrinks are never refused: Lua
// assumes they cannot fail. When ptr is null, osize is a type tag, not a size.
void* Sandbox::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) {
    auto* self = static_cast<Sandbox*>(ud);
    const std::size_t old_size = ptr != nullptr ? osize : 0;
    if (nsize == 0) {
        std::free(ptr);
        self->memory_used_ -= old_size;
        return nullptr;
    }
    const std::size_t others = self->memory_used_ - old_size;
    if (nsize > old_size &&
        (others > self->limits_.memory_bytes || nsize > self->limits_.memory_bytes - others)) {
        self->memory_refused_ = true;
        return nullptr;
    }
    void* block = std::realloc(ptr, nsize);
    if (block == nullptr) {
        if (nsize <= old_size) {
            // The C library could not shrink in place: keep the larger block (Lua must get a
            // non-null answer) and count it as its new size, which is what Lua will free.
            self->memory_used_ = others + nsize;
            return ptr;
        }
        self->memory_refused_ = true;
        return nullptr;
    }
    self->memory_used_ = others + nsize;
    return block;
}

// A fresh budget per call. The wall-clock deadline is armed by the hook's first tick (see
// deadline_armed_): reading the clock on every call would cost more than a short rate script.
void Sandbox::beginCall() {
    instructions_ = 0;
    memory_refused_ = false;
    deadline_armed_ = false;
    lua_sethook(L_, &Sandbox::hook, LUA_MASKCOUNT, static_cast<int>(kHookInterval));
}

void Sandbox::hook(lua_State* L, lua_Debug* ar) {
    Sandbox& self = of(L);
    if (self.trip_ == Trip::kNone) {
        self.instructions_ += kHookInterval;
        lua_Debug probe;
        const auto now = std::chrono::steady_clock::now();
        if (!self.deadline_armed_) {
            // The first tick of the call: the wall-clock limit runs from here. What ran before
            // it is at most kHookInterval instructions (and library work charged to the
            // budget), microseconds at most.
            self.deadline_ = now + std::chrono::milliseconds(self.limits_.wall_ms);
            self.deadline_armed_ = true;
        }
        if (self.instructions_ > self.limits_.instructions) {
            self.trip_ = Trip::kInstructions;
        } else if (now >= self.deadline_) {
            self.trip_ = Trip::kDeadline;
        } else if (lua_getstack(L, self.limits_.max_call_depth + self.outer_levels_, &probe) != 0) {
            // Level 0 is the running function; the host's own C function, when there is one,
            // is the outermost level of a call (outer_levels_).
            self.trip_ = Trip::kRecursion;
        } else {
            return;
        }
        if (lua_getinfo(L, "l", ar) != 0 && ar->currentline > 0) {
            self.trip_line_ = ar->currentline;
        }
    }
    raiseTrip(L);
}

void Sandbox::charge(lua_State* L, lua_Unsigned units) {
    Sandbox& self = of(L);
    if (self.trip_ == Trip::kNone) {
        const auto left = static_cast<lua_Unsigned>(self.limits_.instructions - self.instructions_);
        if (self.instructions_ <= self.limits_.instructions && units <= left) {
            self.instructions_ += static_cast<std::int64_t>(units);
            return;
        }
        self.trip_ = Trip::kInstructions;
        lua_Debug caller;
        if (lua_getstack(L, 1, &caller) != 0 && lua_getinfo(L, "l", &caller) != 0 &&
            caller.currentline > 0) {
            self.trip_line_ = caller.currentline;
        }
    }
    raiseTrip(L);
}

// Raises the trip's error and makes it stick: the hook now fires at the very next instruction
// of this thread (and of the main thread, if this is a coroutine), and every hook of a tripped
// state raises again. A pcall, an error handler or a __close handler that catches the error
// gets at most one instruction before the next one.
void Sandbox::raiseTrip(lua_State* L) {
    Sandbox& self = of(L);
    lua_sethook(L, &Sandbox::hook, LUA_MASKCOUNT, 1);
    if (L != self.L_) lua_sethook(self.L_, &Sandbox::hook, LUA_MASKCOUNT, 1);
    lua_pushstring(L, tripText(self.trip_));
    lua_error(L);
    std::abort();  // lua_error does not return
}

std::optional<int> Sandbox::lineOf(std::string_view message) const {
    if (!message.starts_with(chunk_id_) || message.size() <= chunk_id_.size() ||
        message[chunk_id_.size()] != ':') {
        return std::nullopt;
    }
    const char* begin = message.data() + chunk_id_.size() + 1;
    const char* end = message.data() + message.size();
    int line = 0;
    const auto parsed = std::from_chars(begin, end, line);
    if (parsed.ec != std::errc() || parsed.ptr == begin || parsed.ptr == end ||
        *parsed.ptr != ':') {
        return std::nullopt;
    }
    return line;
}

void Sandbox::setTrip(Trip trip, std::optional<int> line) {
    trip_ = trip;
    trip_line_ = line;
}

const ScriptFailure& Sandbox::tripFailure() const {
    if (trip_ != Trip::kNone && trip_failure_.code.empty()) {
        std::string_view code;
        std::string detail;
        switch (trip_) {
            case Trip::kInstructions:
                code = failure_code::kInstructionLimit;
                detail = std::to_string(limits_.instructions) + " instructions";
                break;
            case Trip::kDeadline:
                code = failure_code::kDeadline;
                detail = std::to_string(limits_.wall_ms) + " ms";
                break;
            case Trip::kRecursion:
                code = failure_code::kRecursionLimit;
                detail = std::to_string(limits_.max_call_depth) + " levels";
                break;
            case Trip::kMemory:
                code = failure_code::kMemoryLimit;
                detail = std::to_string(limits_.memory_bytes) + " bytes";
                break;
            case Trip::kNone:
                break;
        }
        std::string message = std::string(tripText(trip_)) + " (" + detail + ")";
        if (!trip_note_.empty()) message += ": " + trip_note_;
        trip_failure_ = ScriptFailure{std::string(code), std::move(message), trip_line_};
    }
    return trip_failure_;
}

std::optional<ScriptFailure> Sandbox::outcome(int status) {
    if (trip_ != Trip::kNone) {
        lua_settop(L_, 0);
        return tripFailure();
    }
    if (status == LUA_OK) return std::nullopt;
    if (status == LUA_ERRMEM) {
        lua_settop(L_, 0);
        setTrip(Trip::kMemory, std::nullopt);
        return tripFailure();
    }
    // The error object is read without running anything of it: only a string's text is used.
    const int type = lua_type(L_, -1);
    std::string message;
    if (type == LUA_TSTRING) {
        std::size_t length = 0;
        const char* text = lua_tolstring(L_, -1, &length);
        message.assign(text, length);
    } else if (type == LUA_TNUMBER) {
        message = numberText(L_, -1);
    } else {
        message = std::string("error object of type ") + lua_typename(L_, type);
    }
    lua_settop(L_, 0);
    // Lua's memory error, passed on as an ordinary error (by coroutine.wrap, or a script that
    // caught it and raised it again), after the allocator did refuse. A refusal that an
    // emergency collection made good, followed by some other error, stays that other error.
    if (memory_refused_ && type == LUA_TSTRING && message.ends_with("not enough memory")) {
        setTrip(Trip::kMemory, std::nullopt);
        return tripFailure();
    }
    const std::optional<int> line = type == LUA_TSTRING ? lineOf(message) : std::nullopt;
    if (status == LUA_ERRERR || (type == LUA_TSTRING && isStackOverflow(message))) {
        setTrip(Trip::kRecursion, line);
        trip_note_ = message;
        return tripFailure();
    }
    const std::string_view code =
        status == LUA_ERRSYNTAX ? failure_code::kCompileError : failure_code::kRuntimeError;
    return ScriptFailure{std::string(code), std::move(message), line};
}

std::optional<ScriptFailure> Sandbox::load(std::string_view source, std::string_view chunk_name) {
    const std::string name = "=" + std::string(chunk_name);
    chunk_id_ = std::string(chunk_name.substr(0, LUA_IDSIZE - 1));
    beginCall();
    // lua_load is protected itself; mode "t" refuses precompiled chunks.
    const int loaded = luaL_loadbufferx(L_, source.data(), source.size(), name.c_str(), "t");
    if (loaded == LUA_ERRMEM) return outcome(LUA_ERRMEM);
    if (loaded != LUA_OK) {
        // Whatever stopped the parser (syntax, a binary chunk, nesting past the parser's C
        // levels) is a compile error.
        std::size_t length = 0;
        const char* text =
            lua_type(L_, -1) == LUA_TSTRING ? lua_tolstring(L_, -1, &length) : nullptr;
        std::string message = text != nullptr ? std::string(text, length) : "cannot compile";
        lua_settop(L_, 0);
        const std::optional<int> line = lineOf(message);
        return ScriptFailure{std::string(failure_code::kCompileError), std::move(message), line};
    }
    const int status = lua_pcall(L_, 0, 0, 0);
    return outcome(status);
}

std::size_t freeStackBytes() {
    thread_local std::uintptr_t stack_low = 0;
    thread_local bool known = false;
    if (!known) {
        pthread_attr_t attributes;
        if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
            void* address = nullptr;
            std::size_t size = 0;
            if (pthread_attr_getstack(&attributes, &address, &size) == 0) {
                stack_low = reinterpret_cast<std::uintptr_t>(address);
            }
            pthread_attr_destroy(&attributes);
        }
        known = true;
    }
    // The frame address, not a local's: under ASan a local may live on a fake stack.
    const auto here = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    if (stack_low == 0 || here <= stack_low) return 0;
    return here - stack_low;
}

}  // namespace billwright::scripting::detail
