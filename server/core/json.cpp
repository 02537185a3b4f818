#include "core/json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <unordered_set>

#include "core/utf8.h"

namespace billwright::core {
namespace {

struct NumberScan {
    bool ok = false;
    std::size_t end = 0;             // one past the literal, when ok
    std::size_t problem_offset = 0;  // when !ok
    const char* problem = nullptr;
};

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// RFC 8259: -? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?
NumberScan scanNumber(std::string_view text, std::size_t pos) {
    const auto digitAt = [&](std::size_t i) { return i < text.size() && isDigit(text[i]); };
    const auto failAt = [](std::size_t offset, const char* problem) {
        return NumberScan{false, 0, offset, problem};
    };
    if (pos < text.size() && text[pos] == '-') ++pos;
    if (!digitAt(pos)) return failAt(pos, "expected a digit");
    if (text[pos] == '0') {
        ++pos;
        if (digitAt(pos)) return failAt(pos, "leading zeros are not allowed");
    } else {
        while (digitAt(pos)) ++pos;
    }
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        if (!digitAt(pos)) return failAt(pos, "expected a digit after '.'");
        while (digitAt(pos)) ++pos;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
        if (!digitAt(pos)) return failAt(pos, "expected a digit in the exponent");
        while (digitAt(pos)) ++pos;
    }
    return NumberScan{true, pos, 0, nullptr};
}

unsigned char byteAt(std::string_view text, std::size_t i) {
    return static_cast<unsigned char>(text[i]);
}

// Error details end up in responses and logs, so raw input bytes are never echoed verbatim.
std::string describeByte(char c) {
    const auto b = static_cast<unsigned char>(c);
    char buf[16];
    if (b > 0x20 && b < 0x7F) {
        std::snprintf(buf, sizeof buf, "'%c'", c);
    } else {
        std::snprintf(buf, sizeof buf, "byte 0x%02X", static_cast<unsigned>(b));
    }
    return buf;
}

std::string quotedKeyForMessage(std::string_view key) {
    constexpr std::size_t kMaxKeyBytes = 64;
    std::string out;
    if (key.size() <= kMaxKeyBytes) {
        appendJsonString(out, key);
        return out;
    }
    std::size_t cut = kMaxKeyBytes;
    // Do not split a UTF-8 sequence.
    while (cut > 0 && (byteAt(key, cut) & 0xC0) == 0x80) --cut;
    appendJsonString(out, key.substr(0, cut));
    out += "...";
    return out;
}

void writeJson(std::string& out, const JsonValue& v) {
    switch (v.type()) {
        case JsonValue::Type::kNull:
            out += "null";
            return;
        case JsonValue::Type::kBool:
            out += v.asBool() ? "true" : "false";
            return;
        case JsonValue::Type::kNumber:
            out += v.numberText();
            return;
        case JsonValue::Type::kString:
            appendJsonString(out, v.asString());
            return;
        case JsonValue::Type::kArray: {
            out.push_back('[');
            bool first = true;
            for (const JsonValue& item : v.items()) {
                if (!first) out.push_back(',');
                first = false;
                writeJson(out, item);
            }
            out.push_back(']');
            return;
        }
        case JsonValue::Type::kObject: {
            out.push_back('{');
            bool first = true;
            for (const auto& [key, value] : v.members()) {
                if (!first) out.push_back(',');
                first = false;
                appendJsonString(out, key);
                out.push_back(':');
                writeJson(out, value);
            }
            out.push_back('}');
            return;
        }
    }
}

}  // namespace

// Iterative, with an explicit stack of open containers, so hostile nesting cannot exhaust
// the call stack; max_depth bounds the heap used by that stack and the depth of the tree.
class JsonParser {
public:
    JsonParser(std::string_view text, JsonParseOptions options) : text_(text), options_(options) {}

    Result<JsonValue> run() {
        JsonValue value;
        while (true) {
            // Here a value must start.
            skipWhitespace();
            if (atEnd()) return failure(pos_, "unexpected end of input");
            const char c = text_[pos_];
            if (c == '[' || c == '{') {
                if (stack_.size() >= options_.max_depth) {
                    return failure(pos_, "nesting deeper than " +
                                             std::to_string(options_.max_depth) + " levels");
                }
                ++pos_;
                stack_.push_back(
                    Frame{c == '[' ? JsonValue::array() : JsonValue::object(), {}, {}});
                skipWhitespace();
                if (!atEnd() && text_[pos_] == closerOf(stack_.back())) {
                    ++pos_;
                    value = std::move(stack_.back().container);
                    stack_.pop_back();
                } else {
                    if (c == '{' && !parseKey()) return std::move(error_);
                    continue;
                }
            } else if (!parseScalar(value)) {
                return std::move(error_);
            }

            // `value` is complete: attach it to the innermost open container, and keep going
            // while containers close.
            while (true) {
                if (stack_.empty()) {
                    skipWhitespace();
                    if (!atEnd()) return failure(pos_, "unexpected data after the value");
                    return value;
                }
                Frame& top = stack_.back();
                const bool in_array = top.container.isArray();
                if (in_array) {
                    std::get<JsonValue::Array>(top.container.storage_).push_back(std::move(value));
                } else {
                    std::get<JsonValue::Object>(top.container.storage_)
                        .emplace_back(std::move(top.key), std::move(value));
                }
                skipWhitespace();
                if (atEnd()) return failure(pos_, "unexpected end of input");
                const char next = text_[pos_];
                if (next == ',') {
                    ++pos_;
                    if (!in_array && !parseKey()) return std::move(error_);
                    break;
                }
                if (next == closerOf(top)) {
                    ++pos_;
                    value = std::move(top.container);
                    stack_.pop_back();
                    continue;
                }
                return failure(pos_, in_array ? "expected ',' or ']'" : "expected ',' or '}'");
            }
        }
    }

private:
    struct Frame {
        JsonValue container;  // an array or an object
        std::string key;      // objects: the key whose value is being parsed
        // Objects: filled once the object is large enough that a linear scan for duplicate
        // keys would make parsing quadratic.
        std::unordered_set<std::string> keys;
    };

    static constexpr std::size_t kLinearKeyScanLimit = 16;

    static char closerOf(const Frame& frame) { return frame.container.isArray() ? ']' : '}'; }

    bool atEnd() const { return pos_ >= text_.size(); }

    void skipWhitespace() {
        while (!atEnd()) {
            const char c = text_[pos_];
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
            ++pos_;
        }
    }

    static Error makeError(std::size_t offset, std::string_view problem) {
        std::string detail = "malformed JSON at offset " + std::to_string(offset) + ": ";
        detail += problem;
        return Error{ErrorCode::kMalformedRequest, std::move(detail), {}};
    }

    Error failure(std::size_t offset, std::string_view problem) const {
        return makeError(offset, problem);
    }

    bool fail(std::size_t offset, std::string_view problem) {
        error_ = makeError(offset, problem);
        return false;
    }

    // Parses `"key" :` into the innermost frame, which is an object.
    bool parseKey() {
        skipWhitespace();
        if (atEnd()) return fail(pos_, "unexpected end of input");
        if (text_[pos_] != '"') return fail(pos_, "expected a string key");
        const std::size_t key_offset = pos_;
        Frame& frame = stack_.back();
        if (!parseString(frame.key)) return false;
        if (isDuplicateKey(frame)) {
            return fail(key_offset, "duplicate key " + quotedKeyForMessage(frame.key));
        }
        skipWhitespace();
        if (atEnd()) return fail(pos_, "unexpected end of input");
        if (text_[pos_] != ':') return fail(pos_, "expected ':'");
        ++pos_;
        return true;
    }

    static bool isDuplicateKey(Frame& frame) {
        const auto& members = std::get<JsonValue::Object>(frame.container.storage_);
        if (members.size() < kLinearKeyScanLimit) {
            for (const auto& member : members) {
                if (member.first == frame.key) return true;
            }
            return false;
        }
        if (frame.keys.empty()) {
            for (const auto& member : members) frame.keys.insert(member.first);
        }
        return !frame.keys.insert(frame.key).second;
    }

    bool parseScalar(JsonValue& out) {
        const char c = text_[pos_];
        if (c == '"') {
            std::string s;
            if (!parseString(s)) return false;
            out = JsonValue::string(std::move(s));
            return true;
        }
        if (c == '-' || isDigit(c)) {
            const NumberScan scan = scanNumber(text_, pos_);
            if (!scan.ok) {
                return fail(scan.problem_offset, scan.problem_offset < text_.size()
                                                     ? scan.problem
                                                     : "unexpected end of input");
            }
            out = JsonValue(JsonValue::Storage{
                std::in_place_type<JsonValue::NumberText>,
                JsonValue::NumberText{std::string(text_.substr(pos_, scan.end - pos_))}});
            pos_ = scan.end;
            return true;
        }
        if (c == 't' || c == 'f' || c == 'n') {
            const std::string_view word = c == 't' ? "true" : c == 'f' ? "false" : "null";
            if (text_.substr(pos_, word.size()) != word) return fail(pos_, "invalid literal");
            pos_ += word.size();
            out = c == 'n' ? JsonValue::null() : JsonValue::boolean(c == 't');
            return true;
        }
        return fail(pos_, "expected a value, found " + describeByte(c));
    }

    // pos_ is at the opening quote.
    bool parseString(std::string& out) {
        out.clear();
        ++pos_;
        while (true) {
            const std::size_t run_start = pos_;
            while (!atEnd()) {
                const unsigned char c = byteAt(text_, pos_);
                if (c == '"' || c == '\\' || c < 0x20) break;
                if (c < 0x80) {
                    ++pos_;
                    continue;
                }
                const std::size_t length = utf8SequenceLength(text_, pos_);
                if (length == 0) break;
                pos_ += length;
            }
            out.append(text_.substr(run_start, pos_ - run_start));
            if (atEnd()) return fail(pos_, "unterminated string");
            const unsigned char c = byteAt(text_, pos_);
            if (c == '"') {
                ++pos_;
                return true;
            }
            if (c == '\\') {
                if (!parseEscape(out)) return false;
                continue;
            }
            if (c < 0x20) return fail(pos_, "control character in string");
            return fail(pos_, "invalid UTF-8");
        }
    }

    // pos_ is at the backslash.
    bool parseEscape(std::string& out) {
        const std::size_t escape_offset = pos_;
        if (pos_ + 1 >= text_.size()) return fail(pos_ + 1, "unterminated string");
        const char e = text_[pos_ + 1];
        pos_ += 2;
        switch (e) {
            case '"':
                out.push_back('"');
                return true;
            case '\\':
                out.push_back('\\');
                return true;
            case '/':
                out.push_back('/');
                return true;
            case 'b':
                out.push_back('\b');
                return true;
            case 'f':
                out.push_back('\f');
                return true;
            case 'n':
                out.push_back('\n');
                return true;
            case 'r':
                out.push_back('\r');
                return true;
            case 't':
                out.push_back('\t');
                return true;
            case 'u':
                break;
            default:
                return fail(pos_ - 1, "invalid escape " + describeByte(e));
        }
        std::uint32_t cp = 0;
        if (!parseHex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(escape_offset, "unpaired surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (text_.substr(pos_, 2) != "\\u") return fail(escape_offset, "unpaired surrogate");
            pos_ += 2;
            std::uint32_t low = 0;
            if (!parseHex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail(escape_offset, "unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, cp);
        return true;
    }

    // pos_ is just after "\u".
    bool parseHex4(std::uint32_t& out) {
        out = 0;
        for (int i = 0; i < 4; ++i) {
            if (atEnd()) return fail(pos_, "unterminated string");
            const int digit = hexDigitValue(text_[pos_]);
            if (digit < 0) return fail(pos_, "expected four hex digits after \\u");
            out = out * 16 + static_cast<std::uint32_t>(digit);
            ++pos_;
        }
        return true;
    }

    std::string_view text_;
    JsonParseOptions options_;
    std::size_t pos_ = 0;
    std::vector<Frame> stack_;
    Error error_;
};

JsonValue JsonValue::null() { return JsonValue(); }

JsonValue JsonValue::boolean(bool b) { return JsonValue(Storage{std::in_place_type<bool>, b}); }

JsonValue JsonValue::number(std::int64_t n) {
    return JsonValue(Storage{std::in_place_type<NumberText>, NumberText{std::to_string(n)}});
}

JsonValue JsonValue::numberLiteral(std::string literal) {
    const NumberScan scan = scanNumber(literal, 0);
    if (!scan.ok || scan.end != literal.size()) {
        throw std::logic_error("JsonValue::numberLiteral: not a JSON number: \"" + literal + "\"");
    }
    return JsonValue(Storage{std::in_place_type<NumberText>, NumberText{std::move(literal)}});
}

JsonValue JsonValue::string(std::string s) {
    return JsonValue(Storage{std::in_place_type<std::string>, std::move(s)});
}

JsonValue JsonValue::array() { return JsonValue(Storage{std::in_place_type<Array>}); }

JsonValue JsonValue::object() {
    // Room for the members of most objects built with set(): growing one member at a time moved
    // every member at each doubling (a sixth of rendering an invoice).
    Object members;
    members.reserve(16);
    return JsonValue(Storage{std::in_place_type<Object>, std::move(members)});
}

void JsonValue::require(Type expected, const char* operation) const {
    if (type() == expected) return;
    std::string message = "JsonValue::";
    message += operation;
    message += " requires ";
    message += jsonTypeName(expected);
    message += ", the value is ";
    message += jsonTypeName(type());
    throw std::logic_error(message);
}

bool JsonValue::asBool() const {
    require(Type::kBool, "asBool");
    return std::get<bool>(storage_);
}

const std::string& JsonValue::asString() const {
    require(Type::kString, "asString");
    return std::get<std::string>(storage_);
}

const std::string& JsonValue::numberText() const {
    require(Type::kNumber, "numberText");
    return std::get<NumberText>(storage_).text;
}

std::optional<std::int64_t> JsonValue::asInt64() const {
    if (!isNumber()) return std::nullopt;
    const std::string& text = std::get<NumberText>(storage_).text;
    if (text.find_first_of(".eE") != std::string::npos) return std::nullopt;
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

const std::vector<JsonValue>& JsonValue::items() const {
    require(Type::kArray, "items");
    return std::get<Array>(storage_);
}

JsonValue& JsonValue::push(JsonValue v) {
    require(Type::kArray, "push");
    std::get<Array>(storage_).push_back(std::move(v));
    return *this;
}

const std::vector<std::pair<std::string, JsonValue>>& JsonValue::members() const {
    require(Type::kObject, "members");
    return std::get<Object>(storage_);
}

const JsonValue* JsonValue::find(std::string_view key) const {
    const Object* members = std::get_if<Object>(&storage_);
    if (members == nullptr) return nullptr;
    for (const auto& member : *members) {
        if (member.first == key) return &member.second;
    }
    return nullptr;
}

JsonValue& JsonValue::set(std::string key, JsonValue v) {
    require(Type::kObject, "set");
    Object& members = std::get<Object>(storage_);
    for (auto& member : members) {
        if (member.first == key) {
            member.second = std::move(v);
            return *this;
        }
    }
    members.emplace_back(std::move(key), std::move(v));
    return *this;
}

bool JsonValue::operator==(const JsonValue& other) const {
    if (type() != other.type()) return false;
    switch (type()) {
        case Type::kNull:
            return true;
        case Type::kBool:
            return std::get<bool>(storage_) == std::get<bool>(other.storage_);
        case Type::kNumber:
            return std::get<NumberText>(storage_).text == std::get<NumberText>(other.storage_).text;
        case Type::kString:
            return std::get<std::string>(storage_) == std::get<std::string>(other.storage_);
        case Type::kArray:
            return std::get<Array>(storage_) == std::get<Array>(other.storage_);
        case Type::kObject: {
            const Object& mine = std::get<Object>(storage_);
            const Object& theirs = std::get<Object>(other.storage_);
            if (mine.size() != theirs.size()) return false;
            // Keys are unique on both sides, so equal sizes plus "every key of mine is in
            // theirs with an equal value" is equality. Same order is the common case.
            for (std::size_t i = 0; i < mine.size(); ++i) {
                const JsonValue* counterpart = mine[i].first == theirs[i].first
                                                   ? &theirs[i].second
                                                   : other.find(mine[i].first);
                if (counterpart == nullptr || !(mine[i].second == *counterpart)) return false;
            }
            return true;
        }
    }
    return false;
}

std::string_view jsonTypeName(JsonValue::Type t) {
    switch (t) {
        case JsonValue::Type::kNull:
            return "null";
        case JsonValue::Type::kBool:
            return "boolean";
        case JsonValue::Type::kNumber:
            return "number";
        case JsonValue::Type::kString:
            return "string";
        case JsonValue::Type::kArray:
            return "array";
        case JsonValue::Type::kObject:
            return "object";
    }
    return "unknown";
}

Result<JsonValue> parseJson(std::string_view text, JsonParseOptions options) {
    return JsonParser(text, options).run();
}

std::string toJson(const JsonValue& v) {
    std::string out;
    out.reserve(1024);  // most answers fit; growing from 15 bytes cost a copy every doubling
    writeJson(out, v);
    return out;
}

namespace {

// Bytes appendJsonString must look at: '"', '\\' and control characters are escaped; 0xE2 may
// start U+2028 or U+2029, which are escaped too (JavaScript string literals cannot hold them).
// Everything else is copied in runs.
constexpr std::array<bool, 256> kJsonStringSpecial = [] {
    std::array<bool, 256> special{};
    for (int c = 0; c < 0x20; ++c) special[static_cast<std::size_t>(c)] = true;
    special['"'] = true;
    special['\\'] = true;
    special[0xE2] = true;
    return special;
}();

}  // namespace

void appendJsonString(std::string& out, std::string_view s) {
    constexpr std::string_view kHex = "0123456789abcdef";
    std::size_t i = 0;
    while (i < s.size() && !kJsonStringSpecial[byteAt(s, i)]) ++i;
    if (i == s.size()) {  // nothing to escape (nearly every string): one copy
        const std::size_t at = out.size();
        out.resize(at + s.size() + 2);
        out[at] = '"';
        if (!s.empty()) std::memcpy(out.data() + at + 1, s.data(), s.size());
        out[at + s.size() + 1] = '"';
        return;
    }
    out.push_back('"');
    std::size_t run_start = 0;
    while (i < s.size()) {
        const unsigned char c = byteAt(s, i);
        if (!kJsonStringSpecial[c]) {
            ++i;
            continue;
        }
        std::string_view escape;
        char control[6] = {'\\', 'u', '0', '0', '0', '0'};
        std::size_t consumed = 1;
        if (c == '"') {
            escape = "\\\"";
        } else if (c == '\\') {
            escape = "\\\\";
        } else if (c == '\b') {
            escape = "\\b";
        } else if (c == '\f') {
            escape = "\\f";
        } else if (c == '\n') {
            escape = "\\n";
        } else if (c == '\r') {
            escape = "\\r";
        } else if (c == '\t') {
            escape = "\\t";
        } else if (c < 0x20) {
            control[4] = kHex[c >> 4];
            control[5] = kHex[c & 0xF];
            escape = std::string_view(control, sizeof control);
        } else if (s.size() - i >= 3 && byteAt(s, i + 1) == 0x80 &&
                   (byteAt(s, i + 2) == 0xA8 || byteAt(s, i + 2) == 0xA9)) {
            escape = byteAt(s, i + 2) == 0xA8 ? "\\u2028" : "\\u2029";
            consumed = 3;
        } else {
            ++i;  // another character starting with 0xE2
            continue;
        }
        out.append(s.substr(run_start, i - run_start));
        out += escape;
        i += consumed;
        run_start = i;
    }
    out.append(s.substr(run_start));
    out.push_back('"');
}

void JsonWriter::grow(std::size_t n) { buffer_.resize(std::max(buffer_.size() * 2, at_ + n)); }

JsonWriter& JsonWriter::key(std::string_view name) {
    if (comma_) put(',');
    std::string quoted;
    appendJsonString(quoted, name);
    put(quoted);
    put(':');
    comma_ = false;  // the member's value comes next, without a comma
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
    beforeValue();
    std::size_t i = 0;
    while (i < s.size() && !kJsonStringSpecial[byteAt(s, i)]) ++i;
    if (i == s.size()) {  // nothing to escape (nearly every string)
        char* at = room(s.size() + 2);
        at[0] = '"';
        if (!s.empty()) std::memcpy(at + 1, s.data(), s.size());
        at[s.size() + 1] = '"';
        at_ += s.size() + 2;
        return *this;
    }
    std::string quoted;
    appendJsonString(quoted, s);
    put(quoted);
    return *this;
}

JsonWriter& JsonWriter::number(std::int64_t n) {
    beforeValue();
    constexpr std::size_t kMaxDigits = 20;  // "-9223372036854775808"
    char* at = room(kMaxDigits);
    at_ += static_cast<std::size_t>(std::to_chars(at, at + kMaxDigits, n).ptr - at);
    return *this;
}

JsonWriter& JsonWriter::value(const JsonValue& v) {
    beforeValue();
    std::string text;
    writeJson(text, v);
    put(text);
    return *this;
}

}  // namespace billwright::core
