#include "scripting/program.h"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include <lua.hpp>

#include "scripting/lua_json.h"
#include "scripting/sandbox.h"
#include "scripting/script_results.h"

namespace billwright::scripting {
namespace {

ScriptFailure failure(std::string_view code, std::string message) {
    return ScriptFailure{std::string(code), std::move(message), std::nullopt};
}

std::optional<ScriptFailure> checkStack() {
    const std::size_t free_bytes = detail::freeStackBytes();
    if (free_bytes >= kMinFreeStackBytes) return std::nullopt;
    return failure(failure_code::kWrongStack,
                   "Lua scripts need a thread with at least " + std::to_string(kMinFreeStackBytes) +
                       " bytes of free C stack; this one has " + std::to_string(free_bytes));
}

ScriptFailure internalFailure(const std::exception& e) {
    return failure(failure_code::kInternalError, std::string("scripting host: ") + e.what());
}

// Pushes the global `name` by raw lookup, so a script's metatable on _G never runs here.
void pushGlobal(lua_State* L, std::string_view name) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_pushlstring(L, name.data(), name.size());
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

ScriptFailure missingFunction(std::string_view function) {
    return failure(failure_code::kMissingFunction,
                   "the script defines no global function '" + std::string(function) + "'");
}

// The __index of a context's backing table: a key it does not hold is looked up in the lazy
// table (upvalue 1), where timestamps wait as Unix seconds; a timestamp becomes its RFC 3339
// text only here, when the script reads it. Called by Lua: no C++ object with a destructor
// lives in this frame (lua_pushstring may raise a memory error).
int lazyIndex(lua_State* L) noexcept {
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER || !lua_isinteger(L, -1)) {
        lua_pushnil(L);
        return 1;
    }
    using namespace std::chrono;
    const sys_seconds at{seconds{lua_tointeger(L, -1)}};
    const auto day = floor<days>(at);
    const year_month_day date{day};
    const hh_mm_ss<seconds> time{at - day};
    char text[48];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02dZ",
                  static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                  static_cast<unsigned>(date.day()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    lua_pushstring(L, text);
    return 1;
}

}  // namespace

Program::Program(std::unique_ptr<detail::Sandbox> sandbox) : sandbox_(std::move(sandbox)) {}

Program::~Program() = default;

std::variant<std::unique_ptr<Program>, ScriptFailure> Program::load(std::string_view source,
                                                                    std::string_view chunk_name,
                                                                    const Limits& limits) {
    try {
        if (auto checked = validateLimits(limits); !checked.ok()) {
            std::string message = "invalid limits:";
            for (const core::FieldError& field : checked.error().fields) {
                message += " " + field.field + " " + field.message + ";";
            }
            return failure(failure_code::kInvalidLimits, std::move(message));
        }
        if (source.size() > limits.max_source_bytes) {
            return failure(failure_code::kSourceTooLarge,
                           "the script has " + std::to_string(source.size()) + " bytes; at most " +
                               std::to_string(limits.max_source_bytes) + " are allowed");
        }
        if (auto stack = checkStack()) return std::move(*stack);
        auto created = detail::Sandbox::create(limits);
        if (auto* problem = std::get_if<ScriptFailure>(&created)) return std::move(*problem);
        auto sandbox = std::move(std::get<std::unique_ptr<detail::Sandbox>>(created));
        if (auto problem = sandbox->load(source, chunk_name)) return std::move(*problem);
        return std::unique_ptr<Program>(new Program(std::move(sandbox)));
    } catch (const std::exception& e) {
        return internalFailure(e);
    }
}

bool Program::hasFunction(std::string_view name) const {
    if (sandbox_->tripped() || checkStack()) return false;
    bool found = false;
    auto look = [&](lua_State* L) {
        pushGlobal(L, name);
        found = lua_type(L, -1) == LUA_TFUNCTION;
        return 0;
    };
    const int status = sandbox_->protectedCall(look, 0);
    lua_settop(sandbox_->state(), 0);
    return status == LUA_OK && found;
}

std::variant<core::JsonValue, ScriptFailure> Program::call(std::string_view function,
                                                           const core::JsonValue& ctx,
                                                           ContextNumbers numbers) {
    if (sandbox_->tripped()) return sandbox_->tripFailure();
    if (auto stack = checkStack()) return std::move(*stack);
    try {
        sandbox_->beginCall();
        bool missing = false;
        auto run = [&](lua_State* L) {
            pushFunction(L, function);
            if (lua_type(L, -1) != LUA_TFUNCTION) {
                missing = true;
                return 0;
            }
            detail::pushJsonValue(L, ctx, numbers);
            lua_call(L, 1, 1);
            return 1;
        };
        const int status = sandbox_->protectedCall(run, 1);
        return finishCall(status, missing, function);
    } catch (const std::exception& e) {
        lua_settop(sandbox_->state(), 0);
        return internalFailure(e);
    }
}

void Program::pushFunction(lua_State* L, std::string_view name) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    const auto cached = std::find_if(function_names_.begin(), function_names_.end(),
                                     [&](const auto& entry) { return entry.first == name; });
    if (cached != function_names_.end()) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, cached->second);
    } else {
        lua_pushlstring(L, name.data(), name.size());
    }
    lua_rawget(L, -2);
    lua_remove(L, -2);
}

// Runs a protected call of its own: only once the stack holds nothing the caller still needs.
void Program::rememberFunctionName(std::string_view name) {
    constexpr std::size_t kMaxCachedNames = 8;
    if (function_names_.size() >= kMaxCachedNames) return;
    for (const auto& entry : function_names_) {
        if (entry.first == name) return;
    }
    int ref = LUA_NOREF;
    auto anchor = [&](lua_State* L) {
        lua_pushlstring(L, name.data(), name.size());
        ref = luaL_ref(L, LUA_REGISTRYINDEX);
        return 0;
    };
    if (sandbox_->protectedCall(anchor, 0) == LUA_OK && ref >= 0) {
        function_names_.emplace_back(std::string(name), ref);
    }
    lua_settop(sandbox_->state(), 0);
}

std::variant<Program::Context, ScriptFailure> Program::makeContext(const core::JsonValue& base,
                                                                   ContextNumbers numbers) {
    if (sandbox_->tripped()) return sandbox_->tripFailure();
    if (!base.isObject()) {
        return failure(failure_code::kInternalError, "a context base must be a JSON object");
    }
    if (auto stack = checkStack()) return std::move(*stack);
    try {
        sandbox_->beginCall();
        int ref = LUA_NOREF;
        // The holder keeps the proxy the script sees and its backing table (where set()
        // writes).
        auto build = [&](lua_State* L) {
            lua_createtable(L, 3, 0);                                            // 1 holder
            lua_createtable(L, 0, static_cast<int>(base.members().size()) + 8);  // 2 backing
            detail::setJsonMembers(L, 2, base, numbers);
            lua_createtable(L, 0, 2);  // 3 lazy
            lua_createtable(L, 0, 1);  // 4 the backing table's metatable
            lua_pushvalue(L, 3);
            lua_pushcclosure(L, lazyIndex, 1);
            lua_setfield(L, 4, "__index");
            lua_setmetatable(L, 2);
            lua_rawseti(L, 1, 3);
            detail::pushReadOnly(L, 2, -1);
            lua_rawseti(L, 1, 1);
            lua_rawseti(L, 1, 2);
            ref = luaL_ref(L, LUA_REGISTRYINDEX);
            return 0;
        };
        const int status = sandbox_->protectedCall(build, 0);
        if (auto problem = sandbox_->outcome(status)) return std::move(*problem);
        return Context(this, ref);
    } catch (const std::exception& e) {
        lua_settop(sandbox_->state(), 0);
        return internalFailure(e);
    }
}

std::variant<core::JsonValue, ScriptFailure> Program::call(std::string_view function,
                                                           Context& ctx) {
    if (sandbox_->tripped()) return sandbox_->tripFailure();
    if (ctx.program_ != this) {
        return failure(failure_code::kInternalError, "the context belongs to another Program");
    }
    if (auto stack = checkStack()) return std::move(*stack);
    try {
        sandbox_->beginCall();
        bool missing = false;
        auto run = [&](lua_State* L) {
            applyPending(L, ctx);
            pushFunction(L, function);
            if (lua_type(L, -1) != LUA_TFUNCTION) {
                missing = true;
                return 0;
            }
            lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.ref_);
            lua_rawgeti(L, -1, 1);  // the proxy
            lua_remove(L, -2);
            lua_call(L, 1, 1);
            return 1;
        };
        const int status = sandbox_->protectedCall(run, 1);
        return finishCall(status, missing, function);
    } catch (const std::exception& e) {
        lua_settop(sandbox_->state(), 0);
        return internalFailure(e);
    }
}

int Program::functionNameRef(std::string_view name) const {
    for (const auto& [cached, ref] : function_names_) {
        if (cached == name) return ref;
    }
    return -1;
}

void Program::applyPending(lua_State* L, Context& ctx) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.ref_);
    const int holder = lua_gettop(L);
    lua_rawgeti(L, holder, 2);
    lua_rawgeti(L, holder, 3);
    const int backing = holder + 1;
    const int lazy = holder + 2;
    for (const std::size_t index : ctx.pending_) {
        Context::Slot& slot = ctx.slots_[index];
        const bool to_lazy = slot.kind == Context::Kind::kTimestamp;
        if (slot.key_ref < 0) {
            lua_pushlstring(L, slot.key.data(), slot.key.size());
            slot.key_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        }
        // The other table must not hold the key (a base value, or an earlier kind).
        lua_rawgeti(L, LUA_REGISTRYINDEX, slot.key_ref);
        lua_pushnil(L);
        lua_rawset(L, to_lazy ? backing : lazy);
        lua_rawgeti(L, LUA_REGISTRYINDEX, slot.key_ref);
        switch (slot.kind) {
            case Context::Kind::kInteger:
            case Context::Kind::kTimestamp:
                lua_pushinteger(L, slot.integer);
                break;
            case Context::Kind::kFloat:
                lua_pushnumber(L, slot.number);
                break;
            case Context::Kind::kString:
                lua_pushlstring(L, slot.text.data(), slot.text.size());
                break;
        }
        // Both tables are raw (the backing table's metatable only has __index).
        lua_rawset(L, to_lazy ? lazy : backing);
        slot.pending = false;
        slot.applied = true;
        slot.applied_lazy = to_lazy;
    }
    ctx.pending_.clear();
    lua_settop(L, holder - 1);
}

std::variant<std::int64_t, ScriptFailure> Program::callRate(std::string_view function,
                                                            Context& ctx) {
    if (sandbox_->tripped()) return sandbox_->tripFailure();
    if (ctx.program_ != this) {
        return failure(failure_code::kInternalError, "the context belongs to another Program");
    }
    // Before setterFor, which may compile a setter: every protected call needs the stack.
    if (auto stack = checkStack()) return std::move(*stack);
    const int name_ref = functionNameRef(function);
    const int setter = name_ref < 0 ? -1 : setterFor(ctx);
    if (setter < 0) {
        // The general path: interns what is new (names, keys, strings) in a protected call.
        auto called = call(function, ctx);
        if (auto* problem = std::get_if<ScriptFailure>(&called)) return std::move(*problem);
        auto rate = rateResult(std::get<core::JsonValue>(called));
        if (!rate) return resultFailure(rate.error());
        return *rate;
    }
    // Everything up to directCall only reads raw and pushes numbers: none of it can raise
    // outside a protected call (Sandbox's rules). The setter applies the fields inside it.
    lua_State* L = sandbox_->state();
    sandbox_->beginCall();
    lua_rawgeti(L, LUA_REGISTRYINDEX, setter);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
    lua_rawgeti(L, LUA_REGISTRYINDEX, name_ref);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_settop(L, 0);
        return missingFunction(function);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.ref_);
    int arguments = 2;
    for (const std::size_t index : ctx.pending_) {
        Context::Slot& slot = ctx.slots_[index];
        if (slot.kind == Context::Kind::kFloat) {
            lua_pushnumber(L, slot.number);
        } else {
            lua_pushinteger(L, slot.integer);
        }
        slot.pending = false;
        ++arguments;
    }
    ctx.pending_.clear();
    // The setter is one Lua level below the script's function, as the trampoline would be.
    const int status = sandbox_->directCall(arguments, 1, 1);
    if (auto problem = sandbox_->outcome(status)) return std::move(*problem);
    try {
        return readRate(L);
    } catch (const std::exception& e) {
        lua_settop(L, 0);
        return internalFailure(e);
    }
}

int Program::setterFor(Context& ctx) {
    constexpr std::size_t kMaxSetterFields = 16;
    constexpr std::size_t kMaxSetters = 32;
    if (ctx.pending_.size() > kMaxSetterFields || !ctx.setterCanApply()) return -1;
    // Slot order, so the same fields always make the same signature.
    std::sort(ctx.pending_.begin(), ctx.pending_.end());
    std::uint64_t mask = 0;
    for (const std::size_t index : ctx.pending_) {
        if (index >= 64) return -1;
        mask |= std::uint64_t{1} << index;
    }
    for (const auto& [seen, ref] : ctx.setters_) {
        if (seen == mask) return ref;
    }
    std::string signature;
    for (const std::size_t index : ctx.pending_) {
        const Context::Slot& slot = ctx.slots_[index];
        // Names are written into Lua source: identifiers only (the invoice run's are).
        if (slot.key.empty() || slot.key.size() > 64 ||
            !std::all_of(slot.key.begin(), slot.key.end(),
                         [](char c) {
                             return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '_';
                         }) ||
            (slot.key[0] >= '0' && slot.key[0] <= '9')) {
            return -1;
        }
        signature += slot.kind == Context::Kind::kTimestamp ? "~" : "";
        signature += slot.key;
        signature += ',';
    }
    int ref = -1;
    for (const auto& [seen, seen_ref] : setters_) {
        if (seen == signature) ref = seen_ref;
    }
    if (ref < 0) {
        if (setters_.size() >= kMaxSetters) return -1;
        std::string source = "return function(fn, holder";
        for (std::size_t i = 0; i < ctx.pending_.size(); ++i) source += ", v" + std::to_string(i);
        source += ") local b, l = holder[2], holder[3] ";
        for (std::size_t i = 0; i < ctx.pending_.size(); ++i) {
            const Context::Slot& slot = ctx.slots_[ctx.pending_[i]];
            source += slot.kind == Context::Kind::kTimestamp ? "l." : "b.";
            source += slot.key + " = v" + std::to_string(i) + " ";
        }
        source += "return fn(holder[1]) end";
        auto compile = [&](lua_State* L) {
            if (luaL_loadbufferx(L, source.data(), source.size(), "=setter", "t") != LUA_OK) {
                return 0;
            }
            lua_call(L, 0, 1);
            ref = luaL_ref(L, LUA_REGISTRYINDEX);
            return 0;
        };
        const int status = sandbox_->protectedCall(compile, 0);
        lua_settop(sandbox_->state(), 0);
        if (status != LUA_OK || ref < 0) return -1;
        setters_.emplace_back(std::move(signature), ref);
    }
    if (ctx.setters_.size() < kMaxSetters) ctx.setters_.emplace_back(mask, ref);
    return ref;
}

// The result on top of the stack under rateResult's rules; clears the stack.
std::variant<std::int64_t, ScriptFailure> Program::readRate(lua_State* L) {
    const int type = lua_type(L, -1);
    std::string_view text;
    std::uint64_t bits = 0;
    if (type == LUA_TNUMBER && lua_isinteger(L, -1)) {
        const lua_Integer whole = lua_tointeger(L, -1);
        if (whole >= 0 && whole <= kMaxRateMicros / 1'000'000) {
            lua_settop(L, 0);
            return whole * 1'000'000;
        }
    } else if (type == LUA_TNUMBER || type == LUA_TSTRING) {
        if (type == LUA_TSTRING) {
            std::size_t length = 0;
            const char* data = lua_tolstring(L, -1, &length);
            text = std::string_view(data, length);
        } else {
            bits = std::bit_cast<std::uint64_t>(static_cast<double>(lua_tonumber(L, -1)));
        }
        for (const RememberedRate& seen : remembered_rates_) {
            if (seen.type == type && seen.bits == bits && seen.text == text) {
                lua_settop(L, 0);
                return seen.micros;
            }
        }
    }
    // The general conversion, exactly as call() + rateResult().
    core::JsonValue value;
    if (auto scalar = detail::readScalar(L, -1)) {
        value = std::move(*scalar);
    } else {
        auto read = detail::readJsonValue(L, -1, "result", detail::ReadLimits{});
        if (auto* problem = std::get_if<std::string>(&read)) {
            lua_settop(L, 0);
            return failure(failure_code::kBadResult, std::move(*problem));
        }
        value = std::move(std::get<core::JsonValue>(read));
    }
    RememberedRate entry;
    entry.type = (type == LUA_TNUMBER && !lua_isinteger(L, -1)) || type == LUA_TSTRING ? type : 0;
    entry.text = std::string(text);
    entry.bits = bits;
    lua_settop(L, 0);
    auto rate = rateResult(value);
    if (!rate) return resultFailure(rate.error());
    if (entry.type != 0) {
        entry.micros = *rate;
        remembered_rates_[next_remembered_] = std::move(entry);
        next_remembered_ = (next_remembered_ + 1) % kRememberedRates;
    }
    return *rate;
}

std::variant<core::JsonValue, ScriptFailure> Program::finishCall(int status, bool missing,
                                                                 std::string_view function) {
    if (auto problem = sandbox_->outcome(status)) return std::move(*problem);
    lua_State* L = sandbox_->state();
    if (missing) {
        lua_settop(L, 0);
        return missingFunction(function);
    }
    if (auto scalar = detail::readScalar(L, -1)) {
        lua_settop(L, 0);
        rememberFunctionName(function);
        return std::move(*scalar);
    }
    auto value = detail::readJsonValue(L, -1, "result", detail::ReadLimits{});
    lua_settop(L, 0);
    rememberFunctionName(function);
    if (auto* problem = std::get_if<std::string>(&value)) {
        return failure(failure_code::kBadResult, std::move(*problem));
    }
    return std::move(std::get<core::JsonValue>(value));
}

std::variant<core::JsonValue, ScriptFailure> Program::global(std::string_view name,
                                                             std::size_t max_values) {
    if (sandbox_->tripped()) return sandbox_->tripFailure();
    if (auto stack = checkStack()) return std::move(*stack);
    try {
        sandbox_->beginCall();
        auto get = [&](lua_State* L) {
            pushGlobal(L, name);
            return 1;
        };
        const int status = sandbox_->protectedCall(get, 1);
        if (auto problem = sandbox_->outcome(status)) return std::move(*problem);
        lua_State* L = sandbox_->state();
        detail::ReadLimits limits;
        limits.max_values = max_values;
        auto value = detail::readJsonValue(L, -1, name, limits);
        lua_settop(L, 0);
        if (auto* problem = std::get_if<std::string>(&value)) {
            return failure(failure_code::kBadResult, std::move(*problem));
        }
        return std::move(std::get<core::JsonValue>(value));
    } catch (const std::exception& e) {
        lua_settop(sandbox_->state(), 0);
        return internalFailure(e);
    }
}

bool Program::tripped() const { return sandbox_->tripped(); }

const ScriptFailure& Program::tripFailure() const { return sandbox_->tripFailure(); }

std::int64_t Program::instructionsUsed() const { return sandbox_->instructionsUsed(); }

std::size_t Program::memoryInUse() const { return sandbox_->memoryInUse(); }

const Limits& Program::limits() const { return sandbox_->limits(); }

// ---- Context ----------------------------------------------------------------------------

Program::Context::Context(Context&& other) noexcept
    : program_(std::exchange(other.program_, nullptr)),
      ref_(std::exchange(other.ref_, -1)),
      slots_(std::move(other.slots_)),
      pending_(std::move(other.pending_)),
      setters_(std::move(other.setters_)) {}

Program::Context& Program::Context::operator=(Context&& other) noexcept {
    if (this != &other) {
        release();
        program_ = std::exchange(other.program_, nullptr);
        ref_ = std::exchange(other.ref_, -1);
        slots_ = std::move(other.slots_);
        pending_ = std::move(other.pending_);
        setters_ = std::move(other.setters_);
    }
    return *this;
}

Program::Context::~Context() { release(); }

void Program::Context::release() {
    if (program_ == nullptr || ref_ < 0) return;
    detail::Sandbox& sandbox = *program_->sandbox_;
    const int ref = ref_;
    // luaL_unref writes into the registry: protected like everything else that touches it.
    auto drop = [this, ref](lua_State* L) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
        for (const Slot& slot : slots_) {
            if (slot.key_ref >= 0) luaL_unref(L, LUA_REGISTRYINDEX, slot.key_ref);
        }
        return 0;
    };
    static_cast<void>(sandbox.protectedCall(drop, 0));
    lua_settop(sandbox.state(), 0);
    program_ = nullptr;
    ref_ = -1;
}

Program::Context::Field Program::Context::field(std::string_view key) {
    std::size_t index = 0;
    while (index < slots_.size() && slots_[index].key != key) ++index;
    if (index == slots_.size()) slots_.emplace_back().key = std::string(key);
    return Field{index};
}

void Program::Context::mark(Slot& slot, std::size_t index) {
    if (slot.pending) return;
    slot.pending = true;
    pending_.push_back(index);
}

// A value equal to the one the Lua side already holds is not applied again (the script cannot
// change the backing table, so it still holds it).
void Program::Context::set(Field field, std::int64_t value) {
    Slot& slot = slots_.at(field.index);
    if (slot.applied && !slot.pending && slot.kind == Kind::kInteger && slot.integer == value) {
        return;
    }
    mark(slot, field.index);
    slot.kind = Kind::kInteger;
    slot.integer = value;
}

void Program::Context::set(Field field, double value) {
    Slot& slot = slots_.at(field.index);
    if (slot.applied && !slot.pending && slot.kind == Kind::kFloat &&
        std::bit_cast<std::uint64_t>(slot.number) == std::bit_cast<std::uint64_t>(value)) {
        return;
    }
    mark(slot, field.index);
    slot.kind = Kind::kFloat;
    slot.number = value;
}

void Program::Context::setTimestamp(Field field, std::int64_t unix_seconds) {
    Slot& slot = slots_.at(field.index);
    if (slot.applied && !slot.pending && slot.kind == Kind::kTimestamp &&
        slot.integer == unix_seconds) {
        return;
    }
    mark(slot, field.index);
    slot.kind = Kind::kTimestamp;
    slot.integer = unix_seconds;
}

bool Program::Context::setterCanApply() const {
    for (const std::size_t index : pending_) {
        const Slot& slot = slots_[index];
        if (slot.key_ref < 0 || !slot.applied || slot.kind == Kind::kString ||
            slot.applied_lazy != (slot.kind == Kind::kTimestamp)) {
            return false;
        }
    }
    return true;
}

void Program::Context::set(Field field, std::string_view value) {
    Slot& slot = slots_.at(field.index);
    if (slot.applied && !slot.pending && slot.kind == Kind::kString && slot.text == value) {
        return;
    }
    mark(slot, field.index);
    slot.kind = Kind::kString;
    slot.text.assign(value);
}

}  // namespace billwright::scripting
