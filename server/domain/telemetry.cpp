#include "domain/telemetry.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/csv.h"
#include "core/date.h"
#include "core/utf8.h"
#include "domain/decimal.h"

namespace billwright::domain {
namespace {

// 2000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: anything outside is a unit mix-up
// (milliseconds) or garbage, never a real reading.
constexpr std::int64_t kMinTimestamp = 946684800;
constexpr std::int64_t kMaxTimestamp = 253402300799;
constexpr int kValueDecimals = 3;

enum FieldId : std::size_t { kKind, kEquipmentId, kPduPort, kTs, kValue, kFieldCount };
constexpr std::array<std::string_view, kFieldCount> kFieldNames = {"kind", "equipment_id",
                                                                   "pdu_port", "ts", "value"};

int fieldId(std::string_view name) {
    for (std::size_t i = 0; i < kFieldCount; ++i) {
        if (kFieldNames[i] == name) return static_cast<int>(i);
    }
    return -1;
}

enum class ValueType { kAbsent, kString, kNumber, kBool };

// One field of a row as read from either format. `text` is the decoded string or the number's
// literal text; it points into the body, into `scratch`, or into the CSV reader's fields.
struct FieldValue {
    ValueType type = ValueType::kAbsent;
    std::string_view text;
    bool seen = false;       // the key occurred (even as null), for duplicate detection
    bool duplicate = false;  // already reported; the field is not checked further
    std::string scratch;

    void reset() {
        type = ValueType::kAbsent;
        text = {};
        seen = false;
        duplicate = false;
    }
    // An empty string counts as absent, like an empty CSV cell.
    bool present() const { return type != ValueType::kAbsent && !text.empty(); }
};

using Fields = std::array<FieldValue, kFieldCount>;

void addError(std::vector<TelemetryRowError>& errors, std::size_t line, std::string_view field,
              std::string_view code, std::string_view message) {
    errors.push_back(
        TelemetryRowError{line, std::string(field), std::string(code), std::string(message)});
}

bool parseKind(std::string_view text, SampleKind& out) {
    if (text == "energy") {
        out = SampleKind::kEnergy;
    } else if (text == "power") {
        out = SampleKind::kPower;
    } else if (text == "hashrate") {
        out = SampleKind::kHashrate;
    } else if (text == "status") {
        out = SampleKind::kStatus;
    } else {
        return false;
    }
    return true;
}

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Plain digits as Unix seconds; false for anything else or a value past kMaxTimestamp.
bool parseUnixSeconds(std::string_view text, std::int64_t& out) {
    if (text.empty()) return false;
    std::int64_t value = 0;
    for (const char c : text) {
        if (!isDigit(c)) return false;
        value = value * 10 + (c - '0');
        if (value > kMaxTimestamp) return false;
    }
    out = value;
    return true;
}

bool parseTs(const FieldValue& field, std::int64_t& out) {
    std::int64_t ts = 0;
    if (!parseUnixSeconds(field.text, ts)) {
        // A JSON number that is not plain digits (negative, fraction, exponent) is refused.
        if (field.type != ValueType::kString) return false;
        const auto parsed = core::parseTimestamp(field.text);
        if (!parsed) return false;
        ts = parsed->time_since_epoch().count();
    }
    if (ts < kMinTimestamp || ts > kMaxTimestamp) return false;
    out = ts;
    return true;
}

struct ValidRow {
    SampleKind kind = SampleKind::kEnergy;
    std::int64_t ts = 0;
    std::int64_t value = 0;
};

// Checks every field of one row, adding one error per bad field. True when all are good.
bool validateRow(std::size_t line, const Fields& fields, ValidRow& out,
                 std::vector<TelemetryRowError>& errors) {
    const std::size_t mark = errors.size();

    const FieldValue& kind = fields[kKind];
    bool kind_known = false;
    if (!kind.duplicate) {
        if (!kind.present()) {
            addError(errors, line, "kind", "required", "is required");
        } else if (kind.type != ValueType::kString) {
            addError(errors, line, "kind", "wrong_type", "must be a string");
        } else if (!parseKind(kind.text, out.kind)) {
            addError(errors, line, "kind", "invalid_enum",
                     "must be one of energy, power, hashrate, status");
        } else {
            kind_known = true;
        }
    }

    const FieldValue& equipment = fields[kEquipmentId];
    const FieldValue& port = fields[kPduPort];
    bool ids_typed = true;
    for (const FieldId id : {kEquipmentId, kPduPort}) {
        const FieldValue& f = fields[id];
        if (!f.duplicate && f.present() && f.type != ValueType::kString) {
            addError(errors, line, kFieldNames[id], "wrong_type", "must be a string");
            ids_typed = false;
        }
    }
    if (ids_typed && !equipment.duplicate && !port.duplicate) {
        if (!equipment.present() && !port.present()) {
            addError(errors, line, "equipment_id", "required",
                     "one of equipment_id or pdu_port is required");
        } else if (equipment.present() && port.present()) {
            addError(errors, line, "equipment_id", "ambiguous_equipment",
                     "give equipment_id or pdu_port, not both");
        }
    }

    const FieldValue& ts = fields[kTs];
    if (!ts.duplicate) {
        if (!ts.present()) {
            addError(errors, line, "ts", "required", "is required");
        } else if (ts.type == ValueType::kBool) {
            addError(errors, line, "ts", "wrong_type", "must be a string or a number");
        } else if (!parseTs(ts, out.ts)) {
            addError(errors, line, "ts", "invalid_timestamp",
                     "must be an RFC 3339 timestamp or integer Unix seconds, "
                     "from 2000-01-01 to 9999-12-31");
        }
    }

    const FieldValue& value = fields[kValue];
    if (!value.duplicate) {
        if (!value.present()) {
            addError(errors, line, "value", "required", "is required");
        } else if (!kind_known) {
            // Without a kind there is no rule to check the value against.
        } else if (out.kind == SampleKind::kStatus) {
            if (value.type != ValueType::kString) {
                addError(errors, line, "value", "wrong_type", "must be a string");
            } else if (value.text == "online") {
                out.value = 1;
            } else if (value.text == "offline") {
                out.value = 0;
            } else {
                addError(errors, line, "value", "invalid_enum",
                         "must be \"online\" or \"offline\"");
            }
        } else if (value.type == ValueType::kBool) {
            addError(errors, line, "value", "wrong_type", "must be a string or a number");
        } else {
            DecimalParseError why = DecimalParseError::kSyntax;
            const auto parsed = parseFixed(value.text, kValueDecimals, &why);
            if (parsed && *parsed >= 0) {
                out.value = *parsed;
            } else if (parsed || why == DecimalParseError::kOutOfRange) {
                addError(errors, line, "value", "out_of_range",
                         value.text.starts_with('-') ? "must not be negative" : "is too large");
            } else if (why == DecimalParseError::kTooManyDecimals) {
                addError(errors, line, "value", "too_many_decimals",
                         "allows at most 3 decimal places");
            } else {
                addError(errors, line, "value", "invalid_number",
                         "must be a plain decimal such as \"12.5\"");
            }
        }
    }
    return errors.size() == mark;
}

void addRow(TelemetryParse& out, std::size_t line, const Fields& fields, const ValidRow& valid) {
    TelemetryRow& row = out.rows.emplace_back();
    row.line = line;
    row.kind = valid.kind;
    row.equipment_id.assign(fields[kEquipmentId].text);
    row.pdu_port.assign(fields[kPduPort].text);
    row.ts = valid.ts;
    row.value = valid.value;
}

bool isJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// A strict scanner for one flat JSON object on one NDJSON line. Member values are strings,
// numbers, true, false or null; anything else (nesting included) makes the line malformed.
// The scanner's buffers are reused from line to line.
class NdjsonLineScanner {
public:
    // Fills `fields` and reports unknown and duplicate keys into `errors`. Returns nullptr, or
    // why the line is not such an object (errors added for the line are then meaningless).
    const char* scan(std::string_view line, std::size_t line_no, Fields& fields,
                     std::vector<TelemetryRowError>& errors) {
        p_ = line.data();
        end_ = line.data() + line.size();
        for (FieldValue& f : fields) f.reset();
        unknown_keys_count_ = 0;

        skipSpace();
        if (p_ == end_ || *p_ != '{') return "expected a JSON object";
        ++p_;
        skipSpace();
        if (p_ != end_ && *p_ == '}') {
            ++p_;
        } else {
            while (true) {
                if (p_ == end_ || *p_ != '"') return "expected a quoted member name";
                std::string_view key;
                if (const char* why = scanString(key_scratch_, key)) return why;
                skipSpace();
                if (p_ == end_ || *p_ != ':') return "expected ':' after a member name";
                ++p_;
                skipSpace();
                if (const char* why = scanValue(*target(key, line_no, fields, errors))) {
                    return why;
                }
                skipSpace();
                if (p_ == end_) return "unterminated object";
                if (*p_ == ',') {
                    ++p_;
                    skipSpace();
                    continue;
                }
                if (*p_ == '}') {
                    ++p_;
                    break;
                }
                return "expected ',' or '}'";
            }
        }
        skipSpace();
        if (p_ != end_) return "unexpected text after the object";
        return nullptr;
    }

private:
    void skipSpace() {
        while (p_ != end_ && isJsonSpace(*p_)) ++p_;
    }

    // Where the value for `key` goes: its field, or a throwaway slot for an unknown or
    // repeated key (which is reported here).
    FieldValue* target(std::string_view key, std::size_t line_no, Fields& fields,
                       std::vector<TelemetryRowError>& errors) {
        const int id = fieldId(key);
        if (id >= 0) {
            FieldValue& f = fields[static_cast<std::size_t>(id)];
            if (!f.seen) {
                f.seen = true;
                return &f;
            }
            if (!f.duplicate) {
                f.duplicate = true;
                addError(errors, line_no, key, "duplicate_field", "occurs more than once");
            }
            return &discard_;
        }
        const auto seen_end =
            unknown_keys_.begin() + static_cast<std::ptrdiff_t>(unknown_keys_count_);
        if (std::find(unknown_keys_.begin(), seen_end, key) == seen_end) {
            if (unknown_keys_count_ == unknown_keys_.size()) unknown_keys_.emplace_back();
            unknown_keys_[unknown_keys_count_++].assign(key);
            addError(errors, line_no, key, "unknown_field",
                     "is not one of kind, equipment_id, pdu_port, ts, value");
        }
        return &discard_;
    }

    const char* scanValue(FieldValue& field) {
        if (p_ == end_) return "expected a value";
        switch (*p_) {
            case '"':
                field.type = ValueType::kString;
                return scanString(field.scratch, field.text);
            case '-':
            case '0':
            case '1':
            case '2':
            case '3':
            case '4':
            case '5':
            case '6':
            case '7':
            case '8':
            case '9':
                field.type = ValueType::kNumber;
                return scanNumber(field.text);
            case 't':
                field.type = ValueType::kBool;
                field.text = "true";
                return literal("true");
            case 'f':
                field.type = ValueType::kBool;
                field.text = "false";
                return literal("false");
            case 'n':
                field.type = ValueType::kAbsent;
                field.text = {};
                return literal("null");
            case '{':
            case '[':
                return "nested objects and arrays are not allowed";
            default:
                return "expected a value";
        }
    }

    const char* literal(std::string_view word) {
        if (static_cast<std::size_t>(end_ - p_) < word.size() ||
            std::string_view(p_, word.size()) != word) {
            return "invalid literal";
        }
        p_ += word.size();
        return nullptr;
    }

    // JSON number syntax; `out` keeps the literal text.
    const char* scanNumber(std::string_view& out) {
        const char* start = p_;
        if (*p_ == '-') ++p_;
        if (p_ == end_ || !isDigit(*p_)) return "invalid number";
        if (*p_ == '0') {
            ++p_;
        } else {
            while (p_ != end_ && isDigit(*p_)) ++p_;
        }
        if (p_ != end_ && *p_ == '.') {
            ++p_;
            if (p_ == end_ || !isDigit(*p_)) return "invalid number";
            while (p_ != end_ && isDigit(*p_)) ++p_;
        }
        if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (p_ == end_ || !isDigit(*p_)) return "invalid number";
            while (p_ != end_ && isDigit(*p_)) ++p_;
        }
        out = std::string_view(start, static_cast<std::size_t>(p_ - start));
        return nullptr;
    }

    // p_ is at the opening quote. Without escapes `out` points into the line; with escapes the
    // decoded text is built in `scratch`.
    const char* scanString(std::string& scratch, std::string_view& out) {
        ++p_;
        const char* start = p_;
        while (p_ != end_) {
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                out = std::string_view(start, static_cast<std::size_t>(p_ - start));
                ++p_;
                return nullptr;
            }
            if (c == '\\') break;
            if (c < 0x20) return "control character in a string";
            if (c < 0x80) {
                ++p_;
                continue;
            }
            const std::size_t length = core::utf8SequenceLength(
                std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0);
            if (length == 0) return "invalid UTF-8";
            p_ += length;
        }
        if (p_ == end_) return "unterminated string";

        scratch.assign(start, p_);
        while (p_ != end_) {
            const auto c = static_cast<unsigned char>(*p_);
            if (c == '"') {
                out = scratch;
                ++p_;
                return nullptr;
            }
            if (c == '\\') {
                if (const char* why = scanEscape(scratch)) return why;
                continue;
            }
            if (c < 0x20) return "control character in a string";
            if (c < 0x80) {
                scratch.push_back(*p_++);
                continue;
            }
            const std::size_t length = core::utf8SequenceLength(
                std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0);
            if (length == 0) return "invalid UTF-8";
            scratch.append(p_, length);
            p_ += length;
        }
        return "unterminated string";
    }

    // p_ is at the backslash.
    const char* scanEscape(std::string& out) {
        ++p_;
        if (p_ == end_) return "unterminated string";
        const char e = *p_++;
        switch (e) {
            case '"':
            case '\\':
            case '/':
                out.push_back(e);
                return nullptr;
            case 'b':
                out.push_back('\b');
                return nullptr;
            case 'f':
                out.push_back('\f');
                return nullptr;
            case 'n':
                out.push_back('\n');
                return nullptr;
            case 'r':
                out.push_back('\r');
                return nullptr;
            case 't':
                out.push_back('\t');
                return nullptr;
            case 'u':
                break;
            default:
                return "invalid escape";
        }
        std::uint32_t cp = 0;
        if (!hex4(cp)) return "expected four hex digits after \\u";
        if (cp >= 0xDC00 && cp <= 0xDFFF) return "unpaired surrogate";
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return "unpaired surrogate";
            p_ += 2;
            std::uint32_t low = 0;
            if (!hex4(low)) return "expected four hex digits after \\u";
            if (low < 0xDC00 || low > 0xDFFF) return "unpaired surrogate";
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        core::appendUtf8(out, cp);
        return nullptr;
    }

    bool hex4(std::uint32_t& out) {
        if (end_ - p_ < 4) return false;
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            const int digit = core::hexDigitValue(*p_++);
            if (digit < 0) return false;
            value = value * 16 + static_cast<std::uint32_t>(digit);
        }
        out = value;
        return true;
    }

    const char* p_ = nullptr;
    const char* end_ = nullptr;
    std::string key_scratch_;
    FieldValue discard_;
    // Unknown keys seen on the current line; the first unknown_keys_count_ entries are live.
    std::vector<std::string> unknown_keys_;
    std::size_t unknown_keys_count_ = 0;
};

bool isBlankJsonLine(std::string_view line) {
    return std::all_of(line.begin(), line.end(), isJsonSpace);
}

TelemetryParse parseNdjson(std::string_view body) {
    TelemetryParse out;
    out.rows.reserve(static_cast<std::size_t>(std::count(body.begin(), body.end(), '\n')) + 1);
    NdjsonLineScanner scanner;
    Fields fields;
    std::size_t line_no = 0;
    std::size_t pos = 0;
    while (pos < body.size()) {
        ++line_no;
        const std::size_t newline = body.find('\n', pos);
        const std::size_t end = newline == std::string_view::npos ? body.size() : newline;
        const std::string_view line = body.substr(pos, end - pos);
        pos = end + 1;
        if (isBlankJsonLine(line)) continue;
        ++out.lines;
        const std::size_t mark = out.errors.size();
        if (const char* why = scanner.scan(line, line_no, fields, out.errors)) {
            out.errors.resize(mark);
            addError(out.errors, line_no, "", "malformed_json",
                     std::string("not a flat JSON object: ") + why);
            continue;
        }
        ValidRow valid;
        if (validateRow(line_no, fields, valid, out.errors) && out.errors.size() == mark) {
            addRow(out, line_no, fields, valid);
        }
    }
    return out;
}

TelemetryParse parseCsv(std::string_view body) {
    TelemetryParse out;
    // Header names are echoed in errors and ids stored: the body must be UTF-8 text.
    if (const std::size_t bad = core::firstInvalidUtf8(body); bad != std::string_view::npos) {
        out.fatal = true;
        addError(out.errors, core::lineOfOffset(body, bad), "", "malformed_csv",
                 "the body is not UTF-8 text");
        return out;
    }
    core::CsvReader reader(body);
    std::vector<std::string> cells;

    const auto fatal = [&](std::string_view field, std::string_view code,
                           std::string_view message) {
        out.fatal = true;
        addError(out.errors, reader.line(), field, code, message);
    };
    if (!reader.next(cells)) {
        if (reader.error().empty()) {
            out.fatal = true;
            addError(out.errors, 1, "", "malformed_csv",
                     "the body is empty; the first line names the columns");
        } else {
            fatal("", "malformed_csv", "header: " + reader.error());
        }
        return out;
    }

    std::vector<FieldId> columns;
    columns.reserve(cells.size());
    std::array<bool, kFieldCount> has{};
    for (std::size_t i = 0; i < cells.size(); ++i) {
        const std::string& name = cells[i];
        const int id = fieldId(name);
        if (name.empty()) {
            fatal("", "malformed_csv", "column " + std::to_string(i + 1) + " has no name");
        } else if (id < 0) {
            fatal(name, "unknown_field",
                  "is not a known column (kind, equipment_id, pdu_port, ts, value)");
        } else if (has[static_cast<std::size_t>(id)]) {
            fatal(name, "duplicate_field", "column occurs more than once");
        } else {
            has[static_cast<std::size_t>(id)] = true;
        }
        columns.push_back(id < 0 ? kFieldCount : static_cast<FieldId>(id));
    }
    for (const FieldId id : {kKind, kTs, kValue}) {
        if (!has[id]) fatal(kFieldNames[id], "required", "column is required");
    }
    if (!has[kEquipmentId] && !has[kPduPort]) {
        fatal("equipment_id", "required", "an equipment_id or pdu_port column is required");
    }
    if (out.fatal) return out;

    Fields fields;
    while (true) {
        if (!reader.next(cells)) {
            if (reader.error().empty()) break;
            ++out.lines;
            addError(out.errors, reader.line(), "", "malformed_csv", reader.error());
            continue;
        }
        ++out.lines;
        const std::size_t line_no = reader.line();
        if (cells.size() != columns.size()) {
            addError(out.errors, line_no, "", "malformed_csv",
                     "has " + std::to_string(cells.size()) + " fields, the header has " +
                         std::to_string(columns.size()));
            continue;
        }
        for (FieldValue& f : fields) f.reset();
        for (std::size_t i = 0; i < cells.size(); ++i) {
            FieldValue& f = fields[columns[i]];
            f.text = cells[i];
            f.type = f.text.empty() ? ValueType::kAbsent : ValueType::kString;
        }
        ValidRow valid;
        if (validateRow(line_no, fields, valid, out.errors)) addRow(out, line_no, fields, valid);
    }
    return out;
}

}  // namespace

TelemetryParse parseTelemetry(std::string_view body, TelemetryFormat format) {
    // Spreadsheets and some editors start a UTF-8 file with a byte order mark.
    constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
    if (body.starts_with(kByteOrderMark)) body.remove_prefix(kByteOrderMark.size());
    switch (format) {
        case TelemetryFormat::kNdjson:
            return parseNdjson(body);
        case TelemetryFormat::kCsv:
            return parseCsv(body);
    }
    return {};
}

std::string telemetryValueText(SampleKind kind, std::int64_t value) {
    if (kind == SampleKind::kStatus) return value != 0 ? "online" : "offline";
    return formatFixed(value, kValueDecimals);
}

std::string_view sampleKindName(SampleKind kind) {
    switch (kind) {
        case SampleKind::kEnergy:
            return "energy";
        case SampleKind::kPower:
            return "power";
        case SampleKind::kHashrate:
            return "hashrate";
        case SampleKind::kStatus:
            return "status";
    }
    return "unknown";
}

}  // namespace billwright::domain
