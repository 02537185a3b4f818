#pragma once

// Internal to server/scripting: values across the Lua boundary.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <lua.hpp>

#include "core/json.h"
#include "scripting/program.h"

namespace billwright::scripting::detail {

// Pushes `value` for a script: objects and arrays become read-only proxies (pushReadOnly),
// integer literals that fit int64 become integers, other number literals strings or floats as
// `numbers` says, null becomes nil. Raises on memory errors: protected callers only.
void pushJsonValue(lua_State* L, const core::JsonValue& value, ContextNumbers numbers);
// Sets the members of the JSON object `object` into the plain table at `table` (no proxies at
// this level; nested containers are proxies). Raises like pushJsonValue.
void setJsonMembers(lua_State* L, int table, const core::JsonValue& object, ContextNumbers numbers);

struct ReadLimits {
    int max_depth = 16;             // nested tables below the value itself
    std::size_t max_values = 1000;  // table entries in total, at every level
};

// The value at `index` when it is a scalar that converts cleanly (nil, boolean, integer, finite
// float, UTF-8 string); nullopt for anything else, which readJsonValue then reads or refuses.
// The cheap path for rate results. Never raises, never runs a metamethod.
std::optional<core::JsonValue> readScalar(lua_State* L, int index);

// Reads the value at `index` under the result rules (program.h), with raw access only: it
// never runs a metamethod and never raises, so the host can call it outside a protected call.
// The failure text names the offending path under `root` ("result.lines[2].amount").
// Leaves the stack as it found it. May throw std::bad_alloc (C++ side only).
std::variant<core::JsonValue, std::string> readJsonValue(lua_State* L, int index,
                                                         std::string_view root,
                                                         const ReadLimits& limits);

}  // namespace billwright::scripting::detail
