#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/error.h"

namespace billwright::core {

// A JSON document tree. Numbers keep their literal text so that money never passes through
// floating point; interpreting that text (as an integer, a decimal amount) is the caller's job.
//
// Accessors with a type precondition throw std::logic_error when it is violated: that is a
// programmer error, not bad input (bad input is caught by checking type() first).
class JsonValue {
public:
    // The order matches the alternatives of Storage; type() relies on it.
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

    JsonValue() = default;  // null

    static JsonValue null();
    static JsonValue boolean(bool b);
    static JsonValue number(std::int64_t n);
    // `literal` must match the RFC 8259 number grammar (e.g. "1500.25"); it is kept verbatim.
    // Throws std::logic_error otherwise, so toJson can never emit an invalid document.
    static JsonValue numberLiteral(std::string literal);
    static JsonValue string(std::string s);
    static JsonValue array();
    static JsonValue object();

    Type type() const { return static_cast<Type>(storage_.index()); }
    bool isNull() const { return type() == Type::kNull; }
    bool isBool() const { return type() == Type::kBool; }
    bool isNumber() const { return type() == Type::kNumber; }
    bool isString() const { return type() == Type::kString; }
    bool isArray() const { return type() == Type::kArray; }
    bool isObject() const { return type() == Type::kObject; }

    bool asBool() const;
    const std::string& asString() const;
    // The literal text as it appeared in the input (or as given to numberLiteral).
    const std::string& numberText() const;
    // Only for an integer literal (no fraction, no exponent) that fits int64 exactly, so "1.0"
    // and "1e2" give nullopt even though they denote integers. nullopt for non-numbers too.
    std::optional<std::int64_t> asInt64() const;

    const std::vector<JsonValue>& items() const;
    // Appends and returns *this, like set(), so arrays can be built by chaining.
    JsonValue& push(JsonValue v);

    // Members in insertion order; keys are unique.
    const std::vector<std::pair<std::string, JsonValue>>& members() const;
    // nullptr if absent or if this is not an object. Linear in the member count.
    const JsonValue* find(std::string_view key) const;
    // Replaces an existing member in place (keeping its position), else appends. Returns *this.
    JsonValue& set(std::string key, JsonValue v);

    // Structural. Numbers compare by literal text ("1.0" != "1"). Objects compare as JSON
    // objects, i.e. regardless of member order.
    bool operator==(const JsonValue& other) const;

private:
    struct NumberText {
        std::string text;
    };
    using Array = std::vector<JsonValue>;
    using Object = std::vector<std::pair<std::string, JsonValue>>;
    using Storage = std::variant<std::monostate, bool, NumberText, std::string, Array, Object>;

    explicit JsonValue(Storage storage) : storage_(std::move(storage)) {}

    void require(Type expected, const char* operation) const;

    Storage storage_;

    // Builds containers directly: set() would make parsing quadratic in the member count.
    friend class JsonParser;
};

// "null", "boolean", "number", "string", "array", "object"; for error messages.
std::string_view jsonTypeName(JsonValue::Type t);

struct JsonParseOptions {
    // Containers nested deeper than this are refused. Also bounds the recursion depth of
    // toJson, operator== and destruction for parsed values.
    std::size_t max_depth = 64;
};

// Strict RFC 8259: any value at top level, no extensions, UTF-8 validated, duplicate keys
// refused. Fails with ErrorCode::kMalformedRequest and a detail naming the byte offset, e.g.
// "malformed JSON at offset 17: expected ':'". Never recurses, whatever the input.
Result<JsonValue> parseJson(std::string_view text, JsonParseOptions options = {});

// Compact serialization; numbers are written as their literal text.
std::string toJson(const JsonValue& v);

// Appends `s` quoted. Escapes '"', '\\', control characters and U+2028/U+2029 (which break
// JavaScript embedding); all other bytes pass through unchanged.
void appendJsonString(std::string& out, std::string_view s);

// Writes compact JSON member by member, for representations read often enough that building a
// JsonValue tree first (an allocation per key and value) shows: the same text toJson would give
// for the same members (std::move(writer).take()). Commas are placed for the caller; it keeps the
// nesting right (every begin has its end, a key before each member's value) and gives
// numberLiteral only text of its own formatting.
// A member name written as a literal, "id"_name (json_literals): checked when compiled to be
// printable ASCII without '"' or '\\', and kept with its quotes and colon ("id":) so the writer
// appends it in one copy.
class JsonName {
public:
    // `member` is "name": as the writer puts it out.
    consteval explicit JsonName(std::string_view member) : member_(member) {}
    std::string_view text() const { return member_.substr(1, member_.size() - 3); }
    std::string_view member() const { return member_; }

private:
    std::string_view member_;
};

namespace json_literals {
template <std::size_t N>
struct JsonNameText {
    consteval JsonNameText(const char (&text)[N]) {  // NOLINT(google-explicit-constructor)
        for (std::size_t i = 0; i + 1 < N; ++i) {
            const auto byte = static_cast<unsigned char>(text[i]);
            if (byte < 0x20 || byte >= 0x7F || text[i] == '"' || text[i] == '\\') {
                throw "a JSON name literal must be printable ASCII without quotes or backslashes";
            }
            member[i + 1] = text[i];
        }
    }
    // "name": and no terminator
    char member[N + 2] = {'"'};
};

template <JsonNameText Text>
inline constexpr auto kJsonMember = [] {
    auto member = Text;
    member.member[sizeof member.member - 2] = '"';
    member.member[sizeof member.member - 1] = ':';
    return member;
}();

template <JsonNameText Text>
consteval JsonName operator""_name() {
    return JsonName(std::string_view(kJsonMember<Text>.member, sizeof kJsonMember<Text>.member));
}
}  // namespace json_literals

class JsonWriter {
public:
    // `capacity`: the bytes expected (the buffer grows past it when needed).
    explicit JsonWriter(std::size_t capacity = 1024) : buffer_(capacity, '\0') {}

    // The text written so far; the writer is spent.
    std::string take() && {
        buffer_.resize(at_);
        return std::move(buffer_);
    }

    JsonWriter& beginObject() {
        beforeValue();
        put('{');
        comma_ = false;
        return *this;
    }
    JsonWriter& endObject() {
        put('}');
        comma_ = true;
        return *this;
    }
    JsonWriter& beginArray() {
        beforeValue();
        put('[');
        comma_ = false;
        return *this;
    }
    JsonWriter& endArray() {
        put(']');
        comma_ = true;
        return *this;
    }
    // The name of the next member of the enclosing object; its value follows.
    JsonWriter& key(std::string_view name);
    // A literal: no escaping to look for, and its length is known where it is written.
    JsonWriter& key(JsonName name) {
        if (comma_) put(',');
        put(name.member());
        comma_ = false;
        return *this;
    }

    JsonWriter& string(std::string_view s);
    JsonWriter& optionalString(const std::optional<std::string>& s) {  // null when empty
        return s ? string(*s) : null();
    }
    JsonWriter& number(std::int64_t n);
    JsonWriter& numberLiteral(std::string_view literal) {
        beforeValue();
        put(literal);
        return *this;
    }
    JsonWriter& boolean(bool b) {
        beforeValue();
        put(b ? std::string_view("true") : std::string_view("false"));
        return *this;
    }
    JsonWriter& null() {
        beforeValue();
        put(std::string_view("null"));
        return *this;
    }
    JsonWriter& value(const JsonValue& v);

private:
    void beforeValue() {
        if (comma_) put(',');
        comma_ = true;
    }
    // Room for `n` more bytes after at_. The buffer is kept at its full size and written in
    // place: std::string's append checked and copied out of line for every piece, the dearest
    // part of writing an invoice.
    char* room(std::size_t n) {
        if (buffer_.size() - at_ < n) grow(n);
        return buffer_.data() + at_;
    }
    void grow(std::size_t n);
    void put(char c) {
        *room(1) = c;
        ++at_;
    }
    void put(std::string_view text) {
        if (!text.empty()) std::memcpy(room(text.size()), text.data(), text.size());
        at_ += text.size();
    }

    std::string buffer_;  // [0, at_) written; the rest is room
    std::size_t at_ = 0;
    bool comma_ = false;  // a value or member came before at this level
};

}  // namespace billwright::core
