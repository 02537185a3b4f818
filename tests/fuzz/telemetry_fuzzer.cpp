// The telemetry body parser (domain::parseTelemetry): POST /v1/telemetry's NDJSON (a flat-object
// scanner, not the JSON tree) and CSV. Input: one byte picks the format, the rest is the body.
//
// Invariants: rows and errors come in line order and no line is both a row and an error; each
// row names exactly one of equipment_id / pdu_port, a known kind, a timestamp in 2000..9999 and a
// value its kind allows; a value's API text parses back to the stored value; a fatal CSV header
// leaves no rows; and (NDJSON) a line the scanner accepted is a JSON object for the strict JSON
// parser too, with the same kind and equipment reference.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "domain/decimal.h"
#include "domain/telemetry.h"
#include "fuzz_support.h"

using billwright::fuzz::check;
namespace core = billwright::core;
namespace domain = billwright::domain;

namespace {

constexpr std::int64_t kMinTimestamp = 946684800;     // 2000-01-01T00:00:00Z
constexpr std::int64_t kMaxTimestamp = 253402300799;  // 9999-12-31T23:59:59Z

std::vector<std::string_view> bodyLines(std::string_view body) {
    std::vector<std::string_view> lines;
    std::size_t pos = 0;
    while (pos < body.size()) {
        const std::size_t newline = body.find('\n', pos);
        const std::size_t end = newline == std::string_view::npos ? body.size() : newline;
        lines.push_back(body.substr(pos, end - pos));
        pos = end + 1;
    }
    return lines;
}

std::string memberText(const core::JsonValue& object, std::string_view key) {
    const core::JsonValue* v = object.find(key);
    return v != nullptr && v->isString() ? v->asString() : std::string();
}

void checkAgainstJsonTree(const domain::TelemetryRow& row, std::string_view line) {
    const auto tree = core::parseJson(line);
    check(tree.ok() && tree.value().isObject(),
          "a line the NDJSON scanner accepted is a JSON object", line);
    const core::JsonValue& object = tree.value();
    check(memberText(object, "kind") == domain::sampleKindName(row.kind),
          "the scanner read the kind the JSON tree has", line);
    check(memberText(object, "equipment_id") == row.equipment_id &&
              memberText(object, "pdu_port") == row.pdu_port,
          "the scanner read the equipment reference the JSON tree has", line);
    for (const auto& [key, value] : object.members()) {
        check(key == "kind" || key == "equipment_id" || key == "pdu_port" || key == "ts" ||
                  key == "value",
              "an accepted line has only known members", line);
        (void)value;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    billwright::fuzz::Input in(data, size);
    const bool csv = (in.byte() & 1) != 0;
    const std::string_view body = in.rest();
    const auto format = csv ? domain::TelemetryFormat::kCsv : domain::TelemetryFormat::kNdjson;
    const domain::TelemetryParse parse = domain::parseTelemetry(body, format);

    if (parse.fatal) {
        check(csv, "only a CSV header is fatal");
        check(parse.rows.empty() && !parse.errors.empty(), "a fatal header leaves no rows");
        return 0;
    }
    check(parse.rows.size() <= parse.lines, "no more rows than data lines");
    std::set<std::size_t> error_lines;
    std::size_t previous = 0;
    for (const auto& e : parse.errors) {
        check(e.line >= previous, "errors come in line order");
        check(!e.code.empty(), "every error has a code");
        previous = e.line;
        error_lines.insert(e.line);
    }
    // The parser drops one leading byte order mark before it numbers lines; so does this
    // check (a BOM on the first line is not part of the line the scanner read).
    std::string_view text = body;
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    const auto lines = bodyLines(text);
    previous = 0;
    for (const auto& row : parse.rows) {
        check(row.line > previous, "rows come in line order, one per line");
        previous = row.line;
        check(row.line >= 1 && row.line <= lines.size() + 1, "a row's line is in the body");
        check(error_lines.count(row.line) == 0, "a line with an error is not a row");
        check(row.equipment_id.empty() != row.pdu_port.empty(),
              "a row names exactly one of equipment_id and pdu_port");
        check(row.ts >= kMinTimestamp && row.ts <= kMaxTimestamp, "a row's ts is in range");
        switch (row.kind) {
            case domain::SampleKind::kStatus:
                check(row.value == 0 || row.value == 1, "a status is 0 or 1");
                check(domain::telemetryValueText(row.kind, row.value) ==
                          (row.value == 1 ? "online" : "offline"),
                      "a status reads back as online / offline");
                break;
            case domain::SampleKind::kEnergy:
            case domain::SampleKind::kPower:
            case domain::SampleKind::kHashrate: {
                check(row.value >= 0, "a quantity is not negative");
                const auto back =
                    domain::parseFixed(domain::telemetryValueText(row.kind, row.value), 3);
                check(back.has_value() && *back == row.value,
                      "a value's API text parses back to the stored value");
                break;
            }
            default:
                check(false, "a row has a known kind");
        }
        if (!csv) checkAgainstJsonTree(row, lines.at(row.line - 1));
    }
    return 0;
}
