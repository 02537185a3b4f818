#include "scripting/program.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <string>
#include <utility>

#include <lua.hpp>

#include "scripting/lua_json.h"
#include "scripting/sandbox.h"

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
            lua_createtable(L, 2, 0);
            lua_createtable(L, 0, static_cast<int>(base.members().size()) + 8);
            detail::setJsonMembers(L, -1, base, numbers);
            detail::pushReadOnly(L, -1, -1);
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
            lua_rawgeti(L, LUA_REGISTRYINDEX, ctx.ref_);  // 1: holder
            lua_rawgeti(L, 1, 2);                         // 2: backing table
            for (const std::size_t index : ctx.pending_) {
                Context::Slot& slot = ctx.slots_[index];
                switch (slot.kind) {
                    case Context::Kind::kInteger:
                        lua_pushinteger(L, slot.integer);
                        break;
                    case Context::Kind::kFloat:
                        lua_pushnumber(L, slot.number);
                        break;
                    case Context::Kind::kString:
                        lua_pushlstring(L, slot.text.data(), slot.text.size());
                        break;
                }
                // The backing table has no metatable, so this is a raw set; Lua caches the
                // key's interned string by its address, so a key set before is not hashed.
                lua_setfield(L, 2, slot.key.c_str());
                slot.pending = false;
                slot.applied = true;
            }
            ctx.pending_.clear();
            pushFunction(L, function);
            if (lua_type(L, -1) != LUA_TFUNCTION) {
                missing = true;
                return 0;
            }
            lua_rawgeti(L, 1, 1);
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

std::variant<core::JsonValue, ScriptFailure> Program::finishCall(int status, bool missing,
                                                                 std::string_view function) {
    if (auto problem = sandbox_->outcome(status)) return std::move(*problem);
    lua_State* L = sandbox_->state();
    if (missing) {
        lua_settop(L, 0);
        return failure(failure_code::kMissingFunction,
                       "the script defines no global function '" + std::string(function) + "'");
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
      pending_(std::move(other.pending_)) {}

Program::Context& Program::Context::operator=(Context&& other) noexcept {
    if (this != &other) {
        release();
        program_ = std::exchange(other.program_, nullptr);
        ref_ = std::exchange(other.ref_, -1);
        slots_ = std::move(other.slots_);
        pending_ = std::move(other.pending_);
    }
    return *this;
}

Program::Context::~Context() { release(); }

void Program::Context::release() {
    if (program_ == nullptr || ref_ < 0) return;
    detail::Sandbox& sandbox = *program_->sandbox_;
    const int ref = ref_;
    // luaL_unref writes into the registry: protected like everything else that touches it.
    auto drop = [ref](lua_State* L) {
        luaL_unref(L, LUA_REGISTRYINDEX, ref);
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
