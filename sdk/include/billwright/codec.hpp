// Billwright plugin SDK: header-only encoders and decoders for plugins that talk to payment
// providers. Standard library only, so a plugin needs nothing beyond the SDK.
//
//   JSON        billwright::codec::parseJson / writeJson / JsonValue: a small DOM; numbers keep
//               their lexeme ("155.38559757" stays exactly that), writeJson can sort object keys
//               recursively (the canonical form NOWPayments signs)
//   forms       FormEncoder (application/x-www-form-urlencoded with Stripe's bracket keys),
//               parseForm
//   URLs        percentEncode / percentDecode (RFC 3986 unreserved characters kept)
//   bytes       hexEncode / hexDecode, base64Encode / base64Decode, base64UrlEncode /
//               base64UrlDecode, constantTimeEquals
//   headers     headerValue: a header of "Name: value\r\n" text, name case-insensitive
//   amounts     decimalToMinor / minorToDecimal: decimal text <-> integer minor units, exactly
//
// Decoders never throw on bad input: they return nullopt (and a reason where one helps).
// Nothing here allocates beyond the output it returns.
#ifndef BILLWRIGHT_CODEC_HPP
#define BILLWRIGHT_CODEC_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace billwright::codec {

// ---- JSON ------------------------------------------------------------------------------------

class JsonValue {
public:
    enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
    using Array = std::vector<JsonValue>;
    using Member = std::pair<std::string, JsonValue>;
    using Object = std::vector<Member>;  // in document order; keys are unique

    JsonValue() = default;  // null

    static JsonValue null() { return JsonValue(); }
    static JsonValue boolean(bool b) { return JsonValue(Storage(std::in_place_index<1>, b)); }
    // `lexeme` must match the JSON number grammar ("-12", "0.5", "1e3"); it is kept verbatim.
    // Throws std::invalid_argument otherwise, so a writer never emits an invalid document.
    static JsonValue number(std::string lexeme) {
        if (!isNumberLexeme(lexeme)) throw std::invalid_argument("not a JSON number: " + lexeme);
        return JsonValue(Storage(std::in_place_index<2>, Number{std::move(lexeme)}));
    }
    static JsonValue integer(std::int64_t n) { return number(std::to_string(n)); }
    static JsonValue string(std::string s) {
        return JsonValue(Storage(std::in_place_index<3>, std::move(s)));
    }
    static JsonValue array() { return JsonValue(Storage(std::in_place_index<4>, Array{})); }
    static JsonValue object() { return JsonValue(Storage(std::in_place_index<5>, Object{})); }

    Type type() const { return static_cast<Type>(storage_.index()); }
    bool isNull() const { return type() == Type::kNull; }
    bool isBool() const { return type() == Type::kBool; }
    bool isNumber() const { return type() == Type::kNumber; }
    bool isString() const { return type() == Type::kString; }
    bool isArray() const { return type() == Type::kArray; }
    bool isObject() const { return type() == Type::kObject; }

    // Typed access; std::logic_error when the value is of another type (check first, or use
    // the get* accessors below).
    bool asBool() const { return std::get<1>(require(Type::kBool)); }
    const std::string& numberLexeme() const { return std::get<2>(require(Type::kNumber)).text; }
    const std::string& asString() const { return std::get<3>(require(Type::kString)); }
    const Array& items() const { return std::get<4>(require(Type::kArray)); }
    const Object& members() const { return std::get<5>(require(Type::kObject)); }
    // An integer lexeme (no fraction or exponent) that fits int64; nullopt otherwise.
    std::optional<std::int64_t> asInt64() const {
        if (!isNumber()) return std::nullopt;
        return parseInt64(numberLexeme());
    }

    // The member `key` of an object; nullptr when absent or when this is not an object.
    const JsonValue* find(std::string_view key) const {
        if (!isObject()) return nullptr;
        for (const Member& m : std::get<5>(storage_)) {
            if (m.first == key) return &m.second;
        }
        return nullptr;
    }
    // Member values of the expected type, else nullopt (absent, null or another type).
    std::optional<std::string_view> getString(std::string_view key) const {
        const JsonValue* v = find(key);
        if (v == nullptr || !v->isString()) return std::nullopt;
        return std::string_view(v->asString());
    }
    std::optional<std::int64_t> getInt64(std::string_view key) const {
        const JsonValue* v = find(key);
        return v == nullptr ? std::nullopt : v->asInt64();
    }
    std::optional<bool> getBool(std::string_view key) const {
        const JsonValue* v = find(key);
        if (v == nullptr || !v->isBool()) return std::nullopt;
        return v->asBool();
    }
    // A number member's lexeme ("12.50"), or nullopt.
    std::optional<std::string_view> getNumber(std::string_view key) const {
        const JsonValue* v = find(key);
        if (v == nullptr || !v->isNumber()) return std::nullopt;
        return std::string_view(v->numberLexeme());
    }

    // Building. push appends to an array; set replaces a member in place or appends it. Both
    // return *this and throw std::logic_error on a value of another type.
    JsonValue& push(JsonValue v) {
        std::get<4>(requireMutable(Type::kArray)).push_back(std::move(v));
        return *this;
    }
    JsonValue& set(std::string key, JsonValue v) {
        Object& members = std::get<5>(requireMutable(Type::kObject));
        for (Member& m : members) {
            if (m.first == key) {
                m.second = std::move(v);
                return *this;
            }
        }
        members.emplace_back(std::move(key), std::move(v));
        return *this;
    }

    // Structural equality; numbers compare by lexeme ("1.0" != "1"), objects in any order.
    friend bool operator==(const JsonValue& a, const JsonValue& b) {
        if (a.type() != b.type()) return false;
        if (!a.isObject()) return a.storage_ == b.storage_;
        const Object& x = std::get<5>(a.storage_);
        const Object& y = std::get<5>(b.storage_);
        if (x.size() != y.size()) return false;
        for (const Member& m : x) {
            const JsonValue* other = b.find(m.first);
            if (other == nullptr || !(*other == m.second)) return false;
        }
        return true;
    }

    // The JSON number grammar of RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    static bool isNumberLexeme(std::string_view s) {
        std::size_t i = 0;
        const auto digits = [&] {
            const std::size_t start = i;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
            return i > start;
        };
        if (i < s.size() && s[i] == '-') ++i;
        if (i < s.size() && s[i] == '0') {
            ++i;
        } else if (!digits()) {
            return false;
        }
        if (i < s.size() && s[i] == '.') {
            ++i;
            if (!digits()) return false;
        }
        if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
            ++i;
            if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
            if (!digits()) return false;
        }
        return i == s.size();
    }

    // -?[0-9]+ within int64, else nullopt.
    static std::optional<std::int64_t> parseInt64(std::string_view s) {
        const bool negative = !s.empty() && s[0] == '-';
        if (negative) s.remove_prefix(1);
        if (s.empty() || s.size() > 19) return std::nullopt;
        std::uint64_t v = 0;
        for (const char c : s) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<std::uint64_t>(c - '0');
        }
        const std::uint64_t limit =
            negative ? std::uint64_t{1} << 63 : (std::uint64_t{1} << 63) - 1;
        if (v > limit) return std::nullopt;
        if (negative) return v == limit ? INT64_MIN : -static_cast<std::int64_t>(v);
        return static_cast<std::int64_t>(v);
    }

private:
    struct Number {
        std::string text;
        bool operator==(const Number&) const = default;
    };
    using Storage = std::variant<std::monostate, bool, Number, std::string, Array, Object>;
    explicit JsonValue(Storage s) : storage_(std::move(s)) {}

    const Storage& require(Type t) const {
        if (type() != t) throw std::logic_error("JSON value is of another type");
        return storage_;
    }
    Storage& requireMutable(Type t) {
        if (type() != t) throw std::logic_error("JSON value is of another type");
        return storage_;
    }

    Storage storage_;
};

namespace detail {

class JsonParser {
public:
    JsonParser(std::string_view text, std::size_t max_depth) : s_(text), max_depth_(max_depth) {}

    std::optional<JsonValue> document(std::string* error) {
        std::optional<JsonValue> v;
        skipSpace();
        v = value(0);
        if (v) {
            skipSpace();
            if (pos_ != s_.size()) v = fail("unexpected text after the value");
        }
        if (!v && error != nullptr) {
            *error = error_ + " at byte " + std::to_string(error_at_);
        }
        return v;
    }

private:
    std::optional<JsonValue> fail(const char* why) {
        if (error_.empty()) {
            error_ = why;
            error_at_ = pos_;
        }
        return std::nullopt;
    }

    void skipSpace() {
        while (pos_ < s_.size() &&
               (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r'))
            ++pos_;
    }

    bool literal(std::string_view word) {
        if (s_.substr(pos_, word.size()) != word) return false;
        pos_ += word.size();
        return true;
    }

    std::optional<JsonValue> value(std::size_t depth) {
        if (pos_ >= s_.size()) return fail("unexpected end of input");
        const char c = s_[pos_];
        if (c == '{' || c == '[') {
            if (depth >= max_depth_) return fail("nested too deeply");
            return c == '{' ? object(depth + 1) : array(depth + 1);
        }
        if (c == '"') {
            std::optional<std::string> text = string();
            if (!text) return std::nullopt;
            return JsonValue::string(std::move(*text));
        }
        if (literal("true")) return JsonValue::boolean(true);
        if (literal("false")) return JsonValue::boolean(false);
        if (literal("null")) return JsonValue::null();
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        return fail("unexpected character");
    }

    std::optional<JsonValue> number() {
        const std::size_t start = pos_;
        while (pos_ < s_.size()) {
            const char c = s_[pos_];
            if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' ||
                  c == 'E'))
                break;
            ++pos_;
        }
        const std::string_view lexeme = s_.substr(start, pos_ - start);
        if (!JsonValue::isNumberLexeme(lexeme)) {
            pos_ = start;
            return fail("malformed number");
        }
        return JsonValue::number(std::string(lexeme));
    }

    std::optional<JsonValue> array(std::size_t depth) {
        ++pos_;  // [
        JsonValue out = JsonValue::array();
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == ']') {
            ++pos_;
            return out;
        }
        for (;;) {
            skipSpace();
            std::optional<JsonValue> item = value(depth);
            if (!item) return std::nullopt;
            out.push(std::move(*item));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == ']') {
                ++pos_;
                return out;
            }
            return fail("expected ',' or ']'");
        }
    }

    std::optional<JsonValue> object(std::size_t depth) {
        ++pos_;  // {
        JsonValue out = JsonValue::object();
        skipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
            ++pos_;
            return out;
        }
        for (;;) {
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != '"') return fail("expected a member name");
            const std::size_t key_at = pos_;
            std::optional<std::string> key = string();
            if (!key) return std::nullopt;
            if (out.find(*key) != nullptr) {
                pos_ = key_at;
                return fail("duplicate member name");
            }
            skipSpace();
            if (pos_ >= s_.size() || s_[pos_] != ':') return fail("expected ':'");
            ++pos_;
            skipSpace();
            std::optional<JsonValue> member = value(depth);
            if (!member) return std::nullopt;
            out.set(std::move(*key), std::move(*member));
            skipSpace();
            if (pos_ < s_.size() && s_[pos_] == ',') {
                ++pos_;
                continue;
            }
            if (pos_ < s_.size() && s_[pos_] == '}') {
                ++pos_;
                return out;
            }
            return fail("expected ',' or '}'");
        }
    }

    static void appendUtf8(std::string& out, std::uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::optional<std::uint32_t> hex4() {
        if (s_.size() - pos_ < 4) return std::nullopt;
        std::uint32_t v = 0;
        for (int i = 0; i < 4; ++i) {
            const char c = s_[pos_++];
            std::uint32_t d = 0;
            if (c >= '0' && c <= '9') {
                d = static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                d = static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                d = static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
            v = v * 16 + d;
        }
        return v;
    }

    // The length of the well-formed UTF-8 sequence at pos_, or 0.
    std::size_t utf8Sequence() const {
        const auto b0 = static_cast<unsigned char>(s_[pos_]);
        std::size_t len = 0;
        unsigned char lo = 0x80;
        unsigned char hi = 0xbf;
        if (b0 >= 0xc2 && b0 <= 0xdf) {
            len = 2;
        } else if (b0 >= 0xe0 && b0 <= 0xef) {
            len = 3;
            if (b0 == 0xe0) lo = 0xa0;  // no overlong forms
            if (b0 == 0xed) hi = 0x9f;  // no surrogates
        } else if (b0 >= 0xf0 && b0 <= 0xf4) {
            len = 4;
            if (b0 == 0xf0) lo = 0x90;
            if (b0 == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
        } else {
            return 0;
        }
        if (s_.size() - pos_ < len) return 0;
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s_[pos_ + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xbf)) return 0;
        }
        return len;
    }

    std::optional<std::string> string() {
        ++pos_;  // "
        std::string out;
        for (;;) {
            if (pos_ >= s_.size()) {
                fail("unterminated string");
                return std::nullopt;
            }
            const auto c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c < 0x20) {
                fail("control character in a string");
                return std::nullopt;
            }
            if (c >= 0x80) {
                const std::size_t len = utf8Sequence();
                if (len == 0) {
                    fail("invalid UTF-8");
                    return std::nullopt;
                }
                out.append(s_.substr(pos_, len));
                pos_ += len;
                continue;
            }
            if (c != '\\') {
                out += static_cast<char>(c);
                ++pos_;
                continue;
            }
            ++pos_;
            if (pos_ >= s_.size()) {
                fail("unterminated string");
                return std::nullopt;
            }
            const char e = s_[pos_++];
            switch (e) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    std::optional<std::uint32_t> cp = hex4();
                    if (!cp) {
                        fail("malformed \\u escape");
                        return std::nullopt;
                    }
                    if (*cp >= 0xdc00 && *cp <= 0xdfff) {
                        fail("lone low surrogate");
                        return std::nullopt;
                    }
                    if (*cp >= 0xd800 && *cp <= 0xdbff) {
                        if (!literal("\\u")) {
                            fail("lone high surrogate");
                            return std::nullopt;
                        }
                        const std::optional<std::uint32_t> low = hex4();
                        if (!low || *low < 0xdc00 || *low > 0xdfff) {
                            fail("lone high surrogate");
                            return std::nullopt;
                        }
                        *cp = 0x10000 + ((*cp - 0xd800) << 10) + (*low - 0xdc00);
                    }
                    appendUtf8(out, *cp);
                    break;
                }
                default:
                    --pos_;
                    fail("unknown escape");
                    return std::nullopt;
            }
        }
    }

    std::string_view s_;
    std::size_t max_depth_;
    std::size_t pos_ = 0;
    std::string error_;
    std::size_t error_at_ = 0;
};

inline void writeString(std::string& out, std::string_view s) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xf];
                } else {
                    out += ch;
                }
        }
    }
    out += '"';
}

inline void writeValue(std::string& out, const JsonValue& v, bool sorted) {
    switch (v.type()) {
        case JsonValue::Type::kNull:
            out += "null";
            return;
        case JsonValue::Type::kBool:
            out += v.asBool() ? "true" : "false";
            return;
        case JsonValue::Type::kNumber:
            out += v.numberLexeme();
            return;
        case JsonValue::Type::kString:
            writeString(out, v.asString());
            return;
        case JsonValue::Type::kArray: {
            out += '[';
            bool first = true;
            for (const JsonValue& item : v.items()) {
                if (!first) out += ',';
                first = false;
                writeValue(out, item, sorted);
            }
            out += ']';
            return;
        }
        case JsonValue::Type::kObject: {
            std::vector<const JsonValue::Member*> members;
            members.reserve(v.members().size());
            for (const JsonValue::Member& m : v.members()) members.push_back(&m);
            if (sorted) {
                // Byte order of UTF-8 is code-point order.
                std::sort(members.begin(), members.end(),
                          [](const auto* a, const auto* b) { return a->first < b->first; });
            }
            out += '{';
            bool first = true;
            for (const JsonValue::Member* m : members) {
                if (!first) out += ',';
                first = false;
                writeString(out, m->first);
                out += ':';
                writeValue(out, m->second, sorted);
            }
            out += '}';
            return;
        }
    }
}

}  // namespace detail

// Parses one JSON document (RFC 8259): objects, arrays, strings (UTF-8, \u escapes with
// surrogate pairs), numbers kept as their lexeme, true/false/null. Refuses invalid UTF-8, lone
// surrogates, control characters in strings, duplicate member names, trailing text and nesting
// deeper than `max_depth`; then returns nullopt and, when `error` is given, the reason and the
// byte offset.
inline std::optional<JsonValue> parseJson(std::string_view text, std::string* error = nullptr,
                                          std::size_t max_depth = 64) {
    return detail::JsonParser(text, max_depth).document(error);
}

enum class KeyOrder {
    kAsIs,    // members in document (insertion) order
    kSorted,  // members sorted by key, recursively, by UTF-8 bytes (= code points)
};

// Compact JSON (no whitespace): numbers as their lexemes, non-ASCII and '/' unescaped, '"', '\'
// and control characters escaped (\b \f \n \r \t, else \u00xx) — what JavaScript's
// JSON.stringify produces for the same values. With KeyOrder::kSorted this is the canonical form
// NOWPayments signs (JSON.stringify of the recursively key-sorted body).
inline std::string writeJson(const JsonValue& value, KeyOrder order = KeyOrder::kAsIs) {
    std::string out;
    detail::writeValue(out, value, order == KeyOrder::kSorted);
    return out;
}

// ---- URL and form encoding ---------------------------------------------------------------------

namespace detail {
inline bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}
inline void percent(std::string& out, unsigned char c) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    out += '%';
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
}
inline int hexDigit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
// Form encoding of one key or value: space as '+', unreserved kept, '[' ']' kept in keys.
inline void formEncode(std::string& out, std::string_view s, bool key) {
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (key && (c == '[' || c == ']'))) {
            out += ch;
        } else if (c == ' ') {
            out += '+';
        } else {
            percent(out, c);
        }
    }
}
inline std::optional<std::string> decodePercent(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (s.size() - i < 3) return std::nullopt;
            const int hi = hexDigit(s[i + 1]);
            const int lo = hexDigit(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (s[i] == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += s[i];
        }
    }
    return out;
}
}  // namespace detail

// RFC 3986 percent-encoding for a path segment or a query value: A-Z a-z 0-9 - . _ ~ stay,
// every other byte becomes %XX (upper-case hex; a space is %20).
inline std::string percentEncode(std::string_view s) {
    std::string out;
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (detail::unreserved(c)) {
            out += ch;
        } else {
            detail::percent(out, c);
        }
    }
    return out;
}

// Decodes %XX escapes ('+' stays '+'); nullopt for a truncated or non-hex escape.
inline std::optional<std::string> percentDecode(std::string_view s) {
    return detail::decodePercent(s, false);
}

// An application/x-www-form-urlencoded body as Stripe reads it: pairs joined with '&', a space
// as '+', unreserved characters kept, everything else %XX; in keys the brackets of nested names
// stay literal (metadata[invoice_id]=inv_42, payment_method_types[0]=card).
class FormEncoder {
public:
    FormEncoder& add(std::string_view key, std::string_view value) {
        if (!body_.empty()) body_ += '&';
        detail::formEncode(body_, key, true);
        body_ += '=';
        detail::formEncode(body_, value, false);
        return *this;
    }
    FormEncoder& add(std::string_view key, const char* value) {
        return add(key, std::string_view(value));
    }
    // Integers as decimal text, booleans as true / false.
    template <class Int>
    requires std::is_integral_v<Int> FormEncoder& add(std::string_view key, Int value) {
        if constexpr (std::is_same_v<Int, bool>) {
            return add(key, std::string_view(value ? "true" : "false"));
        } else {
            return add(key, std::string_view(std::to_string(value)));
        }
    }
    // A nested key: addNested({"metadata", "invoice_id"}, v) adds metadata[invoice_id]=v.
    FormEncoder& addNested(std::initializer_list<std::string_view> path, std::string_view value) {
        return add(nestedKey(path), value);
    }

    // {"a", "b", "c"} -> "a[b][c]"; an index is given as its decimal text ("0").
    static std::string nestedKey(std::initializer_list<std::string_view> path) {
        std::string key;
        bool first = true;
        for (std::string_view part : path) {
            if (first) {
                key.append(part);
            } else {
                key += '[';
                key.append(part);
                key += ']';
            }
            first = false;
        }
        return key;
    }

    const std::string& str() const { return body_; }
    bool empty() const { return body_.empty(); }

private:
    std::string body_;
};

// The pairs of a form body in order ('+' is a space, %XX decoded, %5B/%5D and literal brackets
// alike); nullopt for a malformed escape. A pair without '=' has an empty value.
inline std::optional<std::vector<std::pair<std::string, std::string>>> parseForm(
    std::string_view body) {
    std::vector<std::pair<std::string, std::string>> out;
    std::size_t pos = 0;
    while (pos <= body.size() && !body.empty()) {
        std::size_t amp = body.find('&', pos);
        if (amp == std::string_view::npos) amp = body.size();
        const std::string_view pair = body.substr(pos, amp - pos);
        if (!pair.empty()) {
            const std::size_t eq = pair.find('=');
            auto key = detail::decodePercent(pair.substr(0, eq), true);
            auto value = detail::decodePercent(
                eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
            if (!key || !value) return std::nullopt;
            out.emplace_back(std::move(*key), std::move(*value));
        }
        pos = amp + 1;
    }
    return out;
}

// ---- Bytes
// ---------------------------------------------------------------------------------------

// Lower-case hex of raw bytes.
inline std::string hexEncode(std::string_view bytes) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (const char ch : bytes) {
        const auto c = static_cast<unsigned char>(ch);
        out += kHex[c >> 4];
        out += kHex[c & 0xf];
    }
    return out;
}

// Raw bytes of hex text (either case); nullopt for an odd length or a non-hex character.
inline std::optional<std::string> hexDecode(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (std::size_t i = 0; i < text.size(); i += 2) {
        const int hi = detail::hexDigit(text[i]);
        const int lo = detail::hexDigit(text[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
    }
    return out;
}

namespace detail {
inline constexpr char kBase64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
inline constexpr char kBase64Url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

inline std::string base64Encode(std::string_view bytes, const char* alphabet, bool pad) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto at = [&](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[k]));
    };
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8) | at(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        const std::uint32_t v = at(i) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (pad) out += "==";
    } else if (rest == 2) {
        const std::uint32_t v = (at(i) << 16) | (at(i + 1) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        if (pad) out += '=';
    }
    return out;
}

// Strict: only the alphabet, '=' only as the padding that completes the last group, and the
// unused bits of the last character zero (so every input has one encoding).
inline std::optional<std::string> base64Decode(std::string_view text, const char* alphabet) {
    std::size_t pad = 0;
    while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
    if (pad > 0 && text.size() % 4 != 0) return std::nullopt;
    text.remove_suffix(pad);
    if (text.size() % 4 == 1) return std::nullopt;
    std::string out;
    out.reserve(text.size() * 3 / 4);
    std::uint32_t acc = 0;
    int bits = 0;
    for (const char c : text) {
        const char* p = nullptr;
        for (const char* a = alphabet; *a != '\0'; ++a) {
            if (*a == c) {
                p = a;
                break;
            }
        }
        if (p == nullptr) return std::nullopt;
        acc = (acc << 6) | static_cast<std::uint32_t>(p - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
    return out;
}
}  // namespace detail

// Standard base64 (RFC 4648 section 4) with padding, e.g. for HTTP Basic credentials.
inline std::string base64Encode(std::string_view bytes) {
    return detail::base64Encode(bytes, detail::kBase64, true);
}
inline std::optional<std::string> base64Decode(std::string_view text) {
    return detail::base64Decode(text, detail::kBase64);
}
// base64url (RFC 4648 section 5) without padding, as JWS and JWK use it. The decoder also
// accepts correct padding.
inline std::string base64UrlEncode(std::string_view bytes) {
    return detail::base64Encode(bytes, detail::kBase64Url, false);
}
inline std::optional<std::string> base64UrlDecode(std::string_view text) {
    return detail::base64Decode(text, detail::kBase64Url);
}

// Compares two secrets (signatures, digests) in time that depends on their lengths only.
inline bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    volatile unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = static_cast<unsigned char>(
            diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
    }
    return diff == 0;
}

// ---- Headers -----------------------------------------------------------------------------------

// The value of the first header `name` (compared case-insensitively) in "Name: value\r\n" lines
// (a bare "\n" also ends a line), without the spaces and tabs around it; nullopt when absent.
inline std::optional<std::string_view> headerValue(std::string_view headers,
                                                   std::string_view name) {
    const auto lower = [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    std::size_t pos = 0;
    while (pos < headers.size()) {
        std::size_t eol = headers.find('\n', pos);
        if (eol == std::string_view::npos) eol = headers.size();
        std::string_view line = headers.substr(pos, eol - pos);
        pos = eol + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < colon && same; ++i) same = lower(line[i]) == lower(name[i]);
        if (!same) continue;
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
            value.remove_prefix(1);
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
            value.remove_suffix(1);
        return value;
    }
    return std::nullopt;
}

// ---- Amounts ---------------------------------------------------------------------------------

// Exact integer minor units of decimal text with at most `exponent` fraction digits
// ("39.5" with exponent 2 is 3950; "-1" is -100); more fraction digits are accepted only when
// the extra ones are zeros. No exponent notation, no '+', no spaces. nullopt when the text is
// not such a decimal or the result does not fit int64. A JSON number lexeme (getNumber) works.
inline std::optional<std::int64_t> decimalToMinor(std::string_view text, int exponent) {
    if (exponent < 0 || exponent > 18) return std::nullopt;
    const bool negative = !text.empty() && text[0] == '-';
    if (negative) text.remove_prefix(1);
    const std::size_t dot = text.find('.');
    std::string_view whole = text.substr(0, dot);
    std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && fraction.empty())) return std::nullopt;
    const auto all_digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!all_digits(whole) || !all_digits(fraction)) return std::nullopt;
    const auto cut = static_cast<std::size_t>(exponent);
    if (fraction.size() > cut) {
        const std::string_view extra = fraction.substr(cut);
        if (!std::all_of(extra.begin(), extra.end(), [](char c) { return c == '0'; }))
            return std::nullopt;
        fraction = fraction.substr(0, cut);
    }
    std::uint64_t v = 0;
    constexpr std::uint64_t kMax = std::uint64_t{1} << 63;  // |INT64_MIN|
    const auto push = [&](char c) {
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (kMax - d) / 10) return false;
        v = v * 10 + d;
        return true;
    };
    for (const char c : whole) {
        if (!push(c)) return std::nullopt;
    }
    for (std::size_t i = 0; i < cut; ++i) {
        if (!push(i < fraction.size() ? fraction[i] : '0')) return std::nullopt;
    }
    if (negative) return v == kMax ? INT64_MIN : -static_cast<std::int64_t>(v);
    if (v == kMax) return std::nullopt;
    return static_cast<std::int64_t>(v);
}

// Decimal text of minor units: 3950 with exponent 2 is "39.50"; -5 is "-0.05".
inline std::string minorToDecimal(std::int64_t minor, int exponent) {
    const bool negative = minor < 0;
    std::uint64_t v =
        negative ? 0 - static_cast<std::uint64_t>(minor) : static_cast<std::uint64_t>(minor);
    std::string digits = std::to_string(v);
    const auto e = static_cast<std::size_t>(exponent < 0 ? 0 : exponent);
    if (digits.size() <= e) digits.insert(0, e + 1 - digits.size(), '0');
    if (e > 0) digits.insert(digits.size() - e, 1, '.');
    return negative ? "-" + digits : digits;
}

}  // namespace billwright::codec

#endif  // BILLWRIGHT_CODEC_HPP
