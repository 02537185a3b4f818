#include "scripting/lua_json.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "core/utf8.h"
#include "scripting/sandbox.h"

namespace billwright::scripting::detail {
namespace {

// Every local below is trivially destructible: these functions run inside protected calls and
// any lua_* call may longjmp out of them.
void pushNumber(lua_State* L, const core::JsonValue& value, ContextNumbers numbers) {
    if (const std::optional<std::int64_t> integer = value.asInt64()) {
        lua_pushinteger(L, *integer);
        return;
    }
    const std::string& text = value.numberText();
    if (numbers == ContextNumbers::kFloats) {
        double number = 0;
        const char* end = text.data() + text.size();
        const auto parsed = std::from_chars(text.data(), end, number);
        if (parsed.ec == std::errc() && parsed.ptr == end && std::isfinite(number)) {
            lua_pushnumber(L, number);
            return;
        }
    }
    lua_pushlstring(L, text.data(), text.size());
}

bool validUtf8(std::string_view text) {
    std::size_t pos = 0;
    while (pos < text.size()) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const std::size_t length = core::utf8SequenceLength(text, pos);
        if (length == 0) return false;
        pos += length;
    }
    return true;
}

std::string shortestLiteral(double number) {
    char buffer[64];
    const auto written = std::to_chars(buffer, buffer + sizeof buffer, number);
    return std::string(buffer, written.ptr);
}

class Reader {
public:
    Reader(lua_State* L, const ReadLimits& limits) : L_(L), limits_(limits) {}

    bool read(int index, int depth, const std::string& path, core::JsonValue& out) {
        switch (lua_type(L_, index)) {
            case LUA_TNIL:
                out = core::JsonValue::null();
                return true;
            case LUA_TBOOLEAN:
                out = core::JsonValue::boolean(lua_toboolean(L_, index) != 0);
                return true;
            case LUA_TNUMBER: {
                if (lua_isinteger(L_, index)) {
                    out = core::JsonValue::number(lua_tointeger(L_, index));
                    return true;
                }
                const double number = lua_tonumber(L_, index);
                if (!std::isfinite(number)) {
                    return fail(path, "is not a finite number (NaN or an infinity)");
                }
                out = core::JsonValue::numberLiteral(shortestLiteral(number));
                return true;
            }
            case LUA_TSTRING: {
                std::size_t length = 0;
                const char* text = lua_tolstring(L_, index, &length);
                const std::string_view view(text, length);
                if (!validUtf8(view)) return fail(path, "is a string that is not valid UTF-8");
                out = core::JsonValue::string(std::string(view));
                return true;
            }
            case LUA_TTABLE:
                return readTable(lua_absindex(L_, index), depth, path, out);
            default:
                return fail(path, std::string("is a ") + lua_typename(L_, lua_type(L_, index)) +
                                      ", which cannot leave the script");
        }
    }

    const std::string& error() const { return error_; }

private:
    bool fail(const std::string& path, std::string what) {
        error_ = path + " " + std::move(what);
        return false;
    }

    bool readTable(int index, int depth, const std::string& path, core::JsonValue& out) {
        if (depth >= limits_.max_depth) {
            return fail(
                path, "nests tables deeper than " + std::to_string(limits_.max_depth) + " levels");
        }
        // Key and value during traversal, plus the nested read's own.
        if (!lua_checkstack(L_, 6)) return fail(path, "cannot be read (out of memory)");
        std::size_t count = 0;
        lua_Integer max_key = 0;
        bool integer_keys = false;
        bool string_keys = false;
        lua_pushnil(L_);
        while (lua_next(L_, index) != 0) {
            ++count;
            const int key_type = lua_type(L_, -2);
            if (key_type == LUA_TSTRING) {
                string_keys = true;
            } else if (key_type == LUA_TNUMBER && lua_isinteger(L_, -2) &&
                       lua_tointeger(L_, -2) >= 1) {
                integer_keys = true;
                max_key = std::max(max_key, lua_tointeger(L_, -2));
            } else {
                const std::string key_text =
                    key_type == LUA_TNUMBER
                        ? "a number key other than 1..n"
                        : std::string("a key of type ") + lua_typename(L_, key_type);
                lua_pop(L_, 2);
                return fail(path, "has " + key_text + " (only 1..n or string keys)");
            }
            lua_pop(L_, 1);
            if (values_ + count > limits_.max_values) {
                lua_pop(L_, 1);
                return fail(path, "holds more than " + std::to_string(limits_.max_values) +
                                      " table entries in total");
            }
        }
        values_ += count;
        if (integer_keys && string_keys) {
            return fail(path, "mixes array items (1..n) and named fields");
        }
        if (integer_keys) {
            if (static_cast<std::size_t>(max_key) != count) {
                return fail(path, "is an array with holes (its keys are not exactly 1.." +
                                      std::to_string(count) + ")");
            }
            out = core::JsonValue::array();
            for (std::size_t i = 1; i <= count; ++i) {
                lua_rawgeti(L_, index, static_cast<lua_Integer>(i));
                core::JsonValue item;
                const bool ok = read(-1, depth + 1, path + "[" + std::to_string(i) + "]", item);
                lua_pop(L_, 1);
                if (!ok) return false;
                out.push(std::move(item));
            }
            return true;
        }
        std::vector<std::pair<std::string, core::JsonValue>> members;
        members.reserve(count);
        lua_pushnil(L_);
        while (lua_next(L_, index) != 0) {
            std::size_t length = 0;
            const char* text = lua_tolstring(L_, -2, &length);  // a string: no conversion
            std::string key(text, length);
            if (!validUtf8(key)) {
                lua_pop(L_, 2);
                return fail(path, "has a key that is not valid UTF-8");
            }
            core::JsonValue value;
            const bool ok = read(-1, depth + 1, path + "." + key, value);
            lua_pop(L_, 1);
            if (!ok) {
                lua_pop(L_, 1);
                return false;
            }
            members.emplace_back(std::move(key), std::move(value));
        }
        // Lua's traversal order depends on a per-state hash seed; sorted members make the
        // same result serialize the same way every time.
        std::sort(members.begin(), members.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        out = core::JsonValue::object();
        for (auto& [key, value] : members) out.set(std::move(key), std::move(value));
        return true;
    }

    lua_State* L_;
    ReadLimits limits_;
    std::size_t values_ = 0;
    std::string error_;
};

}  // namespace

void setJsonMembers(lua_State* L, int table, const core::JsonValue& object,
                    ContextNumbers numbers) {
    table = lua_absindex(L, table);
    for (const auto& member : object.members()) {
        if (member.second.isNull()) continue;  // an absent field, as in the API
        lua_pushlstring(L, member.first.data(), member.first.size());
        pushJsonValue(L, member.second, numbers);
        lua_rawset(L, table);
    }
}

void pushJsonValue(lua_State* L, const core::JsonValue& value, ContextNumbers numbers) {
    luaL_checkstack(L, 4, "context nested too deeply");
    switch (value.type()) {
        case core::JsonValue::Type::kNull:
            lua_pushnil(L);
            return;
        case core::JsonValue::Type::kBool:
            lua_pushboolean(L, value.asBool() ? 1 : 0);
            return;
        case core::JsonValue::Type::kNumber:
            pushNumber(L, value, numbers);
            return;
        case core::JsonValue::Type::kString: {
            const std::string& text = value.asString();
            lua_pushlstring(L, text.data(), text.size());
            return;
        }
        case core::JsonValue::Type::kArray: {
            const auto& items = value.items();
            const auto count = static_cast<lua_Integer>(items.size());
            lua_createtable(L, static_cast<int>(std::min<std::size_t>(items.size(), 1u << 20)), 0);
            lua_Integer i = 0;
            for (const core::JsonValue& item : items) {
                pushJsonValue(L, item, numbers);
                lua_rawseti(L, -2, ++i);
            }
            pushReadOnly(L, -1, count);
            lua_remove(L, -2);
            return;
        }
        case core::JsonValue::Type::kObject: {
            lua_createtable(
                L, 0, static_cast<int>(std::min<std::size_t>(value.members().size(), 1u << 20)));
            setJsonMembers(L, -1, value, numbers);
            pushReadOnly(L, -1, -1);
            lua_remove(L, -2);
            return;
        }
    }
    lua_pushnil(L);
}

std::optional<core::JsonValue> readScalar(lua_State* L, int index) {
    switch (lua_type(L, index)) {
        case LUA_TNIL:
            return core::JsonValue::null();
        case LUA_TBOOLEAN:
            return core::JsonValue::boolean(lua_toboolean(L, index) != 0);
        case LUA_TNUMBER: {
            if (lua_isinteger(L, index)) return core::JsonValue::number(lua_tointeger(L, index));
            const double number = lua_tonumber(L, index);
            if (!std::isfinite(number)) return std::nullopt;
            return core::JsonValue::numberLiteral(shortestLiteral(number));
        }
        case LUA_TSTRING: {
            std::size_t length = 0;
            const char* text = lua_tolstring(L, index, &length);
            const std::string_view view(text, length);
            if (!validUtf8(view)) return std::nullopt;
            return core::JsonValue::string(std::string(view));
        }
        default:
            return std::nullopt;
    }
}

std::variant<core::JsonValue, std::string> readJsonValue(lua_State* L, int index,
                                                         std::string_view root,
                                                         const ReadLimits& limits) {
    const int top = lua_gettop(L);
    index = lua_absindex(L, index);
    Reader reader(L, limits);
    core::JsonValue out;
    const bool ok = reader.read(index, 0, std::string(root), out);
    lua_settop(L, top);
    if (!ok) return reader.error();
    return out;
}

}  // namespace billwright::scripting::detail
